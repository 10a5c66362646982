package dev.vigil.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The number-to-owner registry behind Descriptor: paged slots, and a map past the pages. */
class OwnerTableTest {

    @Test
    void putGetRemoveWithinAPageAcrossPagesAndBeyondThem() {
        OwnerTable<String> table = new OwnerTable<>();
        int[] numbers = {0, 1, 1023, 1024, 5000, OwnerTable.PAGED - 1, OwnerTable.PAGED, Integer.MAX_VALUE};
        for (int n : numbers) {
            assertNull(table.get(n));
            assertNull(table.putIfAbsent(n, "a" + n));
            assertEquals("a" + n, table.putIfAbsent(n, "b" + n), "putIfAbsent must not replace an entry");
            assertEquals("a" + n, table.get(n));
        }
        assertEquals(numbers.length, table.size());
        for (int n : numbers) {
            String owner = table.get(n);
            table.remove(n, "someone else");
            assertSame(owner, table.get(n), "remove of another owner must leave the entry");
            String replacement = "c" + n;
            table.put(n, replacement);
            assertSame(replacement, table.get(n), "put replaces");
            table.remove(n, new String(replacement)); // an equal owner is not the owner: identity counts
            assertSame(replacement, table.get(n));
            table.remove(n, replacement);
            assertNull(table.get(n));
        }
        assertEquals(0, table.size());
    }

    @Test
    void negativeNumbersAreRefused() {
        OwnerTable<String> table = new OwnerTable<>();
        assertThrows(IllegalArgumentException.class, () -> table.put(-1, "x"));
        assertThrows(IllegalArgumentException.class, () -> table.putIfAbsent(-5, "x"));
        assertNull(table.get(-1));
        table.remove(-1, "x"); // nothing to remove, and no exception
    }

    @Test
    void racingClaimsOfOneNumberHaveExactlyOneWinnerEachRound() throws Exception {
        OwnerTable<Integer> table = new OwnerTable<>();
        int threads = 4;
        int rounds = 20_000;
        AtomicInteger[] wins = new AtomicInteger[rounds];
        for (int r = 0; r < rounds; r++) {
            wins[r] = new AtomicInteger();
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int r = 0; r < rounds; r++) {
                    int number = 3000 + r % 2048; // the same numbers again, across two pages
                    if (table.putIfAbsent(number, r * threads + me) == null) {
                        wins[r].incrementAndGet();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread t : all) {
            t.join();
        }
        // every number was claimed in its first round only, by exactly one thread
        for (int r = 0; r < rounds; r++) {
            assertEquals(r < 2048 ? 1 : 0, wins[r].get(), "round " + r);
        }
        assertEquals(2048, table.size());
    }
}
