package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.internal.linux.Native;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The epoll set both WaitContext and the reactor stand on, tested directly: tokens that go
 * stale, and the rules for a member whose number was closed and reused.
 */
class EpollSetTest {
    private record M(int fd, int index, int generation, String name) implements EpollSet.Member {}

    private final List<Integer> opened = new ArrayList<>();
    private EpollSet<M> set;

    @AfterEach
    void closeAll() {
        if (set != null) {
            set.descriptor().close();
        }
        opened.forEach(TestNative::close);
    }

    /** A readable eventfd (count 1). */
    private int readableEventfd() {
        int fd = TestNative.eventfd(1, TestNative.EFD_CLOEXEC);
        opened.add(fd);
        return fd;
    }

    private M add(int fd, String name) throws Exception {
        return set.add(fd, EpollEvents.interest(true, false), (i, g) -> new M(fd, i, g, name));
    }

    /** The names of the live members the next wait reports. */
    private List<String> ready() throws Exception {
        int raw = set.descriptor().acquire();
        try {
            int n = set.poll(Native.Scratch.get(), raw, 0);
            Object[] table = set.snapshot();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                M m = set.member(table, i);
                if (m != null) {
                    names.add(m.name());
                }
            }
            return names;
        } finally {
            set.descriptor().release();
        }
    }

    @Test
    void aRemovedMembersEventsResolveToNothingEvenWhenItsIndexIsReused() throws Exception {
        set = new EpollSet<>("test", 8, true);
        int a = readableEventfd();
        M first = add(a, "first");
        assertEquals(List.of("first"), ready());
        set.remove(first);
        assertEquals(List.of(), ready());

        M second = add(a, "second");
        assertEquals(first.index(), second.index(), "the freed index is taken again");
        assertNotEquals(first.generation(), second.generation());
        assertEquals(List.of("second"), ready());
    }

    @Test
    void anAddOfANumberAlreadyInTheSetChangesNothing() throws Exception {
        set = new EpollSet<>("test", 8, true);
        int a = readableEventfd();
        M first = add(a, "first");
        assertNull(add(a, "again"));
        assertSame(first, set.member(a));
        assertEquals(List.of("first"), ready());
    }

    /**
     * A member's number is closed while a duplicate keeps its file (so the kernel keeps the
     * old entry) and is reused by another file: the new file's add succeeds, and removing the
     * stale member must not delete the new one (EPOLL_CTL_DEL names only a number).
     */
    @Test
    void removingAStaleMemberLeavesTheNumbersNewMemberInTheKernel() throws Exception {
        set = new EpollSet<>("test", 8, false);
        int a = readableEventfd();
        M stale = add(a, "stale");
        int keep = TestNative.dup(a); // keeps the old file open, and so its epoll entry
        opened.add(keep);
        TestNative.close(a);
        opened.remove((Integer) a);
        int b = TestNative.eventfd(1, TestNative.EFD_CLOEXEC); // the lowest free number: a's
        opened.add(b);
        assertEquals(a, b, "the number was reused");

        M fresh = add(b, "fresh");
        assertNotNull(fresh, "the kernel takes the new file under the old number");
        assertSame(fresh, set.member(b));
        assertEquals(2, List.copyOf(ready()).size(), "the old file still reports, with its own token");
        assertTrue(ready().containsAll(List.of("stale", "fresh")));

        set.remove(stale);
        assertEquals(List.of("fresh"), ready(), "the new member is still in the kernel's list");
        assertSame(fresh, set.member(b));
    }

    @Test
    void aStaleMemberIsForgottenWhenItsNumberIsAddedAgainIfTheOwnerAsksForIt() throws Exception {
        set = new EpollSet<>("test", 8, true);
        int a = readableEventfd();
        M stale = add(a, "stale");
        TestNative.close(a); // the only holder: the kernel forgets the entry with the file
        opened.remove((Integer) a);
        int b = readableEventfd();
        assertEquals(a, b, "the number was reused");

        M fresh = add(b, "fresh");
        assertEquals(1, set.size());
        assertEquals(stale.index(), add(readableEventfd(), "third").index(), "the stale member's index was given back");
        assertEquals(List.of("fresh", "third"), ready().stream().sorted().toList());
        assertSame(fresh, set.member(b));
    }

    @Test
    void aModifyOfAMemberWhoseFileWasClosedSaysSoAndChangesNothing() throws Exception {
        set = new EpollSet<>("test", 8, true);
        int a = readableEventfd();
        M m = add(a, "m");
        TestNative.close(a);
        opened.remove((Integer) a);
        assertTrue(!set.modify(new M(a, m.index(), m.generation(), "changed"), EpollEvents.interest(true, true)));
        assertSame(m, set.member(a));
    }

    @Test
    void changesToAClosedSetFailCleanlyAndRemoveStillForgets() throws Exception {
        set = new EpollSet<>("test", 8, true);
        int a = readableEventfd();
        M m = add(a, "m");
        set.descriptor().close();
        assertThrows(ClosedException.class, () -> add(readableEventfd(), "late"));
        set.remove(m);
        assertNull(set.member(a));
    }
}
