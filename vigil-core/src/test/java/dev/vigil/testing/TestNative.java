package dev.vigil.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** System calls the tests need to set up situations: pipes, flags, signals to one thread. */
public final class TestNative {
    private TestNative() {}

    private static final Linker L = Linker.nativeLinker();
    private static final MethodHandle PIPE2 = h("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = h("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SHUTDOWN = h("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = h("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = h("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle DUP3 = h("dup3", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETTID = h("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPID = h("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle TGKILL = h("tgkill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = L.downcallHandle(L.defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL3 = L.downcallHandle(L.defaultLookup().find("fcntl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SIGEMPTYSET = h("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGADDSET = h("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK = h("pthread_sigmask", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGPENDING = h("sigpending", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGISMEMBER = h("sigismember", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle WRITE = h("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle READ = h("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle EVENTFD = h("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETRLIMIT = h("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SETRLIMIT = h("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SOCKET = h("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = h("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = h("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN_ERRNO = L.downcallHandle(L.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));
    private static final MethodHandle CONNECT_ERRNO = L.downcallHandle(L.defaultLookup().find("connect").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.captureCallState("errno"));

    public static final int SIGPIPE = 13;
    public static final int F_GETFD = 1;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int O_NONBLOCK = 0x800;
    public static final int EFD_SEMAPHORE = 1;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int ENOENT = 2;
    public static final int EAGAIN = 11;
    public static final int EMFILE = 24;
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    /** {@code RLIMIT_NOFILE} on x86_64 and aarch64. */
    private static final int RLIMIT_NOFILE = 7;

    private static MethodHandle h(String name, FunctionDescriptor fd) {
        return L.downcallHandle(L.defaultLookup().find(name).orElseThrow(), fd);
    }

    /** {@code int[2]}: read end, write end (close-on-exec). */
    public static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8);
            if ((int) PIPE2.invokeExact(fds, 0x80000) != 0) throw new AssertionError("pipe2 failed");
            return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A connected AF_UNIX pair of {@code type} (1 stream, 5 seqpacket), close-on-exec. */
    public static int[] socketpair(int type) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8);
            if ((int) SOCKETPAIR.invokeExact(1, type | 0x80000, 0, fds) != 0) throw new AssertionError("socketpair failed");
            return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code how}: 0 SHUT_RD, 1 SHUT_WR, 2 SHUT_RDWR. */
    public static void shutdown(int fd, int how) {
        try {
            int r = (int) SHUTDOWN.invokeExact(fd, how);
            if (r != 0) throw new AssertionError("shutdown failed");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Opens a path read-only, close-on-exec. */
    public static int open(String path) {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(a.allocateFrom(path), 0x80000);
            if (fd < 0) throw new AssertionError("open failed: " + path);
            return fd;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code eventfd(initval, flags)}, made by the test itself (for kinds vigil never makes). */
    public static int eventfd(int initval, int flags) {
        try {
            int fd = (int) EVENTFD.invokeExact(initval, flags);
            if (fd < 0) throw new AssertionError("eventfd failed");
            return fd;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A new close-on-exec number for the file {@code fd} refers to. */
    public static int dup(int fd) {
        int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0) throw new AssertionError("F_DUPFD_CLOEXEC failed on fd " + fd);
        return copy;
    }

    public static void close(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Makes number {@code newFd} refer to {@code oldFd}'s file (close-on-exec), closing what it
     * referred to before: {@code dup3(oldFd, newFd, O_CLOEXEC)}.
     */
    public static void dup3(int oldFd, int newFd) {
        try {
            if ((int) DUP3.invokeExact(oldFd, newFd, 0x80000) != newFd) throw new AssertionError("dup3 failed");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Sends a signal to one thread of this process. SIGPIPE is harmless here: HotSpot
     * installs a handler that ignores it, and running that handler makes a blocking system
     * call in that thread fail with EINTR, which is what tests use it for.
     */
    public static void tgkill(int tid, int signal) {
        try {
            int r = (int) TGKILL.invokeExact(getpid(), tid, signal);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fcntl(int fd, int cmd) {
        try {
            return (int) FCNTL.invokeExact(fd, cmd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) FCNTL3.invokeExact(fd, cmd, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Adds {@code signal} to the calling thread's signal mask ({@code pthread_sigmask(SIG_BLOCK)}). */
    public static void blockSignalInThisThread(int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(128, 8);
            int r = (int) SIGEMPTYSET.invokeExact(set);
            r |= (int) SIGADDSET.invokeExact(set, signal);
            r |= (int) PTHREAD_SIGMASK.invokeExact(0, set, MemorySegment.NULL);
            if (r != 0) throw new AssertionError("could not block signal " + signal);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Whether {@code signal} is pending for the calling thread or the process ({@code sigpending}). */
    public static boolean isPending(int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment set = a.allocate(128, 8);
            if ((int) SIGPENDING.invokeExact(set) != 0) throw new AssertionError("sigpending failed");
            return (int) SIGISMEMBER.invokeExact(set, signal) == 1;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long writeLong(int fd, long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(ValueLayout.JAVA_LONG);
            buf.set(ValueLayout.JAVA_LONG, 0, value);
            return (long) WRITE.invokeExact(fd, buf, 8L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long readLong(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(ValueLayout.JAVA_LONG);
            long n = (long) READ.invokeExact(fd, buf, 8L);
            if (n != 8) throw new AssertionError("read returned " + n);
            return buf.get(ValueLayout.JAVA_LONG, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code int[2]}: read end, write end, both non-blocking (and close-on-exec). */
    public static int[] nonBlockingPipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(8);
            if ((int) PIPE2.invokeExact(fds, 0x80000 | 0x800) != 0) throw new AssertionError("pipe2 failed");
            return new int[] {fds.get(JAVA_INT, 0), fds.get(JAVA_INT, 4)};
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Writes (or, with {@code write} false, reads) 4 KiB chunks on a non-blocking {@code fd} until it would block; returns the bytes moved. */
    public static long pump(int fd, boolean write) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(4096);
            long total = 0;
            for (;;) {
                long n = write ? (long) WRITE.invokeExact(fd, buf, 4096L) : (long) READ.invokeExact(fd, buf, 4096L);
                if (n <= 0) {
                    return total;
                }
                total += n;
            }
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** This process's limit on descriptor numbers ({@code RLIMIT_NOFILE}): soft, hard. */
    public static long[] noFileLimit() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rlim = a.allocate(16, 8);
            if ((int) GETRLIMIT.invokeExact(RLIMIT_NOFILE, rlim) != 0) throw new AssertionError("getrlimit failed");
            return new long[] {rlim.get(JAVA_LONG, 0), rlim.get(JAVA_LONG, 8)};
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Sets {@code RLIMIT_NOFILE}. */
    public static void setNoFileLimit(long soft, long hard) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment rlim = a.allocate(16, 8);
            rlim.set(JAVA_LONG, 0, soft);
            rlim.set(JAVA_LONG, 8, hard);
            if ((int) SETRLIMIT.invokeExact(RLIMIT_NOFILE, rlim) != 0) throw new AssertionError("setrlimit failed");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Opens a path read-only, close-on-exec: the new number, or minus the errno on failure. */
    public static int tryOpen(String path) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int fd = (int) OPEN_ERRNO.invokeExact(state, a.allocateFrom(path), 0x80000);
            return fd >= 0 ? fd : -state.get(JAVA_INT, ERRNO);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * A new non-blocking, close-on-exec {@code AF_UNIX SOCK_SEQPACKET} socket connected to the
     * listener at {@code path}: its number, or -1 if the listener's backlog is full
     * ({@code EAGAIN}; the socket is closed then).
     */
    public static int connectSeqpacketNoWait(String path) {
        int r = connectSeqpacket(path, O_NONBLOCK);
        if (r >= 0 || r == -EAGAIN) {
            return Math.max(r, -1);
        }
        throw new AssertionError("connect to " + path + " failed: errno " + -r);
    }

    /**
     * A new close-on-exec {@code AF_UNIX SOCK_SEQPACKET} socket in blocking mode connected to
     * the listener at {@code path} with one {@code connect(2)}, which waits in the kernel
     * while the listener's backlog is full: its number, or minus the errno (the socket is
     * closed then).
     */
    public static int connectSeqpacketBlocking(String path) {
        return connectSeqpacket(path, 0);
    }

    private static int connectSeqpacket(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) SOCKET.invokeExact(1, 5 | 0x80000 | flags, 0);
            if (fd < 0) throw new AssertionError("socket failed");
            byte[] name = path.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            MemorySegment addr = a.allocate(110);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) 1);
            MemorySegment.copy(name, 0, addr, ValueLayout.JAVA_BYTE, 2, name.length);
            MemorySegment state = a.allocate(CALL_STATE);
            int r = (int) CONNECT_ERRNO.invokeExact(state, fd, addr, 2 + name.length + 1);
            if (r == 0) {
                return fd;
            }
            int errno = state.get(JAVA_INT, ERRNO);
            close(fd);
            return -errno;
        } catch (Throwable t) {
            throw t instanceof AssertionError e ? e : new AssertionError(t);
        }
    }

    /** {@code setsockopt(fd, level, name, &value, 4)}. */
    public static void setIntOption(int fd, int level, int name, int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            if ((int) SETSOCKOPT.invokeExact(fd, level, name, v, 4) != 0) throw new AssertionError("setsockopt failed");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code getsockopt(fd, level, name)} of an int option. */
    public static int intOption(int fd, int level, int name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            if ((int) GETSOCKOPT.invokeExact(fd, level, name, v, len) != 0) throw new AssertionError("getsockopt failed");
            return v.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
