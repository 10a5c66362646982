package dev.vigil.io;

import dev.vigil.internal.Descriptor;
import dev.vigil.internal.StreamSockets;
import dev.vigil.internal.UnixStreamIo;
import dev.vigil.internal.Waiting;

import java.io.IOException;
import java.util.Objects;

/**
 * A listening {@code AF_UNIX} stream socket, non-blocking and driven by the default reactor:
 * {@link #accept()} parks the calling thread until a connection arrives. An interrupted
 * accept throws {@link java.io.InterruptedIOException} with the status kept and the listener
 * usable; {@link #close()} ends a waiting accept with {@link dev.vigil.ClosedException}.
 */
public final class UnixListener extends DescriptorChannel {
    private static final int BACKLOG = 4096;

    private UnixListener(Descriptor fd) throws IOException {
        super(fd, "UnixListener", true);
    }

    /**
     * Listens at the abstract {@code name}: Linux's namespace of socket names without a file,
     * gone with the socket. Any process in this network namespace can connect; check
     * {@link UnixStream#peerCredentials()} of what you accept.
     *
     * @throws dev.vigil.ErrnoException  {@code EADDRINUSE} if the name is taken
     * @throws IllegalArgumentException if the name is empty or longer than 107 bytes
     */
    public static UnixListener bindAbstract(String name) throws IOException {
        Objects.requireNonNull(name, "name must not be null");
        return new UnixListener(Descriptor.adoptNew(UnixStreamIo.listenAbstract(name, BACKLOG), "UnixListener"));
    }

    /**
     * Waits for the next connection and returns it.
     *
     * @throws java.io.InterruptedIOException if interrupted while waiting (status kept; still usable)
     * @throws dev.vigil.ClosedException      if the listener is closed, before or during the wait
     */
    public UnixStream accept() throws IOException {
        return UnixStream.adopt(async.read(l -> {
            long number = StreamSockets.accept(ownedDescriptor());
            if (number == Waiting.NOT_YET) {
                throw AsyncFd.wouldBlock();
            }
            return (int) number;
        }));
    }
}
