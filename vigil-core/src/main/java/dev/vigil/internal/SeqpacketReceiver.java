package dev.vigil.internal;

import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Socket;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The receive direction of a {@code SOCK_SEQPACKET} socket ({@code dev.vigil.ipc.Tube}): the
 * native buffers and what the last {@code recvmsg} returned, all guarded by one
 * {@link ReentrantLock} (not fair), so receivers are served one at a time.
 *
 * <h2>Limits and the buffer</h2>
 * The buffer follows the messages, never the limit. A byte limit that fits the buffer is one
 * {@code recvmsg} with that room (bounded). A larger limit, or none, first peeks at the
 * message's length ({@code MSG_PEEK | MSG_TRUNC} without buffers: nothing copied or
 * consumed), grows the buffer to that length if the message is within the limit, then takes
 * it (unbounded). A message beyond the limits is consumed into the room there is, and
 * {@code MSG_TRUNC} or {@code MSG_CTRUNC} (see {@link ScmRights}) makes it the
 * truncated outcome of the {@link Sink}, after every descriptor it brought is closed. Buffers above
 * {@link SeqpacketSender#KEEP_BUFFER} are dropped after use.
 *
 * <h2>Blocking</h2>
 * On a platform thread the receive blocks in {@code recvmsg} itself, as C makes it: bounded,
 * the receive; unbounded, the peek, then a non-blocking take. {@link Kick#call} ends
 * that call with a signal on interrupt or {@link #wake()}. If the socket turns out to be
 * non-blocking ({@code EAGAIN}: another holder of the shared file description set
 * {@code O_NONBLOCK}), and always on a virtual thread, the receive waits through
 * {@link Waiting} with {@code MSG_DONTWAIT} calls instead.
 *
 * @param <M> what the public class makes of a message; built by the {@link Sink}
 */
public final class SeqpacketReceiver<M> {
    /** The longest message a Java array can hold: the limit of an unbounded receive. */
    private static final int MAX_MESSAGE = Integer.MAX_VALUE - 8;

    /**
     * The public class's half of a receive: it makes the message (from its bytes and the
     * descriptors it brought, now owned by the result), and the exception of a message beyond
     * the limits (already discarded; the detail says what happened). One instance per public
     * class, built from constructor references that capture nothing, held in final fields:
     * each call has one target and inlines.
     */
    public static final class Sink<M> {
        private final BiFunction<byte[], Descriptor[], M> message;
        private final Function<String, ? extends IOException> truncated;

        public Sink(BiFunction<byte[], Descriptor[], M> message, Function<String, ? extends IOException> truncated) {
            this.message = message;
            this.truncated = truncated;
        }
    }

    private final Descriptor fd;
    /** The object a wait is made through, which {@link WaitSlot#wake} matches at close. */
    private final Object owner;
    private final Sink<M> sink;
    private final WaitSlot slot = new WaitSlot("Tube (receive)");
    /** Ends a platform thread's blocking recvmsg on interrupt or close. */
    private final Kick kick = new Kick();
    private final ReentrantLock lock = new ReentrantLock();
    private final MemorySegment header;
    /** A {@code msghdr} without buffers, for peeking at the next message's length. */
    private final MemorySegment peekHeader;
    private final MemorySegment iov;
    private final MemorySegment control;
    private MemorySegment data;
    private final Waiting.Attempt unbounded = this::tryReceiveAny;
    private final Waiting.Attempt bounded = this::tryReceive;
    /** The blocking calls of {@link #receiveBlocking}: the receive itself, and the peek of an unbounded receive. */
    private final Calls.Syscall receiveCall = this::receiveCall;
    private final Calls.Syscall peekCall = this::peekCall;
    /** Their non-blocking twins, for the attempts; the receive sets up its header before each call (EINTR may change it). */
    private final Calls.Syscall receiveNoWait = this::receiveNoWaitCall;
    private final Calls.Syscall peekNoWait = this::peekNoWaitCall;
    /** The caller's limits for the current receive ({@link #MAX_MESSAGE} bytes when unbounded). */
    private int allowedBytes;
    private int maxDescriptors;
    /** The room the next recvmsg is given: the limit, or what a peek found the message needs. */
    private int maxBytes;

    /** @param owner the public object {@code fd} belongs to, which close wakes waiters through */
    public SeqpacketReceiver(Descriptor fd, Object owner, Sink<M> sink) {
        this.fd = fd;
        this.owner = owner;
        this.sink = sink;
        Arena arena = Arena.ofAuto();
        header = arena.allocate(Socket.MSGHDR);
        peekHeader = arena.allocate(Socket.MSGHDR);
        iov = arena.allocate(Socket.IOVEC);
        control = ScmRights.allocate(arena);
        data = arena.allocate(SeqpacketSender.INITIAL_BUFFER);
        Socket.setMsghdr(peekHeader, MemorySegment.NULL, 0, MemorySegment.NULL, 0);
    }

    /**
     * Receives one message of at most {@code limitBytes} bytes ({@code -1}: as long as a Java
     * array can be) and {@code limitDescriptors} descriptors, blocking until one arrives.
     *
     * @throws EOFException once the peer has closed and every message was received
     * @throws IOException  the {@link Sink}'s truncated exception for a message beyond the limits
     */
    public M receive(int limitBytes, int limitDescriptors) throws IOException, InterruptedException {
        lock.lockInterruptibly();
        try {
            maxDescriptors = limitDescriptors;
            allowedBytes = limitBytes < 0 ? MAX_MESSAGE : limitBytes;
            boolean oneCall = limitBytes >= 0 && limitBytes <= data.byteSize();
            if (oneCall) {
                maxBytes = limitBytes;
            }
            int tid = Kick.kickableThreadId();
            long length = tid < 0 ? Waiting.NOT_YET : receiveBlocking(tid, oneCall);
            if (length == Waiting.NOT_YET) {
                length = Waiting.await(fd, slot, owner, Deadline.FOREVER, oneCall ? bounded : unbounded, "Tube", Poll.POLLIN);
            }
            return takeMessage(length);
        } finally {
            if (data.byteSize() > SeqpacketSender.KEEP_BUFFER) {
                data = Arena.ofAuto().allocate(SeqpacketSender.INITIAL_BUFFER);
            }
            lock.unlock();
        }
    }

    /** Ends a receive blocked in the kernel or waiting: the owner was closed. Never blocks. */
    public void wake() {
        slot.wake(owner);
        kick.kick();
    }

    /** The size of the receive buffer now; read without the lock. */
    public long bufferSize() {
        return data.byteSize();
    }

    private long receiveCall(Native.Scratch s, int raw) {
        prepareHeader(); // again before every call: an interrupted one may have changed the control length
        return Socket.recvmsg(s, raw, header, Socket.MSG_CMSG_CLOEXEC | Socket.MSG_TRUNC);
    }

    private long peekCall(Native.Scratch s, int raw) {
        return Socket.recvmsg(s, raw, peekHeader, Socket.MSG_PEEK | Socket.MSG_TRUNC);
    }

    private long receiveNoWaitCall(Native.Scratch s, int raw) {
        prepareHeader();
        return Socket.recvmsgNoWait(s, raw, header, Socket.MSG_CMSG_CLOEXEC | Socket.MSG_TRUNC);
    }

    private long peekNoWaitCall(Native.Scratch s, int raw) {
        return Socket.recvmsgNoWait(s, raw, peekHeader, Socket.MSG_PEEK | Socket.MSG_TRUNC);
    }

    /**
     * The receive of a platform thread, as C makes it: bounded, one blocking {@code recvmsg}
     * with the caller's limits; unbounded, one blocking {@code recvmsg(MSG_PEEK | MSG_TRUNC)}
     * without buffers, which waits and learns the length without consuming anything, then
     * the non-blocking take. Interrupt and close end the blocking call with a signal
     * ({@link Kick}; the class comment there explains the order of the steps below).
     *
     * @param tid this thread's kernel thread id, from {@link Kick#kickableThreadId()}
     * @return the real length of the message received into {@link #header} (0 at end of
     *         stream); {@link Waiting#NOT_YET} if the socket turned out to be non-blocking, so
     *         the caller must poll instead
     */
    private long receiveBlocking(int tid, boolean isBounded) throws IOException, InterruptedException {
        int raw = fd.acquire(); // the number stays open until the call has returned
        try {
            Native.Scratch s = Native.Scratch.get();
            for (;;) {
                // A message received is kept even if an interrupt came with it; a peek consumed nothing.
                long n = kick.callUntilDone(s, tid, fd, raw, isBounded ? receiveCall : peekCall, isBounded, "Tube", "recvmsg on Tube");
                if (n == Waiting.NOT_YET || isBounded) {
                    return n;
                }
                long taken = takePeeked(s, raw, n);
                if (taken != Waiting.NOT_YET) {
                    return taken;
                }
                // another process took the message first: wait again
            }
        } finally {
            fd.release();
        }
    }

    private void ensureCapacity(long bytes) {
        if (data.byteSize() < bytes) {
            data = Arena.ofAuto().allocate(Math.max(bytes, Math.min(2 * data.byteSize(), SeqpacketSender.KEEP_BUFFER)));
        }
    }

    /** Peeks at the next message's real length (no data copied), then takes it whole. */
    private long tryReceiveAny(Native.Scratch s, int raw) throws IOException {
        long n = Calls.tryNow(s, raw, peekNoWait, "recvmsg on Tube");
        return n == Waiting.NOT_YET ? Waiting.NOT_YET : takePeeked(s, raw, n);
    }

    /**
     * Takes the message a peek found to be {@code length} bytes long; {@link Waiting#NOT_YET}
     * if it is gone. One
     * within the caller's limit gets a buffer of its size; a longer one is consumed into the
     * buffer there is, and the recvmsg's {@code MSG_TRUNC} makes it the truncated outcome.
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

    /** Points {@link #header} at the data buffer and room for the current limits. */
    private void prepareHeader() {
        Socket.setIovec(iov, data, maxBytes);
        long controlCapacity = ScmRights.receiveCapacity(maxDescriptors);
        Socket.setMsghdr(header, iov, 1, controlCapacity == 0 ? MemorySegment.NULL : control, controlCapacity);
    }

    /**
     * One recvmsg within the current limits: the message's real length (MSG_TRUNC; its flags
     * and control data are in {@link #header}), or {@link Waiting#NOT_YET}: nothing there, or
     * taken by another process.
     */
    private long tryReceive(Native.Scratch s, int raw) throws IOException {
        return Calls.tryNow(s, raw, receiveNoWait, "recvmsg on Tube");
    }

    /**
     * Turns the message a recvmsg just put in {@link #header} ({@code length}: its real
     * length) into a message, or the outcome it amounts to.
     */
    private M takeMessage(long length) throws IOException {
        int flags = Socket.msgFlags(header);
        long controlLength = Socket.controlLength(header);
        Descriptor[] owned = ScmRights.adopt(control, controlLength, ReceivedDescriptors.WHAT);
        // More descriptors than allowed is the same error as MSG_CTRUNC, whatever room the kernel found.
        boolean bytesCut = (flags & Socket.MSG_TRUNC) != 0;
        if (bytesCut || ScmRights.isTruncated(flags) || owned.length > maxDescriptors) {
            for (Descriptor d : owned) {
                d.close();
            }
            String what = !bytesCut
                    ? "a message carried more descriptors than the " + maxDescriptors
                            + " allowed, or this process has no descriptor numbers left"
                    : length > allowedBytes
                            ? "a message of " + length + " bytes was longer than the " + allowedBytes + " allowed"
                            : "a message of " + length + " bytes arrived where one of " + maxBytes
                                    + " had been measured (another process receives from this socket too)";
            throw sink.truncated.apply(what + "; it was discarded and the " + owned.length
                    + " descriptors that arrived were closed");
        }
        if (length == 0 && owned.length == 0) {
            throw new EOFException("the peer closed the Tube");
        }
        byte[] bytes = new byte[(int) length];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
        return sink.message.apply(bytes, owned);
    }
}
