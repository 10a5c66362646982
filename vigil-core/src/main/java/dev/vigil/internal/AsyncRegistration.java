package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Unistd;

import java.io.IOException;

/**
 * The reactor side of an {@code AsyncFd}: a non-blocking descriptor the caller owns,
 * registered with a {@link Poller} in retained mode (see {@link ScheduledIo}, "Retained
 * readiness"). The public class runs the caller's calls; this one knows the kernel. It is
 * its own {@code ScheduledIo} (its readiness, waiters and wakers are inherited), so that an
 * event and the calls that follow it touch one object fewer.
 */
public final class AsyncRegistration extends ScheduledIo {
    /** The Poller it was registered with ({@link ScheduledIo#poller} is cleared when removed). */
    private final Poller home;

    private AsyncRegistration(Poller home) {
        super(true);
        this.home = home;
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
                p.add(r, number, Poller.READ_STREAM);
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
        if (clearReadiness(dir, seen) && quiet) {
            home.arm(this);
            return true;
        }
        return false;
    }

    /** Deregisters: waiters, now and later, get a ClosedException. Idempotent. */
    public void close() {
        home.remove(this);
        shutdown(new ClosedException("the AsyncFd was closed"));
    }

    public boolean isClosed() {
        return isShutdown();
    }
}
