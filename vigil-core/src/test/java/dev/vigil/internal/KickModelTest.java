package dev.vigil.internal;

import dev.vigil.ClosedException;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kick protocol of {@link Kick} and {@link WaitSlot} under a model checker, with the
 * kernel replaced by {@link Kernel}: every interleaving (up to the number explored) of a
 * caller in a blocking call against the threads that end it. Checked in each:
 * <ul>
 *   <li>the call ends: a kick that finds the caller in its call is either seen before the call
 *       or ends it with a signal, sent again until it lands (a call that never ends shows as a
 *       hang, which the checker reports);</li>
 *   <li>no signal is sent after the caller has left its call;</li>
 *   <li>no signal of the call is still pending once the caller has left, where it would end
 *       the thread's next, unrelated, blocking call;</li>
 *   <li>with a close: the number is closed once, and only after the caller let it go.</li>
 * </ul>
 */
public class KickModelTest {
    /** Interleavings explored per test. */
    private static final int INVOCATIONS = 3_000;
    private static final int TID = 4242;
    /** The object waited through, as an Event passes itself to its slot. */
    private static final Object THROUGH = new Object();

    static {
        Kick.signal(); // the class sets up the real signal once, outside the checked runs
    }

    /** What a call returned. */
    private enum Outcome { DATA, EINTR, NOT_CALLED }

    /**
     * The kernel as one caller's thread sees it. A signal sent marks itself pending; its handler
     * runs when the thread crosses from the kernel back to user space. A signal handled before
     * the call is entered is lost; one that arrives in the call ends it ({@code EINTR}); one that
     * arrives after the call returned on its own stays pending until the thread next enters the
     * kernel ({@code getppid} in {@link Kick#leave()}).
     *
     * <p>{@code vigil-kicker}'s work is done by the kicking thread itself, right after its first
     * signal: it sends again, yielding between sends, until the caller has left.
     */
    static final class Kernel implements Kick.Sender {
        volatile boolean pending;
        volatile boolean inCall;
        volatile boolean dataReady;
        /** Set by the caller just after leave() returns, cleared just before its next enter(). */
        volatile boolean left;
        final AtomicInteger closes = new AtomicInteger();
        /** The rules seen broken; recorded, not thrown, so that the run goes on as it would. */
        final AtomicReference<String> broken = new AtomicReference<>();

        void broke(String rule) {
            broken.accumulateAndGet(rule, (all, one) -> all == null ? one : all.contains(one) ? all : all + "; " + one);
        }

        @Override
        public boolean canSend() {
            return true;
        }

        @Override
        public void send(int tid) {
            if (tid != TID) {
                broke("signal sent to thread " + tid);
            }
            if (left) {
                broke("a signal was sent after the caller left its call");
            }
            pending = true;
        }

        @Override
        public void resendLater(Kick k) {
            while (k.resend()) {
                Thread.yield();
            }
        }

        @Override
        public void takePending() {
            pending = false;
        }

        /** The blocking system call, from the last user-space instruction before it. */
        Outcome call() {
            pending = false; // a signal that arrived up to here ran its handler in user space: lost
            inCall = true;
            while (!pending && !dataReady) {
                Thread.onSpinWait(); // blocked in the kernel
            }
            inCall = false;
            if (pending) {
                pending = false; // the handler runs on the way out
                return Outcome.EINTR;
            }
            return Outcome.DATA;
        }
    }

    /** Stands in for close(2) of the caller's descriptor. */
    private static final class CloseNumber implements java.util.function.IntConsumer {
        private final Kernel kernel;

        CloseNumber(Kernel kernel) {
            this.kernel = kernel;
        }

        @Override
        public void accept(int fd) {
            if (kernel.inCall) {
                kernel.broke("descriptor closed while the caller is in its call on it");
            }
            kernel.closes.incrementAndGet();
        }
    }

    /** One run: a reader blocked in a call, and the threads that race it ({@link ModelThreads}). */
    private static final class Run {
        final Kernel kernel = new Kernel();
        final WaitSlot slot = new WaitSlot("Event", new Kick(kernel));
        final Descriptor fd = new Descriptor(9, "Event", null, new CloseNumber(kernel));
        final AtomicBoolean interrupted = new AtomicBoolean();
        volatile Outcome result;

        /**
         * An Event's blocking read: claim the slot, hold the descriptor, then the call template
         * ({@link Kick#call}, without its interrupt hook: an interrupt here is a flag and a
         * kick, which is what the hook does), again while a kick came with no reason.
         */
        void read() {
            try {
                fd.acquire();
            } catch (ClosedException e) {
                result = Outcome.NOT_CALLED;
                return;
            }
            slot.claim(Thread.currentThread(), THROUGH);
            try {
                for (;;) {
                    kernel.left = false;
                    slot.kick.enter(TID);
                    Outcome r = Outcome.NOT_CALLED;
                    if (!interrupted.get() && !fd.isClosed() && slot.kick.notYetKicked()) {
                        r = kernel.call();
                    }
                    slot.kick.leave();
                    kernel.left = true;
                    if (kernel.pending) {
                        kernel.broke("a signal of this call is still pending after the caller left");
                    }
                    if (r == Outcome.DATA || interrupted.get() || fd.isClosed()) {
                        result = r;
                        return;
                    }
                    // kicked with no reason: a kick meant for an earlier call; call again
                }
            } finally {
                slot.unclaim();
                fd.release();
            }
        }

        /** Event.close(). */
        void close() {
            if (fd.close()) {
                slot.wake(THROUGH);
            }
        }

        /** Thread.interrupt() of the reader: the status, then the hook's kick. */
        void interrupt() {
            interrupted.set(true);
            slot.kick.kick();
        }

        /** Data arrives: the call may return on its own. */
        void write() {
            kernel.dataReady = true;
        }

        /** Runs the steps to the end; then any rule broken is the run's failure. */
        void runAll(ModelThreads.Step... steps) {
            ModelThreads.runAll(this, steps);
            if (kernel.broken.get() != null) {
                throw new AssertionError(kernel.broken.get());
            }
            if (kernel.pending) {
                throw new AssertionError("a signal is pending after everything ended");
            }
        }
    }

    /**
     * A blocked read against a close and an interrupt at once (Event.close(), Thread.interrupt()):
     * the read always ends, and the number is closed once, after the reader let it go.
     */
    @Test
    void closeAndInterruptAlwaysEndABlockedCallAndNoSignalOutlivesIt() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Run run = new Run();
            run.runAll(run::read, run::close, run::interrupt);
            if (run.kernel.closes.get() != 1) {
                throw new AssertionError("number closed " + run.kernel.closes.get() + " times");
            }
            if (run.result == Outcome.DATA) {
                throw new AssertionError("no data was ever ready");
            }
        });
    }

    /**
     * A kick racing a call that may also return on its own (data arrives): the signal of a kick
     * never reaches the thread after it left, whichever way the call ended.
     */
    @Test
    void aCallThatReturnsOnItsOwnLeavesNoSignalBehind() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            Run run = new Run();
            run.runAll(run::read, run::write, run::interrupt);
        });
    }
}
