package dev.vigil.reactor;

import dev.vigil.ClosedException;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.Deadline;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.Owned;
import dev.vigil.internal.Poller;
import dev.vigil.internal.ScheduledIo;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Associates an I/O resource with a {@link Reactor} and gives it two independent,
 * edge-triggered readiness streams: read and write.
 *
 * <pre>{@code
 * Registration reg = new Registration();
 * reg.register(socket);                         // the default reactor; true the first time
 * for (;;) {
 *     Readiness r = reg.awaitReadReady();       // parks this thread (or virtual thread)
 *     drainUntilEagain(socket);                 // edge-triggered: consume everything
 *     if (r.isHup()) break;                     // sticky: the end of the stream
 * }
 * reg.deregister(socket);                       // before closing the socket
 * }</pre>
 *
 * <h2>Streams</h2>
 * Each event is returned once by {@code poll*}/{@code take*}/{@code await*} and then
 * consumed; new data produces a new event. Readiness is a hint, not a promise: an event may
 * arrive with nothing left to read (another thread consumed the data first, or one edge
 * covered data already read), so read until {@code EAGAIN} and treat "nothing" as normal. The read stream carries readable and the
 * platform events (hang-up, error, priority data); the write stream carries writable, and
 * also error, so that a writer waiting on a broken pipe (whose kernel reports only
 * {@code EPOLLERR} once the pipe is full) is woken to find its {@code EPIPE}.
 * Hang-up is sticky on both: once returned, every later poll of either stream returns it.
 * The two streams can be consumed from different threads. The kernel is asked for
 * writability ({@code EPOLLOUT}) from the first use of the write stream on, so a resource
 * that is only read (an Event) costs no event per read for a stream nobody watches; that
 * first use already sees a resource that is writable.
 *
 * <h2>Ways to wait</h2>
 * <ul>
 *   <li>{@link #pollReadReady()}: tokio-reactor's task poll ({@code poll_read_ready}). Returns the readiness, or registers
 *       the current task's waker ({@link Task#current()}) and re-checks, so an event that
 *       races the poll is never lost. One poll waker per stream: the latest wins.</li>
 *   <li>{@link #awaitReadReady()}: parks the calling thread; on a virtual thread no carrier
 *       is held. Interruptible.</li>
 *   <li>{@link #readReady()}: a future; cancelling it removes the waiter.</li>
 * </ul>
 * Any number of threads and futures may await one stream at once: each event wakes all of
 * them, and each returns that event's readiness (tokio-reactor's limit of one task per direction,
 * which loses notifications, is gone). Wakers and futures are completed on the reactor's
 * thread, outside any lock: keep their work short, or use {@code *Async} stages.
 *
 * <h2>Lifecycle</h2>
 * {@link #register}/{@link #registerWith} associate the resource once: they return true the
 * first time and false afterwards, also when called concurrently; a failed attempt throws
 * and leaves the Registration as it was, so a later call may succeed. {@link #deregister}
 * ends both streams: waiters get an IOException, later polls too. Polling an unregistered
 * Registration is an {@link IllegalStateException}.
 */
public final class Registration {
    private final Object lock = new Object();
    private volatile ScheduledIo io;
    private int fd = -1;

    /** A registration not yet associated with any reactor. */
    public Registration() {
    }

    /** {@link #registerWith} the default reactor ({@link Reactor#defaultHandle()}). */
    public boolean register(RawDescriptor resource) throws IOException {
        Objects.requireNonNull(resource, "resource must not be null");
        return registerWith(resource, Reactor.defaultHandle());
    }

    /**
     * Registers {@code resource} with the reactor of {@code handle}.
     *
     * @return true if this call registered it; false if it was already registered
     * @throws ClosedException          if the reactor or the resource is closed
     * @throws dev.vigil.ErrnoException if the kernel refuses it (EPERM for a regular file)
     */
    public boolean registerWith(RawDescriptor resource, Handle handle) throws IOException {
        Objects.requireNonNull(resource, "resource must not be null");
        Objects.requireNonNull(handle, "handle must not be null");
        synchronized (lock) {
            if (io != null) {
                return false;
            }
            // A vigil object's use count is held during EPOLL_CTL_ADD, so a concurrent close()
            // cannot hand the number to another file under the call.
            Descriptor owned = Owned.descriptorOf(resource);
            int number = Owned.holdNumber(resource, owned);
            try {
                ScheduledIo created = new ScheduledIo();
                // Read interest only; the write stream adds EPOLLOUT on first use (ScheduledIo.wantWrite).
                handle.reactor.poller.add(created, number, Poller.READ_STREAM); // throws, leaving this unregistered
                fd = number;
                io = created;
                return true;
            } finally {
                if (owned != null) {
                    owned.release();
                }
            }
        }
    }

    /**
     * Deregisters the resource: no notification follows, and waiters are woken with an
     * IOException. Call it before closing the resource.
     *
     * @throws IllegalStateException    if not registered
     * @throws IllegalArgumentException if {@code resource} is not the registered one
     */
    public void deregister(RawDescriptor resource) throws IOException {
        Objects.requireNonNull(resource, "resource must not be null");
        synchronized (lock) {
            ScheduledIo s = registered();
            int number;
            try {
                number = resource.rawDescriptor();
            } catch (IllegalStateException closed) {
                number = fd; // closed already: deregister what we hold
            }
            if (number != fd) {
                throw new IllegalArgumentException(resource + " (fd " + number + ") is not the registered resource (fd " + fd + ")");
            }
            Poller p = s.poller(); // read once: a closing reactor clears it
            if (p != null) {
                p.remove(s);
            }
            s.shutdown(new ClosedException("the Registration was deregistered"));
        }
    }

    private ScheduledIo registered() {
        ScheduledIo s = io;
        if (s == null) {
            throw new IllegalStateException("not registered: call register() or registerWith() first");
        }
        return s;
    }

    /** The registration, with the kernel reporting writability (added on the write stream's first use). */
    private ScheduledIo writeStream() throws IOException {
        ScheduledIo s = registered();
        s.wantWrite();
        return s;
    }

    /** The read stream's readiness, or registers the current task's waker. Outside a task: IllegalStateException. */
    public Readiness pollReadReady() throws IOException {
        Waker w = Task.current();
        return registered().poll(ScheduledIo.READ, w);
    }

    /** {@link #pollReadReady()} with an explicit waker (replacing the stream's previous one). */
    public Readiness pollReadReady(Waker waker) throws IOException {
        Objects.requireNonNull(waker, "waker must not be null");
        return registered().poll(ScheduledIo.READ, waker);
    }

    /** Consumes the read stream's pending readiness, if any, without registering a waker. */
    public Readiness takeReadReady() throws IOException {
        return registered().take(ScheduledIo.READ);
    }

    /** The write stream's readiness, or registers the current task's waker. Outside a task: IllegalStateException. */
    public Readiness pollWriteReady() throws IOException {
        Waker w = Task.current();
        return writeStream().poll(ScheduledIo.WRITE, w);
    }

    /** {@link #pollWriteReady()} with an explicit waker (replacing the stream's previous one). */
    public Readiness pollWriteReady(Waker waker) throws IOException {
        Objects.requireNonNull(waker, "waker must not be null");
        return writeStream().poll(ScheduledIo.WRITE, waker);
    }

    /** Consumes the write stream's pending readiness, if any, without registering a waker. */
    public Readiness takeWriteReady() throws IOException {
        return writeStream().take(ScheduledIo.WRITE);
    }

    /**
     * Parks until the read stream has readiness, and returns it.
     *
     * @throws InterruptedException if interrupted while parked
     * @throws ClosedException      if deregistered or the reactor closes, before or during the wait
     */
    public Readiness awaitReadReady() throws IOException, InterruptedException {
        return registered().await(ScheduledIo.READ, Deadline.FOREVER);
    }

    /** {@link #awaitReadReady()}, giving up after {@code timeout}: then returns an empty Readiness. */
    public Readiness awaitReadReady(Duration timeout) throws IOException, InterruptedException {
        return registered().await(ScheduledIo.READ, Deadline.toNanos(timeout));
    }

    /** Parks until the write stream has readiness, and returns it. */
    public Readiness awaitWriteReady() throws IOException, InterruptedException {
        return writeStream().await(ScheduledIo.WRITE, Deadline.FOREVER);
    }

    /** {@link #awaitWriteReady()}, giving up after {@code timeout}: then returns an empty Readiness. */
    public Readiness awaitWriteReady(Duration timeout) throws IOException, InterruptedException {
        return writeStream().await(ScheduledIo.WRITE, Deadline.toNanos(timeout));
    }

    /**
     * A future completed with the read stream's next readiness (at once if some is pending),
     * or completed exceptionally if the registration ends. Cancelling it removes the waiter.
     */
    public CompletableFuture<Readiness> readReady() {
        return registered().future(ScheduledIo.READ);
    }

    /** The write stream's counterpart of {@link #readReady()}. */
    public CompletableFuture<Readiness> writeReady() {
        ScheduledIo s = registered();
        try {
            s.wantWrite();
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        return s.future(ScheduledIo.WRITE);
    }

    /** True between a successful register and deregister (or the reactor closing). */
    public boolean isRegistered() {
        ScheduledIo s = io;
        return s != null && !s.isShutdown();
    }

    @Override
    public String toString() {
        ScheduledIo s = io;
        return s == null ? "Registration[unregistered]" : "Registration[" + s + "]";
    }
}
