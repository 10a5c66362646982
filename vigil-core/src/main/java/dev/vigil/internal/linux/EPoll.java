package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Objects;

import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_LONG;
import static dev.vigil.internal.linux.Native.C_POINTER;

/**
 * {@code epoll(7)}.
 *
 * <pre>
 * int epoll_create1(int flags);
 * int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
 * int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);
 * int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
 *                  const struct timespec *timeout, const sigset_t *sigmask);   // Linux 5.11
 *
 * struct epoll_event {
 *     uint32_t     events;
 *     epoll_data_t data;     // a union; vigil always uses its uint64_t member
 * } __EPOLL_PACKED;          // packed on x86_64 only: 12 bytes there, 16 elsewhere
 * </pre>
 */
public final class EPoll {
    private EPoll() {}

    public static final int EPOLLIN = 0x001;
    public static final int EPOLLPRI = 0x002;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLLET = 1 << 31;

    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    /** Equal to {@code O_CLOEXEC}; a test pins that. */
    public static final int EPOLL_CLOEXEC = 0x80000;

    /** The kernel packs the struct on x86_64 only (see {@code __EPOLL_PACKED} in the uapi header). */
    public static final boolean PACKED = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> true;
        default -> false;
    };

    public static final StructLayout EVENT = PACKED
            ? MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("events"),
                    ValueLayout.JAVA_LONG_UNALIGNED.withName("data"))
            : MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("events"),
                    MemoryLayout.paddingLayout(4),
                    ValueLayout.JAVA_LONG.withName("data"));
    public static final long EVENT_SIZE = EVENT.byteSize();
    private static final long DATA_OFFSET = EVENT.byteOffset(MemoryLayout.PathElement.groupElement("data"));

    private static final MethodHandle CREATE1 = Native.critical("epoll_create1",
            FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle CTL = Native.critical("epoll_ctl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    /**
     * {@code epoll_pwait(epfd, events, max, timeout, sigmask, sigsetsize)} with no mask,
     * straight to the kernel where the number is known ({@link Native#direct}), else libc's
     * {@code epoll_wait}. (aarch64 has no {@code epoll_wait} system call, only this one.)
     */
    private static final MethodHandle WAIT = Objects.requireNonNullElseGet(
            Native.direct(FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT, C_POINTER, C_LONG), 281, 22, false),
            () -> MethodHandles.dropArguments(Native.blocking("epoll_wait",
                    FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT)), 5, MemorySegment.class, long.class));
    /** {@code epoll_pwait2(epfd, events, max, timespec, sigmask, sigsetsize)}, if libc knows it; the same number everywhere. */
    private static final MethodHandle PWAIT2 = Native.has("epoll_pwait2")
            ? Objects.requireNonNullElseGet(
                    Native.direct(FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER, C_LONG), 441, 441, false),
                    () -> MethodHandles.dropArguments(Native.blocking("epoll_pwait2",
                            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER)), 6, long.class))
            : null;
    /** The kernel's signal set size, passed with a NULL mask. */
    private static final long SIGSET_SIZE = 8;

    public static int events(MemorySegment array, int i) {
        return array.get(ValueLayout.JAVA_INT, i * EVENT_SIZE);
    }

    public static long data(MemorySegment array, int i) {
        return array.get(ValueLayout.JAVA_LONG_UNALIGNED, i * EVENT_SIZE + DATA_OFFSET);
    }

    public static void set(MemorySegment array, int i, int events, long data) {
        array.set(ValueLayout.JAVA_INT, i * EVENT_SIZE, events);
        array.set(ValueLayout.JAVA_LONG_UNALIGNED, i * EVENT_SIZE + DATA_OFFSET, data);
    }

    public static int create1(Native.Scratch s, int flags) {
        try {
            return (int) CREATE1.invokeExact(s.callState, flags);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code event} may be {@code MemorySegment.NULL} for {@link #EPOLL_CTL_DEL}. */
    public static int ctl(Native.Scratch s, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) CTL.invokeExact(s.callState, epfd, op, fd, event);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code timeoutMillis} -1 waits without limit. */
    public static int await(Native.Scratch s, int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) WAIT.invokeExact(s.callState, epfd, events, max, timeoutMillis, MemorySegment.NULL, SIGSET_SIZE);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** False once the kernel refused epoll_pwait2 (ENOSYS: older than 5.11) though libc has it. */
    private static volatile boolean pwait2Works = true;

    /** True if {@code epoll_pwait2} (nanosecond timeouts) may be used: libc has it, and the kernel has not refused it. */
    public static boolean hasPwait2() {
        return PWAIT2 != null && pwait2Works;
    }

    /** Records that the kernel answered {@code epoll_pwait2} with ENOSYS: use millisecond waits from now on. */
    public static void pwait2Unsupported() {
        pwait2Works = false;
    }

    /** {@code timeout} is a {@code struct timespec}, or NULL to wait without limit. */
    public static int awaitNanos(Native.Scratch s, int epfd, MemorySegment events, int max, MemorySegment timeout) {
        try {
            return (int) PWAIT2.invokeExact(s.callState, epfd, events, max, timeout, MemorySegment.NULL, SIGSET_SIZE);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }
}
