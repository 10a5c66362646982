package dev.vigil;

import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.vigil.EventWaitResult.SIGNALED;
import static dev.vigil.EventWaitResult.TIMED_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §3 items 1-4, 7 and 8: what a single Event does. */
class EventTest {

    // 1. A new Event is unsignalled.

    @Test
    void newEventIsUnsignalled() throws Exception {
        try (Event e = new Event()) {
            assertEquals(TIMED_OUT, e.await(Duration.ofMillis(1)));
        }
    }

    @Test
    void awaitZeroChecksWithoutBlocking() throws Exception {
        try (Event e = new Event()) {
            assertEquals(TIMED_OUT, e.await(Duration.ZERO)); // returns: the suite's timeout catches a block
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO));
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    // 2. signal then await; coalescing; counts add up.

    @Test
    void signalThenAwaitReturnsAtOnceAndConsumesTheSignal() throws Exception {
        try (Event e = new Event()) {
            e.signal();
            e.await();
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    @Test
    void manySignalsBeforeOneWaitCoalesce() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 100; i++) {
                e.signal();
            }
            assertEquals(SIGNALED, e.await(Duration.ofSeconds(5)));
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    @Test
    void writeCountsAddUpInReadCount() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(40);
            e.writeCount(2);
            assertEquals(42, e.readCount());
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    @Test
    void signalsAndWriteCountsShareOneCounter() throws Exception {
        try (Event e = new Event()) {
            e.signal();
            e.writeCount(1_000_000_000_000L);
            e.signal();
            assertEquals(1_000_000_000_002L, e.readCount());
        }
    }

    @Test
    void writeCountZeroDoesNothing() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(0);
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    // 3. reset.

    @Test
    void resetClearsASignalledEvent() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(7);
            e.reset();
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    @Test
    void resetOnAnUnsignalledEventReturnsAtOnce() throws Exception {
        try (Event e = new Event()) {
            e.reset();
            e.reset();
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO));
        }
    }

    // 4. duplicates and equality.

    @Test
    void duplicateSharesStateBothWays() throws Exception {
        try (Event e = new Event(); Event d = e.duplicate()) {
            e.signal();
            assertEquals(SIGNALED, d.await(Duration.ZERO));
            d.writeCount(5);
            assertEquals(5, e.readCount());
        }
    }

    @Test
    void duplicateHasItsOwnDescriptorNumber() throws Exception {
        try (Event e = new Event(); Event d = e.duplicate()) {
            assertNotEquals(e.rawDescriptor(), d.rawDescriptor());
            int flags = TestNative.fcntl(d.rawDescriptor(), TestNative.F_GETFD);
            assertEquals(1, flags & 1, "the duplicate must be close-on-exec");
        }
    }

    @Test
    void closingOneDuplicateLeavesTheOtherWorking() throws Exception {
        try (Event e = new Event()) {
            Event d = e.duplicate();
            d.close();
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO));
            try (Event d2 = e.duplicate()) {
                e.close();
                d2.signal();
                assertEquals(SIGNALED, d2.await(Duration.ZERO));
            }
        }
    }

    @Test
    void equalsHoldsBetweenDuplicatesAndHashCodesAgree() throws Exception {
        try (Event e = new Event(); Event d = e.duplicate(); Event dd = d.duplicate()) {
            assertEquals(e, d);
            assertEquals(d, e);
            assertEquals(e, dd);
            assertEquals(e.hashCode(), d.hashCode());
            assertEquals(e.hashCode(), dd.hashCode());
        }
    }

    @Test
    void equalsFailsBetweenDistinctEvents() throws Exception {
        try (Event a = new Event(); Event b = new Event()) {
            assertNotEquals(a, b);
            assertNotEquals(b, a);
            assertFalse(a.equals(null));
            assertFalse(a.equals("Event"));
        }
    }

    @Test
    void equalsRecognisesTheSameEventfdAdoptedFromARawNumber() throws Exception {
        // The raw number given up and adopted again is a new Java object on the same eventfd:
        // the kernel's eventfd-id leads it to the identity of the Events open on it.
        try (Event e = new Event(); Event d = e.duplicate()) {
            int raw = d.intoRawDescriptor();
            try (Event adopted = Event.fromRawDescriptor(raw)) {
                assertEquals(e, adopted);
                assertEquals(e.hashCode(), adopted.hashCode());
                e.signal();
                assertEquals(SIGNALED, adopted.await(Duration.ZERO));
            }
        }
    }

    // 7. Timeouts never end early; huge durations do not overflow.

    @Test
    void timedAwaitNeverReturnsTimedOutBeforeTheDuration() throws Exception {
        try (Event e = new Event()) {
            for (Duration d : new Duration[] {Duration.ofNanos(1), Duration.ofNanos(999_999), Duration.ofMillis(1),
                    Duration.ofMillis(7), Duration.ofMillis(30)}) {
                long start = System.nanoTime();
                assertEquals(TIMED_OUT, e.await(d));
                long elapsed = System.nanoTime() - start;
                assertTrue(elapsed >= d.toNanos(), "await(" + d + ") returned after only " + elapsed + " ns");
            }
        }
    }

    @Test
    void deadlineIsKeptAcrossEintr() throws Exception {
        try (Event e = new Event()) {
            Duration timeout = Duration.ofMillis(300);
            Worker waiter = Worker.platform(() -> {
                long start = System.nanoTime();
                EventWaitResult r = e.await(timeout);
                return r == TIMED_OUT ? System.nanoTime() - start : -1L;
            });
            while (!waiter.isDone()) { // each signal interrupts ppoll with EINTR
                TestNative.tgkill(waiter.tid(), TestNative.SIGPIPE);
                Thread.sleep(3); // spaces the signals out; nothing here depends on how long
            }
            long elapsed = (Long) waiter.value();
            assertTrue(elapsed >= timeout.toNanos(), "timed out early after EINTR: " + elapsed + " ns");
        }
    }

    @Test
    void hugeDurationsMeanPracticallyForever() throws Exception {
        Duration[] huge = {Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE, 999_999_999),
                Duration.ofDays(365L * 10_000), Duration.ofNanos(Long.MAX_VALUE)};
        try (Event e = new Event()) {
            for (Duration d : huge) {
                Worker w = Worker.platform(() -> e.await(d));
                w.awaitBlockedIn("ppoll"); // fails at once if the wait returned: an overflow to a past deadline
                e.signal();
                assertEquals(SIGNALED, w.value(), "await(" + d + ")");
            }
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ofSeconds(Long.MAX_VALUE))); // fast path too
        }
    }

    // 8. An ordinary blocking, close-on-exec eventfd that other programs can use.

    @Test
    void descriptorIsAnOrdinaryBlockingCloseOnExecEventfd() throws Exception {
        try (Event e = new Event()) {
            int fd = e.rawDescriptor();
            assertEquals("anon_inode:[eventfd]", java.nio.file.Files.readSymbolicLink(
                    java.nio.file.Path.of("/proc/self/fd/" + fd)).toString());
            assertEquals(0, TestNative.fcntl(fd, TestNative.F_GETFL) & 0x800, "must be in blocking mode");
            assertEquals(1, TestNative.fcntl(fd, TestNative.F_GETFD) & 1, "must be close-on-exec");
            e.signal();
            e.await(Duration.ofMillis(1));
            e.await(Duration.ofMillis(1));
            e.reset();
            assertEquals(0, TestNative.fcntl(fd, TestNative.F_GETFL) & 0x800, "waits must not flip O_NONBLOCK");
        }
    }

    @Test
    void plainReadAndWriteOnTheNumberInteroperate() throws Exception {
        try (Event e = new Event()) {
            assertEquals(8, TestNative.writeLong(e.rawDescriptor(), 3));
            assertEquals(3, e.readCount());
            e.writeCount(9);
            assertEquals(9, TestNative.readLong(e.rawDescriptor()));
        }
    }

    @Test
    void toStringNamesTheDescriptorAndState() throws Exception {
        Event e = new Event();
        int fd = e.rawDescriptor();
        assertEquals("Event[fd=" + fd + "]", e.toString());
        e.close();
        assertEquals("Event[closed]", e.toString());
    }
}
