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
 * with the target descriptor. The poll is made through the one blocking-call template,
 * {@link Kick#call}, whose way of ending a call is here a write to the wake descriptor: an
 * interrupt (through the thread's {@link InterruptHook}) or {@link #wake()} while the
 * borrower is in the call writes it, and the borrower drains it as it leaves. A wake while
 * nobody is in the call does nothing: the caller checks the interrupt status and the close
 * after it entered, as for every kick.
 *
 * <h2>Pool</h2>
 * Parkers are borrowed for one wait and given back, so the number of wake descriptors is
 * the number of threads blocked at once, not the number of threads or objects. The pool
 * keeps at most {@link #MAX_IDLE}; {@link #trimPool()} closes the idle ones.
 */
public final class Parker {
    /** {@link #poll} result: the wait ended by {@link #wake()}, an interrupt, {@code EINTR}, or nothing at all. */
    public static final int WOKEN = -1;
    /** {@link #poll} result: the time ran out. */
    public static final int TIMED_OUT = 0;

    private static final int MAX_IDLE = 64;
    private static final Object POOL_LOCK = new Object();
    private static final Parker[] POOL = new Parker[MAX_IDLE];
    private static int idle;

    /**
     * Owned through a {@link Descriptor}: a kick may come from another thread just as the
     * Parker is given back and its number closed (pool full, {@link #trimPool()}), and the use
     * count makes that late write go to this eventfd or nowhere, never to a file that reused
     * the number. The borrower itself uses {@link #wakeNumber} directly: nobody closes a
     * Parker while it is borrowed.
     */
    private final Descriptor wakeFd;
    final int wakeNumber; // package-private for ParkerTest
    /** Ends the borrower's ppoll through the wake descriptor (package-private for tests). */
    final Kick kick = new Kick(new WakeDescriptor());
    /** Whether the current poll has a timeout (in the scratch's timespec); the borrower's. */
    private boolean timed;
    private final Calls.Syscall ppoll = (s, raw) -> Poll.ppoll(s, s.pollfds, 2, timed ? s.timespec : MemorySegment.NULL);

    private Parker(int wakeNumber) {
        this.wakeFd = Descriptor.adoptNew(wakeNumber, "Parker wake descriptor");
        this.wakeNumber = wakeNumber;
    }

    /** The way this Parker's calls are ended: a count in the wake descriptor, kept until drained. */
    private final class WakeDescriptor implements Kick.Sender {
        @Override
        public boolean canSend() {
            return true;
        }

        @Override
        public void send(int tid) {
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
        public void resendLater(Kick k) {
            // nothing: the count stays until the borrower drains it, so its ppoll cannot miss it
        }

        @Override
        public void takePending() {
            Unistd.drain(wakeNumber); // non-blocking descriptor: EAGAIN when there was nothing
        }
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

    /** Returns this Parker to the pool (its wake descriptor was drained when its last poll left). */
    public void giveBack() {
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
     * Ends the {@link #poll} in progress, if any. Safe from any thread, never blocks. A wake
     * that comes after the borrower left its poll does nothing; one that reaches the next
     * borrower's poll (it read this Parker just before it went back to the pool) ends that
     * poll with {@link #WOKEN}, which every caller tolerates.
     */
    public void wake() {
        kick.kick();
    }

    /**
     * Waits until {@code target} (open as {@code raw}) reports one of {@code events},
     * {@code nanos} pass ({@link Deadline#FOREVER} for no limit), or the wait is ended: by
     * {@link #wake()}, an interrupt, or a signal. The caller then looks for the reason: the
     * interrupt status is left as it is, and a closed target is not reported here.
     *
     * @return the target's {@code revents} (positive), {@link #TIMED_OUT} or {@link #WOKEN}
     */
    public int poll(Native.Scratch s, Descriptor target, int raw, short events, long nanos) throws ErrnoException {
        MemorySegment fds = s.pollfds;
        Poll.setPollFd(fds, 0, raw, events);
        Poll.setPollFd(fds, 1, wakeNumber, Poll.POLLIN);
        timed = nanos != Deadline.FOREVER;
        if (timed) {
            Poll.setTimespec(s.timespec, nanos);
        }
        long n = kick.call(s, 0, target, raw, ppoll, true);
        if (n == Kick.NOT_CALLED) {
            return WOKEN;
        }
        if (n < 0) {
            if (Native.errno(s) == Errno.EINTR) {
                return WOKEN;
            }
            throw Calls.failure(s, "ppoll");
        }
        if (n == 0) {
            return TIMED_OUT;
        }
        short revents = Poll.revents(fds, 0);
        return revents != 0 ? revents : WOKEN;
    }
}
