package dev.vigil.internal;

import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.EventFd;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.spi.AbstractInterruptibleChannel;

/**
 * Blocks a platform thread in {@code ppoll} on one descriptor so that something else can
 * still end the wait: {@link Thread#interrupt()}, or {@link #wake()} from a thread closing
 * the object being waited on.
 *
 * <h2>How</h2>
 * A Parker owns a private non-blocking eventfd, the wake descriptor, and polls it together
 * with the target descriptor. {@link #wake()} writes to it. Interruption is wired through
 * the public {@link AbstractInterruptibleChannel} protocol: while polling, the Parker's
 * {@link Hook} is the thread's blocker, so {@code Thread.interrupt()} calls
 * {@link Hook#implCloseChannel()}, which writes to the wake descriptor. A closed hook cannot
 * be armed again, so an interrupt costs one new Hook; nothing else allocates.
 *
 * <h2>Pool</h2>
 * Parkers are borrowed for one wait and given back, so the number of wake descriptors is
 * the number of threads blocked at once, not the number of threads or objects. The pool
 * keeps at most {@link #MAX_IDLE}; {@link #trimPool()} closes the idle ones.
 */
public final class Parker {
    /** {@link #poll} result: the wait ended by {@link #wake()}, {@code EINTR}, or nothing at all. */
    public static final int WOKEN = -1;
    /** {@link #poll} result: the time ran out. */
    public static final int TIMED_OUT = 0;

    private static final int MAX_IDLE = 64;
    private static final Object POOL_LOCK = new Object();
    private static final Parker[] POOL = new Parker[MAX_IDLE];
    private static int idle;

    private final int wakeFd;
    private Hook hook = new Hook(this);

    private Parker(int wakeFd) {
        this.wakeFd = wakeFd;
    }

    /** A Parker for one wait; give it back with {@link #giveBack()}. */
    public static Parker borrow() throws IOException {
        synchronized (POOL_LOCK) {
            if (idle > 0) {
                Parker p = POOL[--idle];
                POOL[idle] = null;
                return p;
            }
        }
        Native.Scratch s = Native.Scratch.get();
        int fd = EventFd.eventfd(s, 0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
        if (fd < 0) {
            throw new ErrnoException("eventfd", Native.errno(s));
        }
        return new Parker(fd);
    }

    /** Clears any pending wake-up and returns this Parker to the pool. */
    public void giveBack() {
        drain(Native.Scratch.get());
        synchronized (POOL_LOCK) {
            if (idle < MAX_IDLE) {
                POOL[idle++] = this;
                return;
            }
        }
        Unistd.close(Native.Scratch.get(), wakeFd);
    }

    /** Closes every idle wake descriptor (for tests that count descriptors, and shutdown). */
    public static void trimPool() {
        Native.Scratch s = Native.Scratch.get();
        synchronized (POOL_LOCK) {
            while (idle > 0) {
                Parker p = POOL[--idle];
                POOL[idle] = null;
                Unistd.close(s, p.wakeFd);
            }
        }
    }

    /**
     * Ends the current or next {@link #poll} of this Parker. Safe from any thread; a wake-up
     * that arrives after the Parker went back to the pool only causes one spurious
     * {@link #WOKEN} for its next borrower, which every caller tolerates.
     */
    public void wake() {
        Native.Scratch s = Native.Scratch.get();
        s.word.set(Native.C_LONG, 0, 1L);
        Unistd.write(s, wakeFd, s.word, 8); // EAGAIN (counter full) still leaves it readable
    }

    /**
     * Waits until {@code fd} reports one of {@code events}, {@code nanos} pass
     * ({@link Deadline#FOREVER} for no limit), or the wait is woken.
     *
     * @return the target's {@code revents} (positive), {@link #TIMED_OUT} or {@link #WOKEN}
     * @throws InterruptedException if the thread was interrupted before or during the wait;
     *                              its interrupt status is then cleared
     */
    public int poll(Native.Scratch s, int fd, short events, long nanos) throws InterruptedException, ErrnoException {
        MemorySegment fds = s.pollfds;
        Poll.setPollFd(fds, 0, fd, events);
        Poll.setPollFd(fds, 1, wakeFd, Poll.POLLIN);
        MemorySegment timeout = MemorySegment.NULL;
        if (nanos != Deadline.FOREVER) {
            Poll.setTimespec(s.timespec, nanos);
            timeout = s.timespec;
        }
        Hook h = hook;
        int n;
        h.arm();
        try {
            n = Poll.ppoll(s, fds, 2, timeout);
        } finally {
            if (h.disarm()) {
                hook = new Hook(this);
                drain(s);
                Thread.interrupted();
                throw new InterruptedException();
            }
        }
        if (n < 0) {
            int errno = Native.errno(s);
            if (errno == 4 /* EINTR */) {
                return WOKEN;
            }
            throw new ErrnoException("ppoll", errno);
        }
        if (n == 0) {
            return TIMED_OUT;
        }
        short target = Poll.revents(fds, 0);
        if (Poll.revents(fds, 1) != 0) {
            drain(s);
        }
        return target != 0 ? target : WOKEN;
    }

    private void drain(Native.Scratch s) {
        Unistd.read(s, wakeFd, s.word, 8); // non-blocking: EAGAIN when there was nothing
    }

    /**
     * The interrupt hook. {@code begin()}/{@code end()} register it as the thread's blocker,
     * and the JDK calls {@link #implCloseChannel()} from {@code Thread.interrupt()}.
     */
    private static final class Hook extends AbstractInterruptibleChannel {
        private final Parker parker;

        Hook(Parker parker) {
            this.parker = parker;
        }

        void arm() {
            begin();
        }

        /** @return true if the wait was interrupted */
        boolean disarm() {
            try {
                end(true);
                return false;
            } catch (ClosedByInterruptException e) {
                return true;
            } catch (IOException e) {
                return !isOpen();
            }
        }

        @Override
        protected void implCloseChannel() {
            parker.wake();
        }
    }
}
