package dev.vigil.internal;

import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Signal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Ends one platform thread's blocking system call early by sending that thread a signal:
 * how {@code Thread.interrupt()} and {@code close()} reach a thread blocked in a plain
 * {@code recvmsg(2)} on a Tube. One instance per object that allows one such caller at a time.
 *
 * <h2>Why a signal</h2>
 * An Event's blocking read is ended by writing into the eventfd ({@link WaitSlot#kick()}).
 * A socket has no such side door: writing to it reaches the peer, and {@code shutdown(2)}
 * would change the socket for every process holding it. A signal, though, ends any blocking
 * call when its handler was installed without {@code SA_RESTART}: the call fails with
 * {@code EINTR}. The caller then looks for the reason (its interrupt status, the object's
 * close) and simply calls again if there is none, so {@code EINTR} from any other signal is
 * harmless. The JDK's NIO ends blocked socket calls the same way.
 *
 * <h2>Which signal, and its handler</h2>
 * The JDK's own: on Linux, NIO uses {@code SIGRTMAX - 2} (62 with glibc) and installs a
 * native handler that does nothing, with no flags, when it first needs it. vigil sends the
 * same signal and requires of its disposition exactly what NIO relies on:
 * <ul>
 *   <li>a handler already installed (the JDK's, once NIO has started) is used as it is,
 *       provided it does not restart calls ({@code SA_RESTART}) or reset itself after one
 *       use ({@code SA_RESETHAND});</li>
 *   <li>{@code SIG_DFL} (this process has not used NIO yet) is replaced by vigil's handler:
 *       the address of libc's {@code getppid}, flags 0. A handler must be native and
 *       async-signal-safe, so never a Java upcall; {@code getppid} ignores its argument,
 *       cannot fail (so it never changes errno) and is on POSIX's async-signal-safe list.
 *       The JDK may later install its own no-op over it, or the reverse: either does nothing;</li>
 *   <li>{@code SIG_IGN}, or a handler with one of those flags, means no kicks in this process:
 *       {@link #kickableThreadId()} answers -1 and callers wait in {@code ppoll} through a
 *       {@link Parker} as before.</li>
 * </ul>
 * The disposition is read again before every signal sent, and a signal is never sent while
 * it is {@code SIG_DFL}, which would end the process: if someone reset it, vigil's handler is
 * installed again; if it became unusable, the kick gives up (the waiter then stays blocked
 * until a message arrives), kicks are switched off for later calls, and a warning is logged.
 * A thread with the signal blocked in its mask (say a native thread attached to the VM) is
 * never sent it: {@link #kickableThreadId()} is -1 there too.
 *
 * <h2>State</h2>
 * <pre>
 *   IDLE --enter--> IN_CALL --leave (CAS)--> IDLE                            no kick
 *                      |
 *                   kick (CAS)
 *                      v
 *                   KICKING --tgkill--> KICKED --leave (CAS)--> IDLE
 *                      ^                  |
 *                      +--- (CAS) --------+   no leave after a pause: send again
 * </pre>
 * <b>Lost signals.</b> The waiter cannot announce itself and enter the kernel in one step.
 * A signal that arrives between the two runs the handler in user space and is gone, and the
 * call then blocks. So the kicker does not send once: it sends, waits for the waiter to
 * leave (a first pause of {@value #FIRST_RESEND_NANOS} ns, doubling up to
 * {@value #MAX_RESEND_NANOS} ns), and sends again while the waiter is still in
 * {@code KICKED}. Only the kicker that won {@code IN_CALL -> KICKING} sends; another kicker
 * (an interrupt and a close at once) finds {@code KICKING} or {@code KICKED} and returns,
 * because the first one does not stop before the waiter has left.
 *
 * <p><b>Thread ids.</b> The signal goes to the kernel thread id the waiter recorded before it
 * published {@code IN_CALL}, and only from {@code KICKING}. {@link #leave()} spins while the
 * state is {@code KICKING} and leaves only by CAS, so the waiter cannot return from the call,
 * let alone end and have its id reused, while a {@code tgkill} is in flight; once it has left,
 * every later CAS of the kicker fails. A signal can therefore reach the waiter only inside
 * the call or the few instructions around it, never in unrelated code. A kick can at worst
 * land on the same object's next call (the waiter left and entered again before the kicker
 * looked): that call sees {@code EINTR}, finds no reason and calls again.
 *
 * <p><b>Leaving.</b> {@code tgkill} marks the signal pending before it returns, but the
 * kernel runs the handler only on the thread's next way back to user space. A signal sent
 * just after the call returned on its own could therefore still be pending when the waiter
 * leaves, and would end its next blocking call, which may be someone else's. So a waiter
 * that leaves a kick in which a signal was sent makes one trivial system call
 * ({@code getppid}) first: on its return the kernel runs the handler for every signal still
 * pending. Kicks are rare, so this costs nothing on the common path.
 *
 * <p><b>Order in the waiter, and the interrupt's locks.</b> {@code Thread.interrupt()} sets
 * the interrupt status, then closes the waiter's {@link InterruptHook}, whose
 * {@code implCloseChannel} runs this kick, re-sends included, while holding the hook's
 * close lock. The waiter's {@code begin()} and {@code end()} take that lock too when they see
 * an interrupt, so the waiter must never need it between {@link #enter} and {@link #leave}:
 * <ol>
 *   <li>arm the hook (its {@code begin()} is over before the state says {@code IN_CALL});</li>
 *   <li>{@link #enter}, then check the interrupt status and close, then
 *       {@link #notYetKicked()}, then make the call. An interrupt before {@code enter} finds
 *       {@code IDLE} and sends nothing, but its status, set before the hook is called, is
 *       seen by the check (a Dekker pair of volatile accesses); close is the same with the
 *       descriptor's closed bit;</li>
 *   <li>{@link #leave}, and only then disarm the hook.</li>
 * </ol>
 */
public final class SignalKick implements InterruptHook.Target {
    private static final System.Logger LOG = System.getLogger("dev.vigil");
    private static final VarHandle STATE;
    private static final int IDLE = 0;
    private static final int IN_CALL = 1;
    private static final int KICKING = 2;
    private static final int KICKED = 3;

    static final long FIRST_RESEND_NANOS = 20_000;
    static final long MAX_RESEND_NANOS = 1_000_000;

    /** The signal sent: {@code SIGRTMAX - 2}, as the JDK's NIO; 0 if this C library cannot do it. */
    private static final int SIGNAL;
    private static final int PID;
    /** False once kicks are found impossible here; then every caller polls. */
    private static volatile boolean usable;
    private static final Object SETUP_LOCK = new Object();
    /** Per platform thread: its kernel thread id, or -1 if it has the signal blocked. */
    private static final ThreadLocal<Integer> THREAD_ID = ThreadLocal.withInitial(SignalKick::probeCurrentThread);

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SignalKick.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        int signal = 0;
        String why;
        if (!Signal.AVAILABLE) {
            why = "this C library lacks tgkill, gettid or __libc_current_sigrtmax (glibc 2.30 has them)";
        } else {
            signal = Signal.sigrtmax() - 2;
            why = ensureHandler(Native.Scratch.get(), signal);
        }
        SIGNAL = signal;
        PID = Signal.AVAILABLE ? Signal.getpid() : 0;
        usable = why == null;
        if (why != null) {
            LOG.log(System.Logger.Level.INFO, "Tube receives on platform threads wait in ppoll instead of a blocking"
                    + " recvmsg: " + why);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** The waiter's kernel thread id and thread; written before the state becomes IN_CALL. */
    private int tid;
    private Thread waiter;
    /** The thread that sent the last signal; written before the state becomes KICKED. */
    private Thread kicker;

    public SignalKick() {}

    /** The signal kicks send (for tests that send a stray one); 0 if none. */
    public static int signal() {
        return SIGNAL;
    }

    /**
     * The calling thread's kernel thread id if a kick can end its blocking calls, or -1: on a
     * virtual thread (which must not block its carrier anyway), where the signal cannot be
     * used in this process, or where this thread has it blocked.
     */
    public static int kickableThreadId() {
        if (!usable || Thread.currentThread().isVirtual()) {
            return -1;
        }
        return THREAD_ID.get();
    }

    private static Integer probeCurrentThread() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(Signal.SIGSET_SIZE, 8);
            if (Signal.currentMask(mask) != 0 || Signal.sigismember(mask, SIGNAL) != 0) {
                return -1; // blocked here (or cannot tell): a signal would stay pending, not end the call
            }
        }
        return Signal.gettid();
    }

    /**
     * Makes sure that {@code sig} ends a blocking call and does nothing else, installing the
     * no-op handler over {@code SIG_DFL}.
     *
     * @return null if so, otherwise why not
     */
    private static String ensureHandler(Native.Scratch s, int sig) {
        synchronized (SETUP_LOCK) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment old = Signal.allocateSigaction(arena);
                if (Signal.sigaction(s, sig, MemorySegment.NULL, old) != 0) {
                    return "sigaction(" + sig + ") failed with errno " + Native.errno(s);
                }
                if (Signal.handler(old) == Signal.SIG_DFL) {
                    MemorySegment act = Signal.allocateSigaction(arena);
                    Signal.setHandler(act, Signal.getppidAddress(), 0);
                    if (Signal.sigaction(s, sig, act, old) != 0) {
                        return "sigaction(" + sig + ") failed with errno " + Native.errno(s);
                    }
                    if (Signal.handler(old) == Signal.SIG_DFL) {
                        return null;
                    }
                    // Someone else installed a disposition between the two calls: give it back, then judge it.
                    Signal.sigaction(s, sig, old, MemorySegment.NULL);
                }
                return judge(sig, Signal.handler(old), Signal.flags(old));
            }
        }
    }

    private static String judge(int sig, long handler, int flags) {
        if (handler == Signal.SIG_IGN) {
            return "signal " + sig + " (SIGRTMAX - 2, the JDK's NIO interrupt signal) is ignored in this process";
        }
        if ((flags & Signal.SA_RESTART) != 0) {
            return "the handler of signal " + sig + " restarts interrupted calls (SA_RESTART)";
        }
        if ((flags & Signal.SA_RESETHAND) != 0) {
            return "the handler of signal " + sig + " resets itself to the default action (SA_RESETHAND)";
        }
        return null;
    }

    /** Reads the disposition again before a send; false (and kicks switched off) if it became unusable. */
    private static boolean stillUsable(Native.Scratch s) {
        String why = ensureHandler(s, SIGNAL);
        if (why == null) {
            return true;
        }
        if (usable) {
            usable = false;
            LOG.log(System.Logger.Level.WARNING, "a Tube receive blocked in recvmsg could not be ended by a signal: " + why
                    + ". It returns when a message arrives; later receives wait in ppoll.");
        }
        return false;
    }

    /** The waiter, thread {@code tid} (from {@link #kickableThreadId()}), is about to make its call. */
    public void enter(int tid) {
        this.tid = tid;
        this.waiter = Thread.currentThread();
        STATE.setVolatile(this, IN_CALL);
    }

    /** False once a kick has started: the waiter skips the call it was about to make. */
    public boolean notYetKicked() {
        return (int) STATE.getVolatile(this) == IN_CALL;
    }

    /**
     * The waiter's call returned (or was skipped). Waits while a signal is being sent; after
     * this returns, no signal is sent for the call. The caller then checks for the reasons
     * a kick has (interrupt, close) and otherwise calls again if the call failed with EINTR.
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
                    waiter = null;
                    return;
                }
            } else if (s == KICKED) {
                Thread k = kicker;
                if (STATE.compareAndSet(this, KICKED, IDLE)) { // a CAS: the kicker may be re-arming to send again
                    waiter = null;
                    if (k != null) {
                        LockSupport.unpark(k); // ends its pause at once
                        Signal.getppid();      // handles any signal of this kick still pending: see "Leaving"
                    }
                    return;
                }
            } else if (++spins < 100) {
                Thread.onSpinWait(); // KICKING: the kicker is inside one tgkill
            } else {
                Thread.yield(); // ... or was preempted there
            }
        }
    }

    /**
     * Ends the waiter's call if one is in progress: sends the signal, and sends it again
     * until the waiter has left. Returns at once when nobody is in the call or another kick
     * already sees to it. Safe from any thread. Runs on the interrupting or closing thread,
     * which returns as soon as the waiter has left, whether the signal ended the call or
     * the call returned on its own: microseconds once the waiter runs (longer only while it
     * cannot run at all, for example suspended by a debugger; re-sends then slow to one per
     * {@value #MAX_RESEND_NANOS} ns).
     */
    public void kick() {
        if ((int) STATE.getVolatile(this) != IN_CALL) {
            return; // the common case of close(): nobody in the call
        }
        Native.Scratch s = Native.Scratch.get();
        if (!stillUsable(s) || !STATE.compareAndSet(this, IN_CALL, KICKING)) {
            return;
        }
        Thread me = Thread.currentThread();
        if (waiter == me) { // the waiter kicking itself: it has not made its call, and must not wait for itself
            kicker = null;
            STATE.setVolatile(this, KICKED);
            return;
        }
        long pause = FIRST_RESEND_NANOS;
        for (;;) {
            Signal.tgkill(s, PID, tid, SIGNAL); // a failure (EAGAIN: signal queue full) is retried like a lost signal
            kicker = me;
            STATE.setVolatile(this, KICKED);
            awaitLeave(pause);
            if ((int) STATE.getVolatile(this) != KICKED || !stillUsable(s) || !STATE.compareAndSet(this, KICKED, KICKING)) {
                return; // the waiter left (perhaps already into its next call), or no signal may be sent
            }
            pause = Math.min(2 * pause, MAX_RESEND_NANOS);
        }
    }

    /** Waits up to {@code nanos} for the waiter to leave {@code KICKED}. */
    private void awaitLeave(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (;;) {
            if ((int) STATE.getVolatile(this) != KICKED) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            if (Thread.currentThread().isInterrupted()) {
                Thread.yield(); // parkNanos would return at once, and the status must stay set
            } else {
                LockSupport.parkNanos(this, left);
            }
        }
    }

    /** An interrupt of the waiting thread ends its call. */
    @Override
    public void interrupted() {
        kick();
    }

    @Override
    public String toString() {
        return switch ((int) STATE.getVolatile(this)) {
            case IN_CALL -> "SignalKick[in call]";
            case KICKING -> "SignalKick[kicking]";
            case KICKED -> "SignalKick[kicked]";
            default -> "SignalKick[idle]";
        };
    }
}
