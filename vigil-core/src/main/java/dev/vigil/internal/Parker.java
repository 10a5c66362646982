package dev.vigil.internal;

import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.EventFd;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Blocks a platform thread in {@code ppoll} on one descriptor so that something else can
 * still end the wait: {@link Thread#interrupt()}, or {@link #wake()} from a thread closing
 * the object being waited on.
 *
 * <h2>How</h2>
 * A Parker owns a private non-blocking eventfd, the wake descriptor, and polls it together
 * with the target descriptor. {@link #wake()} writes to it. While polling, the Parker is the
 * target of the thread's {@link InterruptHook}, so {@code Thread.interrupt()} wakes it too.
 * The wake descriptor is drained only when a wake may have landed ({@link #wakePending}),
 * so an ordinary wait costs no extra system call.
 *
 * <h2>Pool</h2>
 * Parkers are borrowed for one wait and given back, so the number of wake descriptors is
 * the number of threads blocked at once, not the number of threads or objects. The pool
 * keeps at most {@link #MAX_IDLE}; {@link #trimPool()} closes the idle ones.
 */
public final class Parker implements InterruptHook.Target {
    /** {@link #poll} result: the wait ended by {@link #wake()}, {@code EINTR}, or nothing at all. */
    public static final int WOKEN = -1;
    /** {@link #poll} result: the time ran out. */
    public static final int TIMED_OUT = 0;

    private static final int MAX_IDLE = 64;
    private static final Object POOL_LOCK = new Object();
    private static final Parker[] POOL = new Parker[MAX_IDLE];
    private static int idle;

    /**
     * Owned through a {@link Descriptor}: {@link #wake()} may come from another thread just
     * as the Parker is given back and its number closed (pool full, {@link #trimPool()}), and
     * the use count makes that late write go to this eventfd or nowhere, never to a file that
     * reused the number. The borrower itself uses {@link #wakeNumber} directly: nobody closes
     * a Parker while it is borrowed.
     */
    private final Descriptor wakeFd;
    final int wakeNumber; // package-private for ParkerTest
    /** Set before every wake write; cleared by the drain that follows. */
    private volatile boolean wakePending;

    private Parker(int wakeNumber) {
        this.wakeFd = Descriptor.adoptNew(wakeNumber, "Parker wake descriptor");
        this.wakeNumber = wakeNumber;
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
            throw Calls.failure(s, "eventfd");
        }
        return new Parker(fd);
    }

    /** Clears any pending wake-up and returns this Parker to the pool. */
    public void giveBack() {
        if (wakePending) {
            drain();
        }
        synchronized (POOL_LOCK) {
            if (idle < MAX_IDLE) {
                POOL[idle++] = this;
                return;
            }
        }
        wakeFd.close();
    }

    /** Closes every idle wake descriptor (for tests that count descriptors, and shutdown). */
    public static void trimPool() {
        synchronized (POOL_LOCK) {
            while (idle > 0) {
                Parker p = POOL[--idle];
                POOL[idle] = null;
                p.wakeFd.close();
            }
        }
    }

    /**
     * Ends the current or next {@link #poll} of this Parker. Safe from any thread; a wake-up
     * that arrives after the Parker went back to the pool only causes one spurious
     * {@link #WOKEN} for its next borrower, which every caller tolerates, and one that arrives
     * after its descriptor was closed does nothing.
     */
    public void wake() {
        wakePending = true;
        int raw;
        try {
            raw = wakeFd.acquire();
        } catch (dev.vigil.ClosedException gone) {
            return; // closed with the Parker: nobody is left to wake
        }
        try {
            Unistd.writeOne(raw); // a failure (EAGAIN: counter full) still leaves it readable
        } finally {
            wakeFd.release();
        }
    }

    @Override
    public void interrupted() {
        wake();
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
        Poll.setPollFd(fds, 1, wakeNumber, Poll.POLLIN);
        MemorySegment timeout = MemorySegment.NULL;
        if (nanos != Deadline.FOREVER) {
            Poll.setTimespec(s.timespec, nanos);
            timeout = s.timespec;
        }
        InterruptHook hook = InterruptHook.current();
        int n;
        hook.arm(this);
        try {
            n = Poll.ppoll(s, fds, 2, timeout);
        } finally {
            if (hook.disarm()) {
                drain();
                Thread.interrupted();
                throw new InterruptedException();
            }
        }
        if (n < 0) {
            int errno = Native.errno(s);
            if (errno == Errno.EINTR) {
                return WOKEN;
            }
            throw Calls.failure(s, "ppoll");
        }
        if (n == 0) {
            return TIMED_OUT;
        }
        short target = Poll.revents(fds, 0);
        if (Poll.revents(fds, 1) != 0) {
            drain();
        }
        return target != 0 ? target : WOKEN;
    }

    private void drain() {
        wakePending = false;
        Unistd.drain(wakeNumber); // non-blocking descriptor: EAGAIN when there was nothing
    }
}
