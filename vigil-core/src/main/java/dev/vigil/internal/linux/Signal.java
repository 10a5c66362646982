package dev.vigil.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_POINTER;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

/**
 * Signals sent to one thread: {@code sigaction(2)}, {@code pthread_sigmask(3)},
 * {@code tgkill(2)}, and the numbers needed to aim them.
 *
 * <pre>
 * int sigaction(int sig, const struct sigaction *act, struct sigaction *oldact);
 * int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset);   // returns the error, no errno
 * int sigismember(const sigset_t *set, int sig);
 * int __libc_current_sigrtmax(void);        // what the SIGRTMAX macro expands to
 * pid_t getpid(void);
 * pid_t gettid(void);                       // glibc 2.30+
 * int tgkill(pid_t tgid, pid_t tid, int sig);                           // glibc 2.30+
 * pid_t getppid(void);                      // also, by its address, a handler that does nothing
 *
 * struct sigaction {                        // glibc on x86_64, aarch64, riscv64
 *     void     (*sa_handler)(int);          // SIG_DFL 0, SIG_IGN 1, or a function
 *     sigset_t   sa_mask;                   // 1024 bits; all zero is the empty set
 *     int        sa_flags;
 *     void     (*sa_restorer)(void);        // glibc fills it in (and sets SA_RESTORER)
 * };
 * </pre>
 * The flag values are the asm-generic ones, shared by x86_64, aarch64 and riscv64. Calls
 * return the raw result (-1 on failure, errno in the scratch's call state); none of them
 * blocks, so all are linked {@code critical}.
 */
public final class Signal {
    private Signal() {}

    public static final long SIG_DFL = 0;
    public static final long SIG_IGN = 1;
    public static final int SA_RESTART = 0x10000000;
    public static final int SA_RESETHAND = 0x80000000;
    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    public static final int SIG_SETMASK = 2;

    /** {@code sizeof(sigset_t)} in glibc: 1024 bits. */
    public static final long SIGSET_SIZE = 128;

    public static final StructLayout SIGACTION = MemoryLayout.structLayout(
            C_POINTER.withName("sa_handler"),
            MemoryLayout.sequenceLayout(SIGSET_SIZE, ValueLayout.JAVA_BYTE).withName("sa_mask"),
            C_INT.withName("sa_flags"),
            MemoryLayout.paddingLayout(C_POINTER.byteSize() - 4),
            C_POINTER.withName("sa_restorer"));

    private static final long SA_HANDLER = SIGACTION.byteOffset(groupElement("sa_handler"));
    private static final long SA_FLAGS = SIGACTION.byteOffset(groupElement("sa_flags"));

    /** True if this C library has every function bound here (glibc 2.30 or newer). */
    public static final boolean AVAILABLE = Native.has("tgkill") && Native.has("gettid")
            && Native.has("__libc_current_sigrtmax") && Native.has("pthread_sigmask");

    private static final MethodHandle SIGACTION_CALL = AVAILABLE ? Native.critical("sigaction",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER)) : null;
    private static final MethodHandle PTHREAD_SIGMASK = AVAILABLE ? Native.plain("pthread_sigmask",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER)) : null;
    private static final MethodHandle SIGISMEMBER = AVAILABLE ? Native.plain("sigismember",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT)) : null;
    private static final MethodHandle SIGRTMAX = AVAILABLE ? Native.plain("__libc_current_sigrtmax",
            FunctionDescriptor.of(C_INT)) : null;
    private static final MethodHandle GETPID = Native.plain("getpid", FunctionDescriptor.of(C_INT));
    private static final MethodHandle GETPPID = Native.plain("getppid", FunctionDescriptor.of(C_INT));
    private static final MethodHandle GETTID = AVAILABLE ? Native.plain("gettid", FunctionDescriptor.of(C_INT)) : null;
    private static final MethodHandle TGKILL = AVAILABLE ? Native.critical("tgkill",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT)) : null;

    /** The address of {@code getppid}: a function that ignores its arguments and cannot fail. */
    public static MemorySegment getppidAddress() {
        return Native.LINKER.defaultLookup().find("getppid")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no getppid"));
    }

    /** A zeroed {@code struct sigaction} (empty mask, no flags, SIG_DFL) from {@code arena}. */
    public static MemorySegment allocateSigaction(Arena arena) {
        return arena.allocate(SIGACTION);
    }

    public static long handler(MemorySegment sigaction) {
        return sigaction.get(ValueLayout.ADDRESS, SA_HANDLER).address();
    }

    public static int flags(MemorySegment sigaction) {
        return sigaction.get(C_INT, SA_FLAGS);
    }

    public static void setHandler(MemorySegment sigaction, MemorySegment function, int flags) {
        sigaction.set(ValueLayout.ADDRESS, SA_HANDLER, function);
        sigaction.set(C_INT, SA_FLAGS, flags);
    }

    /** {@code act} or {@code old} may be {@code MemorySegment.NULL}. */
    public static int sigaction(Native.Scratch s, int sig, MemorySegment act, MemorySegment old) {
        try {
            return (int) SIGACTION_CALL.invokeExact(s.callState, sig, act, old);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code pthread_sigmask(SIG_BLOCK, NULL, set)}: the calling thread's mask into {@code set}; 0 or an error number. */
    public static int currentMask(MemorySegment set) {
        try {
            return (int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, MemorySegment.NULL, set);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** 1 if {@code sig} is in {@code set}, 0 if not, -1 for an invalid signal number. */
    public static int sigismember(MemorySegment set, int sig) {
        try {
            return (int) SIGISMEMBER.invokeExact(set, sig);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /**
     * {@code rt_sigprocmask(SIG_BLOCK, NULL, old, 8)} straight to the kernel: reads the
     * calling thread's mask (64 bits, signals 1 to 64) without changing it. Null where the
     * number is not known; then {@link #PTHREAD_SIGMASK} answers.
     */
    private static final MethodHandle RT_SIGPROCMASK = Native.direct(
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, Native.C_LONG), 14, 135, true);

    /**
     * True if the calling thread has {@code sig} (1 to 64) blocked in its signal mask right
     * now, or if the mask cannot be read. One system call; only the thread itself can change
     * its mask, so the answer holds until it calls code that does.
     */
    public static boolean isBlockedHere(Native.Scratch s, int sig) {
        MemorySegment set = s.sigset;
        set.set(Native.C_LONG, 0, 0L);
        int r;
        try {
            r = RT_SIGPROCMASK != null
                    ? (int) RT_SIGPROCMASK.invokeExact(s.callState, SIG_BLOCK, MemorySegment.NULL, set, 8L)
                    : (int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, MemorySegment.NULL, set);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
        return r != 0 || (set.get(Native.C_LONG, 0) & (1L << (sig - 1))) != 0;
    }

    /**
     * Takes {@code sig} out of the calling thread's mask and returns the mask as it was
     * (signals 1 to 64), for {@link #restoreMask}. {@code pthread_sigmask(SIG_UNBLOCK)}.
     */
    public static long unblockHere(Native.Scratch s, int sig) {
        MemorySegment set = s.sigset;
        set.fill((byte) 0);
        set.set(Native.C_LONG, 0, 1L << (sig - 1));
        MemorySegment old = s.text;
        old.asSlice(0, SIGSET_SIZE).fill((byte) 0);
        try {
            int r = (int) PTHREAD_SIGMASK.invokeExact(SIG_UNBLOCK, set, old);
            if (r != 0) {
                throw new IllegalStateException("pthread_sigmask failed with error " + r);
            }
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
        return old.get(Native.C_LONG, 0);
    }

    /** Blocks {@code sig} again in the calling thread if {@code oldMask} (from {@link #unblockHere}) had it. */
    public static void restoreMask(Native.Scratch s, int sig, long oldMask) {
        long bit = 1L << (sig - 1);
        if ((oldMask & bit) == 0) {
            return;
        }
        MemorySegment set = s.sigset;
        set.fill((byte) 0);
        set.set(Native.C_LONG, 0, bit);
        try {
            int ignored = (int) PTHREAD_SIGMASK.invokeExact(SIG_BLOCK, set, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code SIGRTMAX}: the highest real-time signal, as glibc counts them. */
    public static int sigrtmax() {
        try {
            return (int) SIGRTMAX.invokeExact();
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /**
     * {@code getppid()}: a real system call (no vDSO) that cannot fail, so any signal pending
     * for the calling thread is handled on the kernel's way back to user space.
     */
    public static int getppid() {
        try {
            return (int) GETPPID.invokeExact();
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** The calling thread's kernel thread id. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static int tgkill(Native.Scratch s, int tgid, int tid, int sig) {
        try {
            return (int) TGKILL.invokeExact(s.callState, tgid, tid, sig);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }
}
