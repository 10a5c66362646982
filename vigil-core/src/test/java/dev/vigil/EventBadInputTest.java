package dev.vigil;

import dev.vigil.internal.Cleanup;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import static dev.vigil.EventWaitResult.SIGNALED;
import static dev.vigil.EventWaitResult.TIMED_OUT;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets a clear error and leaves the Event usable or cleanly closed. */
class EventBadInputTest {

    @Test
    void nullTimeoutIsRejectedWithAMessage() throws Exception {
        try (Event e = new Event()) {
            NullPointerException x = assertThrows(NullPointerException.class, () -> e.await(null));
            assertTrue(x.getMessage().contains("timeout"), x.getMessage());
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO));
        }
    }

    @Test
    void negativeTimeoutIsRejected() throws Exception {
        try (Event e = new Event()) {
            e.signal();
            assertThrows(IllegalArgumentException.class, () -> e.await(Duration.ofNanos(-1)));
            assertThrows(IllegalArgumentException.class, () -> e.await(Duration.ofSeconds(Long.MIN_VALUE)));
            assertEquals(SIGNALED, e.await(Duration.ZERO), "a rejected call must not consume the signal");
        }
    }

    @Test
    void writeCountOfAValueNoCounterHoldsIsIllegalArgument() throws Exception {
        try (Event e = new Event()) {
            assertThrows(IllegalArgumentException.class, () -> e.writeCount(-1)); // 2^64 - 1
            assertEquals(TIMED_OUT, e.await(Duration.ZERO), "nothing may have been written");
        }
    }

    @Test
    void countsOfTwoToTheSixtyThreeAndMoreAreWrittenAsUnsigned() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(Long.MIN_VALUE); // 2^63
            assertEquals(Long.MIN_VALUE, e.readCount());
        }
    }

    @Test
    void aFullCounterTakesNoSignalAndSignalsNeverBlock() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(Event.COUNT_LIMIT);
            for (int i = 0; i < 1000; i++) {
                e.signal();                                           // full: already signalled
            }
            assertEquals(Event.COUNT_LIMIT, e.readCount());
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    @Test
    void fromRawDescriptorRejectsNegativeNumbers() {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Event.fromRawDescriptor(-1));
        assertTrue(x.getMessage().contains("-1"), x.getMessage());
    }

    @Test
    void fromRawDescriptorRejectsANumberThatIsNotOpen() {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Event.fromRawDescriptor(19_999));
        assertTrue(x.getMessage().contains("not open"), x.getMessage());
    }

    @Test
    void fromRawDescriptorRejectsADescriptorThatIsNotAnEventfdAndLeavesItOpen() throws Exception {
        int[] pipe = TestNative.pipe();
        try {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> Event.fromRawDescriptor(pipe[0]));
            assertTrue(x.getMessage().contains("not an eventfd"), x.getMessage());
            assertTrue(Files.exists(Path.of("/proc/self/fd/" + pipe[0]), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    "a rejected descriptor must not be closed");
        } finally {
            TestNative.close(pipe[0]);
            TestNative.close(pipe[1]);
        }
    }

    @Test
    void fromRawDescriptorRefusesASemaphoreEventfdAndLeavesItOpen() throws Exception {
        int fd = TestNative.eventfd(0, TestNative.EFD_SEMAPHORE | TestNative.EFD_CLOEXEC);
        try {
            IllegalArgumentException x = adoptionRefused(fd);
            assertTrue(x.getMessage().contains("EFD_SEMAPHORE"), x.getMessage());
            assertTrue(TestNative.fcntl(fd, TestNative.F_GETFD) >= 0, "a refused descriptor must not be closed");
            TestNative.writeLong(fd, 5);
            assertEquals(1, TestNative.readLong(fd), "it is still the caller's semaphore eventfd");
        } finally {
            TestNative.close(fd);
        }
    }

    /**
     * The exception {@code Event.fromRawDescriptor(fd)} refuses {@code fd} with. Should it adopt
     * the number instead, the test fails with the number given back, so the caller still owns it.
     */
    static IllegalArgumentException adoptionRefused(int fd) throws Exception {
        Event adopted;
        try {
            adopted = Event.fromRawDescriptor(fd);
        } catch (IllegalArgumentException refused) {
            return refused;
        }
        adopted.intoRawDescriptor();
        throw new AssertionError("descriptor " + fd + " was adopted as an Event");
    }

    @Test
    void fromRawDescriptorRefusesANumberVigilAlreadyOwns() throws Exception {
        try (Event e = new Event()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> Event.fromRawDescriptor(e.rawDescriptor()));
            assertTrue(x.getMessage().contains("duplicate()"), x.getMessage());
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO), "the owner is unaffected");
        }
    }

    @Test
    void intoRawDescriptorGivesUpOwnershipWithoutClosing() throws Exception {
        Event e = new Event();
        e.signal();
        int raw = e.intoRawDescriptor();
        assertTrue(e.isClosed());
        assertThrows(ClosedException.class, e::signal);
        assertThrows(IllegalStateException.class, e::rawDescriptor);
        e.close(); // must not close the number it gave away
        assertEquals(1, TestNative.readLong(raw), "the number is still open and keeps the count");
        try (Event back = Event.fromRawDescriptor(raw)) {
            back.signal();
            assertEquals(SIGNALED, back.await(Duration.ZERO));
        }
    }

    @Test
    void everyCallAfterCloseIsAClearClosedException() throws Exception {
        Event e = new Event();
        e.close();
        for (Executable call : new Executable[] {e::signal, () -> e.writeCount(1), e::await,
                () -> e.await(Duration.ZERO), () -> e.await(Duration.ofSeconds(1)), e::readCount, e::reset,
                e::duplicate, e::intoRawDescriptor}) {
            ClosedException x = assertThrows(ClosedException.class, call::run);
            assertTrue(x.getMessage().contains("closed"), x.getMessage());
        }
        IllegalStateException x = assertThrows(IllegalStateException.class, e::rawDescriptor);
        assertTrue(x.getMessage().contains("closed"), x.getMessage());
        assertFalse(e.equals(new Object()));
    }

    @Test
    void doubleCloseIsHarmless() throws Exception {
        Event e = new Event();
        Event other = new Event();
        try {
            e.close();
            assertDoesNotThrow(e::close);
            other.signal();  // a double close must not have closed a reused number
            assertEquals(SIGNALED, other.await(Duration.ZERO));
        } finally {
            other.close();
        }
    }

    @Test
    void unreachableUnclosedEventIsClosedByTheCleanerAndReported() throws Exception {
        long before = Cleanup.unclosedCount();
        // A count no other eventfd here holds: with the kernel's eventfd-id it tells the
        // abandoned file apart from any file that later gets its number. Other garbage may
        // raise unclosedCount meanwhile, so the wait is on the number itself.
        long mark = 0x5EED_0000_0000L | ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
        Abandoned abandoned = abandonAnEvent(mark);
        for (int i = 0; i < 500 && (abandoned.stillOpen() || Cleanup.unclosedCount() == before); i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertFalse(abandoned.stillOpen(), "fd " + abandoned.number + " is still the abandoned eventfd");
        assertTrue(Cleanup.unclosedCount() > before, "the cleaner closed the abandoned Event without reporting it");
    }

    /** The number of an Event nobody refers to any more, and what identified its file. */
    private record Abandoned(int number, long kernelId, long mark) {
        /** Whether {@code number} still names the abandoned eventfd (same kernel id, same count). */
        boolean stillOpen() throws Exception {
            if (!"anon_inode:[eventfd]".equals(dev.vigil.internal.ProcFs.describe(number))) {
                return false;
            }
            try {
                return dev.vigil.internal.ProcFs.fdinfoField(number, "eventfd-id", 10) == kernelId
                        && dev.vigil.internal.ProcFs.fdinfoField(number, "eventfd-count", 16) == mark;
            } catch (NoSuchFileException closedJustNow) {
                return false;
            }
        }
    }

    private static Abandoned abandonAnEvent(long mark) throws Exception {
        Event e = new Event();
        e.writeCount(mark);
        int number = e.rawDescriptor();
        Abandoned abandoned = new Abandoned(number, dev.vigil.internal.ProcFs.fdinfoField(number, "eventfd-id", 10), mark);
        assertTrue(abandoned.stillOpen(), "the mark is not visible in fdinfo");
        java.lang.ref.Reference.reachabilityFence(e); // not collectable before the check above
        return abandoned;
    }

    @FunctionalInterface
    interface Executable {
        void run() throws Exception;
    }
}
