package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Socket;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The send direction of a {@code SOCK_SEQPACKET} socket ({@code dev.vigil.ipc.Tube}): one
 * native message buffer, used by one sender at a time under a {@link ReentrantLock} (not
 * fair), so any number of threads may send and the kernel keeps each message atomic.
 *
 * <p>A send is one {@code sendmsg(MSG_DONTWAIT | MSG_NOSIGNAL)} when the socket buffer has
 * room, without claiming the wait slot (the lock already makes this the only sender);
 * otherwise it waits for {@code POLLOUT} through {@link Waiting}, which an interrupt or
 * {@link #wake()} ends. The socket's file status flags are never touched: an end handed to
 * another process shares them.
 */
public final class SeqpacketSender {
    /** Buffers above this size are dropped after use, so one huge message does not pin memory. */
    static final int KEEP_BUFFER = 1 << 20;
    static final int INITIAL_BUFFER = 4096;

    private final Descriptor fd;
    /** The object a wait is made through, which {@link WaitSlot#wake} matches at close. */
    private final Object owner;
    private final WaitSlot slot = new WaitSlot("Tube (send)");
    private final ReentrantLock lock = new ReentrantLock();
    private final MemorySegment header;
    private final MemorySegment iov;
    private final MemorySegment control;
    private MemorySegment data;
    private final Waiting.Attempt attempt = this::trySend;
    private final Calls.Syscall sendNoWait = this::sendNoWaitCall;
    /** The vigil-owned descriptors of the message being sent, held until it is sent (under the lock). */
    private final Descriptor[] held = new Descriptor[ScmRights.MAX_DESCRIPTORS];
    private int heldCount;

    /** @param owner the public object {@code fd} belongs to, which close wakes waiters through */
    public SeqpacketSender(Descriptor fd, Object owner) {
        this.fd = fd;
        this.owner = owner;
        Arena arena = Arena.ofAuto();
        header = arena.allocate(Socket.MSGHDR);
        iov = arena.allocate(Socket.IOVEC);
        control = ScmRights.allocate(arena);
        data = arena.allocate(INITIAL_BUFFER);
    }

    /**
     * Sends {@code message} with {@code descriptors} attached, blocking while the peer's
     * queue is full. The caller has checked the count (at most {@link ScmRights#MAX_DESCRIPTORS})
     * and that the message is not empty without descriptors.
     */
    public void send(byte[] message, RawDescriptor[] descriptors) throws IOException, InterruptedException {
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
                long controlLength = ScmRights.begin(control, count);
                for (int i = 0; i < count; i++) {
                    RawDescriptor d = descriptors[i];
                    if (d == null) {
                        throw new NullPointerException("descriptors[" + i + "] is null; nothing was sent");
                    }
                    ScmRights.put(control, i, hold(d, i));
                }
                Socket.setMsghdr(header, iov, 1, control, controlLength);
            }
            if (!sentAtOnce()) {
                Waiting.await(fd, slot, owner, Deadline.FOREVER, attempt, "Tube", Poll.POLLOUT);
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

    /** Ends a send waiting for room: the owner was closed. Never blocks. */
    public void wake() {
        slot.wake(owner);
    }

    /** The usual case, a socket buffer with room: one try without claiming the wait slot. */
    private boolean sentAtOnce() throws IOException {
        int raw = fd.acquire();
        try {
            return trySend(Native.Scratch.get(), raw) != Waiting.NOT_YET;
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
        Descriptor owned = Owned.descriptorOf(d);
        try {
            int number = Owned.holdNumber(d, owned);
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

    /** One sendmsg that never blocks: the bytes sent, or {@link Waiting#NOT_YET} if the queue is full. */
    private long trySend(Native.Scratch s, int raw) throws IOException {
        return Calls.tryNow(s, raw, sendNoWait, "sendmsg on Tube");
    }

    private long sendNoWaitCall(Native.Scratch s, int raw) {
        return Socket.sendmsgNoWait(s, raw, header, Socket.MSG_NOSIGNAL);
    }
}
