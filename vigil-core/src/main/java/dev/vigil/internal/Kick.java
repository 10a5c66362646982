package dev.vigil.internal;

import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Signal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends one thread's blocking system call early: how {@code Thread.interrupt()} and
 * {@code close()} reach a thread blocked in a plain {@code read(2)} of an Event, a
 * {@code recvmsg(2)} of a Tube, an Event write that found the counter full, or the
 * {@code ppoll} of any other wait. This class is the one state machine for that, and
 * {@link #call} the one template for such a call; how the call is actually ended is a
 * {@link Sender}:
 * <ul>
 *   <li>{@link #SIGNALS}, a signal to the caller's thread, for a call on the descriptor
 *       itself (one instance per {@link WaitSlot});</li>
 *   <li>a {@link Parker}'s, a write to a private wake descriptor that the call
 *       ({@code ppoll}) watches beside its target: where no signal can be used (the thread
 *       has it blocked, or this process cannot use it) and for timed waits.</li>
 * </ul>
 * The rest of this comment is about the signal, the harder of the two: a wake descriptor
 * keeps its count until it is drained, so its write is never lost and needs no re-sending.
 *
 * <h2>Why a signal</h2>
 * A blocked call on a descriptor that other processes share has no private side door:
 * writing into an eventfd puts a count where every holder can read it, writing to a socket
 * reaches the peer, and {@code shutdown(2)} changes the socket for everyone. A signal ends any
 * blocking call when its handler was installed without {@code SA_RESTART}: the call fails
 * with {@code EINTR}. The caller then looks for the reason (its interrupt status, the
 * object's close) and simply calls again if there is none, so {@code EINTR} from any other
 * signal is harmless. The JDK's NIO ends blocked socket calls the same way.
 *
 * <h2>Which signal, its handler, the mask</h2>
 * The JDK NIO's {@code SIGRTMAX - 2}, with a handler that ends calls and does nothing else;
 * the thread's mask is read before every blocking call, and a wait whose thread has the
 * signal blocked polls instead, while a write unblocks it for its own call
 * ({@link #callUnmasked}). The process-wide side (the disposition, the mask check) is
 * {@link KickSignal}; this class is the state of one call.
 *
 * <h2>State</h2>
 * <pre>
 *   IDLE --enter--> IN_CALL --leave (CAS)--> IDLE                            no kick
 *                      |
 *                   kick (CAS)
 *                      v
 *                   KICKING --tgkill--> KICKED --leave (CAS)--> IDLE
 *                      ^                  |
 *                      +--- (CAS) --------+   still in the call after a pause: send again
 * </pre>
 * <b>Lost signals.</b> The caller cannot announce itself and enter the kernel in one step. A
 * signal that arrives between the two runs the handler in user space and is gone, and the
 * call then blocks. So one signal is not enough: after the first, the kick is handed to a
 * daemon thread, {@code vigil-kicker}, which sends again while the caller is still in
 * {@code KICKED} (pauses of {@value #FIRST_RESEND_NANOS} ns, doubling up to
 * {@value #MAX_RESEND_NANOS} ns). The interrupting or closing thread sends once and
 * returns: it never waits for the caller. Only the thread that wins {@code IN_CALL -> KICKING}
 * or {@code KICKED -> KICKING} sends, so an interrupt and a close at once send one signal.
 *
 * <p><b>Thread ids.</b> The signal goes to the kernel thread id the caller recorded before it
 * published {@code IN_CALL}, and only from {@code KICKING}. {@link #leave()} spins while the
 * state is {@code KICKING} and leaves only by CAS, so the caller cannot return from the call,
 * let alone end and have its id reused, while a {@code tgkill} is in flight; once it has left,
 * every later CAS of a sender fails. A signal can therefore reach the caller only inside the
 * call or the few instructions around it, never in unrelated code. A kick can at worst land
 * on the same object's next call (the caller left and entered again before the sender
 * looked): that call sees {@code EINTR}, finds no reason and calls again.
 *
 * <p><b>Leaving.</b> {@code tgkill} marks the signal pending before it returns, but the
 * kernel runs the handler only on the thread's next way back to user space. A signal sent
 * just after the call returned on its own could therefore still be pending when the caller
 * leaves, and would end its next blocking call, which may be someone else's. So a caller
 * that leaves a kick in which a signal was sent makes one trivial system call
 * ({@code getppid}) first: on its return the kernel runs the handler for every signal still
 * pending. Kicks are rare, so this costs nothing on the common path.
 *
 * <p><b>Order in the caller, and the interrupt's locks.</b> {@code Thread.interrupt()} sets
 * the interrupt status, then closes the caller's {@link InterruptHook}, whose
 * {@code implCloseChannel} runs {@link #kick()} while holding the hook's close lock. The
 * caller's {@code begin()} and {@code end()} take that lock too when they see an interrupt,
 * so {@link #call} arms the hook before {@link #enter} and disarms it after {@link #leave};
 * and it checks the interrupt status and the descriptor's close after {@code enter} (a
 * Dekker pair of volatile accesses with the interrupter and the closer, who set their flag
 * before they kick).
 *
 * <p><b>The kernel side.</b> Everything a kick does besides its state changes (the
 * disposition check, {@code tgkill}, handing over to {@code vigil-kicker}, the
 * {@code getppid} on leaving) goes through one {@link Sender}, {@link #SIGNALS} for every
 * instance the library makes. Only the rare paths reach it, never {@link #enter},
 * {@link #notYetKicked} or a {@link #leave} without a kick; the model-checking tests give it a
 * stub, because a model checker cannot run system calls.
 */
public final class Kick implements InterruptHook.Target {
    private static final System.Logger LOG = System.getLogger("dev.vigil");
    private static final VarHandle STATE;
    private static final int IDLE = 0;
    private static final int IN_CALL = 1;
    private static final int KICKING = 2;
    private static final int KICKED = 3;

    static final long FIRST_RESEND_NANOS = 50_000;
    static final long MAX_RESEND_NANOS = 20_000_000;

    /** What {@link #call} returns when it did not make the call: interrupted, closed, or kicked first. */
    public static final long NOT_CALLED = Long.MIN_VALUE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Kick.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** The caller's kernel thread id and thread; written before the state becomes IN_CALL. */
    private int tid;
    private Thread caller;
    /** True once a signal was sent in the current call; written before the state becomes KICKED. */
    private boolean sent;
    private final Sender sender;

    public Kick() {
        this(SIGNALS);
    }

    /** With another kernel side: for the model-checking tests. */
    Kick(Sender sender) {
        this.sender = sender;
    }

    /** What a kick does outside this object's state (see "The kernel side"): the way the call is ended. */
    interface Sender {
        /** False if a signal can no longer end a call here: asked before every send. */
        boolean canSend();

        /** Sends the signal to thread {@code tid} of this process. */
        void send(int tid);

        /** Has {@code k}, which has just sent its first signal, sent again until its caller leaves. */
        void resendLater(Kick k);

        /** In the caller, after a kick that sent: runs the handler for any signal still pending. */
        void takePending();
    }

    /** The process's signal: {@code tgkill}, {@code vigil-kicker}, {@code getppid}. */
    static final Sender SIGNALS = new Sender() {
        @Override
        public boolean canSend() {
            return KickSignal.stillUsable(Native.Scratch.get());
        }

        @Override
        public void send(int tid) {
            // A failure (EAGAIN: signal queue full) is retried like a lost signal.
            Signal.tgkill(Native.Scratch.get(), KickSignal.PID, tid, KickSignal.SIGNAL);
        }

        @Override
        public void resendLater(Kick k) {
            Resender.watch(k);
        }

        @Override
        public void takePending() {
            Signal.getppid();
        }
    };

    /** The signal kicks send (for tests that send a stray one); 0 if none. */
    public static int signal() {
        return KickSignal.SIGNAL;
    }

    /** See {@link KickSignal#kickableThreadId()}: -1 where a kick cannot end this thread's call now. */
    public static int kickableThreadId() {
        return KickSignal.kickableThreadId();
    }

    /**
     * The blocking-call template: makes {@code syscall} once, so that {@link #kick()} (from
     * an interrupt of this thread or a close of {@code fd}) can end it.
     *
     * @param tid this thread's kernel thread id, from {@link #kickableThreadId()}
     * @param interruptible false for a call that an interrupt status set before it must not
     *                      prevent (a signal); an interrupt during the call still ends it
     * @return the call's result (errno in {@code s} after a failure), or {@link #NOT_CALLED}
     *         if the thread was interrupted, {@code fd} closed or a kick had started before the
     *         call. The interrupt status is left as it is: the caller decides, close first.
     */
    public long call(Native.Scratch s, int tid, Descriptor fd, int raw, Calls.Syscall syscall, boolean interruptible) {
        InterruptHook hook = InterruptHook.current();
        long r = NOT_CALLED;
        hook.arm(this);          // 1. before enter: begin() is over before a kick can start
        try {
            enter(tid);          // 2. published before the interrupt and closed checks
            if (!(interruptible && Thread.currentThread().isInterrupted()) && !fd.isClosed() && notYetKicked()) {
                r = syscall.call(s, raw);
            }
        } finally {
            leave();             // 3. waits out a send in flight: no signal follows this call
            hook.disarm();
        }
        return r;
    }

    /**
     * The loop around {@link #call} for an untimed blocking call on {@code fd}: calls until
     * the call returns a result, with interrupt and close checked after every return.
     * <ul>
     *   <li>A result that takes something ({@code consumes}: a count, a message) won the race
     *       with an interrupt or a close and is kept; the interrupt status stays set.</li>
     *   <li>Otherwise (a failure, no call, or a result that only looked, such as a peek) close
     *       wins ({@link dev.vigil.ClosedException}), then an interrupt
     *       ({@link InterruptedException}, status cleared).</li>
     *   <li>{@code EINTR} with neither, from another signal or a kick meant for an earlier
     *       call, calls again.</li>
     * </ul>
     *
     * @param what  how the object is named in a ClosedException
     * @param named how the call is named in an ErrnoException
     * @return the result (0 or more), or {@link Waiting#NOT_YET} if the descriptor turned out
     *         to be non-blocking ({@code EAGAIN}, another process changed the shared flags):
     *         the caller then polls
     */
    public long callUntilDone(Native.Scratch s, int tid, Descriptor fd, int raw, Calls.Syscall syscall, boolean consumes,
                              String what, String named) throws IOException, InterruptedException {
        for (;;) {
            long r = call(s, tid, fd, raw, syscall, true);
            if (r >= 0 && consumes) {
                return r;
            }
            Waiting.endIfClosedOrInterrupted(fd, Thread.currentThread().isInterrupted(), what);
            if (r >= 0) {
                return r;
            }
            if (r != NOT_CALLED) {
                int errno = Native.errno(s);
                if (errno == Errno.EAGAIN) {
                    return Waiting.NOT_YET;
                }
                if (errno != Errno.EINTR) {
                    throw Calls.failure(s, named);
                }
            }
        }
    }

    /**
     * {@link #call} for a call that has no polling alternative (an Event write), on any kind
     * of thread: a virtual thread's call pins its carrier, which is the thread kicked. If
     * this thread has the signal blocked, it is unblocked for the length of the call and
     * blocked again after it (the installed handler ends calls and does nothing else). Where
     * kicks are impossible in this process, the call is made without one.
     */
    public long callUnmasked(Native.Scratch s, Descriptor fd, int raw, Calls.Syscall syscall, boolean interruptible) {
        if (!KickSignal.isUsable()) {
            return fd.isClosed() ? NOT_CALLED : syscall.call(s, raw);
        }
        boolean wasBlocked = Signal.isBlockedHere(s, KickSignal.SIGNAL);
        long oldMask = wasBlocked ? Signal.unblockHere(s, KickSignal.SIGNAL) : 0;
        try {
            int tid = KickSignal.currentThreadId();
            return call(s, tid, fd, raw, syscall, interruptible);
        } finally {
            if (wasBlocked) {
                Signal.restoreMask(s, KickSignal.SIGNAL, oldMask);
            }
        }
    }

    /** The caller, thread {@code tid}, is about to make its call. */
    public void enter(int tid) {
        this.tid = tid;
        this.caller = Thread.currentThread();
        this.sent = false;
        STATE.setVolatile(this, IN_CALL);
    }

    /** False once a kick has started: the caller skips the call it was about to make. */
    public boolean notYetKicked() {
        return (int) STATE.getVolatile(this) == IN_CALL;
    }

    /** True when no caller is in a call and no kick is under way (package-private, for tests). */
    boolean isIdle() {
        return (int) STATE.getVolatile(this) == IDLE;
    }

    /**
     * The caller's call returned (or was skipped). Waits while a signal is being sent; after
     * this returns, no signal is sent for the call.
     */
    public void leave() {
        int spins = 0;
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if (s == IDLE) {
                return; // never entered
            }
            if (s == IN_CALL) {
                if (STATE.compareAndSet(this, IN_CALL, IDLE)) {
                    caller = null;
                    return;
                }
            } else if (s == KICKED) {
                boolean signalled = sent;
                if (STATE.compareAndSet(this, KICKED, IDLE)) { // a CAS: the resender may be about to send again
                    caller = null;
                    if (signalled) {
                        sender.takePending(); // handles any signal of this kick still pending: see "Leaving"
                    }
                    return;
                }
            } else if (++spins < 100) {
                Thread.onSpinWait(); // KICKING: a sender is inside one tgkill
            } else {
                Thread.yield(); // ... or was preempted there
            }
        }
    }

    /**
     * Ends the caller's call if one is in progress: sends the signal once and leaves the
     * re-sends to the {@code vigil-kicker} thread. Returns at once; never waits for the
     * caller. Safe from any thread.
     */
    public void kick() {
        if ((int) STATE.getVolatile(this) != IN_CALL) {
            return; // the common case of close(): nobody in the call
        }
        if (!sender.canSend() || !STATE.compareAndSet(this, IN_CALL, KICKING)) {
            return;
        }
        if (caller == Thread.currentThread()) { // the caller kicking itself: it has not made its call
            STATE.setVolatile(this, KICKED);
            return;
        }
        send();
        sender.resendLater(this);
    }

    /** From KICKING: one signal, then KICKED. */
    private void send() {
        sender.send(tid);
        sent = true;
        STATE.setVolatile(this, KICKED);
    }

    /** Sends again if the caller is still in the kicked call; false once it has left. */
    boolean resend() {
        if ((int) STATE.getVolatile(this) != KICKED) {
            return false;
        }
        if (!sender.canSend() || !STATE.compareAndSet(this, KICKED, KICKING)) {
            return false;
        }
        send();
        return true;
    }

    /** An interrupt of the calling thread ends its call. */
    @Override
    public void interrupted() {
        kick();
    }

    @Override
    public String toString() {
        return switch ((int) STATE.getVolatile(this)) {
            case IN_CALL -> "Kick[in call]";
            case KICKING -> "Kick[kicking]";
            case KICKED -> "Kick[kicked]";
            default -> "Kick[idle]";
        };
    }

    /**
     * The daemon that re-sends kicks until their callers have left. Kicks are rare and end
     * within microseconds, so it sleeps almost always; the pause doubles while a caller stays
     * in its call (it cannot run, for example a stopped debugger thread), so a stuck caller
     * costs a few signals a second, never a busy loop.
     */
    static final class Resender implements Runnable {
        private static final ConcurrentLinkedQueue<Kick> NEW = new ConcurrentLinkedQueue<>();
        private static final Object START_LOCK = new Object();
        private static volatile Thread thread;
        /** The kicks being re-sent; touched by the resender thread, read by {@link #holds}. */
        private static final Set<Kick> WATCHED = ConcurrentHashMap.newKeySet();
        /** Signals sent again, for tests. */
        static volatile long resent;

        /** True until the resender has forgotten {@code k} (its caller left): no signal follows for it after that. */
        static boolean holds(Kick k) {
            return NEW.contains(k) || WATCHED.contains(k); // in this order: a kick moves from NEW to WATCHED
        }

        static void watch(Kick k) {
            NEW.add(k);
            Thread t = thread;
            if (t == null) {
                synchronized (START_LOCK) {
                    t = thread;
                    if (t == null) {
                        t = Thread.ofPlatform().daemon().name("vigil-kicker").unstarted(new Resender());
                        thread = t;
                        t.start();
                    }
                }
            }
            LockSupport.unpark(t);
        }

        @Override
        public void run() {
            Set<Kick> watched = WATCHED;
            long pause = FIRST_RESEND_NANOS;
            for (;;) {
                try {
                    Kick k;
                    while ((k = NEW.peek()) != null) {
                        watched.add(k); // before it leaves NEW, so that holds() never misses it
                        NEW.poll();
                        pause = FIRST_RESEND_NANOS;
                    }
                    if (watched.isEmpty()) {
                        LockSupport.park(this);
                        Thread.interrupted(); // nothing stops this thread
                        continue;
                    }
                    LockSupport.parkNanos(this, pause);
                    watched.removeIf(w -> {
                        if (!w.resend()) {
                            return true;
                        }
                        resent++;
                        return false;
                    });
                    pause = Math.min(2 * pause, MAX_RESEND_NANOS);
                } catch (Throwable e) {
                    LOG.log(System.Logger.Level.ERROR, "vigil-kicker", e);
                    LockSupport.parkNanos(MAX_RESEND_NANOS);
                }
            }
        }
    }
}
