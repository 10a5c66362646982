package dev.vigil;

import dev.vigil.internal.Kick;
import dev.vigil.testing.Blocked;
import dev.vigil.testing.PythonPeer;
import dev.vigil.testing.Spin;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.vigil.EventWaitResult.SIGNALED;
import static dev.vigil.EventWaitResult.TIMED_OUT;
import static dev.vigil.testing.Worker.returnsPromptly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ending a blocked Event call never depends on the counter, which every holder of the
 * eventfd shares: a full counter, another process reading, a {@code reset()} in another
 * thread or a blocked signal in the waiter's mask cannot make an interrupt or a close fail,
 * hang, or turn into a count.
 */
class EventEndingTest {
    /** The largest value an eventfd counter holds. */
    private static final long FULL = 0xfffffffffffffffeL;
    private static final String PEER = "/interop/eventfd_peer.py";

    /** Starts a platform thread in {@code e.await()}, waits until it is in {@code read(2)}, interrupts it. */
    private static void interruptABlockedAwait(Event e, String what) throws Exception {
        Worker waiter = Worker.platform(() -> {
            try {
                e.await();
                return "woken";
            } catch (InterruptedException x) {
                return "interrupted";
            }
        });
        waiter.awaitBlockedIn("read");
        waiter.interrupt();
        assertEquals("interrupted", waiter.outcome(), what);
    }

    @Test
    void interruptEndsAReaderWhileAnotherWriterKeepsTheCounterFull() throws Exception {
        try (Event e = new Event(); Event filler = e.duplicate()) {
            AtomicBoolean stop = new AtomicBoolean();
            int fillFd = filler.rawDescriptor();
            // Refills the counter to its maximum whenever the reader empties it.
            Thread fill = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    TestNative.writeLong(fillFd, FULL);
                }
            });
            try {
                for (int round = 0; round < 100; round++) {
                    java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
                    Worker reader = Worker.platform(() -> {
                        try {
                            for (;;) {
                                e.readCount();
                                reads.incrementAndGet();
                            }
                        } catch (InterruptedException x) {
                            return "interrupted";
                        }
                    });
                    for (int step = 0; reads.get() < 50 && !reader.isDone(); step++) {
                        Spin.pause(step); // the reader and the filler are racing now
                    }
                    returnsPromptly("round " + round + ": Thread.interrupt() of a reader racing a full counter",
                            reader::interrupt);
                    assertEquals("interrupted", reader.outcome(), "round " + round);
                }
            } finally {
                stop.set(true);
                while (fill.isAlive()) { // a write blocked on the full counter returns once it is read
                    e.await(Duration.ofMillis(10));
                }
            }
        }
    }

    @Test
    void anotherProcessReadingTheEventfdNeverSeesACountFromAnInterruptOrClose() throws Exception {
        try (Event keep = new Event()) {
            Event e = keep.duplicate();
            try (PythonPeer py = new PythonPeer(PEER, String.valueOf(TestNative.getpid()), String.valueOf(keep.rawDescriptor()))) {
                assertEquals("ready", py.readLine());
                py.send("read"); // the peer blocks in read(2) on its own copy
                Blocked.awaitProcessInSyscall(py.pid(), "read", 2, 8);
                interruptABlockedAwait(e, "the first wait");

                Worker second = Worker.platform(() -> {
                    e.await();
                    return "woken";
                });
                second.awaitBlockedIn("read");
                returnsPromptly("close()", e::close);
                assertInstanceOf(ClosedException.class, second.outcome());

                // The peer's read is still blocked: neither ending gave it a count. Ring it for real.
                keep.writeCount(5);
                assertEquals("5", py.readLine(), "the peer must read exactly what was written");
            } finally {
                e.close();
            }
        }
    }

    @Test
    void aResetInAnotherThreadNeverSwallowsAnInterrupt() throws Exception {
        try (Event e = new Event()) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread resetter = Thread.ofPlatform().daemon().start(() -> {
                while (!stop.get()) {
                    try {
                        e.reset();
                    } catch (Exception x) {
                        return;
                    }
                }
            });
            try {
                for (int i = 0; i < 200; i++) {
                    interruptABlockedAwait(e, "round " + i);
                }
            } finally {
                stop.set(true);
                resetter.join(10_000);
            }
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO), "no interrupt may have consumed or invented a signal");
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    @Test
    void aThreadThatBlocksTheKickSignalCanStillBeInterruptedAndClosed() throws Exception {
        int signal = Kick.signal();
        try (Event e = new Event()) {
            Worker interrupted = Worker.platform(() -> {
                e.signal();
                e.await(); // a first wait before the mask changes, as a thread would have
                TestNative.blockSignalInThisThread(signal);
                try {
                    e.await();
                    return "woken";
                } catch (InterruptedException x) {
                    return "interrupted";
                }
            });
            interrupted.awaitBlockedIn("ppoll", "read");
            returnsPromptly("interrupt()", interrupted::interrupt);
            assertEquals("interrupted", interrupted.outcome());
        }
        Event e = new Event();
        Worker closed = Worker.platform(() -> {
            TestNative.blockSignalInThisThread(signal);
            e.await();
            return "woken";
        });
        closed.awaitBlockedIn("ppoll", "read");
        returnsPromptly("close()", e::close);
        assertInstanceOf(ClosedException.class, closed.outcome());
    }

    @Test
    void signalOnAFullCounterReturnsAtOnceOnPlatformAndVirtualThreads() throws Exception {
        try (Event e = new Event()) {
            TestNative.writeLong(e.rawDescriptor(), FULL);
            for (boolean virtual : new boolean[] {false, true}) {
                Worker signaller = Worker.start(virtual, () -> {
                    e.signal();
                    return "returned";
                });
                assertEquals("returned", signaller.value(), "signal() on a full counter, virtual=" + virtual);
            }
            assertEquals(FULL, e.readCount(), "a full counter stays full: nothing was added");
        }
    }

    @Test
    void writeCountToTheLimitFillsAnEmptyCounter() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(Event.COUNT_LIMIT);
            assertEquals(0xfffffffffffffffeL, e.readCount());
        }
    }

    @Test
    void writeCountWaitsForRoomAndGoesInOnceSomeoneReads() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(FULL);
            Worker writer = Worker.platform(() -> {
                e.writeCount(3);
                return "written";
            });
            writer.awaitBlockedIn("write");
            assertEquals(FULL, e.readCount());
            assertEquals("written", writer.outcome());
            assertEquals(3, e.readCount());
        }
    }

    @Test
    void interruptEndsAWriteCountWaitingForRoomAndWritesNothing() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(FULL);
            Worker writer = Worker.platform(() -> {
                try {
                    e.writeCount(3);
                    return "written";
                } catch (InterruptedIOException x) {
                    return Thread.currentThread().isInterrupted() ? "interrupted, status kept" : "interrupted, status lost";
                }
            });
            writer.awaitBlockedIn("write");
            returnsPromptly("interrupt()", writer::interrupt);
            assertEquals("interrupted, status kept", writer.outcome());
            assertEquals(FULL, e.readCount());
            assertEquals(TIMED_OUT, e.await(Duration.ZERO), "the interrupted write must add nothing");
        }
    }

    @Test
    void closeEndsAWriteCountWaitingForRoom() throws Exception {
        Event e = new Event();
        e.writeCount(FULL);
        Worker writer = Worker.platform(() -> {
            e.writeCount(3);
            return "written";
        });
        writer.awaitBlockedIn("write");
        returnsPromptly("close()", e::close);
        assertInstanceOf(ClosedException.class, writer.outcome());
    }

    /** A virtual thread that writes 3 into {@code e}; its value is "written". */
    private static Worker virtualWriter(Event e) throws InterruptedException {
        return Worker.virtual(() -> {
            e.writeCount(3);
            return "written";
        });
    }

    @Test
    void aVirtualThreadWaitingForRoomParksAndIsEndedByInterruptAndClose() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(FULL);
            Worker v = virtualWriter(e);
            v.awaitParked();
            v.interrupt();
            assertInstanceOf(InterruptedIOException.class, v.outcome());
        }
        Event e = new Event();
        e.writeCount(FULL);
        Worker v = virtualWriter(e);
        v.awaitParked();
        returnsPromptly("close()", e::close);
        assertInstanceOf(ClosedException.class, v.outcome());
    }
}
