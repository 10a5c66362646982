package dev.vigil.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** A token names its member only while that member holds the index; a reused index gets a new generation. */
class TokenTableTest {
    private record Member(String name, int generation) {}

    private static long add(TokenTable<Member> table, String name, Member[] into) {
        int index = table.takeIndex();
        int generation = table.newGeneration(index);
        into[0] = new Member(name, generation);
        table.publish(index, into[0]);
        return TokenTable.token(index, generation);
    }

    @Test
    void aTokenOfARemovedMemberNamesNothingEvenAfterItsIndexIsReused() {
        TokenTable<Member> table = new TokenTable<>(2, Member::generation);
        Member[] first = new Member[1];
        long old = add(table, "first", first);
        assertSame(first[0], table.live(table.snapshot(), old));
        table.clear((int) old);
        table.giveBack((int) old);
        assertNull(table.live(table.snapshot(), old), "a removed member");
        Member[] second = new Member[1];
        long now = add(table, "second", second);
        assertEquals((int) old, (int) now, "the index is reused");
        assertNull(table.live(table.snapshot(), old), "the old token must not reach the new member");
        assertSame(second[0], table.live(table.snapshot(), now));
    }

    @Test
    void aSnapshotTakenBeforeTheTableGrewStillResolvesNewTokens() {
        TokenTable<Member> table = new TokenTable<>(2, Member::generation);
        Object[] before = table.snapshot();
        Member[] m = new Member[1];
        long last = 0;
        for (int i = 0; i < 5; i++) {
            last = add(table, "m" + i, m);
        }
        assertSame(m[0], table.live(before, last));
        assertNull(table.live(before, TokenTable.token(-1, 1)), "a negative index names nothing");
        assertNull(table.live(before, TokenTable.token(1000, 1)), "an index past the end names nothing");
    }
}
