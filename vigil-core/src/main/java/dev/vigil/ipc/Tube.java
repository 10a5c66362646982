package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.Cleanup;
import dev.vigil.internal.Deadline;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.Owners;
import dev.vigil.internal.SignalKick;
import dev.vigil.internal.WaitSlot;
import dev.vigil.internal.Waiting;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Socket;
import dev.vigil.internal.linux.Unistd;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serial;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
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
 * Boundaries are kept: a message arrives whole or not at all. {@link #receive()} never cuts
 * a message short, whatever its size: it first asks the kernel for the length of the next
 * message ({@code recvmsg(MSG_PEEK | MSG_TRUNC)}, no data copied), grows the receive buffer
 * if needed, then takes the message. {@link #receive(int, int)} takes caller-chosen limits
 * instead, in one system call when the byte limit fits the receive buffer the Tube already
 * has; a message beyond the limits is consumed, every descriptor it brought is closed, and
 * {@link TruncatedException} is thrown. The receive buffer grows with the messages
 * received, never with a limit asked. A truncated payload or
 * control message ({@code MSG_TRUNC}, {@code MSG_CTRUNC}, also when this process runs out
 * of descriptor numbers) is always that error, never a silently shortened message.
 * Received descriptors are close-on-exec ({@code MSG_CMSG_CLOEXEC}) and owned by the
 * {@link Message} until taken.
 *
 * <p>A message of zero bytes without descriptors cannot be told apart from end-of-stream
 * ({@code recvmsg} returns 0 for both), so {@link #send} refuses it, and one received from
 * another program reads as end-of-stream.
 *
 * <h2>Threads</h2>
 * Any number of threads may send and receive at once. Senders are served one at a time,
 * as are receivers (one {@link ReentrantLock} per direction, not fair), because each
 * direction reuses one native buffer; the kernel keeps every message atomic anyway, so
 * callers need no lock of their own. (Serializing, rather than rejecting a second caller as
 * {@link Event#await()} does, fits a channel that many threads feed.) A waiting thread is
 * interruptible ({@link InterruptedException}, nothing sent or consumed; a message that
 * arrives just as the interrupt does may instead be returned, with the interrupt status
 * set) and
 * {@link #close()} ends every blocked call with {@link ClosedException}.
 *
 * <p>On a platform thread a receive blocks in {@code recvmsg} itself, as a C program's does:
 * one call for {@link #receive(int, int)} with a limit that fits the receive buffer;
 * otherwise a blocking peek at the length and then the take. An interrupt or
 * {@code close()} ends that call with a signal to the blocked thread, the one the JDK's
 * NIO uses for the same purpose (see {@code docs/ARCHITECTURE.md}); any other signal
 * arriving meanwhile is ignored. On a virtual thread, {@link #receive()} and {@link #send}
 * park without holding a carrier. A send that finds the queue full waits in {@code ppoll}
 * on a platform thread.
 *
 * <p>{@link #connect(Path, Duration, Predicate)} never waits in the kernel: a listener
 * with a full backlog is tried again after short sleeps, which an interrupt ends and during
 * which a virtual thread holds no carrier; a timeout bounds them.
 *
 * <h2>The descriptor</h2>
 * The socket is created close-on-exec and is in blocking mode from the moment anyone else
 * can hold it (a connecting socket is non-blocking until connected, while it is still
 * private); from then on vigil never changes its file status flags, which an end handed
 * to another process shares with it; calls that must not block pass {@code MSG_DONTWAIT}.
 * (If another holder makes the socket non-blocking, a blocking receive notices
 * {@code EAGAIN} and waits in {@code ppoll} instead.) A Tube is a {@link RawDescriptor}:
 * in a {@link dev.vigil.WaitContext} it is readable when a message (or end-of-stream) is
 * waiting, writable when a message fits.
 */
public final class Tube implements RawDescriptor, AutoCloseable {
    /** The most descriptors one message can carry: the kernel's {@code SCM_MAX_FD}. */
    public static final int MAX_DESCRIPTORS = Socket.SCM_MAX_FD;

    /** Buffers above this size are dropped after use, so one huge message does not pin memory. */
    private static final int KEEP_BUFFER = 1 << 20;
    private static final int INITIAL_BUFFER = 4096;
    /** The longest message a Java array can hold: the limit of {@link #receive()}. */
    private static final int MAX_MESSAGE = Integer.MAX_VALUE - 8;
    /** The pauses of a connect that finds the listener's backlog full: the first, and the longest. */
    private static final long CONNECT_PAUSE_FIRST = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long CONNECT_PAUSE_MAX = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long CONTROL_CAPACITY = Socket.cmsgSpace(4L * MAX_DESCRIPTORS);

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
            int me = currentUid();
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

    private final Descriptor fd;

    static {
        dev.vigil.internal.Owners.register(Tube.class, o -> ((Tube) o).fd);
    }

    private final Sender sender = new Sender();
    private final Receiver receiver = new Receiver();

    private Tube(int number) {
        this.fd = Descriptor.adoptNew(number, "Tube");
        Cleanup.watch(this, fd, "Tube");
    }

    /** Wraps a connected socket the kernel just returned (from accept4). */
    static Tube adopt(int number) {
        return new Tube(number);
    }

    /** Two connected ends of a new socket pair, both close-on-exec. */
    public static Pair pair() throws IOException {
        Native.Scratch s = Native.Scratch.get();
        MemorySegment sv = s.word; // two ints
        if (Socket.socketpair(s, Socket.AF_UNIX, Socket.SOCK_SEQPACKET | Socket.SOCK_CLOEXEC, 0, sv) != 0) {
            throw new ErrnoException("socketpair", Native.errno(s));
        }
        Tube first = new Tube(sv.get(ValueLayout.JAVA_INT, 0));
        Tube second = new Tube(sv.get(ValueLayout.JAVA_INT, 4));
        return new Pair(first, second);
    }

    /**
     * Meets the {@link TubeListener} at {@code path}, which must run as this process's user
     * (the listener may be anyone's if the path is in a shared directory). Waits without
     * limit while the listener's backlog is full, as
     * {@link #connect(Path, Duration, Predicate)} describes.
     *
     * @throws ErrnoException           if nobody listens there ({@code ECONNREFUSED},
     *                                  {@code ENOENT}), or no descriptor number is left
     *                                  ({@code EMFILE})
     * @throws IOException              if the listener runs as another user
     * @throws InterruptedException     if interrupted on entry or while waiting for room; no
     *                                  connection was made
     * @throws IllegalArgumentException if the path is too long for a socket address (107 bytes)
     */
    public static Tube connect(Path path) throws IOException, InterruptedException {
        return connect(path, PeerCredentials.sameUser());
    }

    /**
     * Meets the listener at {@code path} if {@code accept} admits its credentials; for
     * example {@code c -> true} to talk to a listener of any user. Waits without limit while
     * the listener's backlog is full, as {@link #connect(Path, Duration, Predicate)} describes.
     */
    public static Tube connect(Path path, Predicate<? super PeerCredentials> accept) throws IOException, InterruptedException {
        Objects.requireNonNull(accept, "accept must not be null: use PeerCredentials.sameUser() or c -> true");
        return connect(path, Deadline.FOREVER, null, accept);
    }

    /**
     * Meets the {@link TubeListener} at {@code path}, which must run as this process's user,
     * waiting at most {@code timeout} while its backlog is full, as
     * {@link #connect(Path, Duration, Predicate)} describes.
     */
    public static Tube connect(Path path, Duration timeout) throws IOException, InterruptedException {
        return connect(path, timeout, PeerCredentials.sameUser());
    }

    /**
     * Meets the listener at {@code path} if {@code accept} admits its credentials, waiting at
     * most {@code timeout} while the listener's backlog is full.
     *
     * <p>A listener with room in its backlog of connections not yet accepted is met at once.
     * When that backlog is full, the kernel gives no notice once there is room again, so the
     * caller tries again after a pause that starts at 1 ms and doubles up to 50 ms, until
     * the listener accepts one, the timeout passes, the thread is interrupted, or the
     * listener goes away ({@code ENOENT} once its file is removed, {@code ECONNREFUSED} if
     * the file is left behind). Between tries the thread sleeps: a virtual thread is
     * unmounted and holds no carrier, and no thread waits inside {@code connect(2)}. There is
     * no object to close while this waits; interrupt the thread, or pass a timeout.
     *
     * <pre>{@code
     * try (Tube tube = Tube.connect(path, Duration.ofSeconds(5), PeerCredentials.sameUser())) {
     *     tube.send("hello".getBytes(UTF_8));
     * }
     * }</pre>
     *
     * @param timeout how long to wait for room in the backlog: {@link Duration#ZERO} tries
     *                once, and durations too long to count in nanoseconds mean no limit
     * @throws SocketTimeoutException   if the backlog stayed full for {@code timeout}; no
     *                                  connection was made
     * @throws ErrnoException           if nobody listens there ({@code ECONNREFUSED},
     *                                  {@code ENOENT}), or no descriptor number is left
     *                                  ({@code EMFILE})
     * @throws IOException              if {@code accept} refuses the listener's credentials;
     *                                  the connection is closed
     * @throws InterruptedException     if interrupted on entry or while waiting for room (the
     *                                  interrupt status is cleared); no connection was made
     *                                  and no descriptor is left open
     * @throws IllegalArgumentException if {@code timeout} is negative, or the path is too long
     *                                  for a socket address (107 bytes)
     * @throws NullPointerException     if an argument is null
     */
    public static Tube connect(Path path, Duration timeout, Predicate<? super PeerCredentials> accept)
            throws IOException, InterruptedException {
        Objects.requireNonNull(accept, "accept must not be null: use PeerCredentials.sameUser() or c -> true");
        return connect(path, Deadline.toNanos(timeout), timeout, accept);
    }

    /** @param timeout the caller's, for the message, or null with {@link Deadline#FOREVER} */
    private static Tube connect(Path path, long timeoutNanos, Duration timeout, Predicate<? super PeerCredentials> accept)
            throws IOException, InterruptedException {
        byte[] address = socketPath(path);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Native.Scratch s = Native.Scratch.get();
        // Non-blocking until connected, which it may be as it is nobody else's yet: a full
        // backlog is then EAGAIN at once rather than a wait inside connect(2).
        int number = Socket.socket(s, Socket.AF_UNIX, Socket.SOCK_SEQPACKET | Socket.SOCK_CLOEXEC | Socket.SOCK_NONBLOCK, 0);
        if (number < 0) {
            throw new ErrnoException("socket", Native.errno(s));
        }
        Tube tube = new Tube(number);
        try {
            int raw = tube.fd.acquire();
            try {
                connectWhenThereIsRoom(s, raw, address, path, timeoutNanos, timeout);
                // A Tube's socket is in blocking mode, as an end handed to another process expects.
                int flags = Unistd.fcntl(s, raw, Unistd.F_GETFL, 0);
                if (flags < 0 || Unistd.fcntl(s, raw, Unistd.F_SETFL, flags & ~Unistd.O_NONBLOCK) < 0) {
                    throw new ErrnoException("fcntl(F_SETFL) on a connected Tube", Native.errno(s));
                }
            } finally {
                tube.fd.release();
            }
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
     * Connects the non-blocking socket {@code raw} to {@code address}, trying again with
     * growing pauses while the listener's backlog is full ({@code EAGAIN}; an {@code AF_UNIX}
     * connect is never {@code EINPROGRESS}). The pauses are sleeps, so an interrupt ends them
     * and a virtual thread gives its carrier back.
     */
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
                throw new ErrnoException("connect to " + path, errno);
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

    /**
     * Sends one message with {@code descriptors} attached; the receiver gets its own copies
     * of them, and the caller keeps (and still closes) the originals, which must stay open
     * until this returns. Blocks while the receiver's queue is full.
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
     * Receives the next message, refusing one larger than {@code maxBytes} or carrying more
     * than {@code maxDescriptors} descriptors: such a message is consumed, every descriptor
     * that came with it is closed, and {@link TruncatedException} is thrown. Blocks, and is
     * interrupted or ended by {@link #close()}, as {@link #receive()} does.
     *
     * <p>When {@code maxBytes} fits the receive buffer this Tube already has (4 KiB at first,
     * more after larger messages), this is one {@code recvmsg}, as C makes it. A larger
     * limit costs what {@link #receive()} costs: the message's length is learnt first
     * ({@code MSG_PEEK | MSG_TRUNC}), and the buffer grows to that length if the message is
     * within the limit, never to the limit itself. So {@code receive(Integer.MAX_VALUE, n)}
     * is a fine way to say "no limit on bytes".
     *
     * @throws TruncatedException       if the message was beyond the limits; the Tube stays usable
     * @throws EOFException             once the peer has closed its end and every message it sent
     *                                  has been received
     * @throws ClosedException          if this Tube is closed, before or during the wait
     * @throws InterruptedException     if interrupted; no message was consumed
     * @throws IllegalArgumentException if {@code maxBytes} is negative or {@code maxDescriptors}
     *                                  is not between 0 and {@value #MAX_DESCRIPTORS}
     * @see #receive()
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
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            MemorySegment cred = s.text.asSlice(0, Socket.UCRED.byteSize());
            MemorySegment len = s.text.asSlice(64, 4);
            len.set(Native.C_INT, 0, (int) Socket.UCRED.byteSize());
            if (Socket.getsockopt(s, raw, Socket.SOL_SOCKET, Socket.SO_PEERCRED, cred, len) != 0) {
                throw new ErrnoException("getsockopt(SO_PEERCRED)", Native.errno(s));
            }
            return new PeerCredentials(Integer.toUnsignedLong(cred.get(Native.C_INT, 0)),
                    cred.get(Native.C_INT, 4), cred.get(Native.C_INT, 8));
        } finally {
            fd.release();
        }
    }

    /**
     * The socket's descriptor number, still owned by this Tube.
     *
     * @throws IllegalStateException if the Tube is closed
     */
    @Override
    public int rawDescriptor() {
        return fd.rawNumber();
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
            receiver.slot.wake(this);
            receiver.kick.kick();
            sender.slot.wake(this);
        }
    }

    @Override
    public String toString() {
        return "Tube[" + fd + "]";
    }

    /** The size of the receive buffer now, for tests; read without the receive lock. */
    long receiveBufferSize() {
        return receiver.data.byteSize();
    }

    // --------------------------------------------------------------------------------

    /** The send direction: one native message buffer, used by one sender at a time. */
    private final class Sender {
        final WaitSlot slot = new WaitSlot("Tube (send)");
        final ReentrantLock lock = new ReentrantLock();
        final MemorySegment header;
        final MemorySegment iov;
        final MemorySegment control;
        MemorySegment data;
        final Waiting.Attempt attempt = this::trySend;
        /** The vigil-owned descriptors of the message being sent, held until it is sent (under the lock). */
        final Descriptor[] held = new Descriptor[MAX_DESCRIPTORS];
        int heldCount;

        Sender() {
            Arena arena = Arena.ofAuto();
            header = arena.allocate(Socket.MSGHDR);
            iov = arena.allocate(Socket.IOVEC);
            control = arena.allocate(CONTROL_CAPACITY, Socket.SIZE_T);
            data = arena.allocate(INITIAL_BUFFER);
        }

        void send(byte[] message, RawDescriptor[] descriptors) throws IOException, InterruptedException {
            lock.lockInterruptibly();
            try {
                if (data.byteSize() < message.length) {
                    data = Arena.ofAuto().allocate(Math.max(message.length, 2 * data.byteSize()));
                }
                MemorySegment.copy(message, 0, data, ValueLayout.JAVA_BYTE, 0, message.length);
                Socket.setIovec(iov, data, message.length);
                int count = descriptors.length;
                if (count == 0) {
                    Socket.setMsghdr(header, iov, 1, MemorySegment.NULL, 0);
                } else {
                    Socket.setCmsg(control, 0, Socket.cmsgLen(4L * count), Socket.SOL_SOCKET, Socket.SCM_RIGHTS);
                    long base = Socket.cmsgData();
                    for (int i = 0; i < count; i++) {
                        RawDescriptor d = descriptors[i];
                        if (d == null) {
                            throw new NullPointerException("descriptors[" + i + "] is null; nothing was sent");
                        }
                        control.set(Native.C_INT, base + 4L * i, hold(d, i));
                    }
                    Socket.setMsghdr(header, iov, 1, control, Socket.cmsgSpace(4L * count));
                }
                if (!sentAtOnce()) {
                    Waiting.await(fd, slot, Tube.this, Deadline.FOREVER, attempt, "Tube", Poll.POLLOUT);
                }
            } finally {
                for (int i = 0; i < heldCount; i++) {
                    held[i].release();
                    held[i] = null;
                }
                heldCount = 0;
                if (data.byteSize() > KEEP_BUFFER) {
                    data = Arena.ofAuto().allocate(INITIAL_BUFFER);
                }
                lock.unlock();
            }
        }

        /**
         * The usual case, a socket buffer with room: one try without claiming the wait slot
         * (the lock already makes this the only sender).
         */
        private boolean sentAtOnce() throws IOException {
            int raw = fd.acquire();
            try {
                return trySend(Native.Scratch.get(), raw) != 0;
            } finally {
                fd.release();
            }
        }

        /**
         * The number to attach for {@code d}. A vigil object's use count is held until the
         * message is sent, so a concurrent {@code close()} cannot free the number (and a
         * reused one cannot go out in its place); other descriptors are their holder's to
         * keep open.
         */
        private int hold(RawDescriptor d, int i) {
            Descriptor owned = Owners.of(d);
            try {
                int number = Owners.number(d, owned);
                if (owned != null) {
                    held[heldCount++] = owned;
                }
                return number;
            } catch (ClosedException closed) {
                throw new IllegalStateException("descriptors[" + i + "] (" + d + ") is closed; nothing was sent");
            } catch (IllegalArgumentException notOne) {
                throw new IllegalArgumentException("descriptors[" + i + "]: " + notOne.getMessage() + "; nothing was sent");
            }
        }

        private long trySend(Native.Scratch s, int raw) throws IOException {
            for (;;) {
                long n = Socket.sendmsgNoWait(s, raw, header, Socket.MSG_NOSIGNAL);
                if (n >= 0) {
                    return 1;
                }
                int errno = Native.errno(s);
                if (errno == Errno.EAGAIN) {
                    return 0;
                }
                if (errno != Errno.EINTR) {
                    throw new ErrnoException("sendmsg on Tube", errno);
                }
            }
        }
    }

    /**
     * The receive direction: the native buffers and what the last {@code recvmsg} returned,
     * all guarded by {@link #lock}.
     */
    private final class Receiver {
        final WaitSlot slot = new WaitSlot("Tube (receive)");
        /** Ends a platform thread's blocking recvmsg on interrupt or close. */
        final SignalKick kick = new SignalKick();
        final ReentrantLock lock = new ReentrantLock();
        final MemorySegment header;
        /** A {@code msghdr} without buffers, for peeking at the next message's length. */
        final MemorySegment peekHeader;
        final MemorySegment iov;
        final MemorySegment control;
        MemorySegment data;
        final Waiting.Attempt unbounded = this::tryReceiveAny;
        final Waiting.Attempt bounded = this::tryReceive;
        /** The blocking calls of {@link #receiveBlocking}: the receive itself, and the peek of an unbounded receive. */
        final SignalKick.Syscall receiveCall = this::receiveCall;
        final SignalKick.Syscall peekCall = this::peekCall;
        /** The caller's limits for the current receive ({@link #MAX_MESSAGE} bytes for {@link Tube#receive()}). */
        int allowedBytes;
        int maxDescriptors;
        /** The room the next recvmsg is given: the limit, or what a peek found the message needs. */
        int maxBytes;
        /** What the last recvmsg returned: the real length, msg_flags, msg_controllen. */
        long length;
        int flags;
        long controlLength;

        Receiver() {
            Arena arena = Arena.ofAuto();
            header = arena.allocate(Socket.MSGHDR);
            peekHeader = arena.allocate(Socket.MSGHDR);
            iov = arena.allocate(Socket.IOVEC);
            control = arena.allocate(CONTROL_CAPACITY, Socket.SIZE_T);
            data = arena.allocate(INITIAL_BUFFER);
            Socket.setMsghdr(peekHeader, MemorySegment.NULL, 0, MemorySegment.NULL, 0);
        }

        /**
         * Receives one message of at most {@code limitBytes} bytes ({@code -1}: as long as a Java
         * array can be). The buffer follows the messages, never the limit: a limit that fits the
         * buffer is one recvmsg (the "bounded" mode below); a larger one, or none, first peeks at
         * the message's length and grows the buffer to that if the message is within the limit.
         */
        Message receive(int limitBytes, int limitDescriptors) throws IOException, InterruptedException {
            lock.lockInterruptibly();
            try {
                maxDescriptors = limitDescriptors;
                allowedBytes = limitBytes < 0 ? MAX_MESSAGE : limitBytes;
                boolean oneCall = limitBytes >= 0 && limitBytes <= data.byteSize();
                if (oneCall) {
                    maxBytes = limitBytes;
                }
                int tid = SignalKick.kickableThreadId();
                if (tid < 0 || !receiveBlocking(tid, oneCall)) {
                    Waiting.await(fd, slot, Tube.this, Deadline.FOREVER, oneCall ? bounded : unbounded, "Tube", Poll.POLLIN);
                }
                return takeMessage();
            } finally {
                if (data.byteSize() > KEEP_BUFFER) {
                    data = Arena.ofAuto().allocate(INITIAL_BUFFER);
                }
                lock.unlock();
            }
        }

        /**
         * The receive of a platform thread, as C makes it: bounded, one blocking {@code recvmsg}
         * with the caller's limits; unbounded, one blocking {@code recvmsg(MSG_PEEK | MSG_TRUNC)}
         * without buffers, which waits and learns the length without consuming anything, then
         * the non-blocking take. Interrupt and close end the blocking call with a signal
         * ({@link SignalKick}; the class comment there explains the order of the steps below).
         *
         * @param tid this thread's kernel thread id, from {@link SignalKick#kickableThreadId()}
         * @return true once a message (or end-of-stream) was received into the fields; false if
         *         the socket turned out to be non-blocking (another holder of the shared file
         *         description set {@code O_NONBLOCK}), so the caller must poll instead
         */
        private long receiveCall(Native.Scratch s, int raw) {
            return Socket.recvmsg(s, raw, header, Socket.MSG_CMSG_CLOEXEC | Socket.MSG_TRUNC);
        }

        private long peekCall(Native.Scratch s, int raw) {
            return Socket.recvmsg(s, raw, peekHeader, Socket.MSG_PEEK | Socket.MSG_TRUNC);
        }

        private boolean receiveBlocking(int tid, boolean isBounded) throws IOException, InterruptedException {
            int raw = fd.acquire(); // the number stays open until the call has returned
            try {
                Native.Scratch s = Native.Scratch.get();
                long controlCapacity = isBounded ? prepareHeader() : 0;
                SignalKick.Syscall call = isBounded ? receiveCall : peekCall;
                for (;;) {
                    long n = kick.call(s, tid, fd, raw, call, true);
                    boolean interrupted = Thread.currentThread().isInterrupted();
                    if (n >= 0 && isBounded) {
                        recordResult(n); // the message won the race with an interrupt: its status stays set
                        return true;
                    }
                    // Nothing consumed yet (a failed call, or only a peek): close and interrupt win.
                    Waiting.endIfClosedOrInterrupted(fd, interrupted, "Tube");
                    if (n >= 0) {
                        if (takePeeked(s, raw, n) != 0) {
                            return true;
                        }
                        continue; // another process took the message first: wait again
                    }
                    int errno = n == SignalKick.NOT_CALLED ? Errno.EINTR : Native.errno(s);
                    if (errno == Errno.EAGAIN) {
                        return false;
                    }
                    if (errno != Errno.EINTR) {
                        throw new ErrnoException("recvmsg on Tube", errno);
                    }
                    // EINTR without a reason: another signal, or a kick meant for an earlier call
                    if (isBounded) {
                        Socket.setControlLength(header, controlCapacity);
                    }
                }
            } finally {
                fd.release();
            }
        }

        private void ensureCapacity(long bytes) {
            if (data.byteSize() < bytes) {
                data = Arena.ofAuto().allocate(Math.max(bytes, Math.min(2 * data.byteSize(), KEEP_BUFFER)));
            }
        }

        /** Peeks at the next message's real length (no data copied), then takes it whole. */
        private long tryReceiveAny(Native.Scratch s, int raw) throws IOException {
            for (;;) {
                long n = Socket.recvmsgNoWait(s, raw, peekHeader, Socket.MSG_PEEK | Socket.MSG_TRUNC);
                if (n >= 0) {
                    return takePeeked(s, raw, n);
                }
                int errno = Native.errno(s);
                if (errno == Errno.EAGAIN) {
                    return 0;
                }
                if (errno != Errno.EINTR) {
                    throw new ErrnoException("recvmsg on Tube", errno);
                }
            }
        }

        /**
         * Takes the message a peek found to be {@code length} bytes long; 0 if it is gone. One
         * within the caller's limit gets a buffer of its size; a longer one is consumed into the
         * buffer there is, and the recvmsg's {@code MSG_TRUNC} makes it a {@link TruncatedException}.
         */
        private long takePeeked(Native.Scratch s, int raw, long length) throws IOException {
            if (length <= allowedBytes) {
                ensureCapacity(length);
                maxBytes = (int) length;
            } else {
                maxBytes = (int) Math.min(data.byteSize(), allowedBytes);
            }
            return tryReceive(s, raw);
        }

        /**
         * Points {@link #header} at the data buffer and room for the current limits; returns the
         * control capacity. That is {@code CMSG_LEN}, not {@code CMSG_SPACE}: the padding of the
         * latter holds one more int after an odd count, and the kernel would fill it. With room
         * for exactly {@link #maxDescriptors}, the kernel installs no more than that and reports
         * the rest with {@code MSG_CTRUNC}.
         */
        private long prepareHeader() {
            Socket.setIovec(iov, data, maxBytes);
            long controlCapacity = maxDescriptors == 0 ? 0 : Socket.cmsgLen(4L * maxDescriptors);
            Socket.setMsghdr(header, iov, 1, controlCapacity == 0 ? MemorySegment.NULL : control, controlCapacity);
            return controlCapacity;
        }

        /** Keeps what a successful recvmsg into {@link #header} returned. */
        private void recordResult(long n) {
            length = n;
            flags = Socket.msgFlags(header);
            controlLength = Socket.controlLength(header);
        }

        /** One recvmsg within the current limits; MSG_TRUNC makes it return the real length. */
        private long tryReceive(Native.Scratch s, int raw) throws IOException {
            long controlCapacity = prepareHeader();
            for (;;) {
                long n = Socket.recvmsgNoWait(s, raw, header, Socket.MSG_CMSG_CLOEXEC | Socket.MSG_TRUNC);
                if (n >= 0) {
                    recordResult(n);
                    return 1;
                }
                int errno = Native.errno(s);
                if (errno == Errno.EAGAIN) {
                    return 0; // nothing there, or another process took the message we peeked at
                }
                if (errno != Errno.EINTR) {
                    throw new ErrnoException("recvmsg on Tube", errno);
                }
                Socket.setControlLength(header, controlCapacity); // recvmsg may have changed it
            }
        }

        /** Turns what the last recvmsg returned into a Message, or the error it amounts to. */
        private Message takeMessage() throws IOException {
            int count = controlLength == 0 ? 0 : walkDescriptors(null);
            Descriptor[] owned = count == 0 ? NO_DESCRIPTORS : new Descriptor[count];
            if (count != 0) {
                walkDescriptors(owned);
            }
            // More descriptors than allowed is the same error as MSG_CTRUNC, whatever room the kernel found.
            boolean truncated = (flags & (Socket.MSG_TRUNC | Socket.MSG_CTRUNC)) != 0 || count > maxDescriptors;
            if (truncated) {
                for (Descriptor d : owned) {
                    d.close();
                }
                String what = (flags & Socket.MSG_TRUNC) == 0
                        ? "a message carried more descriptors than the " + maxDescriptors
                                + " allowed, or this process has no descriptor numbers left"
                        : length > allowedBytes
                                ? "a message of " + length + " bytes was longer than the " + allowedBytes + " allowed"
                                : "a message of " + length + " bytes arrived where one of " + maxBytes
                                        + " had been measured (another process receives from this socket too)";
                throw new TruncatedException(what + "; it was discarded and the " + owned.length
                        + " descriptors that arrived were closed");
            }
            if (length == 0 && owned.length == 0) {
                throw new EOFException("the peer closed the Tube");
            }
            byte[] bytes = new byte[(int) length];
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
            return new Message(bytes, owned);
        }

        /**
         * Walks the SCM_RIGHTS messages of the control data of the last recvmsg and counts the
         * descriptors; with {@code into}, also takes ownership of each, in order.
         */
        private int walkDescriptors(Descriptor[] into) {
            int count = 0;
            long offset = 0;
            long data = Socket.cmsgData();
            while (offset + data <= controlLength) {
                long len = Socket.cmsgLength(control, offset);
                if (len < data || offset + len > controlLength) {
                    break;
                }
                if (Socket.cmsgLevel(control, offset) == Socket.SOL_SOCKET && Socket.cmsgType(control, offset) == Socket.SCM_RIGHTS) {
                    for (long at = offset + data; at + 4 <= offset + len; at += 4) {
                        if (into != null) {
                            into[count] = Descriptor.adoptNew(control.get(Native.C_INT, at), Message.WHAT);
                        }
                        count++;
                    }
                }
                offset += Socket.cmsgAlign(len);
            }
            return count;
        }
    }

    private static final Descriptor[] NO_DESCRIPTORS = new Descriptor[0];

    // --------------------------------------------------------------------------------

    /**
     * A received message: its bytes and the descriptors that came with it, owned by the
     * message until {@linkplain #event(int) turned into an Event} or
     * {@linkplain #takeDescriptor(int) taken}. {@link #close()} closes the rest; a message
     * that becomes unreachable unclosed has them closed by vigil's cleaner thread (and
     * reported). Safe to use from several threads: of two threads taking the same
     * descriptor, one gets it and the other {@link IllegalStateException}; a take racing
     * {@code close()} either gets the descriptor or {@link ClosedException}.
     */
    public static final class Message implements AutoCloseable {
        private static final String WHAT = "descriptor received through a Tube";
        /** Volatile access to {@link #descriptors}' elements, which {@link #event} may replace. */
        private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(Descriptor[].class);
        private static final VarHandle CLOSED;

        static {
            try {
                CLOSED = MethodHandles.lookup().findVarHandle(Message.class, "closed", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        private final byte[] bytes;
        /**
         * Shared with the cleaner's watch, which closes whatever is still open in it. Who
         * holds a descriptor is decided by its own state, not a lock: taking it is
         * {@link Descriptor#intoRaw()} (one CAS, which fails once it is taken or closed), and
         * {@link Descriptor#close()} does nothing to one already taken.
         */
        private final Descriptor[] descriptors;
        /** The cleaner's watch over {@link #descriptors}; null when there are none. */
        private final Object watch;
        private volatile boolean closed;

        Message(byte[] bytes, Descriptor[] descriptors) {
            this.bytes = bytes;
            this.descriptors = descriptors;
            this.watch = descriptors.length == 0 ? null : Cleanup.watchAll(this, descriptors, WHAT);
        }

        /** A copy of the message's bytes (still available after {@link #close()}). */
        public byte[] bytes() {
            return bytes.clone();
        }

        /** How many descriptors came with the message, taken or not. */
        public int descriptorCount() {
            return descriptors.length;
        }

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
        public Event event(int i) throws IOException {
            int number = take(i);
            try {
                return Event.fromRawDescriptor(number);
            } catch (IOException | RuntimeException e) {
                Descriptor back = Descriptor.adoptNew(number, WHAT);
                Cleanup.keep(back, watch);              // the cleaner's watch covers it again
                ELEMENT.setVolatile(descriptors, i, back);
                if (closed) {   // a close() that read the slot before the store above missed it
                    back.close();
                }
                throw e;
            }
        }

        /**
         * Takes descriptor {@code i}: the caller owns the number from now on and must close it.
         *
         * @throws IllegalStateException     if it was already taken
         * @throws IndexOutOfBoundsException if there is no descriptor {@code i}
         * @throws ClosedException           if the message is closed
         */
        public int takeDescriptor(int i) throws ClosedException {
            return take(i);
        }

        private int take(int i) throws ClosedException {
            Objects.checkIndex(i, descriptors.length);
            if (closed) {
                throw closedMessage();
            }
            Descriptor d = (Descriptor) ELEMENT.getVolatile(descriptors, i);
            try {
                return d.intoRaw(); // the cleaner's watch will find it given up
            } catch (ClosedException gone) {
                if (closed && !d.isGivenUp()) {
                    throw closedMessage();
                }
                throw new IllegalStateException("descriptor " + i + " of this message was already taken");
            }
        }

        private static ClosedException closedMessage() {
            return new ClosedException("Message is closed: its descriptors were closed with it; take them before close()");
        }

        /** Closes every descriptor not taken. Calling close again does nothing. */
        @Override
        public void close() {
            if (descriptors.length == 0) {
                CLOSED.setRelease(this, true); // nothing to close, so no fence either
                return;
            }
            closed = true; // a volatile store before the slots are read: see event()
            for (int i = 0; i < descriptors.length; i++) {
                ((Descriptor) ELEMENT.getVolatile(descriptors, i)).close(); // nothing for one taken or already closed
            }
        }

        @Override
        public String toString() {
            int left = 0;
            for (int i = 0; i < descriptors.length; i++) {
                if (!((Descriptor) ELEMENT.getVolatile(descriptors, i)).isGivenUp()) {
                    left++;
                }
            }
            return "Tube.Message[" + bytes.length + " bytes, " + descriptors.length + " descriptors"
                    + (closed ? ", closed" : left < descriptors.length ? ", " + left + " not taken" : "") + "]";
        }
    }

    // --------------------------------------------------------------------------------

    /**
     * {@code path} as a {@code sun_path}: absolute, UTF-8, at most 107 bytes, no NUL.
     *
     * @throws IllegalArgumentException if it does not fit
     */
    static byte[] socketPath(Path path) {
        Objects.requireNonNull(path, "path must not be null");
        byte[] bytes = path.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= Socket.SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path " + path + " is " + bytes.length + " bytes long; a Unix socket"
                    + " address holds at most " + (Socket.SUN_PATH_MAX - 1) + ". Use a shorter path.");
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
    static int currentUid() {
        return Unistd.geteuid();
    }
}
