package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.Cleanup;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.Owned;
import dev.vigil.internal.SeqpacketSocket;
import dev.vigil.internal.SocketFiles;
import dev.vigil.internal.WaitSlot;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Where processes meet: a listening {@code AF_UNIX} {@code SOCK_SEQPACKET} socket at a
 * filesystem path. {@link #accept()} returns a {@link Tube} per connecting process, which
 * reaches it with {@link Tube#connect(Path)} (or, from Python,
 * {@code socket.socket(AF_UNIX, SOCK_SEQPACKET).connect(path)}).
 *
 * <pre>{@code
 * try (TubeListener listener = TubeListener.bind(runDir.resolve("vigil.sock"));
 *      Tube child = listener.accept()) {
 *     child.send("hello".getBytes(UTF_8), doorbell);
 * }
 * }</pre>
 *
 * <h2>Who may connect</h2>
 * <ul>
 * <li>The socket file is mode {@code 0600} from the moment it exists under its name:
 *     {@link #bind} creates it inside a fresh private ({@code 0700}) directory next to
 *     the target, sets its mode, starts listening, and only then renames it into place
 *     (without replacing anything: {@code renameat2(RENAME_NOREPLACE)}).</li>
 * <li>{@link #accept()} checks every peer's credentials ({@code SO_PEERCRED}). By default
 *     only processes running as this process's user are handed out, which also keeps out
 *     root and anyone the file's mode was later widened for; the others are closed at once
 *     and counted ({@link #rejectedCount()}). To admit other users deliberately, pass a
 *     predicate to {@link #bind(Path, Predicate)} and widen the file's mode yourself.</li>
 * </ul>
 *
 * <h2>The file</h2>
 * {@link #bind} refuses to replace an existing file unless it is a stale socket (one
 * nobody listens on, left by a process that died): a regular file, a directory, a link or a
 * live listener's socket give {@link FileAlreadyExistsException}. {@link #close()}
 * removes the file if it is still this listener's (the same device and inode number as at
 * bind, checked while the socket still holds that inode), then closes the socket. A
 * listener that is never closed leaves a stale socket behind, which the next {@code bind}
 * replaces.
 *
 * <h2>Threads</h2>
 * Any number of threads may call {@link #accept()}; they are served one at a time. A
 * blocked accept is interruptible, ends with {@link ClosedException} on {@link #close()},
 * and holds no carrier on a virtual thread. The listening socket is created non-blocking
 * (it is never shared), so no accept can block after another took the connection. A
 * TubeListener is a {@link RawDescriptor}, readable in a {@link dev.vigil.WaitContext}
 * while a connection is pending.
 */
public final class TubeListener implements RawDescriptor, AutoCloseable, Owned {
    private static final int BACKLOG = 128;
    private final Descriptor fd;

    private final Path path;
    private final Object fileKey;
    private final Predicate<? super Tube.PeerCredentials> admit;
    private final WaitSlot slot = new WaitSlot("TubeListener");
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong rejected = new AtomicLong();
    /** Set by the first {@link #close()}, which removes the file before closing the socket. */
    private final AtomicBoolean closing = new AtomicBoolean();

    private TubeListener(Descriptor fd, Path path, Object fileKey, Predicate<? super Tube.PeerCredentials> admit) {
        this.fd = fd;
        this.path = path;
        this.fileKey = fileKey;
        this.admit = admit;
        Cleanup.watch(this, fd, "TubeListener");
    }

    /**
     * Listens at {@code path}, admitting peers that run as this process's user.
     *
     * @throws FileAlreadyExistsException if something other than a stale socket is there
     * @throws IllegalArgumentException   if the path is too long for a socket address
     *                                    (about 95 bytes: the temporary name next to it
     *                                    must fit in 107)
     */
    public static TubeListener bind(Path path) throws IOException {
        return bind(path, Tube.PeerCredentials.sameUser());
    }

    /**
     * Listens at {@code path}, handing out only peers whose credentials {@code admit}
     * accepts (for example {@code c -> true}: anyone who can open the file). The file is
     * still created mode {@code 0600}; widen it yourself, after this returns, for other
     * users to be able to connect.
     */
    public static TubeListener bind(Path path, Predicate<? super Tube.PeerCredentials> admit) throws IOException {
        Objects.requireNonNull(path, "path must not be null");
        Objects.requireNonNull(admit, "admit must not be null: use Tube.PeerCredentials.sameUser() or c -> true");
        Path target = path.toAbsolutePath();
        Descriptor fd = Descriptor.adoptNew(SeqpacketSocket.forListen(), "TubeListener");
        try {
            Object key = SocketFiles.bind(fd, target, BACKLOG, "TubeListener.bind");
            return new TubeListener(fd, target, key, admit);
        } catch (Throwable t) {
            fd.close();
            throw t;
        }
    }

    /**
     * Waits for the next peer that {@code admit} accepts and returns its Tube. Peers it
     * refuses are closed and counted in {@link #rejectedCount()}.
     *
     * @throws ClosedException      if this listener is closed, before or during the wait
     * @throws InterruptedException if interrupted; a pending connection stays pending
     */
    public Tube accept() throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            for (;;) {
                Tube tube = Tube.adopt(SeqpacketSocket.accept(fd, slot, this, "TubeListener"));
                boolean admitted;
                try {
                    admitted = admit.test(tube.peerCredentials());
                } catch (Throwable t) {
                    tube.close();
                    throw t;
                }
                if (admitted) {
                    return tube;
                }
                tube.close();
                rejected.incrementAndGet();
            }
        } finally {
            lock.unlock();
        }
    }

    /** How many connecting peers {@link #accept()} refused and closed so far. */
    public long rejectedCount() {
        return rejected.get();
    }

    /** The absolute path of the socket file. */
    public Path path() {
        return path;
    }

    /** @hidden */
    @Override
    public Descriptor ownedDescriptor() {
        return fd;
    }

    /**
     * The listening socket's descriptor number, still owned by this listener.
     *
     * @throws IllegalStateException if the listener is closed
     */
    @Override
    public int rawDescriptor() {
        return fd.openNumber();
    }

    /** True once {@link #close()} has been called. */
    public boolean isClosed() {
        return fd.isClosed();
    }

    /**
     * Removes the socket file if it is still this listener's, then stops listening. A thread
     * blocked in {@link #accept()} gets {@link ClosedException}; a process connecting
     * meanwhile finds the path gone ({@code ENOENT}). Calling close again does nothing.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        removeOwnFile();
        fd.close();
        slot.wake(this);
    }

    /**
     * Deletes the file at {@link #path} if its device and inode number are the ones recorded
     * at bind. Done before the socket is closed: while it is open, the socket holds its inode,
     * so that number cannot be freed and given to another file, and a match is this
     * listener's own file. (A file moved to the path between the check and the delete would
     * still be deleted: {@code unlink} takes a name, not an inode.)
     */
    private void removeOwnFile() {
        SocketFiles.removeIfOurs(path, fileKey);
    }

    @Override
    public String toString() {
        return "TubeListener[" + path + ", " + fd + ", rejected " + rejected.get() + "]";
    }
}
