package dev.vigil.io;

import dev.vigil.internal.Descriptor;
import dev.vigil.internal.SocketFiles;
import dev.vigil.internal.StreamSockets;
import dev.vigil.internal.UnixStreamIo;
import dev.vigil.internal.Waiting;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A listening {@code AF_UNIX} stream socket, non-blocking and driven by the default reactor:
 * {@link #accept()} parks the calling thread until a connection arrives. An interrupted
 * accept throws {@link java.io.InterruptedIOException} with the status kept and the listener
 * usable; {@link #close()} ends a waiting accept with {@link dev.vigil.ClosedException}.
 */
public final class UnixListener extends DescriptorChannel {
    private static final int BACKLOG = 4096;

    /** The socket file, and its key; null for an abstract name. */
    private final Path path;
    private final Object fileKey;

    private UnixListener(Descriptor fd, Path path, Object fileKey) throws IOException {
        super(fd, "UnixListener", true);
        this.path = path;
        this.fileKey = fileKey;
    }

    /**
     * Listens at {@code path}: the socket file is created mode {@code 0600} (widen it yourself
     * for other users), a stale socket there (its listener died) is replaced, anything else is
     * refused; {@link #close()} removes the file if it is still this listener's.
     *
     * @throws java.nio.file.FileAlreadyExistsException if something other than a stale socket is there
     * @throws IllegalArgumentException                 if the path is too long for a socket address
     *                                                  (about 95 bytes: a temporary name goes beside it)
     */
    public static UnixListener bind(Path path) throws IOException {
        Objects.requireNonNull(path, "path must not be null");
        Path target = path.toAbsolutePath();
        Descriptor fd = Descriptor.adoptNew(UnixStreamIo.forListen(), "UnixListener");
        Object key;
        try {
            key = SocketFiles.bind(fd, target, BACKLOG, "UnixListener.bind");
        } catch (Throwable t) {
            fd.close();
            throw t;
        }
        try {
            return new UnixListener(fd, target, key); // closes fd if it fails
        } catch (Throwable t) {
            SocketFiles.removeIfOurs(target, key);
            throw t;
        }
    }

    /** The socket file, or null for a listener at an abstract name. */
    public Path path() {
        return path;
    }

    /**
     * Removes the socket file (if it is still this listener's), then closes the socket:
     * waiting accepts end with {@link dev.vigil.ClosedException}.
     */
    @Override
    public void close() {
        if (path != null && isOpen()) {
            SocketFiles.removeIfOurs(path, fileKey);
        }
        super.close();
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
        return new UnixListener(Descriptor.adoptNew(UnixStreamIo.listenAbstract(name, BACKLOG), "UnixListener"), null, null);
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
