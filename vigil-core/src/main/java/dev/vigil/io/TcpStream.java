package dev.vigil.io;

import dev.vigil.internal.Deadline;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.StreamSockets;
import dev.vigil.reactor.Readiness;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * A TCP connection, IPv4 or IPv6, non-blocking and driven by the default reactor.
 * {@code read} waits for at least one byte (a virtual thread parks, holding no
 * carrier) and returns -1 at end of stream;  {@code write} waits until every
 * byte is written. {@code TCP_NODELAY} is on. A reset connection is an
 * {@link dev.vigil.ErrnoException} naming {@code ECONNRESET}; writing after the peer has
 * gone is {@code EPIPE}, never a {@code SIGPIPE}.
 *
 * <p>An interrupted read or write throws {@link java.io.InterruptedIOException} with the
 * interrupt status kept, and the stream stays open and usable (unlike the JDK's channels);
 * {@link #close()} from another thread ends a waiting call with {@link dev.vigil.ClosedException}.
 */
public final class TcpStream extends DuplexChannel {
    private TcpStream(Descriptor fd) throws IOException {
        super(fd, "TcpStream");
    }

    /** A connection accept4 just returned. */
    static TcpStream accepted(int number) throws IOException {
        TcpStream t = new TcpStream(Descriptor.adoptNew(number, "TcpStream"));
        try {
            StreamSockets.setNoDelay(t.ownedDescriptor(), true);
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** Connects to {@code address}, waiting (parked) as long as it takes. */
    public static TcpStream connect(InetSocketAddress address) throws IOException {
        return connect(address, null);
    }

    /**
     * Connects to {@code address}, waiting at most {@code timeout} ({@code null}: no limit).
     *
     * @throws SocketTimeoutException          if the connection was not made in time; nothing is left open
     * @throws dev.vigil.ErrnoException        for example {@code ECONNREFUSED}
     * @throws java.io.InterruptedIOException  if interrupted while waiting (status kept); nothing is left open
     * @throws java.net.UnknownHostException   if the address is unresolved
     */
    public static TcpStream connect(InetSocketAddress address, Duration timeout) throws IOException {
        Objects.requireNonNull(address, "address must not be null");
        long total = timeout == null ? Deadline.FOREVER : Deadline.toNanos(timeout);
        TcpStream t = new TcpStream(Descriptor.adoptNew(StreamSockets.open(address), "TcpStream"));
        try {
            Descriptor fd = t.ownedDescriptor();
            if (!StreamSockets.startConnect(fd, address)) {
                long start = System.nanoTime();
                while (!t.connected(address)) {
                    long left = Deadline.remaining(start, total);
                    Readiness r = left == 0 ? Readiness.EMPTY
                            : total == Deadline.FOREVER ? t.async.awaitWritable() : t.async.awaitWritable(Duration.ofNanos(left));
                    if (r.isEmpty()) {
                        throw new SocketTimeoutException("connect to " + address + " timed out after " + timeout);
                    }
                }
            }
            StreamSockets.setNoDelay(fd, true);
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** The outcome of a connect under way, if it has one (the write readiness cleared if not). */
    private boolean connected(InetSocketAddress address) throws IOException {
        try {
            return async.tryWrite(c -> {
                if (!StreamSockets.finishConnect(ownedDescriptor(), address)) {
                    throw AsyncFd.wouldBlock();
                }
                return true;
            });
        } catch (IOException e) {
            if (e == AsyncFd.wouldBlock()) {
                return false;
            }
            throw e;
        }
    }

    /** The local end's address. */
    public InetSocketAddress localAddress() throws IOException {
        return StreamSockets.localAddress(ownedDescriptor());
    }

    /** The peer's address. */
    public InetSocketAddress remoteAddress() throws IOException {
        return StreamSockets.remoteAddress(ownedDescriptor());
    }

    /** Turns Nagle's algorithm off ({@code true}, the default) or on. */
    public void setNoDelay(boolean on) throws IOException {
        StreamSockets.setNoDelay(ownedDescriptor(), on);
    }

    /** No more reading: later reads return -1. */
    public void shutdownInput() throws IOException {
        StreamSockets.shutdown(ownedDescriptor(), true);
    }

    /** No more writing: the peer reads end of stream once it has read what was sent. */
    public void shutdownOutput() throws IOException {
        StreamSockets.shutdown(ownedDescriptor(), false);
    }
}
