package dev.vigil.internal;

import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Rename;
import dev.vigil.internal.linux.Socket;
import dev.vigil.internal.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Setting up {@code AF_UNIX} {@code SOCK_SEQPACKET} sockets for {@code dev.vigil.ipc}: pairs,
 * connecting to a path (waiting out a full backlog), listening at one, accepting, telling a
 * stale socket file from a live one, {@code SO_PEERCRED}, and the {@code sun_path} encoding.
 * Sending and receiving are {@link SeqpacketSender} and {@link SeqpacketReceiver}; the public
 * classes keep the policy (who is admitted, where the file goes).
 *
 * <p>Every socket is close-on-exec. A connected end is in blocking mode from the moment
 * anyone else can hold it: a connecting socket is non-blocking only while it is private.
 * A listening socket is non-blocking for good (it is never shared), so no accept blocks after
 * another took the connection.
 */
public final class SeqpacketSocket {
    private SeqpacketSocket() {}

    /** The pauses of a connect that finds the listener's backlog full: the first, and the longest. */
    private static final long CONNECT_PAUSE_FIRST = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long CONNECT_PAUSE_MAX = TimeUnit.MILLISECONDS.toNanos(50);
    /** The file type bits of {@code st_mode}, and the type of a socket ({@code inode(7)}). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** The longest path a {@code sun_path} holds, without its NUL. */
    public static final int MAX_PATH_BYTES = Socket.SUN_PATH_MAX - 1;

    /** Makes the public credentials value; a constructor reference, so nothing is captured. */
    @FunctionalInterface
    public interface Credentials<C> {
        C of(long pid, int uid, int gid);
    }

    /** One {@code accept4} on a non-blocking listener: the new number + 1, or 0 if nobody is waiting. */
    private static final Waiting.Attempt ACCEPT = SeqpacketSocket::tryAccept;
    private static final Calls.Syscall ACCEPT4 = (s, raw) -> Socket.accept4(s, raw, Socket.SOCK_CLOEXEC);

    /**
     * {@code path} as a {@code sun_path}: absolute, UTF-8, at most {@link #MAX_PATH_BYTES}, no NUL.
     *
     * @throws IllegalArgumentException if it does not fit
     */
    public static byte[] address(Path path) {
        Objects.requireNonNull(path, "path must not be null");
        byte[] bytes = path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("socket path " + path + " is " + bytes.length + " bytes long; a Unix socket"
                    + " address holds at most " + MAX_PATH_BYTES + ". Use a shorter path.");
        }
        for (byte b : bytes) {
            if (b == 0) {
                throw new IllegalArgumentException("socket path contains a NUL character: " + path);
            }
        }
        return bytes;
    }

    /**
     * This process's effective user id, the one {@code SO_PEERCRED} reports for its
     * connections: {@code geteuid()}, which needs no descriptor, so meeting at a path at the
     * descriptor limit fails only for want of the number it keeps.
     */
    public static int currentUid() {
        return Unistd.geteuid();
    }

    /** Two connected ends of a new socket pair, in blocking mode: their numbers, first and second. */
    public static int[] pair() throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        MemorySegment sv = s.word; // two ints
        if (Socket.socketpair(s, Socket.AF_UNIX, Socket.SOCK_SEQPACKET | Socket.SOCK_CLOEXEC, 0, sv) != 0) {
            throw Calls.failure(s, "socketpair");
        }
        return new int[] {sv.get(ValueLayout.JAVA_INT, 0), sv.get(ValueLayout.JAVA_INT, 4)};
    }

    /**
     * A new socket connected to the listener at {@code path}, owned by a Descriptor named
     * {@code what}, close-on-exec and in blocking mode, as an end handed to another process
     * expects. The socket is non-blocking until then, which it may be as it is nobody else's
     * yet, so a full backlog is {@code EAGAIN} at once rather than a wait inside
     * {@code connect(2)}. While the backlog is full (an {@code AF_UNIX} connect is never
     * {@code EINPROGRESS}) it tries again after pauses of 1 ms doubling to 50 ms: the kernel
     * gives no notice once there is room. The pauses are sleeps, so an interrupt ends them
     * and a virtual thread gives its carrier back. On any failure the socket is closed.
     *
     * @param timeout the caller's, for the message, or null with {@link Deadline#FOREVER}
     * @throws IllegalArgumentException if {@code path} does not fit a socket address, checked first
     * @throws InterruptedException     if interrupted on entry (the status is cleared) or while pausing
     * @throws SocketTimeoutException   if the backlog stayed full for {@code timeoutNanos}
     */
    public static Descriptor connect(Path path, long timeoutNanos, Duration timeout, String what)
            throws IOException, InterruptedException {
        byte[] address = address(path);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Descriptor fd = Descriptor.adoptNew(socket(Socket.SOCK_NONBLOCK), what);
        try {
            int raw = fd.acquire();
            try {
                Native.Scratch s = Native.Scratch.get();
                connectWhenThereIsRoom(s, raw, address, path, timeoutNanos, timeout);
                int flags = Unistd.fcntl(s, raw, Unistd.F_GETFL, 0);
                if (flags < 0 || Unistd.fcntl(s, raw, Unistd.F_SETFL, flags & ~Unistd.O_NONBLOCK) < 0) {
                    throw Calls.failure(s, "fcntl(F_SETFL) on a connected " + what);
                }
            } finally {
                fd.release();
            }
            return fd;
        } catch (Throwable t) {
            fd.close();
            throw t;
        }
    }

    private static void connectWhenThereIsRoom(Native.Scratch s, int raw, byte[] address, Path path,
                                               long timeoutNanos, Duration timeout) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long pause = CONNECT_PAUSE_FIRST;
        for (;;) {
            int len = Socket.setSockaddrUn(s.text, address);
            if (Socket.connect(s, raw, s.text, len) == 0) {
                return;
            }
            int errno = Native.errno(s);
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno != Errno.EAGAIN) {
                throw Calls.failure(s, "connect to " + path);
            }
            long left = Deadline.remaining(start, timeoutNanos);
            if (left == 0) {
                throw new SocketTimeoutException("connect to " + path + " timed out after " + timeout
                        + ": the listener's backlog of connections not yet accepted stayed full");
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
            pause = Math.min(2 * pause, CONNECT_PAUSE_MAX);
        }
    }

    /** The peer's process id, user id and group id at the time the connection was made ({@code SO_PEERCRED}). */
    public static <C> C peerCredentials(Descriptor fd, Credentials<C> make) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            MemorySegment cred = s.text.asSlice(0, Socket.UCRED.byteSize());
            MemorySegment len = s.text.asSlice(64, 4);
            len.set(Native.C_INT, 0, (int) Socket.UCRED.byteSize());
            if (Socket.getsockopt(s, raw, Socket.SOL_SOCKET, Socket.SO_PEERCRED, cred, len) != 0) {
                throw Calls.failure(s, "getsockopt(SO_PEERCRED)");
            }
            return make.of(Integer.toUnsignedLong(cred.get(Native.C_INT, 0)),
                    cred.get(Native.C_INT, 4), cred.get(Native.C_INT, 8));
        } finally {
            fd.release();
        }
    }

    // --- listening ----------------------------------------------------------------------

    /** A new non-blocking socket to {@link #bind} and {@link #listen} on. */
    public static int forListen() throws ErrnoException {
        return socket(Socket.SOCK_NONBLOCK);
    }

    /** Binds {@code fd} to {@code address}, which names {@code path}; the kernel creates the socket file. */
    public static void bind(Descriptor fd, byte[] address, Path path) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            int len = Socket.setSockaddrUn(s.text, address);
            if (Socket.bind(s, raw, s.text, len) != 0) {
                throw Calls.failure(s, "bind to " + path);
            }
        } finally {
            fd.release();
        }
    }

    public static void listen(Descriptor fd, int backlog) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            if (Socket.listen(s, raw, backlog) != 0) {
                throw Calls.failure(s, "listen");
            }
        } finally {
            fd.release();
        }
    }

    /**
     * Renames the socket file {@code from} to {@code to} without replacing anything:
     * {@code renameat2(RENAME_NOREPLACE)}, or {@code link(2)} where that is missing (the
     * caller removes the old name then).
     *
     * @return false if something is already at {@code to} ({@code EEXIST})
     * @throws ErrnoException for any other failure, naming {@code target}
     */
    public static boolean renameNoReplace(byte[] from, byte[] to, Path target) throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        MemorySegment fromC = s.text.asSlice(0, 128);
        MemorySegment toC = s.text.asSlice(128, 128);
        cString(fromC, from);
        cString(toC, to);
        int errno = renameNoReplace(s, fromC, toC);
        if (errno == 0) {
            return true;
        }
        if (errno != Errno.EEXIST) {
            throw new ErrnoException("moving the socket into place at " + target, errno);
        }
        return false;
    }

    /** 0 on success, else the errno. */
    private static int renameNoReplace(Native.Scratch s, MemorySegment from, MemorySegment to) {
        if (Rename.hasRenameat2()) {
            if (Rename.renameNoReplace(s, from, to) == 0) {
                return 0;
            }
            int errno = Native.errno(s);
            if (errno != Errno.EINVAL && errno != Errno.ENOSYS) { // EINVAL: not supported here
                return errno;
            }
        }
        return Rename.link(s, from, to) == 0 ? 0 : Native.errno(s);
    }

    private static void cString(MemorySegment into, byte[] bytes) {
        MemorySegment.copy(bytes, 0, into, ValueLayout.JAVA_BYTE, 0, bytes.length);
        into.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
    }

    /** True if {@code path} is a socket file (a link to one is not); false if nothing is there. */
    public static boolean isSocketFile(Path path) throws IOException {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFSOCK;
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    /**
     * True if {@code path} is a socket file that nobody listens on: a connect to it is refused
     * ({@code ECONNREFUSED}), the only proof of staleness. A live listener sees one connection
     * that ends at once.
     */
    public static boolean isStaleSocket(Path path) throws IOException {
        if (!isSocketFile(path)) {
            return false;
        }
        byte[] address = address(path);
        Descriptor probe = Descriptor.adoptNew(socket(Socket.SOCK_NONBLOCK), "socket probe");
        try {
            int raw = probe.acquire();
            try {
                Native.Scratch s = Native.Scratch.get();
                MemorySegment addr = s.text.asSlice(0, Socket.SOCKADDR_UN_SIZE);
                int len = Socket.setSockaddrUn(addr, address);
                if (Socket.connect(s, raw, addr, len) == 0) {
                    return false;
                }
                return Native.errno(s) == Errno.ECONNREFUSED;
            } finally {
                probe.release();
            }
        } finally {
            probe.close();
        }
    }

    /**
     * Waits for the next connection on the listening {@code fd} and returns its number,
     * close-on-exec and in blocking mode.
     *
     * @param owner the public object {@code fd} belongs to, which close wakes {@code slot} through
     */
    public static int accept(Descriptor fd, WaitSlot slot, Object owner, String what) throws IOException, InterruptedException {
        return (int) Waiting.await(fd, slot, owner, Deadline.FOREVER, ACCEPT, what);
    }

    private static long tryAccept(Native.Scratch s, int raw) throws IOException {
        // ECONNABORTED: a connection that ended before it was accepted; take the next one
        return Calls.tryNow(s, raw, ACCEPT4, "accept4 on TubeListener", Errno.ECONNABORTED);
    }

    private static int socket(int extraFlags) throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        int number = Socket.socket(s, Socket.AF_UNIX, Socket.SOCK_SEQPACKET | Socket.SOCK_CLOEXEC | extraFlags, 0);
        if (number < 0) {
            throw Calls.failure(s, "socket");
        }
        return number;
    }
}
