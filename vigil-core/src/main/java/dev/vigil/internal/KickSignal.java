package dev.vigil.internal;

import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Signal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The process-wide side of ending blocked calls with a signal: which signal, its disposition,
 * and whether the calling thread can receive it now. The per-call state machine is
 * {@link Kick}.
 *
 * <h2>Which signal, and its handler</h2>
 * The JDK's own: on Linux, NIO uses {@code SIGRTMAX - 2} (62 with glibc) and installs a native
 * handler that does nothing, with no flags, when it first needs it. vigil sends the same signal
 * and requires of its disposition exactly what NIO relies on:
 * <ul>
 *   <li>a handler already installed (the JDK's, once NIO has started) is used as it is,
 *       provided it does not restart calls ({@code SA_RESTART}) or reset itself after one use
 *       ({@code SA_RESETHAND});</li>
 *   <li>{@code SIG_DFL} (this process has not used NIO yet) is replaced by vigil's handler: the
 *       address of libc's {@code getppid}, flags 0. A handler must be native and
 *       async-signal-safe, so never a Java upcall; {@code getppid} ignores its argument, cannot
 *       fail (so it never changes errno) and is on POSIX's async-signal-safe list;</li>
 *   <li>{@code SIG_IGN}, or a handler with one of those flags, means no kicks in this process:
 *       {@link #isUsable()} is false and waits poll beside a private wake descriptor
 *       ({@link Parker}) instead.</li>
 * </ul>
 * The disposition is read again before every signal sent ({@link #stillUsable}), and a signal
 * is never sent while it is {@code SIG_DFL}, which would end the process.
 *
 * <h2>The signal mask</h2>
 * A signal the thread has blocked stays pending and ends nothing. Only the thread itself can
 * change its mask, and a native library it calls may do so at any time, so the answer is never
 * cached: {@link #kickableThreadId()} reads the mask (one {@code rt_sigprocmask}) right before
 * every blocking call.
 */
public final class KickSignal {
    private KickSignal() {}

    private static final System.Logger LOG = System.getLogger("dev.vigil");

    /** The signal sent: {@code SIGRTMAX - 2}, as the JDK's NIO; 0 if this C library cannot do it. */
    static final int SIGNAL;
    static final int PID;
    /** False once kicks are found impossible here; then every caller polls. */
    private static volatile boolean usable;
    private static final Object SETUP_LOCK = new Object();
    /** Per platform thread: its kernel thread id, which never changes. */
    private static final ThreadLocal<Integer> THREAD_ID = ThreadLocal.withInitial(Signal::gettid);

    static {
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
            LOG.log(System.Logger.Level.INFO, "blocking Event reads and Tube receives on platform threads wait in ppoll"
                    + " instead: " + why);
        }
    }

    /** True while a signal can end a blocking call in this process. */
    static boolean isUsable() {
        return usable;
    }

    /**
     * The calling thread's kernel thread id if a kick can end a blocking call it makes now, or
     * -1: on a virtual thread (which must not block its carrier anyway), where the signal cannot
     * be used in this process, or where this thread has it blocked in its mask right now. Reads
     * the mask: one system call.
     */
    static int kickableThreadId() {
        if (!usable || Thread.currentThread().isVirtual()) {
            return -1;
        }
        if (Signal.isBlockedHere(Native.Scratch.get(), SIGNAL)) {
            return -1;
        }
        return THREAD_ID.get();
    }

    /** The kernel thread id to kick for a call on this thread: a virtual thread's carrier, which the call pins. */
    static int currentThreadId() {
        return Thread.currentThread().isVirtual() ? Signal.gettid() : THREAD_ID.get();
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
    static boolean stillUsable(Native.Scratch s) {
        String why = ensureHandler(s, SIGNAL);
        if (why == null) {
            return true;
        }
        if (usable) {
            usable = false;
            LOG.log(System.Logger.Level.WARNING, "a blocking call could not be ended by a signal: " + why
                    + ". It returns when its descriptor is ready; later waits poll instead.");
        }
        return false;
    }
}
