package dev.vigil.io;

import dev.vigil.ErrnoException;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.AsyncRegistration;
import dev.vigil.internal.Deadline;
import dev.vigil.internal.Handles;
import dev.vigil.internal.ScheduledIo;
import dev.vigil.reactor.Handle;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Waker;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.Serial;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Any non-blocking descriptor the caller owns, driven by a reactor: tokio's {@code AsyncFd},
 * in Java. A thread that must wait parks (a virtual thread unmounts; no carrier is held in
 * the kernel) until the reactor reports the descriptor ready, then runs the caller's
 * non-blocking call again. Before it parks, a virtual thread in {@link #read} or
 * {@link #write} yields and runs the call again, a few times while the descriptor's peer
 * keeps it busy (at most 16 times within 20 µs, and only while no other virtual thread wants
 * the carrier), so a call may run several times for one result: it must be one that can be
 * repeated after would-block, as every non-blocking call can.
 *
 * <pre>{@code
 * try (AsyncFd<TimerFd> timer = AsyncFd.register(TimerFd.open(NONBLOCK))) {
 *     long expirations = timer.read(t -> t.readExpirations()); // throws wouldBlock() on EAGAIN
 * }
 * }</pre>
 *
 * <h2>Readiness is retained</h2>
 * Once the reactor reports a direction ready it stays ready until a call on it meets
 * would-block; only then is it cleared, and only if no new event arrived while the call ran
 * (a per-direction tick), so an event racing the clear is never lost. Hang-up and errors
 * wake readers and writers alike, and are cleared the same way, so nothing spins on them.
 *
 * <h2>Would-block</h2>
 * A call says it would block by throwing {@link #wouldBlock()} or any
 * {@link ErrnoException} whose errno is {@code EAGAIN}. Any other exception ends the
 * operation and reaches the caller as it is.
 *
 * <h2>Ownership and threads</h2>
 * The descriptor stays the caller's: {@link #close()} deregisters it and leaves it open.
 * Close the AsyncFd first, then the descriptor. Any number of threads may read and write at
 * once. An interrupted wait ends with {@link InterruptedIOException}, the interrupt status
 * kept and the AsyncFd still usable; {@link #close()} ends every wait with
 * {@link dev.vigil.ClosedException}.
 *
 * @param <T> the descriptor's type
 */
public final class AsyncFd<T extends RawDescriptor> implements AutoCloseable {
    /** The caller's non-blocking operation on the descriptor. */
    @FunctionalInterface
    public interface IoCall<T, R> {
        R call(T io) throws IOException;
    }

    private static final int READ = ScheduledIo.READ;
    private static final int WRITE = ScheduledIo.WRITE;
    private static final IOException WOULD_BLOCK = new WouldBlock();

    private final T io;
    /** Package-private: the streams run their own loops on it, without an IoCall per call. */
    final AsyncRegistration registration;
    /**
     * How long a virtual thread's wait yields and retries before it parks, per direction;
     * made by the first such wait ({@link #spins}), so an AsyncFd used only from the
     * reactor's thread or platform threads never carries them.
     */
    private SpinBudget readSpins;
    private SpinBudget writeSpins;

    private AsyncFd(T io, AsyncRegistration registration) {
        this.io = io;
        this.registration = registration;
    }

    /**
     * Registers {@code io} with the default reactor.
     *
     * @throws IllegalArgumentException if the descriptor is in blocking mode ({@code O_NONBLOCK}
     *                                  is not set; vigil never sets it for you, since other
     *                                  holders of the file share the flag)
     * @throws dev.vigil.ClosedException if {@code io} is closed
     */
    public static <T extends RawDescriptor> AsyncFd<T> register(T io) throws IOException {
        Objects.requireNonNull(io, "io must not be null");
        return new AsyncFd<>(io, AsyncRegistration.register(io, null));
    }

    /** {@link #register(RawDescriptor)} with the reactor of {@code handle}. */
    public static <T extends RawDescriptor> AsyncFd<T> register(T io, Handle handle) throws IOException {
        Objects.requireNonNull(io, "io must not be null");
        Objects.requireNonNull(handle, "handle must not be null");
        return new AsyncFd<>(io, AsyncRegistration.register(io, Handles.poller(handle)));
    }

    /**
     * The exception a call throws to say it would block: one preallocated instance without a
     * stack trace, so saying it costs nothing.
     */
    public static IOException wouldBlock() {
        return WOULD_BLOCK;
    }

    /** The registered descriptor. */
    public T get() {
        return io;
    }

    /**
     * Runs {@code call} once the descriptor is readable, waiting as long as it would block.
     *
     * @throws InterruptedIOException   if interrupted while waiting (status kept; usable after)
     * @throws dev.vigil.ClosedException if this AsyncFd is closed, before or during the wait
     */
    public <R> R read(IoCall<? super T, R> call) throws IOException {
        return run(READ, Objects.requireNonNull(call, "call must not be null"));
    }

    /** As {@link #read}, once the descriptor is writable. */
    public <R> R write(IoCall<? super T, R> call) throws IOException {
        registration.wantWrite();
        return run(WRITE, Objects.requireNonNull(call, "call must not be null"));
    }

    /**
     * Runs {@code call} once, now, without waiting.
     *
     * @throws IOException {@link #wouldBlock()} if it would block (the read readiness is
     *                     cleared then), or what the call threw
     */
    public <R> R tryRead(IoCall<? super T, R> call) throws IOException {
        return tryOnce(READ, Objects.requireNonNull(call, "call must not be null"));
    }

    /** As {@link #tryRead}, for writing. */
    public <R> R tryWrite(IoCall<? super T, R> call) throws IOException {
        registration.wantWrite();
        return tryOnce(WRITE, Objects.requireNonNull(call, "call must not be null"));
    }

    /**
     * {@link #read} without a waiting thread: the future completes with the call's result.
     * While the descriptor is not ready, the call runs again on the reactor's thread once it
     * is, so it must be short. Cancelling the future stops it.
     */
    public <R> CompletableFuture<R> readAsync(IoCall<? super T, R> call) {
        CompletableFuture<R> result = new CompletableFuture<>();
        attemptAsync(READ, Objects.requireNonNull(call, "call must not be null"), result);
        return result;
    }

    /** As {@link #readAsync}, for writing. */
    public <R> CompletableFuture<R> writeAsync(IoCall<? super T, R> call) {
        CompletableFuture<R> result = new CompletableFuture<>();
        try {
            registration.wantWrite();
        } catch (IOException e) {
            result.completeExceptionally(e);
            return result;
        }
        attemptAsync(WRITE, Objects.requireNonNull(call, "call must not be null"), result);
        return result;
    }

    /**
     * tokio's {@code poll_read_ready}, for a task or an event loop that must not wait: the read
     * readiness if there is some (nothing is cleared: {@link #tryRead} clears it when a call
     * would block), else {@link Readiness#EMPTY}, and {@code waker} is called once, on the
     * reactor's thread, when the descriptor becomes readable. Polling again replaces the
     * waker. The usual loop: while {@code pollReadReady(w)} is not empty, {@code tryRead} until
     * it says would-block. Nothing is allocated.
     */
    public Readiness pollReadReady(Waker waker) throws IOException {
        return registration.poll(READ, Objects.requireNonNull(waker, "waker must not be null"));
    }

    /** {@link #pollReadReady} for writing. */
    public Readiness pollWriteReady(Waker waker) throws IOException {
        registration.wantWrite();
        return registration.poll(WRITE, Objects.requireNonNull(waker, "waker must not be null"));
    }

    /** Waits until the descriptor is readable (or hung up, or in error) and says how; nothing is cleared. */
    public Readiness awaitReadable() throws IOException {
        return await(READ, Deadline.FOREVER);
    }

    /** {@link #awaitReadable()}, giving up after {@code timeout}: then {@link Readiness#EMPTY}. */
    public Readiness awaitReadable(Duration timeout) throws IOException {
        return await(READ, Deadline.toNanos(timeout));
    }

    /** Waits until the descriptor is writable (or hung up, or in error) and says how; nothing is cleared. */
    public Readiness awaitWritable() throws IOException {
        registration.wantWrite();
        return await(WRITE, Deadline.FOREVER);
    }

    /** {@link #awaitWritable()}, giving up after {@code timeout}: then {@link Readiness#EMPTY}. */
    public Readiness awaitWritable(Duration timeout) throws IOException {
        registration.wantWrite();
        return await(WRITE, Deadline.toNanos(timeout));
    }

    /** True once {@link #close()} has been called (or the reactor closed). */
    public boolean isClosed() {
        return registration.isClosed();
    }

    /**
     * Deregisters the descriptor and ends every wait with {@link dev.vigil.ClosedException};
     * the descriptor itself stays open (it is the caller's). Calling close again does nothing.
     */
    @Override
    public void close() {
        registration.close();
    }

    @Override
    public String toString() {
        return "AsyncFd[" + io + ", " + registration + "]";
    }

    // ---------------------------------------------------------------- the loops

    private <R> R run(int dir, IoCall<? super T, R> call) throws IOException {
        boolean virtual = Thread.currentThread().isVirtual();
        for (int tries = 0; ; tries++) {
            long seen = registration.state(); // before the call: an event during it moves the tick
            try {
                return call.call(io);
            } catch (IOException e) {
                if (!isWouldBlock(e)) {
                    throw e;
                }
            }
            if (virtual && spins(dir).spin(tries)) {
                Thread.yield(); // the peer is often about to make progress: see SpinBudget
            } else if (!registration.clear(dir, seen)) { // true: armed, try once more first
                parkUntilReady(dir, virtual);
            }
        }
    }

    /**
     * Parks until direction {@code dir} has readiness; a virtual thread tells the direction's
     * {@link SpinBudget} how long that took.
     */
    void parkUntilReady(int dir, boolean virtual) throws IOException {
        if (!virtual) {
            await(dir, Deadline.FOREVER);
            return;
        }
        long parked = System.nanoTime();
        await(dir, Deadline.FOREVER);
        spins(dir).parked(System.nanoTime() - parked);
    }

    /** The spin budget of direction {@code dir}: how long a virtual thread's wait retries before it parks. */
    SpinBudget spins(int dir) {
        SpinBudget s = dir == READ ? readSpins : writeSpins;
        if (s == null) {
            // Racing first waits may each make one, and one's counts are lost: a budget is
            // only advice, and one seen half-made (a count of 0) acts as the smallest.
            s = new SpinBudget();
            if (dir == READ) {
                readSpins = s;
            } else {
                writeSpins = s;
            }
        }
        return s;
    }

    private <R> R tryOnce(int dir, IoCall<? super T, R> call) throws IOException {
        long seen = registration.state();
        try {
            return call.call(io);
        } catch (IOException e) {
            if (isWouldBlock(e)) {
                registration.clear(dir, seen);
                throw WOULD_BLOCK;
            }
            throw e;
        }
    }

    private <R> void attemptAsync(int dir, IoCall<? super T, R> call, CompletableFuture<R> result) {
        for (;;) {
            if (result.isDone()) {
                return; // cancelled
            }
            long seen;
            try {
                seen = registration.state();
            } catch (IOException closed) {
                result.completeExceptionally(closed);
                return;
            }
            try {
                result.complete(call.call(io));
                return;
            } catch (IOException e) {
                if (!isWouldBlock(e)) {
                    result.completeExceptionally(e);
                    return;
                }
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
                return;
            }
            try {
                if (registration.clear(dir, seen)) {
                    continue; // armed: try once more first
                }
            } catch (IOException refused) {
                result.completeExceptionally(refused);
                return;
            }
            CompletableFuture<Readiness> ready = registration.future(dir);
            if (ready.isDone() && !ready.isCompletedExceptionally()) {
                continue; // ready already (an event raced the clear): no need to go round the reactor
            }
            ready.whenComplete((r, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    attemptAsync(dir, call, result);
                }
            });
            result.whenComplete((r, error) -> ready.cancel(false)); // a cancelled result takes its waiter out
            return;
        }
    }

    /** Parks until {@code dir} has readiness; an interrupt is an InterruptedIOException with the status kept. */
    Readiness await(int dir, long nanos) throws IOException {
        try {
            return registration.await(dir, nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException x = new InterruptedIOException("interrupted while waiting for the descriptor to become "
                    + (dir == READ ? "readable" : "writable") + "; the AsyncFd is still usable");
            x.initCause(e);
            throw x;
        }
    }

    private static boolean isWouldBlock(IOException e) {
        return e == WOULD_BLOCK || e instanceof ErrnoException x && AsyncRegistration.isWouldBlock(x);
    }

    /** The one would-block instance: no stack trace, and no cause can be set (it was set to none). */
    private static final class WouldBlock extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;

        WouldBlock() {
            super("the operation would block (EAGAIN)", null);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }

    }
}
