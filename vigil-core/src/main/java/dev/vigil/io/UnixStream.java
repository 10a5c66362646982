package dev.vigil.io;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.ByteStreams;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.Owned;
import dev.vigil.internal.ReceivedDescriptors;
import dev.vigil.internal.ScheduledIo;
import dev.vigil.internal.SeqpacketSocket;
import dev.vigil.internal.UnixStreamIo;
import dev.vigil.internal.Waiting;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connected {@code AF_UNIX} stream socket, non-blocking and driven by the default reactor,
 * whose data can carry descriptors: {@link #send(ByteBuffer, RawDescriptor...)} attaches them
 * to the first byte it sends, and {@link #receive(ByteBuffer)} returns the bytes it read with
 * the descriptors that came with them ({@code SCM_RIGHTS}, close-on-exec). A Python peer uses
 * {@code socket.send_fds}/{@code recv_fds}; C uses {@code sendmsg}/{@code recvmsg}.
 *
 * <p>Plain {@link #read(ByteBuffer)} never lets a descriptor go unseen: one that arrives with
 * the bytes it reads is closed at once and counted ({@link #droppedDescriptors()}); use
 * {@link #receive(ByteBuffer)} to keep them. Interrupts and close behave as for every vigil
 * stream: an interrupted call throws {@link InterruptedIOException} with the status kept and
 * the stream usable, and {@link #close()} ends waiting calls with {@link ClosedException}.
 */
public final class UnixStream extends DuplexChannel {
    /** The most descriptors one send can attach: the kernel's {@code SCM_MAX_FD}. */
    public static final int MAX_DESCRIPTORS = 253;

    /** Two connected ends. Closing the pair closes both. */
    public record Pair(UnixStream first, UnixStream second) implements AutoCloseable {
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

    /** Who is at the other end, as the kernel recorded it when the connection was made ({@code SO_PEERCRED}). */
    public record PeerCredentials(long pid, int uid, int gid) {}

    private final UnixStreamIo io;
    private final AtomicLong dropped = new AtomicLong();

    private UnixStream(Descriptor fd) throws IOException {
        super(fd, "UnixStream");
        this.io = new UnixStreamIo(fd);
    }

    /** A connected socket this process just got (socketpair, accept4, connect). */
    static UnixStream adopt(int number) throws IOException {
        return new UnixStream(Descriptor.adoptNew(number, "UnixStream"));
    }

    /** Two connected ends of a new socket pair, for example to hand one to a child process. */
    public static Pair pair() throws IOException {
        int[] ends = UnixStreamIo.pair();
        UnixStream first;
        try {
            first = adopt(ends[0]);
        } catch (IOException | RuntimeException e) {
            Descriptor.adoptNew(ends[1], "UnixStream").close();
            throw e;
        }
        try {
            return new Pair(first, adopt(ends[1]));
        } catch (IOException | RuntimeException e) {
            first.close();
            throw e;
        }
    }

    /**
     * Connects to the listener at the abstract {@code name} (Linux's namespace of socket names
     * without a file). While the listener's backlog is full it tries again after pauses of 1 ms
     * doubling to 50 ms (the kernel gives no notice of room): a virtual thread gives its
     * carrier back meanwhile.
     *
     * @throws dev.vigil.ErrnoException       {@code ECONNREFUSED} if nobody listens there
     * @throws InterruptedIOException         if interrupted while waiting for room (status kept)
     * @throws IllegalArgumentException       if the name is empty or longer than 107 bytes
     */
    public static UnixStream connectAbstract(String name) throws IOException {
        Objects.requireNonNull(name, "name must not be null");
        return connect(name, null, "@" + name);
    }

    /**
     * Connects to the listener whose socket file is {@code path}, as {@link #connectAbstract}
     * does (with its pauses while the backlog is full).
     *
     * @throws dev.vigil.ErrnoException  {@code ECONNREFUSED} if nobody listens there, {@code ENOENT} if there is no file
     * @throws IllegalArgumentException if the path is longer than a socket address holds (107 bytes)
     */
    public static UnixStream connect(java.nio.file.Path path) throws IOException {
        Objects.requireNonNull(path, "path must not be null");
        return connect(null, path, path.toString());
    }

    private static UnixStream connect(String name, java.nio.file.Path path, String shown) throws IOException {
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        for (;;) {
            long number = UnixStreamIo.connect(name, path);
            if (number != Waiting.NOT_YET) {
                return adopt((int) number);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for room in the backlog of " + shown);
            }
            pause = Math.min(2 * pause, TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** The peer's process id, user id and group id at the time the connection was made. */
    public PeerCredentials peerCredentials() throws IOException {
        return SeqpacketSocket.peerCredentials(ownedDescriptor(), PeerCredentials::new);
    }

    // ---------------------------------------------------------------- descriptors with the data

    /**
     * Sends every remaining byte of {@code data}, waiting for room as often as needed, with
     * {@code descriptors} attached to the first byte that goes. The receiver gets its own
     * copies; the caller keeps (and still closes) the originals, which must stay open until
     * this returns.
     *
     * @return the count of bytes sent: all that remained
     * @throws IllegalArgumentException if more than {@value #MAX_DESCRIPTORS} descriptors are
     *                                  given, or descriptors without at least one byte; nothing is sent
     * @throws IllegalStateException    if a vigil object given as a descriptor is closed; nothing is sent
     */
    public int send(ByteBuffer data, RawDescriptor... descriptors) throws IOException {
        Objects.requireNonNull(data, "data must not be null");
        Objects.requireNonNull(descriptors, "descriptors must not be null: pass none to send only bytes");
        if (descriptors.length > MAX_DESCRIPTORS) {
            throw new IllegalArgumentException("one send carries at most " + MAX_DESCRIPTORS + " descriptors (SCM_MAX_FD), got "
                    + descriptors.length + "; nothing was sent");
        }
        if (descriptors.length == 0) {
            return writeAll(data);
        }
        if (!data.hasRemaining()) {
            throw new IllegalArgumentException("descriptors travel with bytes: send at least one byte with them; nothing was sent");
        }
        Descriptor[] held = new Descriptor[descriptors.length];
        int[] numbers = new int[descriptors.length];
        try {
            for (int i = 0; i < descriptors.length; i++) {
                RawDescriptor d = Objects.requireNonNull(descriptors[i], "descriptors[" + i + "] must not be null");
                held[i] = Owned.descriptorOf(d);
                try {
                    numbers[i] = Owned.holdNumber(d, held[i]);
                } catch (ClosedException closed) {
                    held[i] = null;
                    throw new IllegalStateException("descriptors[" + i + "] (" + d + ") is closed; nothing was sent");
                }
            }
            async.registration.wantWrite();
            lockWrite();
            try {
                int first;
                for (int tries = 0; ; tries++) {
                    long seen = async.registration.state();
                    first = io.send(data, numbers, numbers.length);
                    if (first != ByteStreams.WOULD_BLOCK) {
                        break;
                    }
                    awaitReady(ScheduledIo.WRITE, seen, tries);
                }
                return first + writeAll(data);
            } finally {
                unlockWrite();
            }
        } finally {
            for (Descriptor d : held) {
                if (d != null) {
                    d.release();
                }
            }
        }
    }

    /**
     * Reads at least one byte into {@code dst} (waiting for it) with the descriptors that came
     * with those bytes, or end of stream ({@link Received#byteCount()} -1).
     *
     * @throws IOException if more descriptors came than the kernel could hand over (they are
     *                     closed; the bytes are consumed)
     */
    public Received receive(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst must not be null");
        if (!dst.hasRemaining()) {
            throw new IllegalArgumentException("dst is full: a receive needs room for at least one byte");
        }
        lockRead();
        try {
            for (int tries = 0; ; tries++) {
                long seen = async.registration.state(); // before the call: an event during it moves the tick
                UnixStreamIo.Arrival a = io.receive(dst);
                if (a != null) {
                    return new Received(a.bytes(), a.descriptors());
                }
                awaitReady(ScheduledIo.READ, seen, tries);
            }
        } finally {
            unlockRead();
        }
    }

    /** Descriptors that arrived with bytes taken by a plain read, which closed them. */
    public long droppedDescriptors() {
        return dropped.get();
    }

    // ---------------------------------------------------------------- plain bytes

    /**
     * A plain read (every {@code read}, {@code tryRead} and {@code readAsync} of this stream):
     * descriptors that came with the bytes are closed and counted ({@link #droppedDescriptors()}).
     */
    @Override
    int readOnce(ByteBuffer dst) throws IOException {
        return io.readDropping(dst, dropped);
    }

    /**
     * What one {@link #receive(ByteBuffer)} brought: a byte count and the descriptors that came
     * with those bytes, owned by this object until {@linkplain #event(int) turned into an
     * Event} or {@linkplain #takeDescriptor(int) taken}; {@link #close()} closes the rest, and
     * vigil's cleaner those of one that becomes unreachable unclosed. Safe from several threads.
     */
    public static final class Received implements AutoCloseable {
        private static final VarHandle CLOSED = ReceivedDescriptors.closedFlag(MethodHandles.lookup());
        private final int bytes;
        private final Descriptor[] descriptors;
        private final Object watch;
        private volatile boolean closed;

        Received(int bytes, Descriptor[] descriptors) {
            this.bytes = bytes;
            this.descriptors = descriptors;
            this.watch = ReceivedDescriptors.watch(this, descriptors);
        }

        /** The count of bytes read into the buffer, or -1 at end of stream. */
        public int byteCount() {
            return bytes;
        }

        /** How many descriptors came with the bytes, taken or not. */
        public int descriptorCount() {
            return descriptors.length;
        }

        /**
         * Takes descriptor {@code i} as an {@link Event}; the Event owns it from now on.
         *
         * @throws IllegalArgumentException if it is not an eventfd (it stays here)
         * @see Event#fromRawDescriptor(int)
         */
        public Event event(int i) throws IOException {
            return ReceivedDescriptors.takeAs(this, CLOSED, descriptors, i, watch, Event::fromRawDescriptor);
        }

        /**
         * Takes descriptor {@code i}: the caller owns the number from now on and must close it.
         *
         * @throws IllegalStateException     if it was already taken
         * @throws IndexOutOfBoundsException if there is no descriptor {@code i}
         * @throws ClosedException           if this is closed
         */
        public int takeDescriptor(int i) throws ClosedException {
            return ReceivedDescriptors.take(this, CLOSED, descriptors, i);
        }

        /** Closes every descriptor not taken. Calling close again does nothing. */
        @Override
        public void close() {
            ReceivedDescriptors.close(this, CLOSED, descriptors);
        }

        @Override
        public String toString() {
            return "UnixStream.Received[" + bytes + " bytes, " + descriptors.length + " descriptors" + (closed ? ", closed" : "") + "]";
        }
    }
}
