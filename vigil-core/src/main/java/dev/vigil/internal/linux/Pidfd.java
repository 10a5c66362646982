package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_LONG;

/**
 * {@code pidfd_open(2)} and {@code pidfd_getfd(2)} through {@code syscall(2)}. Both numbers
 * come from the unified table (Linux 5.1+) and are the same on every architecture.
 * {@code pidfd_getfd} returns a close-on-exec duplicate of another process's descriptor.
 */
public final class Pidfd {
    private Pidfd() {}

    public static final long SYS_PIDFD_OPEN = 434L;
    public static final long SYS_PIDFD_GETFD = 438L;

    private static final MethodHandle SYSCALL3 = Native.syscall(
            FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT, C_INT), true);

    public static long open(Native.Scratch s, int pid) {
        try {
            return (long) SYSCALL3.invokeExact(s.callState, SYS_PIDFD_OPEN, pid, 0, 0);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static long getfd(Native.Scratch s, int pidfd, int targetFd) {
        try {
            return (long) SYSCALL3.invokeExact(s.callState, SYS_PIDFD_GETFD, pidfd, targetFd, 0);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }
}
