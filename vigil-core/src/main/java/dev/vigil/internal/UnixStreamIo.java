package dev.vigil.internal;

import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Socket;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The kernel side of an {@code AF_UNIX} {@code SOCK_STREAM} socket whose data carries
 * descriptors: {@code sendmsg} with {@code SCM_RIGHTS} on the first byte of a send, and
 * {@code recvmsg} that always offers room for control data, so no descriptor that arrives with
 * the bytes is ever dropped by the kernel unseen. One instance per stream, used under the
 * stream's read and write locks (one buffer set each way).
 */
public final class UnixStreamIo {
    /** The bytes one call moves through a heap buffer (direct buffers go as they are). */
    private static final int STAGING = 64 * 1024;

    /** What one receive brought: the byte count ({@link ByteStreams#END} at end of stream) and the descriptors. */
    public record Arrival(int bytes, Descriptor[] descriptors) {}

    /** Room for every descriptor one message can carry. */
    private static final long CONTROL_CAPACITY = ScmRights.receiveCapacity(ScmRights.MAX_DESCRIPTORS);

    private final Descriptor fd;
    private final Calls.Syscall receiveCall = this::receiveCall;
    private final MemorySegment sendHeader;
    private final MemorySegment sendIov;
    private final MemorySegment sendControl;
    private final MemorySegment sendStaging;
    private final MemorySegment receiveHeader;
    private final MemorySegment receiveIov;
    private final MemorySegment receiveControl;
    private final MemorySegment receiveStaging;

    public UnixStreamIo(Descriptor fd) {
        this.fd = fd;
        Arena arena = Arena.ofAuto();
        sendHeader = arena.allocate(Socket.MSGHDR);
        sendIov = arena.allocate(Socket.IOVEC);
        sendControl = ScmRights.allocate(arena);
        sendStaging = arena.allocate(STAGING);
        receiveHeader = arena.allocate(Socket.MSGHDR);
        receiveIov = arena.allocate(Socket.IOVEC);
        receiveControl = ScmRights.allocate(arena);
        receiveStaging = arena.allocate(STAGING);
    }

    /** Two connected ends of a new stream socket pair, non-blocking and close-on-exec. */
    public static int[] pair() throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        MemorySegment sv = s.word;
        if (Socket.socketpair(s, Socket.AF_UNIX, Socket.SOCK_STREAM | Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC, 0, sv) != 0) {
            throw Calls.failure(s, "socketpair");
        }
        return new int[] {sv.get(ValueLayout.JAVA_INT, 0), sv.get(ValueLayout.JAVA_INT, 4)};
    }

    /** A new stream socket listening at the abstract {@code name}; its number. */
    public static int listenAbstract(String name, int backlog) throws IOException {
        int number = socket();
        try {
            Native.Scratch s = Native.Scratch.get();
            int len = abstractAddress(s.text, name);
            if (Socket.bind(s, number, s.text, len) != 0) {
                throw Calls.failure(s, "bind to abstract name @" + name);
            }
            if (Socket.listen(s, number, backlog) != 0) {
                throw Calls.failure(s, "listen on @" + name);
            }
            return number;
        } catch (IOException | RuntimeException e) {
            dev.vigil.internal.linux.Unistd.close(Native.Scratch.get(), number);
            throw e;
        }
    }

    /** A new non-blocking stream socket to bind at a path and listen on. */
    public static int forListen() throws ErrnoException {
        return socket();
    }

    /**
     * Connects a new socket to the abstract {@code name}, or to the socket file {@code path}
     * if {@code name} is null: its number, or {@link Waiting#NOT_YET} (the socket closed) if
     * the listener's backlog is full: an {@code AF_UNIX} connect is never under way, and the
     * kernel gives no notice of room.
     */
    public static long connect(String name, java.nio.file.Path path) throws IOException {
        byte[] pathAddress = name == null ? SeqpacketSocket.address(path) : null;
        int number = socket();
        try {
            Native.Scratch s = Native.Scratch.get();
            int len = name != null ? abstractAddress(s.text, name) : Socket.setSockaddrUn(s.text, pathAddress);
            for (;;) {
                if (Socket.connect(s, number, s.text, len) == 0) {
                    return number;
                }
                int errno = Native.errno(s);
                if (errno == Errno.EAGAIN) {
                    dev.vigil.internal.linux.Unistd.close(s, number);
                    return Waiting.NOT_YET;
                }
                if (errno != Errno.EINTR) {
                    throw Calls.failure(s, "connect to " + (name != null ? "abstract name @" + name : path.toString()));
                }
            }
        } catch (IOException | RuntimeException e) {
            dev.vigil.internal.linux.Unistd.close(Native.Scratch.get(), number);
            throw e;
        }
    }

    private static int socket() throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        int number = Socket.socket(s, Socket.AF_UNIX, Socket.SOCK_STREAM | Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC, 0);
        if (number < 0) {
            throw Calls.failure(s, "socket");
        }
        return number;
    }

    /** A {@code sockaddr_un} in the abstract namespace: a NUL, then the name's UTF-8 bytes (no terminator). */
    private static int abstractAddress(MemorySegment out, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > Socket.SUN_PATH_MAX - 1) {
            throw new IllegalArgumentException("an abstract socket name is 1 to " + (Socket.SUN_PATH_MAX - 1)
                    + " bytes of UTF-8, got " + bytes.length);
        }
        out.set(ValueLayout.JAVA_SHORT, 0, (short) Socket.AF_UNIX);
        out.set(ValueLayout.JAVA_BYTE, 2, (byte) 0);
        MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 3, bytes.length);
        return 3 + bytes.length;
    }

    /**
     * One {@code sendmsg} of {@code src}'s remaining bytes (as many as fit) with
     * {@code numbers[0..count)} attached to them, advancing {@code src}.
     *
     * @return the count sent (at least 1: the descriptors went with it), or {@link ByteStreams#WOULD_BLOCK}
     */
    public int send(ByteBuffer src, int[] numbers, int count) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            int length = src.remaining();
            MemorySegment data;
            if (src.isDirect()) {
                data = MemorySegment.ofBuffer(src);
            } else {
                length = Math.min(length, STAGING);
                MemorySegment.copy(MemorySegment.ofBuffer(src), 0, sendStaging, 0, length);
                data = sendStaging;
            }
            Socket.setIovec(sendIov, data, length);
            long controlLength = 0;
            if (count > 0) {
                controlLength = ScmRights.begin(sendControl, count);
                for (int i = 0; i < count; i++) {
                    ScmRights.put(sendControl, i, numbers[i]);
                }
            }
            Socket.setMsghdr(sendHeader, sendIov, 1, count > 0 ? sendControl : MemorySegment.NULL, controlLength);
            long n = Calls.tryNow(s, raw, (sc, r) -> Socket.sendmsgNoWait(sc, r, sendHeader, Socket.MSG_NOSIGNAL), "sendmsg");
            if (n == Waiting.NOT_YET) {
                return ByteStreams.WOULD_BLOCK;
            }
            src.position(src.position() + (int) n);
            return (int) n;
        } finally {
            fd.release();
        }
    }

    private long receiveCall(Native.Scratch s, int raw) {
        Socket.setControlLength(receiveHeader, CONTROL_CAPACITY); // an interrupted call may have changed it
        return Socket.recvmsgNoWait(s, raw, receiveHeader, Socket.MSG_CMSG_CLOEXEC);
    }

    /**
     * One {@code recvmsg} into {@code dst} for a plain read: any descriptors that came with the
     * bytes are closed at once and counted in {@code dropped}. Nothing is allocated when none came.
     *
     * @return the count read, {@link ByteStreams#END} or {@link ByteStreams#WOULD_BLOCK}
     */
    public int readDropping(ByteBuffer dst, java.util.concurrent.atomic.AtomicLong dropped) throws IOException {
        int raw = fd.acquire();
        try {
            synchronized (receiveHeader) { // see receive()
                long n = receiveHeld(raw, dst);
                if (n == Waiting.NOT_YET) {
                    return ByteStreams.WOULD_BLOCK;
                }
                Descriptor[] arrived = arrived();
                for (Descriptor d : arrived) {
                    d.close();
                }
                if (arrived.length != 0) {
                    dropped.addAndGet(arrived.length);
                }
                return n == 0 && arrived.length == 0 ? ByteStreams.END : (int) n;
            }
        } finally {
            fd.release();
        }
    }

    /**
     * One {@code recvmsg} into {@code dst}, with room for every descriptor that may come.
     *
     * @return what arrived, or null if nothing is there now
     * @throws IOException if the kernel cut the control data short ({@code MSG_CTRUNC}: the
     *                     descriptors that did arrive are closed first)
     */
    public Arrival receive(ByteBuffer dst) throws IOException {
        int raw = fd.acquire();
        try {
            // The receive buffers are shared: a plain read, a tryRead and a readAsync
            // continuation may come from different threads at once. The call never waits.
            synchronized (receiveHeader) {
                long n = receiveHeld(raw, dst);
                if (n == Waiting.NOT_YET) {
                    return null;
                }
                Descriptor[] arrived = arrived();
                return new Arrival(n == 0 && arrived.length == 0 ? ByteStreams.END : (int) n, arrived);
            }
        } finally {
            fd.release();
        }
    }

    /**
     * The recvmsg of a receive, under the lock: the bytes go into {@code dst} (advanced), the
     * descriptors stay in the control buffer for {@link #arrived()}.
     *
     * @return the count (0 at end of stream), or {@link Waiting#NOT_YET}
     * @throws IOException if the kernel cut the control data short (what arrived is closed)
     */
    private long receiveHeld(int raw, ByteBuffer dst) throws IOException {
        Native.Scratch s = Native.Scratch.get();
        int room = dst.remaining();
        MemorySegment data;
        if (dst.isDirect()) {
            data = MemorySegment.ofBuffer(dst);
        } else {
            room = Math.min(room, STAGING);
            data = receiveStaging;
        }
        Socket.setIovec(receiveIov, data, room);
        Socket.setMsghdr(receiveHeader, receiveIov, 1, receiveControl, CONTROL_CAPACITY);
        long n = Calls.tryNow(s, raw, receiveCall, "recvmsg");
        if (n == Waiting.NOT_YET) {
            return n;
        }
        if (ScmRights.isTruncated(Socket.msgFlags(receiveHeader))) {
            Descriptor[] arrived = arrived();
            for (Descriptor d : arrived) {
                d.close();
            }
            throw new IOException("the descriptors sent with these bytes did not all fit (MSG_CTRUNC, also what the"
                    + " kernel reports when this process is out of descriptor numbers); " + arrived.length
                    + " that arrived were closed, and " + n + " bytes were consumed");
        }
        if (!dst.isDirect() && n > 0) {
            MemorySegment.copy(receiveStaging, 0, MemorySegment.ofBuffer(dst), 0, n);
        }
        if (n > 0) {
            dst.position(dst.position() + (int) n);
        }
        return n;
    }

    /** The descriptors the last recvmsg put in the control buffer, owned from now on (none: no allocation). */
    private Descriptor[] arrived() {
        return ScmRights.adopt(receiveControl, Socket.controlLength(receiveHeader), "descriptor received through a UnixStream");
    }
}
