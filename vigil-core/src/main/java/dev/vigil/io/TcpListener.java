package dev.vigil.io;

import dev.vigil.internal.Descriptor;
import dev.vigil.internal.StreamSockets;
import dev.vigil.internal.Waiting;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A TCP listening socket, IPv4 or IPv6, non-blocking and driven by the default reactor:
 * {@link #accept()} parks the calling thread (a virtual thread unmounts) until a connection
 * arrives.
 *
 * <pre>{@code
 * try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 7007))) {
 *     while (true) {
 *         TcpStream client = listener.accept();
 *         Thread.startVirtualThread(() -> echo(client));
 *     }
 * }
 * }</pre>
 *
 * An interrupted {@code accept} throws {@link java.io.InterruptedIOException} with the
 * interrupt status kept, and the listener stays usable; {@link #close()} ends a waiting
 * accept with {@link dev.vigil.ClosedException}.
 */
public final class TcpListener extends DescriptorChannel {
    /** The backlog of {@link #bind(InetSocketAddress)}; the kernel caps it at {@code net.core.somaxconn}. */
    public static final int DEFAULT_BACKLOG = 4096;

    private TcpListener(Descriptor fd) throws IOException {
        super(fd, "TcpListener", true);
    }

    /** Listens at {@code address} (port 0: any free port, see {@link #localAddress()}), with {@code SO_REUSEADDR}. */
    public static TcpListener bind(InetSocketAddress address) throws IOException {
        return bind(address, DEFAULT_BACKLOG);
    }

    /**
     * Listens at {@code address} with room for {@code backlog} connections not yet accepted.
     *
     * @throws IllegalArgumentException if {@code backlog} is not positive
     * @throws java.net.UnknownHostException if the address is unresolved
     * @throws dev.vigil.ErrnoException for example {@code EADDRINUSE}
     */
    public static TcpListener bind(InetSocketAddress address, int backlog) throws IOException {
        Objects.requireNonNull(address, "address must not be null");
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be positive, got " + backlog);
        }
        return new TcpListener(Descriptor.adoptNew(StreamSockets.listen(address, backlog), "TcpListener"));
    }

    /**
     * Waits for the next connection and returns it ({@code TCP_NODELAY} on).
     *
     * @throws java.io.InterruptedIOException if interrupted while waiting (status kept; still usable)
     * @throws dev.vigil.ClosedException      if the listener is closed, before or during the wait
     */
    public TcpStream accept() throws IOException {
        return TcpStream.accepted(async.read(l -> acceptNow()));
    }

    /** The next connection if one is waiting now, else null. */
    public TcpStream tryAccept() throws IOException {
        try {
            return TcpStream.accepted(async.tryRead(l -> acceptNow()));
        } catch (IOException e) {
            if (e == AsyncFd.wouldBlock()) {
                return null;
            }
            throw e;
        }
    }

    /** {@link #accept()} without a waiting thread. */
    public CompletableFuture<TcpStream> acceptAsync() {
        return async.readAsync(l -> acceptNow()).thenApply(number -> {
            try {
                return TcpStream.accepted(number);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    private int acceptNow() throws IOException {
        long number = StreamSockets.accept(ownedDescriptor());
        if (number == Waiting.NOT_YET) {
            throw AsyncFd.wouldBlock();
        }
        return (int) number;
    }

    /** The address this listener is bound to (with the port the kernel chose for port 0). */
    public InetSocketAddress localAddress() throws IOException {
        return StreamSockets.localAddress(ownedDescriptor());
    }
}
