package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.Objects;

import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_LONG;
import static dev.vigil.internal.linux.Native.C_POINTER;

/**
 * {@code read}, {@code write}, {@code preadv2}, {@code close}, {@code fcntl}, {@code sched_yield},
 * {@code geteuid}.
 *
 * <pre>
 * ssize_t read(int fd, void *buf, size_t count);
 * ssize_t write(int fd, const void *buf, size_t count);
 * ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags);
 * int close(int fd);
 * int fcntl(int fd, int cmd, ... /* int arg *&#47;);
 * uid_t geteuid(void);                                  // always succeeds
 * </pre>
 * Each method returns the raw result (-1 on failure, errno in the scratch's call state).
 */
public final class Unistd {
    private Unistd() {}

    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int F_GETFD = 1;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int FD_CLOEXEC = 1;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    /** {@code preadv2} flag: fail with EAGAIN instead of blocking (honoured by eventfd). */
    public static final int RWF_NOWAIT = 0x8;

    // read, write and preadv2 go straight to the kernel where the numbers are known
    // (Native.direct: no cancellation-point bookkeeping), else through libc.
    private static final FunctionDescriptor READ_WRITE = FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG);
    private static final MethodHandle READ = Objects.requireNonNullElseGet(
            Native.direct(READ_WRITE, 0, 63, false), () -> Native.blocking("read", READ_WRITE));
    private static final MethodHandle WRITE = Objects.requireNonNullElseGet(
            Native.direct(READ_WRITE, 1, 64, false), () -> Native.blocking("write", READ_WRITE));
    /**
     * {@code preadv2(fd, iov, iovcnt, offset, offset_high, flags)}: the kernel takes the offset
     * in two halves; -1 and 0 mean "the current position". libc's wrapper takes one.
     */
    private static final MethodHandle PREADV2_NOWAIT = Objects.requireNonNullElseGet(
            Native.direct(FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT, C_LONG, C_LONG, C_INT), 327, 286, true),
            () -> MethodHandles.dropArguments(Native.critical("preadv2",
                    FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT, C_LONG, C_INT)), 5, long.class));
    /** close is a cancellation point too; it may block (a file's last close can flush), so not critical. */
    private static final MethodHandle CLOSE = Objects.requireNonNullElseGet(
            Native.direct(FunctionDescriptor.of(C_INT, C_INT), 3, 57, false),
            () -> Native.blocking("close", FunctionDescriptor.of(C_INT, C_INT)));
    private static final MethodHandle FCNTL = Native.LINKER.downcallHandle(
            Native.LINKER.defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT),
            java.lang.foreign.Linker.Option.captureCallState("errno"),
            java.lang.foreign.Linker.Option.firstVariadicArg(2),
            java.lang.foreign.Linker.Option.critical(false));
    /** {@code read}/{@code write} of a descriptor in non-blocking mode: they never wait, so critical, and heap buffers go straight in. */
    private static final MethodHandle READ_NONBLOCKING = Native.criticalWithHeap("read", READ_WRITE);
    private static final MethodHandle WRITE_NONBLOCKING = Native.criticalWithHeap("write", READ_WRITE);
    /** {@code send(fd, buf, len, flags)}: with MSG_DONTWAIT never waits, so critical. */
    private static final MethodHandle SEND_NONBLOCKING = Native.criticalWithHeap("send",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG, C_INT));
    /** {@code int pipe2(int fds[2], int flags)}. */
    private static final MethodHandle PIPE2 = Native.critical("pipe2", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    /** {@code int sched_yield(void)}: may hand the CPU to another thread for a while, so not critical. */
    private static final MethodHandle SCHED_YIELD = Native.plain("sched_yield", FunctionDescriptor.of(C_INT));
    private static final MethodHandle GETEUID = Native.plain("geteuid", FunctionDescriptor.of(C_INT));
    /** Without errno capture: for the two calls below, whose failure is deliberately ignored. */
    private static final MethodHandle WRITE_NO_ERRNO = Native.plain("write",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
    private static final MethodHandle READ_NO_ERRNO = Native.plain("read",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG));
    /** The 8-byte value 1, written by {@link #writeOne}; never changed. */
    private static final MemorySegment ONE = java.lang.foreign.Arena.global().allocate(8, 8);
    /** A sink for {@link #drain}; its contents are never read. */
    private static final MemorySegment SINK = java.lang.foreign.Arena.global().allocate(8, 8);

    static {
        ONE.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L);
    }

    public static long read(Native.Scratch s, int fd, MemorySegment buf, long count) {
        try {
            return (long) READ.invokeExact(s.callState, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long write(Native.Scratch s, int fd, MemorySegment buf, long count) {
        try {
            return (long) WRITE.invokeExact(s.callState, fd, buf, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code preadv2(fd, iov, 1, -1, RWF_NOWAIT)}: reads at the current position without
     * blocking, even on a descriptor in blocking mode, and without touching its file status
     * flags (which other processes share). Never blocks, hence a critical call.
     */
    public static long readNoWait(Native.Scratch s, int fd, MemorySegment iovec) {
        try {
            return (long) PREADV2_NOWAIT.invokeExact(s.callState, fd, iovec, 1, -1L, 0L, RWF_NOWAIT);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code read(fd, buf, buf.byteSize())} on a descriptor in non-blocking mode ({@code O_NONBLOCK}
     * set: the call never waits); {@code buf} may be a heap segment.
     */
    public static long readNonBlocking(Native.Scratch s, int fd, MemorySegment buf) {
        try {
            return (long) READ_NONBLOCKING.invokeExact(s.callState, fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code write(fd, buf, buf.byteSize())} on a descriptor in non-blocking mode; {@code buf} may be a heap segment. */
    public static long writeNonBlocking(Native.Scratch s, int fd, MemorySegment buf) {
        try {
            return (long) WRITE_NONBLOCKING.invokeExact(s.callState, fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code send(fd, buf, buf.byteSize(), MSG_DONTWAIT | MSG_NOSIGNAL)}: a socket write that
     * never waits and never raises {@code SIGPIPE} ({@code EPIPE} instead); {@code buf} may
     * be a heap segment.
     */
    public static long sendNonBlocking(Native.Scratch s, int fd, MemorySegment buf) {
        try {
            return (long) SEND_NONBLOCKING.invokeExact(s.callState, fd, buf, buf.byteSize(), 0x40 | 0x4000);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pipe2(fds, flags)}: the two numbers go to {@code fds} (two ints). */
    public static int pipe2(Native.Scratch s, MemorySegment fds, int flags) {
        try {
            return (int) PIPE2.invokeExact(s.callState, fds, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(Native.Scratch s, int fd) {
        try {
            return (int) CLOSE.invokeExact(s.callState, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int fcntl(Native.Scratch s, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(s.callState, fd, cmd, arg);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Adds 1 to an eventfd's counter, ignoring failure (the callers wake a waiter, and a full
     * counter is already readable). No errno capture, so nothing is allocated.
     */
    public static void writeOne(int fd) {
        try {
            long ignored = (long) WRITE_NO_ERRNO.invokeExact(fd, ONE, 8L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reads and discards 8 bytes from a non-blocking descriptor, ignoring failure (EAGAIN). */
    public static void drain(int fd) {
        try {
            long ignored = (long) READ_NO_ERRNO.invokeExact(fd, SINK, 8L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Lets another runnable thread on this CPU run first, if there is one; cannot fail. */
    public static void schedYield() {
        try {
            int ignored = (int) SCHED_YIELD.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The effective user id of this process; needs no descriptor and cannot fail. */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("unexpected exception from a downcall", t);
    }
}
