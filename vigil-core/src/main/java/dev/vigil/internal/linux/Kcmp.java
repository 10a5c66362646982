package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_LONG;

/**
 * {@code int kcmp(pid_t pid1, pid_t pid2, int type, unsigned long idx1, unsigned long idx2);}
 * through {@code syscall(2)}: glibc has no wrapper. {@code KCMP_FILE} answers 0 when two
 * descriptors refer to the same open file description, the exact test for "same eventfd".
 */
public final class Kcmp {
    private Kcmp() {}

    /** The same number on x86_64 ({@code 312}); aarch64 and the generic table use 272. */
    public static final long SYS_KCMP = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 312L;
        default -> 272L;
    };
    public static final int KCMP_FILE = 0;

    private static final MethodHandle SYSCALL = Native.syscall(
            FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT, C_INT, C_LONG, C_LONG), true);
    private static final MethodHandle GETPID = Native.plain("getpid", FunctionDescriptor.of(C_INT));

    public static final int PID = pid();

    private static int pid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** 0 same, 1 or 2 ordered different, -1 failure (errno in the scratch). */
    public static long compareFiles(Native.Scratch s, int fd1, int fd2) {
        try {
            return (long) SYSCALL.invokeExact(s.callState, SYS_KCMP, PID, PID, KCMP_FILE, (long) fd1, (long) fd2);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }
}
