package dev.vigil.io;

import java.util.function.LongSupplier;

/**
 * How long a virtual thread whose call met {@code EAGAIN} keeps yielding and trying again
 * before it parks on the reactor: one direction of one {@link AsyncFd} (a stream's waits use
 * its own AsyncFd's). A stream's waits hold the direction's lock; the waiters of an
 * {@code AsyncFd} may share one at once, which is harmless: it is a heuristic, and whatever
 * its fields hold, a spin ends within {@link #MAX} yields.
 *
 * <p>A park costs two hand-offs (the kernel wakes the reactor's thread, which unparks the
 * virtual thread onto a carrier), and on an idle CPU each may wait for the CPU to leave its
 * halt. While the peer is busy (a bulk transfer, a pipeline), the bytes or the room come
 * within a few retries, and a carrier that keeps retrying never goes idle. While the peer is
 * quiet, or the carriers have other work, every retry is a wasted system call. So a wait
 * always yields once, and then retries only while three limits allow:
 * <ul>
 *   <li>a count, which follows how long parks last: a park that ended within
 *       {@link #QUICK_NANOS} means a longer spin would have found the descriptor ready, and
 *       doubles it (up to {@link #MAX}); a longer park halves it (down to {@link #MIN});</li>
 *   <li>each yield (and the retry after it) came back within {@link #BUSY_NANOS}: a slower
 *       one ran other virtual threads, so the carriers have work, and a retry would take
 *       CPU time from it;</li>
 *   <li>{@link #SPIN_NANOS} have not passed since the first {@code EAGAIN}.</li>
 * </ul>
 * Once a limit has stopped a wait's retries they stay stopped, even when the arming of a quiet
 * registration makes the caller try once more.
 */
final class SpinBudget {
    /** The count of a new stream, and the least: one yield, then park. */
    static final int MIN = 1;
    /** The most yields one wait spends before it parks. */
    static final int MAX = 16;
    /** A park shorter than this says the wait should have spun longer. */
    static final long QUICK_NANOS = 50_000;
    /** No yield after this long since the wait began. */
    static final long SPIN_NANOS = 20_000;
    /** A yield (and the retry after it) that took longer ran other virtual threads: the carriers are busy. */
    static final long BUSY_NANOS = 5_000;

    private final LongSupplier clock;
    private int budget = MIN;
    /** When the wait under way met its first {@code EAGAIN}, and its latest. */
    private long since;
    private long last;
    /** A limit stopped the retries of the wait under way. */
    private boolean stopped;

    SpinBudget() {
        this(System::nanoTime);
    }

    /** With {@code clock} for {@link System#nanoTime} (tests). */
    SpinBudget(LongSupplier clock) {
        this.clock = clock;
    }

    /** The most yields a wait may spend now. */
    int budget() {
        return budget;
    }

    /**
     * Whether a wait whose call met {@code EAGAIN} for the {@code tries + 1}th time should
     * yield and try again (else it parks). The first time always yields.
     */
    boolean spin(int tries) {
        long now = clock.getAsLong();
        if (tries == 0) {
            since = now;
            last = now;
            stopped = false;
            return true;
        }
        long yielded = now - last; // the last yield and the retry after it
        last = now;
        stopped |= tries >= budget || yielded >= BUSY_NANOS || now - since >= SPIN_NANOS;
        return !stopped;
    }

    /** A wait stopped spinning, parked, and was woken {@code nanos} later. */
    void parked(long nanos) {
        budget = nanos < QUICK_NANOS ? Math.min(MAX, budget * 2) : Math.max(MIN, budget / 2);
    }
}
