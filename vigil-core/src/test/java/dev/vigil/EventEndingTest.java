package dev.vigil;

import dev.vigil.internal.SignalKick;
import dev.vigil.testing.Blocked;
import dev.vigil.testing.PythonPeer;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.vigil.EventWaitResult.SIGNALED;
import static dev.vigil.EventWaitResult.TIMED_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

    /** A platform thread that reports its kernel thread id, then runs {@code body}; its outcome is the value or the exception. */
    record Worker(Thread thread, int tid, CompletableFuture<Object> outcome) {
        static Worker start(ThrowingSupplier body) throws Exception {
            CompletableFuture<Integer> tid = new CompletableFuture<>();
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                tid.complete(TestNative.gettid());
                try {
                    outcome.complete(body.get());
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            return new Worker(t, tid.get(10, TimeUnit.SECONDS), outcome);
        }

        Object result() throws Exception {
            try {
                return outcome.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return fail("the call never ended: " + thread + " is " + thread.getState());
            }
        }
    }

    @FunctionalInterface
    interface ThrowingSupplier {
        Object get() throws Exception;
    }

    /** Runs {@code action} on another thread and fails if it does not return within 20 s. */
    static void returnsPromptly(String what, Runnable action) throws Exception {
        Thread t = Thread.ofPlatform().daemon().start(action);
        t.join(20_000);
        if (t.isAlive()) {
            fail(what + " never returned; it is in " + t.getState());
        }
    }

    /** Starts a platform thread in {@code e.await()}, waits until it is in {@code read(2)}, interrupts it. */
    private static void interruptABlockedAwait(Event e, String what) throws Exception {
        Worker waiter = Worker.start(() -> {
            try {
                e.await();
                return "woken";
            } catch (InterruptedException x) {
                return "interrupted";
            }
        });
        Blocked.awaitInSyscall(waiter.tid, "read");
        waiter.thread.interrupt();
        assertEquals("interrupted", waiter.result(), what);
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
                    Worker reader = Worker.start(() -> {
                        try {
                            for (;;) {
                                e.readCount();
                                reads.incrementAndGet();
                            }
                        } catch (InterruptedException x) {
                            return "interrupted";
                        }
                    });
                    while (reads.get() < 50 && reader.thread.isAlive()) {
                        Thread.onSpinWait(); // the reader and the filler are racing now
                    }
                    returnsPromptly("round " + round + ": Thread.interrupt() of a reader racing a full counter",
                            reader.thread::interrupt);
                    assertEquals("interrupted", reader.result(), "round " + round);
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
                interruptABlockedAwait(e, "the first wait");

                Worker second = Worker.start(() -> {
                    e.await();
                    return "woken";
                });
                Blocked.awaitInSyscall(second.tid, "read");
                returnsPromptly("close()", e::close);
                assertInstanceOf(ClosedException.class, second.result());

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
        int signal = SignalKick.signal();
        try (Event e = new Event()) {
            Worker interrupted = Worker.start(() -> {
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
            Blocked.awaitInSyscall(interrupted.tid, "ppoll", "read");
            returnsPromptly("interrupt()", interrupted.thread::interrupt);
            assertEquals("interrupted", interrupted.result());
        }
        Event e = new Event();
        Worker closed = Worker.start(() -> {
            TestNative.blockSignalInThisThread(signal);
            e.await();
            return "woken";
        });
        Blocked.awaitInSyscall(closed.tid, "ppoll", "read");
        returnsPromptly("close()", e::close);
        assertInstanceOf(ClosedException.class, closed.result());
    }

    @Test
    void signalOnAFullCounterReturnsAtOnceOnPlatformAndVirtualThreads() throws Exception {
        try (Event e = new Event()) {
            TestNative.writeLong(e.rawDescriptor(), FULL);
            returnsPromptly("signal() on a full counter", () -> {
                try {
                    e.signal();
                } catch (Exception x) {
                    throw new AssertionError(x);
                }
            });
            CompletableFuture<Object> virtual = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    e.signal();
                    virtual.complete("returned");
                } catch (Throwable x) {
                    virtual.complete(x);
                }
            });
            assertEquals("returned", virtual.get(20, TimeUnit.SECONDS));
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
            Worker writer = Worker.start(() -> {
                e.writeCount(3);
                return "written";
            });
            Blocked.awaitInSyscall(writer.tid, "write");
            assertEquals(FULL, e.readCount());
            assertEquals("written", writer.result());
            assertEquals(3, e.readCount());
        }
    }

    @Test
    void interruptEndsAWriteCountWaitingForRoomAndWritesNothing() throws Exception {
        try (Event e = new Event()) {
            e.writeCount(FULL);
            Worker writer = Worker.start(() -> {
                try {
                    e.writeCount(3);
                    return "written";
                } catch (InterruptedIOException x) {
                    return Thread.currentThread().isInterrupted() ? "interrupted, status kept" : "interrupted, status lost";
                }
            });
            Blocked.awaitInSyscall(writer.tid, "write");
            returnsPromptly("interrupt()", writer.thread::interrupt);
            assertEquals("interrupted, status kept", writer.result());
            assertEquals(FULL, e.readCount());
            assertEquals(TIMED_OUT, e.await(Duration.ZERO), "the interrupted write must add nothing");
        }
    }

    @Test
    void closeEndsAWriteCountWaitingForRoom() throws Exception {
        Event e = new Event();
        e.writeCount(FULL);
        Worker writer = Worker.start(() -> {
            e.writeCount(3);
            return "written";
        });
        Blocked.awaitInSyscall(writer.tid, "write");
        returnsPromptly("close()", e::close);
        assertInstanceOf(ClosedException.class, writer.result());
    }

    /** A virtual thread that writes 3 into {@code e}; its outcome is "written" or the exception. */
    private static CompletableFuture<Object> virtualWriter(Event e, Thread[] thread) {
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        thread[0] = Thread.ofVirtual().start(() -> {
            try {
                e.writeCount(3);
                outcome.complete("written");
            } catch (Throwable x) {
                outcome.complete(x);
            }
        });
        return outcome;
    }

    @Test
    void aVirtualThreadWaitingForRoomParksAndIsEndedByInterruptAndClose() throws Exception {
        Thread[] v = new Thread[1];
        try (Event e = new Event()) {
            e.writeCount(FULL);
            CompletableFuture<Object> outcome = virtualWriter(e, v);
            Blocked.awaitParked(v[0]);
            v[0].interrupt();
            assertInstanceOf(InterruptedIOException.class, outcome.get(20, TimeUnit.SECONDS));
        }
        Event e = new Event();
        e.writeCount(FULL);
        CompletableFuture<Object> outcome = virtualWriter(e, v);
        Blocked.awaitParked(v[0]);
        returnsPromptly("close()", e::close);
        assertInstanceOf(ClosedException.class, outcome.get(20, TimeUnit.SECONDS));
    }
}
