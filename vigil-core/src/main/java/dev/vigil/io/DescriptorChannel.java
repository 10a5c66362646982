package dev.vigil.io;

import dev.vigil.ClosedException;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.ByteStreams;
import dev.vigil.internal.Cleanup;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.Owned;
import dev.vigil.internal.ScheduledIo;
import dev.vigil.internal.WaitSlot;
import dev.vigil.internal.Waiting;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What every vigil byte stream is made of: a descriptor in non-blocking mode that vigil
 * owns, registered as an {@link AsyncFd} with the default reactor, read and written one
 * non-blocking call at a time. A call that would block parks the thread on the reactor (a
 * virtual thread unmounts) and is made again once the descriptor is ready.
 *
 * <p>Readers are served one at a time, as are writers, so that a write of a whole buffer is
 * not interleaved with another thread's; a {@code tryRead} or {@code tryWrite} that finds
 * another reader or writer at work returns 0 rather than wait for its turn. The future
 * variants do not take a turn: do not mix them with blocking calls in the same direction. An interrupt of a waiting thread ends its call
 * with {@link InterruptedIOException}, the interrupt status kept and the stream still open;
 * {@link #close()} ends every waiting call with {@link ClosedException}.
 */
abstract class DescriptorChannel implements RawDescriptor, Owned, Channel {
    private final Descriptor fd;
    /** Its registration with the default reactor (package-private: listeners and connects wait through it). */
    final AsyncFd<DescriptorChannel> async;
    private final String what;
    /** How the calls are named in an ErrnoException (made once, not per call). */
    private final String readName;
    private final String writeName;
    private final boolean socket;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Where a platform thread blocked in the kernel (reading, writing) is found by {@link #close()}. */
    private final WaitSlot readSlot;
    private final WaitSlot writeSlot;

    /**
     * Takes {@code fd} over: if this fails, {@code fd} is closed.
     *
     * @param socket true for a socket, written with {@code send(MSG_NOSIGNAL)}
     */
    DescriptorChannel(Descriptor fd, String what, boolean socket) throws IOException {
        this.fd = fd;
        this.what = what;
        this.readName = what + " read";
        this.writeName = what + " write";
        this.socket = socket;
        this.readSlot = new WaitSlot(what);
        this.writeSlot = new WaitSlot(what);
        try {
            this.async = AsyncFd.register(this);
        } catch (Throwable t) {
            fd.close();
            throw t;
        }
        Cleanup.watch(this, fd, what);
    }

    // ---------------------------------------------------------------- reading

    /** Reads at least one byte into {@code dst} (waiting for it), or returns -1 at end of stream. */
    int readSome(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst must not be null");
        if (!dst.hasRemaining()) {
            ensureOpen();
            return 0;
        }
        lock(readLock, "reading");
        try {
            for (int tries = 0; ; tries++) {
                long seen = async.registration.state(); // before the call: an event during it moves the tick
                int n = readOnce(dst);
                if (n != ByteStreams.WOULD_BLOCK) {
                    return n;
                }
                awaitReady(ScheduledIo.READ, seen, tries);
            }
        } finally {
            readLock.unlock();
        }
    }

    /** One read without waiting: the count read, 0 if nothing is there now, -1 at end of stream. */
    int tryReadSome(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst must not be null");
        if (!dst.hasRemaining()) {
            ensureOpen();
            return 0;
        }
        if (!readLock.tryLock()) {
            ensureOpen();
            return 0; // another reader has its turn: nothing for this one now
        }
        try {
            long seen = async.registration.state();
            int n = readOnce(dst);
            if (n == ByteStreams.WOULD_BLOCK) {
                async.registration.clear(ScheduledIo.READ, seen);
                return 0;
            }
            return n;
        } finally {
            readLock.unlock();
        }
    }

    /** {@link #readSome} without a waiting thread. */
    CompletableFuture<Integer> readSomeAsync(ByteBuffer dst) {
        Objects.requireNonNull(dst, "dst must not be null");
        if (!dst.hasRemaining()) {
            return isOpen() ? CompletableFuture.completedFuture(0)
                    : CompletableFuture.failedFuture(new ClosedException(what + " is closed"));
        }
        return async.readAsync(c -> readNow(dst));
    }

    /** Fills the buffers in order: waits for the first byte, then takes what is there without waiting. */
    long readScattering(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, Objects.requireNonNull(dsts, "dsts must not be null").length);
        int first = offset;
        while (first < offset + length && !Objects.requireNonNull(dsts[first], "a buffer must not be null").hasRemaining()) {
            first++;
        }
        if (first == offset + length) {
            ensureOpen();
            return 0;
        }
        long total = readSome(dsts[first]);
        if (total < 0) {
            return total;
        }
        int end = offset + length;
        for (int i = first; !dsts[i].hasRemaining(); ) { // the last buffer filled: more may be there now
            do {
                i++;
            } while (i < end && !Objects.requireNonNull(dsts[i], "a buffer must not be null").hasRemaining());
            if (i == end) {
                break;
            }
            int n = tryReadSome(dsts[i]);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /**
     * One read into {@code dst} that never waits: the count, {@link ByteStreams#END} or
     * {@link ByteStreams#WOULD_BLOCK}. A stream whose data can carry descriptors reads so that
     * none goes unseen.
     */
    int readOnce(ByteBuffer dst) throws IOException {
        return ByteStreams.read(fd, dst, readName);
    }

    private int readNow(ByteBuffer dst) throws IOException {
        int n = readOnce(dst);
        if (n == ByteStreams.WOULD_BLOCK) {
            throw AsyncFd.wouldBlock();
        }
        return n;
    }

    // ---------------------------------------------------------------- writing

    /** Writes every remaining byte of {@code src}, waiting for room as often as needed. */
    int writeAll(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src must not be null");
        if (!src.hasRemaining()) {
            ensureOpen();
            return 0;
        }
        async.registration.wantWrite();
        lock(writeLock, "writing");
        int total = 0;
        try {
            int tries = 0;
            while (src.hasRemaining()) {
                long seen = async.registration.state();
                int n = ByteStreams.write(fd, src, socket, writeName);
                if (n != ByteStreams.WOULD_BLOCK) {
                    total += n;
                    tries = 0;
                } else {
                    awaitReady(ScheduledIo.WRITE, seen, tries++);
                }
            }
            return total;
        } catch (InterruptedIOException e) {
            e.bytesTransferred = total;
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    /** One write without waiting: the count written, 0 if there is no room now. */
    int tryWriteSome(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src, "src must not be null");
        if (!src.hasRemaining()) {
            ensureOpen();
            return 0;
        }
        async.registration.wantWrite();
        if (!writeLock.tryLock()) {
            ensureOpen();
            return 0; // another writer has its turn: its bytes must not be cut by these
        }
        try {
            long seen = async.registration.state();
            int n = ByteStreams.write(fd, src, socket, writeName);
            if (n == ByteStreams.WOULD_BLOCK) {
                async.registration.clear(ScheduledIo.WRITE, seen);
                return 0;
            }
            return n;
        } finally {
            writeLock.unlock();
        }
    }

    /** {@link #writeAll} without a waiting thread: completes with the count once every byte is written. */
    CompletableFuture<Integer> writeAllAsync(ByteBuffer src) {
        Objects.requireNonNull(src, "src must not be null");
        return writeRest(src, 0);
    }

    private CompletableFuture<Integer> writeRest(ByteBuffer src, int done) {
        if (!src.hasRemaining()) {
            return CompletableFuture.completedFuture(done);
        }
        return async.writeAsync(c -> writeNow(src)).thenCompose(n -> writeRest(src, done + n));
    }

    /** Writes the buffers in order, each whole. */
    long writeGathering(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, Objects.requireNonNull(srcs, "srcs must not be null").length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += writeAll(Objects.requireNonNull(srcs[i], "a buffer must not be null"));
        }
        return total;
    }

    private int writeNow(ByteBuffer src) throws IOException {
        int n = ByteStreams.write(fd, src, socket, writeName);
        if (n == ByteStreams.WOULD_BLOCK) {
            throw AsyncFd.wouldBlock();
        }
        return n;
    }

    // ---------------------------------------------------------------- waiting

    /**
     * The one wait of a stream's calls, after a call in direction {@code dir} met
     * {@code EAGAIN}: {@code seen} is the state read before that call, {@code tries} how many
     * calls of this operation met it before. Returns when the call should be made again; the
     * caller holds the direction's lock.
     *
     * <ul>
     *   <li>A platform thread blocks in the kernel, as a C program's blocking call does:
     *       {@code ppoll} on the descriptor and a borrowed {@link dev.vigil.internal.Parker}'s
     *       wake descriptor (through {@link Waiting}, the same loop as an Event's), woken by
     *       the kernel itself. A round through the reactor would be two hand-offs instead of
     *       one. {@link #close()} finds it through the direction's {@link WaitSlot}.</li>
     *   <li>A virtual thread first yields and tries again, as many times as the direction's
     *       {@link SpinBudget} allows (once for a new stream; up to 16 times within 20 µs
     *       while its parks end quickly): its peer (the other end of a pipe, the writer of a
     *       socket it reads) is often busy, and a park costs two hand-offs through the
     *       reactor.</li>
     *   <li>Then it clears the readiness its call proved stale and parks on the reactor until
     *       an edge comes; a quiet registration that the clear armed tries once more first.</li>
     * </ul>
     *
     * @throws InterruptedIOException if interrupted (status kept; the stream stays usable)
     * @throws ClosedException        if the stream is closed meanwhile
     */
    void awaitReady(int dir, long seen, int tries) throws IOException {
        if (!Thread.currentThread().isVirtual()) {
            try {
                Waiting.awaitReady(fd, dir == ScheduledIo.READ ? readSlot : writeSlot, this,
                        dir == ScheduledIo.READ ? Waiting.READABLE : Waiting.WRITABLE, what);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException x = new InterruptedIOException("interrupted while waiting to "
                        + (dir == ScheduledIo.READ ? "read from " : "write to ") + what + "; the stream is still usable");
                x.initCause(e);
                throw x;
            }
            return;
        }
        if (async.spins(dir).spin(tries)) {
            Thread.yield();
        } else if (!async.registration.clear(dir, seen)) {
            async.parkUntilReady(dir, true);
        }
    }

    // ---------------------------------------------------------------- the descriptor

    /** Takes the readers' turn (interruptibly), for a read made by a subclass; give it back with {@link #unlockRead}. */
    void lockRead() throws InterruptedIOException {
        lock(readLock, "reading");
    }

    void unlockRead() {
        readLock.unlock();
    }

    /** Takes the writers' turn (interruptibly), for a write made by a subclass; give it back with {@link #unlockWrite}. */
    void lockWrite() throws InterruptedIOException {
        lock(writeLock, "writing");
    }

    void unlockWrite() {
        writeLock.unlock();
    }

    private static void lock(ReentrantLock lock, String doing) throws InterruptedIOException {
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for another thread " + doing
                    + "; the stream is still usable");
        }
    }

    void ensureOpen() throws ClosedException {
        if (fd.isClosed()) {
            throw new ClosedException(what + " is closed");
        }
    }

    /**
     * The descriptor number, still owned by this stream.
     *
     * @throws IllegalStateException if the stream is closed
     */
    @Override
    public int rawDescriptor() {
        return fd.openNumber();
    }

    /** @hidden */
    @Override
    public Descriptor ownedDescriptor() {
        return fd;
    }

    @Override
    public boolean isOpen() {
        return !fd.isClosed();
    }

    /**
     * Closes the stream: waiting calls end with {@link ClosedException}, and the number is
     * released once no call is inside the kernel with it. Calling close again does nothing.
     */
    @Override
    public void close() {
        if (!fd.isClosed()) {
            async.close();
            fd.close();
            readSlot.wake(this); // after the close is marked: see WaitSlot
            writeSlot.wake(this);
        }
    }

    @Override
    public String toString() {
        return what + "[" + fd + "]";
    }
}
