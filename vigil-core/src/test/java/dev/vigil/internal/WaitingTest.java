package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Unistd;
import dev.vigil.testing.Blocked;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Waiting}, the one wait loop, on a non-blocking eventfd whose count is the thing
 * waited for: it keeps the deadline across wake-ups that find nothing, an interrupt ends it
 * with {@link InterruptedException} (status cleared, nothing consumed), a close ends it with
 * {@link ClosedException}, and close wins over an interrupt. Platform threads wait in
 * {@code ppoll}, virtual threads park.
 */
class WaitingTest {
    private final int number = TestNative.eventfd(0, TestNative.EFD_CLOEXEC | TestNative.O_NONBLOCK);
    private final Descriptor fd = Descriptor.adoptNew(number, "Thing");
    private final WaitSlot slot = new WaitSlot("Thing");
    private final Object through = new Object();
    /** Calls of {@link #take}. */
    private final AtomicInteger attempts = new AtomicInteger();

    @AfterEach
    void closeTheEventfd() {
        fd.close();
    }

    /** The attempt under test: takes the whole count, or returns NOT_YET if there is none. */
    private long take(Native.Scratch s, int raw) {
        attempts.incrementAndGet();
        long n = Unistd.read(s, raw, s.word, 8);
        return n == 8 ? s.word.get(Native.C_LONG, 0) : Waiting.NOT_YET;
    }

    /** An attempt that never finds anything, as if another process took every count first. */
    private long findNothing(Native.Scratch s, int raw) {
        attempts.incrementAndGet();
        return Waiting.NOT_YET;
    }

    private void add(long n) {
        assertEquals(8, TestNative.writeLong(number, n));
    }

    /** The count now, without taking it. */
    private long count() throws Exception {
        return ProcFs.fdinfoField(number, "eventfd-count", 16);
    }

    private Worker waiter(boolean virtual, long nanos) throws InterruptedException {
        return Worker.start(virtual, () -> {
            try {
                return Waiting.await(fd, slot, through, nanos, this::take, "Thing");
            } catch (InterruptedException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new AssertionError("InterruptedException with the interrupt status still set", e);
                }
                throw e;
            }
        });
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void aWaitEndsWithTheAttemptsResultOnceTheDescriptorIsReady(boolean virtual) throws Exception {
        Worker w = waiter(virtual, Deadline.FOREVER);
        w.awaitBlockedIn("ppoll");
        assertTrue(slot.isClaimed(), "the waiter holds the slot");
        add(7);
        assertEquals(7L, w.value());
        assertFalse(slot.isClaimed(), "the slot is given back");
    }

    @Test
    void aWaitOfZeroTriesOnceAndReturnsNotYet() throws Exception {
        assertEquals(Waiting.NOT_YET, Waiting.await(fd, slot, through, 0, this::take, "Thing"));
        assertEquals(1, attempts.get());
        add(2);
        assertEquals(2L, Waiting.await(fd, slot, through, 0, this::take, "Thing"));
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void theDeadlineIsKeptAcrossWakeUpsThatFindNothing(boolean virtual) throws Exception {
        // A writer keeps the eventfd ready (each write is a new edge for a parked waiter) and
        // the attempt never finds anything: every wake-up is spurious. The wait must still end
        // when its time is up, neither earlier nor never.
        long total = TimeUnit.MILLISECONDS.toNanos(100);
        AtomicBoolean stop = new AtomicBoolean();
        Worker writer = Worker.platform(() -> {
            int writes = 0;
            while (!stop.get()) {
                add(1);
                writes++;
                Thread.yield();
            }
            return writes;
        });
        try {
            Worker w = Worker.start(virtual, () -> {
                long start = System.nanoTime();
                long r = Waiting.await(fd, slot, through, total, this::findNothing, "Thing");
                return r == Waiting.NOT_YET ? System.nanoTime() - start : -r;
            });
            long elapsed = (Long) w.value();
            assertTrue(elapsed >= total, "the wait gave up after " + elapsed + " ns of " + total);
            assertTrue(attempts.get() > 2, "only " + attempts.get() + " attempts: the wake-ups under test never happened");
        } finally {
            stop.set(true);
            writer.value();
        }
    }

    @Test
    void aSignalThatEndsThePollEarlyDoesNotEndTheWait() throws Exception {
        Worker w = waiter(false, Deadline.FOREVER);
        for (int i = 0; i < 5; i++) {
            w.awaitBlockedIn("ppoll");
            TestNative.tgkill(w.tid(), TestNative.SIGPIPE); // EINTR, for no reason the wait knows
            Blocked.awaitSignalTaken(w.tid(), TestNative.SIGPIPE);
        }
        w.awaitBlockedIn("ppoll");
        assertFalse(w.isDone(), "EINTR ended the wait: " + w.outcomeNow());
        add(3);
        assertEquals(3L, w.value());
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptEndsTheWaitWithTheStatusClearedAndTheSlotGivenBack(boolean virtual) throws Exception {
        Worker w = waiter(virtual, Deadline.FOREVER);
        w.awaitBlockedIn("ppoll");
        w.interrupt();
        assertInstanceOf(InterruptedException.class, w.outcome());
        assertFalse(slot.isClaimed());
        add(4);
        assertEquals(4L, Waiting.await(fd, slot, through, Deadline.FOREVER, this::take, "Thing"), "usable afterwards");
    }

    @Test
    void anInterruptBeforeTheWaitConsumesNothingThatIsReady() throws Exception {
        add(5);
        Thread.currentThread().interrupt();
        try {
            assertThrows(InterruptedException.class, () -> Waiting.await(fd, slot, through, Deadline.FOREVER, this::take, "Thing"));
            assertFalse(Thread.interrupted(), "the interrupt status is cleared");
            Thread.currentThread().interrupt();
            slot.claim(Thread.currentThread(), through);
            try {
                assertThrows(InterruptedException.class, () -> Waiting.awaitClaimed(fd, slot, Deadline.FOREVER, this::take, "Thing"));
                assertFalse(Thread.interrupted(), "the interrupt status is cleared");
            } finally {
                slot.unclaim();
            }
        } finally {
            Thread.interrupted();
        }
        assertEquals(0, attempts.get(), "an interrupted wait made an attempt");
        assertEquals(5, count(), "an interrupted wait consumed the count");
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void aCloseEndsTheWaitWithClosedException(boolean virtual) throws Exception {
        Worker w = waiter(virtual, Deadline.FOREVER);
        w.awaitBlockedIn("ppoll");
        fd.close();       // the closer marks the object closed first ...
        slot.wake(through); // ... then wakes the waiter through the slot
        ClosedException x = assertInstanceOf(ClosedException.class, w.outcome());
        assertEquals("Thing was closed while a thread waited on it", x.getMessage());
        assertFalse(slot.isClaimed());
    }

    @Test
    void closeWinsOverAnInterruptAndAnInterruptAloneClearsTheStatus() throws Exception {
        Waiting.endIfClosedOrInterrupted(fd, false, "Thing"); // neither: the caller goes on

        Thread.currentThread().interrupt();
        try {
            assertThrows(InterruptedException.class, () -> Waiting.endIfClosedOrInterrupted(fd, true, "Thing"));
            assertFalse(Thread.currentThread().isInterrupted(), "an interrupt that ends the wait is cleared");

            fd.close();
            Thread.currentThread().interrupt();
            ClosedException x = assertThrows(ClosedException.class, () -> Waiting.endIfClosedOrInterrupted(fd, true, "Thing"));
            assertEquals("Thing was closed while a thread waited on it", x.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt that lost to the close is not lost");
        } finally {
            Thread.interrupted();
        }
    }
}
