package dev.vigil.internal;

import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Socket;
import dev.vigil.internal.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The kernel side of vigil's stream sockets: accepting (TCP and {@code AF_UNIX}), and for TCP
 * IPv4 and IPv6 sockets in non-blocking mode, close-on-exec from birth;
 * {@code sockaddr_in}/{@code sockaddr_in6} both ways; listening, a connect in two halves
 * (start, then the outcome once the socket is writable), options and shutdown.
 */
public final class StreamSockets {
    private StreamSockets() {}

    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort HOST_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final Calls.Syscall ACCEPT = (s, raw) -> Socket.accept4(s, raw, Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC);

    /** A new listening socket bound to {@code address} ({@code SO_REUSEADDR}); its number. */
    public static int listen(InetSocketAddress address, int backlog) throws IOException {
        int number = open(address);
        try {
            Native.Scratch s = Native.Scratch.get();
            setInt(s, number, Socket.SOL_SOCKET, Socket.SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)");
            int len = encode(s.text, address);
            if (Socket.bind(s, number, s.text, len) != 0) {
                throw Calls.failure(s, "bind to " + address);
            }
            if (Socket.listen(s, number, backlog) != 0) {
                throw Calls.failure(s, "listen on " + address);
            }
            return number;
        } catch (IOException | RuntimeException e) {
            Unistd.close(Native.Scratch.get(), number);
            throw e;
        }
    }

    /** One accept without waiting: the new connection's number (non-blocking, close-on-exec), or {@link Waiting#NOT_YET}. */
    public static long accept(Descriptor listener) throws IOException {
        int raw = listener.acquire();
        try {
            // ECONNABORTED: a connection that ended before it was accepted; take the next one
            return Calls.tryNow(Native.Scratch.get(), raw, ACCEPT, "accept4", Errno.ECONNABORTED);
        } finally {
            listener.release();
        }
    }

    /** A new unconnected stream socket for {@code address}'s family; its number. */
    public static int open(InetSocketAddress address) throws IOException {
        if (address.isUnresolved()) {
            throw new UnknownHostException(address.getHostString() + " is unresolved: resolve it first (new InetSocketAddress(host, port))");
        }
        int family = address.getAddress() instanceof Inet6Address ? Socket.AF_INET6 : Socket.AF_INET;
        Native.Scratch s = Native.Scratch.get();
        int number = Socket.socket(s, family, Socket.SOCK_STREAM | Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC, 0);
        if (number < 0) {
            throw Calls.failure(s, "socket");
        }
        return number;
    }

    /**
     * Starts connecting {@code fd} to {@code address}.
     *
     * @return true if connected at once, false if under way (wait until writable, then {@link #finishConnect})
     */
    public static boolean startConnect(Descriptor fd, InetSocketAddress address) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            int len = encode(s.text, address);
            for (;;) {
                if (Socket.connect(s, raw, s.text, len) == 0) {
                    return true;
                }
                int errno = Native.errno(s);
                if (errno == Errno.EINPROGRESS) {
                    return false;
                }
                if (errno != Errno.EINTR) {
                    throw Calls.failure(s, "connect to " + address);
                }
            }
        } finally {
            fd.release();
        }
    }

    /**
     * The outcome of a connect under way, once the socket is writable ({@code SO_ERROR}).
     *
     * @return true if connected, false if still under way
     * @throws ErrnoException the connect's failure, for example {@code ECONNREFUSED}
     */
    public static boolean finishConnect(Descriptor fd, InetSocketAddress address) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            // SO_ERROR is 0 while the handshake is under way too: only a writable (or failed) socket has an outcome.
            if (Poll.now(s, raw, Poll.POLLOUT) == 0) {
                return false;
            }
            MemorySegment value = s.text.asSlice(0, 4);
            s.word.set(ValueLayout.JAVA_INT, 0, 4);
            if (Socket.getsockopt(s, raw, Socket.SOL_SOCKET, Socket.SO_ERROR, value, s.word) != 0) {
                throw Calls.failure(s, "getsockopt(SO_ERROR)");
            }
            int error = value.get(ValueLayout.JAVA_INT, 0);
            if (error == Errno.EINPROGRESS || error == Errno.EAGAIN) {
                return false;
            }
            if (error != 0) {
                throw new ErrnoException("connect to " + address, error);
            }
            return true;
        } finally {
            fd.release();
        }
    }

    /** The address {@code fd} is bound to. */
    public static InetSocketAddress localAddress(Descriptor fd) throws IOException {
        return name(fd, true);
    }

    /** The address of {@code fd}'s peer. */
    public static InetSocketAddress remoteAddress(Descriptor fd) throws IOException {
        return name(fd, false);
    }

    private static InetSocketAddress name(Descriptor fd, boolean local) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            MemorySegment addr = s.text.asSlice(0, Socket.SOCKADDR_STORAGE_SIZE);
            s.word.set(ValueLayout.JAVA_INT, 0, Socket.SOCKADDR_STORAGE_SIZE);
            int r = local ? Socket.getsockname(s, raw, addr, s.word) : Socket.getpeername(s, raw, addr, s.word);
            if (r != 0) {
                throw Calls.failure(s, local ? "getsockname" : "getpeername");
            }
            return decode(addr);
        } finally {
            fd.release();
        }
    }

    /** Sets {@code TCP_NODELAY}. */
    public static void setNoDelay(Descriptor fd, boolean on) throws IOException {
        int raw = fd.acquire();
        try {
            setInt(Native.Scratch.get(), raw, Socket.IPPROTO_TCP, Socket.TCP_NODELAY, on ? 1 : 0, "setsockopt(TCP_NODELAY)");
        } finally {
            fd.release();
        }
    }

    /** {@code shutdown(fd, SHUT_RD or SHUT_WR)}. */
    public static void shutdown(Descriptor fd, boolean input) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            if (Socket.shutdown(s, raw, input ? Socket.SHUT_RD : Socket.SHUT_WR) != 0) {
                throw Calls.failure(s, input ? "shutdown(SHUT_RD)" : "shutdown(SHUT_WR)");
            }
        } finally {
            fd.release();
        }
    }

    private static void setInt(Native.Scratch s, int raw, int level, int name, int value, String what) throws ErrnoException {
        MemorySegment v = s.word.asSlice(0, 4);
        v.set(ValueLayout.JAVA_INT, 0, value);
        if (Socket.setsockopt(s, raw, level, name, v, 4) != 0) {
            throw Calls.failure(s, what);
        }
    }

    /** Writes {@code address} as a {@code sockaddr_in} or {@code sockaddr_in6} into {@code out}; its length. */
    private static int encode(MemorySegment out, InetSocketAddress address) {
        out.asSlice(0, 28).fill((byte) 0);
        InetAddress ip = address.getAddress();
        byte[] bytes = ip.getAddress();
        if (ip instanceof Inet6Address v6) {
            out.set(HOST_SHORT, 0, (short) Socket.AF_INET6);
            out.set(NET_SHORT, 2, (short) address.getPort());
            MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 8, 16);
            out.set(ValueLayout.JAVA_INT_UNALIGNED, 24, v6.getScopeId());
            return 28;
        }
        out.set(HOST_SHORT, 0, (short) Socket.AF_INET);
        out.set(NET_SHORT, 2, (short) address.getPort());
        MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 4, 4);
        return 16;
    }

    private static InetSocketAddress decode(MemorySegment addr) throws UnknownHostException {
        int family = addr.get(HOST_SHORT, 0);
        int port = Short.toUnsignedInt(addr.get(NET_SHORT, 2));
        if (family == Socket.AF_INET6) {
            byte[] ip = addr.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
            int scope = addr.get(ValueLayout.JAVA_INT_UNALIGNED, 24);
            return new InetSocketAddress(scope != 0 ? Inet6Address.getByAddress(null, ip, scope) : InetAddress.getByAddress(ip), port);
        }
        byte[] ip = addr.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
        return new InetSocketAddress(Inet4Address.getByAddress(ip), port);
    }
}
