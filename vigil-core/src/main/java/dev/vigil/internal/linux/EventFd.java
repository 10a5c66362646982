package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

import static dev.vigil.internal.linux.Native.C_INT;

/**
 * {@code int eventfd(unsigned int initval, int flags);}
 *
 * <p>The counter is an unsigned 64-bit value; a write of {@code n} fails (or blocks) when the
 * sum would exceed {@link #MAX_COUNT}, and a write of {@code 0xffffffffffffffff} is EINVAL.
 */
public final class EventFd {
    private EventFd() {}

    public static final int EFD_SEMAPHORE = 1;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;
    /** The largest value the counter can hold, {@code 0xfffffffffffffffe}, as a Java long. */
    public static final long MAX_COUNT = 0xfffffffffffffffeL;

    private static final MethodHandle EVENTFD = Native.critical("eventfd",
            FunctionDescriptor.of(C_INT, C_INT, C_INT));

    public static int eventfd(Native.Scratch s, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(s.callState, initval, flags);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }
}
