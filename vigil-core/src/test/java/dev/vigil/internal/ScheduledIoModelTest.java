package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Waker;
import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ParameterGenerator;
import org.jetbrains.lincheck.datastructures.RandomProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The readiness word of {@link ScheduledIo} and its hand-out to waiters, under a model checker.
 *
 * <p>The word: every interleaving of dispatch, take, poll and shutdown (within the bounds
 * below) matches some order of the same operations on {@link Sequential}, two edge-triggered
 * streams with a sticky HUP. The waiters: a thread parked in {@code await}, a poll waker and
 * a future, each racing the one dispatch that should reach it; a waiter that misses its
 * dispatch parks for ever, which the checker reports as a hang.
 */
@Param(name = "bits", gen = ScheduledIoModelTest.Bits.class)
public class ScheduledIoModelTest {
    private static final IOException GONE = new IOException("deregistered");
    /** Interleavings explored by each test of the waiters. */
    private static final int INVOCATIONS = 1_000;

    private final ScheduledIo io = new ScheduledIo();

    @Operation
    public void dispatch(@Param(name = "bits") int bits) {
        io.dispatch(bits);
    }

    @Operation
    public String takeRead() {
        return take(ScheduledIo.READ);
    }

    @Operation
    public String takeWrite() {
        return take(ScheduledIo.WRITE);
    }

    /** A poll with a waker that does nothing: only its result is compared here. */
    @Operation
    public String pollRead() {
        try {
            return io.poll(ScheduledIo.READ, () -> { }).toString();
        } catch (IOException e) {
            return "shut down";
        }
    }

    @Operation
    public void shutdown() {
        io.shutdown(GONE);
    }

    private String take(int dir) {
        try {
            return io.take(dir).toString();
        } catch (IOException e) {
            return "shut down";
        }
    }

    @Test
    void theReadinessWordIsLinearizable() {
        new ModelCheckingOptions()
                .iterations(30)
                .invocationsPerIteration(300)
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(Sequential.class)
                .check(ScheduledIoModelTest.class);
    }

    /** One run: a few waiters and the dispatch or shutdown they race ({@link ModelThreads}). */
    private static final class Run {
        final ScheduledIo io = new ScheduledIo();
        final AtomicInteger woken = new AtomicInteger();
        volatile Object awaited;
        volatile Readiness polled;
        volatile IOException pollFailed;
        volatile CompletableFuture<Readiness> future;

        void await() throws InterruptedException {
            try {
                awaited = io.await(ScheduledIo.READ, Deadline.FOREVER);
            } catch (IOException e) {
                awaited = e;
            }
        }

        void poll() {
            try {
                polled = io.poll(ScheduledIo.READ, new CountingWaker(woken));
            } catch (IOException e) {
                pollFailed = e;
            }
        }

        void futureOfWrite() {
            future = io.future(ScheduledIo.WRITE);
        }

        void futureOfReadThenCancel() {
            CompletableFuture<Readiness> f = io.future(ScheduledIo.READ);
            future = f;
            f.cancel(false);
        }

        void dispatchRead() {
            io.dispatch(Readiness.READABLE);
        }

        void shutdown() {
            io.shutdown(GONE);
        }

        Readiness takeRead() {
            try {
                return io.take(ScheduledIo.READ);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** A poll waker that counts its calls. */
    private static final class CountingWaker implements Waker {
        private final AtomicInteger calls;

        CountingWaker(AtomicInteger calls) {
            this.calls = calls;
        }

        @Override
        public void wake() {
            calls.incrementAndGet();
        }
    }

    /** A parked waiter is woken by the dispatch it races, and receives its readiness. */
    @Test
    void awaitIsNeverLeftParkedByARacingDispatch() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Run run = new Run();
            ModelThreads.runAll(run, run::await, run::dispatchRead);
            check(run.awaited == Readiness.of(Readiness.READABLE), "await returned " + run.awaited);
            check(run.takeRead().isEmpty(), "the readiness was handed out and also left pending");
        });
    }

    /** A poll either returns the readiness or has its waker called, once: no wake-up is lost. */
    @Test
    void pollEitherTakesTheReadinessOrItsWakerIsCalled() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Run run = new Run();
            ModelThreads.runAll(run, run::poll, run::dispatchRead);
            int woken = run.woken.get();
            check(!run.polled.isEmpty() || woken == 1, "poll returned nothing and its waker was called "
                    + woken + " times");
            check(woken <= 1, "the waker was called " + woken + " times for one poll");
        });
    }

    /** Shutdown ends a parked waiter and fails a pending future; neither hangs. */
    @Test
    void shutdownEndsEveryWaiter() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Run run = new Run();
            ModelThreads.runAll(run, run::await, run::futureOfWrite, run::shutdown);
            check(run.awaited instanceof ClosedException, "await returned " + run.awaited);
            check(run.future.isCompletedExceptionally(), "the future of a shut down stream is " + run.future);
        });
    }

    /** A poll racing a shutdown either fails or has its waker called: the task learns of it. */
    @Test
    void aPollRacingShutdownFailsOrIsWoken() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Run run = new Run();
            ModelThreads.runAll(run, run::poll, run::shutdown);
            check(run.pollFailed instanceof ClosedException || run.woken.get() == 1,
                    "poll returned " + run.polled + " and its waker was called " + run.woken.get() + " times");
        });
    }

    /**
     * A future cancelled while a dispatch races it: its readiness is never lost. Either the
     * future completed with it before the cancel, or it stays pending for the next taker.
     */
    @Test
    void aCancelledFutureLosesNoReadiness() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Run run = new Run();
            ModelThreads.runAll(run, run::futureOfReadThenCancel, run::dispatchRead);
            boolean received = !run.future.isCancelled();
            boolean pending = !run.takeRead().isEmpty();
            check(received != pending, "the future " + (received ? "received" : "did not receive")
                    + " the readiness, and it is " + (pending ? "" : "not ") + "still pending");
        });
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /** What the readiness word means, one operation at a time. */
    public static final class Sequential {
        private static final int READ_BITS = Readiness.READABLE | Readiness.HUP | Readiness.ERROR | Readiness.PRIORITY;
        private static final int WRITE_BITS = Readiness.WRITABLE | Readiness.HUP | Readiness.ERROR;
        private final int[] pending = new int[2];
        private boolean hupSeen;
        private boolean shutdown;

        public void dispatch(int bits) {
            pending[ScheduledIo.READ] |= bits & READ_BITS;
            pending[ScheduledIo.WRITE] |= bits & WRITE_BITS;
        }

        public String takeRead() {
            return take(ScheduledIo.READ);
        }

        public String takeWrite() {
            return take(ScheduledIo.WRITE);
        }

        public String pollRead() {
            return take(ScheduledIo.READ);
        }

        public void shutdown() {
            shutdown = true;
        }

        private String take(int dir) {
            if (shutdown) {
                return "shut down";
            }
            int bits = pending[dir] | (hupSeen ? Readiness.HUP : 0);
            pending[dir] = 0;
            if ((bits & Readiness.HUP) != 0) {
                hupSeen = true;
            }
            return Readiness.of(bits).toString();
        }
    }

    /** What the kernel reports, already mapped to Readiness bits. */
    public static final class Bits implements ParameterGenerator<Integer> {
        private static final int[] CHOICES = {
            Readiness.READABLE, Readiness.WRITABLE, Readiness.READABLE | Readiness.WRITABLE, Readiness.HUP,
            Readiness.ERROR,
        };
        private final Random random;

        public Bits(RandomProvider randoms, String configuration) {
            random = randoms.createRandom();
        }

        @Override
        public Integer generate() {
            return CHOICES[random.nextInt(CHOICES.length)];
        }
    }
}
