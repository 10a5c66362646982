package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Unistd;
import dev.vigil.reactor.Readiness;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The reactor side of an {@code AsyncFd}: a non-blocking descriptor the caller owns,
 * registered with a {@link Poller} in retained mode (see {@link ScheduledIo}, "Retained
 * readiness"). The public class runs the caller's calls; this one knows the kernel.
 */
public final class AsyncRegistration {
    private final ScheduledIo io = new ScheduledIo(true);
    private final Poller poller;

    private AsyncRegistration(Poller poller) {
        this.poller = poller;
    }

    /**
     * Registers {@code resource} with {@code poller} (the default reactor's if null), read
     * interest first; the write stream adds {@code EPOLLOUT} on first use.
     *
     * @throws IllegalArgumentException if the descriptor is in blocking mode
     * @throws ClosedException          if the resource or the reactor is closed
     */
    public static AsyncRegistration register(RawDescriptor resource, Poller poller) throws IOException {
        Poller p = poller != null ? poller : Poller.defaultPoller();
        // A vigil object's use count is held while the kernel looks at the number.
        Descriptor owned = Owned.descriptorOf(resource);
        int number = Owned.holdNumber(resource, owned);
        try {
            if (!isNonBlocking(number)) {
                throw new IllegalArgumentException(resource + " (fd " + number + ") is in blocking mode: an AsyncFd needs"
                        + " O_NONBLOCK, and vigil never changes it for you (the flag is shared with every holder of the"
                        + " file); create the descriptor non-blocking (SOCK_NONBLOCK, O_NONBLOCK, TFD_NONBLOCK...)");
            }
            AsyncRegistration r = new AsyncRegistration(p);
            try {
                p.add(r.io, number, Poller.READ_STREAM);
            } catch (IllegalArgumentException already) {
                throw new IllegalArgumentException(resource + " (fd " + number + ") is already registered with this reactor:"
                        + " one AsyncFd per descriptor (vigil's own streams are AsyncFds of themselves already)", already);
            }
            return r;
        } finally {
            if (owned != null) {
                owned.release();
            }
        }
    }

    private static boolean isNonBlocking(int number) throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        int flags = Unistd.fcntl(s, number, Unistd.F_GETFL, 0);
        if (flags < 0) {
            throw Calls.failure(s, "fcntl(F_GETFL, fd " + number + ")");
        }
        return (flags & Unistd.O_NONBLOCK) != 0;
    }

    /** Whether {@code e} says a call would have blocked: an {@code EAGAIN}. */
    public static boolean isWouldBlock(ErrnoException e) {
        return e.errno() == Errno.EAGAIN;
    }

    /** See {@link ScheduledIo#state()}: read before a call, for {@link #clear}. */
    public long state() throws IOException {
        return io.state();
    }

    /**
     * A call on {@code dir} met would-block: clear its readiness, unless an event came since
     * {@code seen}. A quiet registration then has the kernel watch the stream again (see
     * {@link ScheduledIo}, "Quiet registrations").
     *
     * @return true if it armed the stream: the caller should try its call once more before
     *         it waits, since data that came just before the arming moved no tick
     * @throws IOException if the arming is refused (the descriptor was closed while registered)
     */
    public boolean clear(int dir, long seen) throws IOException {
        if (io.clearReadiness(dir, seen) && io.quiet) {
            poller.arm(io);
            return true;
        }
        return false;
    }

    /** Makes sure the kernel reports writability, before the write stream's first use. */
    public void wantWrite() throws IOException {
        io.wantWrite();
    }

    /** {@code dir}'s readiness if it has some (not cleared), else stores {@code waker} to be called once when it has. */
    public Readiness poll(int dir, dev.vigil.reactor.Waker waker) throws IOException {
        return io.poll(dir, waker);
    }

    /** Parks until {@code dir} has readiness (returned, not cleared), or {@code nanos} pass (EMPTY). */
    public Readiness await(int dir, long nanos) throws IOException, InterruptedException {
        return io.await(dir, nanos);
    }

    /** Completes once {@code dir} has readiness; cancelling it takes the waiter out. */
    public CompletableFuture<Readiness> future(int dir) {
        return io.future(dir);
    }

    /** Deregisters: waiters, now and later, get a ClosedException. Idempotent. */
    public void close() {
        poller.remove(io);
        io.shutdown(new ClosedException("the AsyncFd was closed"));
    }

    public boolean isClosed() {
        return io.isShutdown();
    }

    @Override
    public String toString() {
        return io.toString();
    }
}
