package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.Cleanup;
import dev.vigil.internal.Deadline;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.Owned;
import dev.vigil.internal.ScmRights;
import dev.vigil.internal.SeqpacketReceiver;
import dev.vigil.internal.SeqpacketSender;
import dev.vigil.internal.SeqpacketSocket;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serial;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A message channel between processes, Java or not, on an {@code AF_UNIX}
 * {@code SOCK_SEQPACKET} socket: each {@link #send} is received whole by one
 * {@link #receive}, with up to {@value #MAX_DESCRIPTORS} descriptors attached
 * ({@code SCM_RIGHTS}). This is how an {@link Event} reaches another process.
 *
 * <pre>{@code
 * try (Tube.Pair pair = Tube.pair(); Event doorbell = new Event()) {
 *     // hand pair.second() to a child process, then:
 *     pair.first().send("doorbell".getBytes(UTF_8), doorbell);
 *
 *     // in the other process (a Python peer uses socket.recv_fds):
 *     try (Tube.Message m = tube.receive()) {
 *         Event bell = m.event(0);   // the same kernel eventfd
 *     }
 * }
 * }</pre>
 *
 * <h2>Messages</h2>
 * A message arrives whole or not at all: one the kernel cut short (also for want of
 * descriptor numbers in this process) or beyond the receiver's limits is a
 * {@link TruncatedException}, never a shortened message. Received descriptors are
 * close-on-exec and owned by the {@link Message} until taken.
 *
 * <h2>Threads</h2>
 * Any number of threads may send and receive at once; senders are served one at a time, as
 * are receivers (in no fixed order), and the kernel keeps every message atomic. A waiting
 * thread is interruptible ({@link InterruptedException}, nothing sent or consumed; a message
 * that arrives just as the interrupt does may instead be returned, with the interrupt status
 * set), and {@link #close()} ends every blocked call with {@link ClosedException}. A platform
 * thread blocked in a receive is ended by a signal (see {@code docs/ARCHITECTURE.md}); a
 * virtual thread parks without holding a carrier.
 *
 * <h2>The descriptor</h2>
 * The socket is close-on-exec and in blocking mode from the moment anyone else can hold it;
 * vigil never changes its file status flags after that (an end handed to another process
 * shares them). A Tube is a {@link RawDescriptor}: in a {@link dev.vigil.WaitContext} it is
 * readable when a message (or end-of-stream) is waiting, writable when a message fits.
 */
public final class Tube implements RawDescriptor, AutoCloseable, Owned {
    /** The most descriptors one message can carry: the kernel's {@code SCM_MAX_FD}. */
    public static final int MAX_DESCRIPTORS = ScmRights.MAX_DESCRIPTORS;

    /** Two connected ends. Closing the pair closes both. */
    public record Pair(Tube first, Tube second) implements AutoCloseable {
        public Pair {
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(second, "second");
        }

        @Override
        public void close() {
            first.close();
            second.close();
        }
    }

    /**
     * Who is at the other end, as the kernel recorded it when the connection was made
     * ({@code SO_PEERCRED}): for a {@link #pair()}, this process.
     */
    public record PeerCredentials(long pid, int uid, int gid) {
        /** Admits a peer running with this process's user id: the default of {@link TubeListener#bind(Path)}. */
        public static Predicate<PeerCredentials> sameUser() {
            int me = SeqpacketSocket.currentUid();
            return c -> c.uid() == me;
        }
    }

    /**
     * A message was larger than the receiver allowed, or carried more descriptors: it was
     * consumed, every descriptor it brought was closed, and the Tube is still usable.
     */
    public static final class TruncatedException extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;

        TruncatedException(String message) {
            super(message);
        }
    }

    /** What a receive makes of a message or of one beyond the limits: one instance, nothing captured. */
    private static final SeqpacketReceiver.Sink<Message> MESSAGES = new SeqpacketReceiver.Sink<>(ReceivedMessage::new, TruncatedException::new);

    private final Descriptor fd;
    private final SeqpacketSender sender;
    private final SeqpacketReceiver<Message> receiver;

    private Tube(Descriptor fd) {
        this.fd = fd;
        this.sender = new SeqpacketSender(fd, this);
        this.receiver = new SeqpacketReceiver<>(fd, this, MESSAGES);
        Cleanup.watch(this, fd, "Tube");
    }

    /** Wraps a connected socket the kernel just returned (from accept4). */
    static Tube adopt(int number) {
        return new Tube(Descriptor.adoptNew(number, "Tube"));
    }

    /** Two connected ends of a new socket pair, both close-on-exec. */
    public static Pair pair() throws IOException {
        int[] ends = SeqpacketSocket.pair();
        return new Pair(adopt(ends[0]), adopt(ends[1]));
    }

    /** Meets a listener of this process's user at {@code path}, as {@link #connect(Path, Duration, Predicate)} without limit. */
    public static Tube connect(Path path) throws IOException, InterruptedException {
        return connect(path, PeerCredentials.sameUser());
    }

    /** Meets the listener at {@code path} if {@code accept} admits it, as {@link #connect(Path, Duration, Predicate)} without limit. */
    public static Tube connect(Path path, Predicate<? super PeerCredentials> accept) throws IOException, InterruptedException {
        Objects.requireNonNull(accept, "accept must not be null: use PeerCredentials.sameUser() or c -> true");
        return connect(path, Deadline.FOREVER, null, accept);
    }

    /** Meets a listener of this process's user at {@code path}, as {@link #connect(Path, Duration, Predicate)}. */
    public static Tube connect(Path path, Duration timeout) throws IOException, InterruptedException {
        return connect(path, timeout, PeerCredentials.sameUser());
    }

    /**
     * Meets the listener at {@code path} if {@code accept} admits its credentials (for example
     * {@code c -> true}: any user's), waiting at most {@code timeout} while its backlog is full.
     * The listener may be anyone's if the path is in a shared directory. The kernel gives no
     * notice of room in a backlog, so this sleeps between tries, never in the kernel (a virtual
     * thread holds no carrier), and there is no object to close meanwhile: interrupt the
     * thread, or pass a timeout.
     *
     * @param timeout how long to wait for room in the backlog: {@link Duration#ZERO} tries
     *                once, and durations too long to count in nanoseconds mean no limit
     * @throws SocketTimeoutException   if the backlog stayed full for {@code timeout}; no
     *                                  connection was made
     * @throws ErrnoException           if nobody listens there ({@code ECONNREFUSED},
     *                                  {@code ENOENT}), or no descriptor number is left
     * @throws IOException              if {@code accept} refuses the listener's credentials
     * @throws InterruptedException     if interrupted on entry or while waiting for room (the
     *                                  status is cleared); no descriptor is left open
     * @throws IllegalArgumentException if {@code timeout} is negative, or the path is longer
     *                                  than a socket address holds (107 bytes)
     */
    public static Tube connect(Path path, Duration timeout, Predicate<? super PeerCredentials> accept)
            throws IOException, InterruptedException {
        Objects.requireNonNull(accept, "accept must not be null: use PeerCredentials.sameUser() or c -> true");
        return connect(path, Deadline.toNanos(timeout), timeout, accept);
    }

    /** @param timeout the caller's, for the message, or null with {@link Deadline#FOREVER} */
    private static Tube connect(Path path, long timeoutNanos, Duration timeout, Predicate<? super PeerCredentials> accept)
            throws IOException, InterruptedException {
        Tube tube = new Tube(SeqpacketSocket.connect(path, timeoutNanos, timeout, "Tube"));
        try {
            PeerCredentials peer = tube.peerCredentials();
            if (!accept.test(peer)) {
                throw new IOException("the listener at " + path + " runs as uid " + peer.uid() + " (pid " + peer.pid()
                        + "), which this connect does not accept; pass a predicate to connect(path, accept) to allow it");
            }
            return tube;
        } catch (Throwable t) {
            tube.close();
            throw t;
        }
    }

    /**
     * Sends one message with {@code descriptors} attached; the receiver gets its own copies
     * of them, and the caller keeps (and still closes) the originals, which must stay open
     * until this returns. Blocks while the receiver's queue is full. An empty message needs a
     * descriptor: without one it would read as end-of-stream at the receiver.
     *
     * @throws IllegalArgumentException if more than {@value #MAX_DESCRIPTORS} descriptors are
     *                                  given, or the message is empty and has no descriptors;
     *                                  nothing is sent
     * @throws NullPointerException     if the message, the array or one of its elements is null
     * @throws ClosedException          if this Tube is closed, before or during the call
     * @throws ErrnoException           for example {@code EPIPE} once the peer has closed, or
     *                                  {@code EMSGSIZE} for a message larger than the socket's
     *                                  send buffer allows
     * @throws InterruptedException     if interrupted while waiting for room; nothing was sent
     */
    public void send(byte[] message, RawDescriptor... descriptors) throws IOException, InterruptedException {
        Objects.requireNonNull(message, "message must not be null: send new byte[0] with descriptors, or some bytes");
        Objects.requireNonNull(descriptors, "descriptors must not be null: pass none for a message without descriptors");
        if (descriptors.length > MAX_DESCRIPTORS) {
            throw new IllegalArgumentException("a message carries at most " + MAX_DESCRIPTORS + " descriptors (SCM_MAX_FD), got "
                    + descriptors.length + "; split them over several messages. Nothing was sent.");
        }
        if (message.length == 0 && descriptors.length == 0) {
            throw new IllegalArgumentException("an empty message without descriptors would read as end-of-stream at the"
                    + " receiver; send at least one byte or one descriptor");
        }
        sender.send(message, descriptors);
    }

    /**
     * Receives the next message, whatever its size, blocking until one arrives.
     *
     * @return the message; close it to close the descriptors that were not taken
     * @throws EOFException         once the peer has closed its end and every message it sent
     *                              has been received
     * @throws TruncatedException   if a message could not be received whole (its descriptors
     *                              were closed); the Tube stays usable
     * @throws ClosedException      if this Tube is closed, before or during the wait
     * @throws InterruptedException if interrupted; no message was consumed
     */
    public Message receive() throws IOException, InterruptedException {
        return receiver.receive(-1, MAX_DESCRIPTORS);
    }

    /**
     * Receives the next message as {@link #receive()} does, refusing one larger than
     * {@code maxBytes} or carrying more than {@code maxDescriptors} descriptors. A limit within
     * the receive buffer (4 KiB at first) spares {@link #receive()}'s peek at the length; the
     * buffer grows to the messages, never to the limit, so {@code Integer.MAX_VALUE} is fine.
     *
     * @throws TruncatedException       if the message was beyond the limits; the Tube stays usable
     * @throws IllegalArgumentException if {@code maxBytes} is negative or {@code maxDescriptors}
     *                                  is not between 0 and {@value #MAX_DESCRIPTORS}
     */
    public Message receive(int maxBytes, int maxDescriptors) throws IOException, InterruptedException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative: " + maxBytes);
        }
        if (maxDescriptors < 0 || maxDescriptors > MAX_DESCRIPTORS) {
            throw new IllegalArgumentException("maxDescriptors must be between 0 and " + MAX_DESCRIPTORS + ": " + maxDescriptors);
        }
        return receiver.receive(maxBytes, maxDescriptors);
    }

    /** The peer's process id, user id and group id at the time the connection was made. */
    public PeerCredentials peerCredentials() throws IOException {
        return SeqpacketSocket.peerCredentials(fd, PeerCredentials::new);
    }

    /** @hidden */
    @Override
    public Descriptor ownedDescriptor() {
        return fd;
    }

    /**
     * The socket's descriptor number, still owned by this Tube.
     *
     * @throws IllegalStateException if the Tube is closed
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
     * Closes this end; the peer then reads end-of-stream. Threads blocked in
     * {@link #send}/{@link #receive} get {@link ClosedException}; the number is released
     * once they have left the kernel. Calling close again does nothing.
     */
    @Override
    public void close() {
        if (fd.close()) {
            receiver.wake();
            sender.wake();
        }
    }

    @Override
    public String toString() {
        return "Tube[" + fd + "]";
    }

    /** The size of the receive buffer now, for tests; read without the receive lock. */
    long receiveBufferSize() {
        return receiver.bufferSize();
    }

    /**
     * A received message: its bytes and the descriptors that came with it, owned by the
     * message until {@linkplain #event(int) turned into an Event} or
     * {@linkplain #takeDescriptor(int) taken}; {@link #close()} closes the rest, and vigil's
     * cleaner thread those of a message that becomes unreachable unclosed (reporting it).
     * Safe to use from several threads: of two threads taking the same descriptor, one gets
     * it; a take racing {@code close()} either gets it or {@link ClosedException}.
     */
    public sealed interface Message extends AutoCloseable permits ReceivedMessage {
        /** A copy of the message's bytes (still available after {@link #close()}). */
        byte[] bytes();

        /** How many descriptors came with the message, taken or not. */
        int descriptorCount();

        /**
         * Takes descriptor {@code i} as an {@link Event}; the Event owns it from now on.
         *
         * @throws IllegalArgumentException  if it is not an eventfd, or is one made with
         *                                   {@code EFD_SEMAPHORE} (it stays in the message, unless
         *                                   the message was closed meanwhile)
         * @throws IOException               if {@code /proc} is not mounted, so it cannot be told
         *                                   what the descriptor is (it stays in the message too);
         *                                   see {@link Event#fromRawDescriptor(int)}
         * @throws IllegalStateException     if it was already taken
         * @throws IndexOutOfBoundsException if there is no descriptor {@code i}
         * @throws ClosedException           if the message is closed
         */
        Event event(int i) throws IOException;

        /**
         * Takes descriptor {@code i}: the caller owns the number from now on and must close it.
         *
         * @throws IllegalStateException     if it was already taken
         * @throws IndexOutOfBoundsException if there is no descriptor {@code i}
         * @throws ClosedException           if the message is closed
         */
        int takeDescriptor(int i) throws ClosedException;

        /** Closes every descriptor not taken. Calling close again does nothing. */
        @Override
        void close();
    }
}
