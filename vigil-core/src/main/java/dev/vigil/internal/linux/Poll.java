package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_LONG;
import static dev.vigil.internal.linux.Native.C_POINTER;

/**
 * {@code int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo, const sigset_t *mask);}
 *
 * <pre>
 * struct pollfd { int fd; short events; short revents; };   // 8 bytes on every Linux ABI
 * struct timespec { time_t tv_sec; long tv_nsec; };         // 16 bytes on LP64
 * </pre>
 */
public final class Poll {
    private Poll() {}

    public static final int POLLFD_SIZE = 8;
    public static final short POLLIN = 0x1;
    public static final short POLLPRI = 0x2;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    /**
     * {@code ppoll(fds, nfds, timeout, sigmask, sigsetsize)}: straight to the kernel where the
     * number is known ({@link Native#direct}), else libc's wrapper (which supplies the size).
     */
    private static final MethodHandle PPOLL = java.util.Objects.requireNonNullElseGet(
            Native.direct(FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_POINTER, C_POINTER, C_LONG), 271, 73, false),
            () -> java.lang.invoke.MethodHandles.dropArguments(Native.blocking("ppoll",
                    FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_POINTER, C_POINTER)), 5, long.class));
    private static final long SIGSET_SIZE = 8;
    /**
     * {@code poll(fds, nfds, 0)} linked critical, for {@link #now}: a zero timeout never
     * blocks, and {@code poll} skips the timespec and mask work of {@code ppoll} (about 40 ns
     * here). Straight to the kernel on x86_64; elsewhere (aarch64 has no {@code poll} system
     * call) libc's wrapper.
     */
    private static final MethodHandle POLL_NOW = java.util.Objects.requireNonNullElseGet(
            Native.direct(FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT), 7, -1, true),
            () -> Native.critical("poll", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT)));


    public static void setPollFd(MemorySegment fds, int index, int fd, short events) {
        long base = (long) index * POLLFD_SIZE;
        fds.set(Native.C_INT, base, fd);
        fds.set(java.lang.foreign.ValueLayout.JAVA_SHORT, base + 4, events);
        fds.set(java.lang.foreign.ValueLayout.JAVA_SHORT, base + 6, (short) 0);
    }

    public static short revents(MemorySegment fds, int index) {
        return fds.get(java.lang.foreign.ValueLayout.JAVA_SHORT, (long) index * POLLFD_SIZE + 6);
    }

    public static void setTimespec(MemorySegment ts, long nanos) {
        ts.set(Native.C_LONG, 0, nanos / 1_000_000_000L);
        ts.set(Native.C_LONG, 8, nanos % 1_000_000_000L);
    }

    /**
     * The descriptor's {@code revents} for {@code events} right now ({@code ppoll} with a zero
     * timeout), or 0 if the call fails. Uses the scratch's first pollfd and its timespec.
     */
    public static int probe(Native.Scratch s, int fd, short events) {
        setPollFd(s.pollfds, 0, fd, events);
        setTimespec(s.timespec, 0);
        return ppoll(s, s.pollfds, 1, s.timespec) == 1 ? revents(s.pollfds, 0) : 0;
    }

    /**
     * {@link #probe} as one critical {@code poll}: the descriptor's {@code revents} for
     * {@code events} right now, 0 if none, -1 if the call failed (errno in the scratch's call
     * state). Uses the scratch's first pollfd.
     */
    public static int now(Native.Scratch s, int fd, short events) {
        setPollFd(s.pollfds, 0, fd, events);
        int n;
        try {
            n = (int) POLL_NOW.invokeExact(s.callState, s.pollfds, 1L, 0);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
        return n < 0 ? -1 : n == 1 ? revents(s.pollfds, 0) : 0;
    }

    /** {@code timeout} is {@code MemorySegment.NULL} to wait without limit. */
    public static int ppoll(Native.Scratch s, MemorySegment fds, long nfds, MemorySegment timeout) {
        try {
            return (int) PPOLL.invokeExact(s.callState, fds, nfds, timeout, MemorySegment.NULL, SIGSET_SIZE);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }
}
