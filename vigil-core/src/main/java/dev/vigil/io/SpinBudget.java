package dev.vigil.io;

/**
 * How many times a virtual thread whose stream call met {@code EAGAIN} yields and tries again
 * before it parks on the reactor: one direction of one stream, used under that direction's
 * lock.
 *
 * <p>A park costs two hand-offs (the kernel wakes the reactor's thread, which unparks the
 * virtual thread onto a carrier), and on an idle CPU each may wait for the CPU to leave its
 * halt. While the peer is busy (a bulk transfer, a pipeline), the bytes or the room come
 * within a few retries, and a carrier that keeps retrying never goes idle. While the peer is
 * quiet, every retry is a wasted system call. So the budget follows how long parks last: a
 * park that ended within {@link #QUICK_NANOS} means a longer spin would have found the
 * stream ready, and doubles the budget (up to {@link #MAX}); a longer park halves it (down to
 * {@link #MIN}). A stream that falls silent wastes at most {@code 2 * MAX} retries before its
 * waits park after one yield again.
 */
final class SpinBudget {
    /** The budget of a new stream, and the least: one yield, then park. */
    static final int MIN = 1;
    /** The most yields one wait spends before it parks (about 20 µs of retries). */
    static final int MAX = 16;
    /** A park shorter than this says the wait should have spun longer. */
    static final long QUICK_NANOS = 50_000;

    private int budget = MIN;

    /** How many yields a wait may spend before it parks. */
    int budget() {
        return budget;
    }

    /** A wait spent its budget, parked, and was woken {@code nanos} later. */
    void parked(long nanos) {
        budget = nanos < QUICK_NANOS ? Math.min(MAX, budget * 2) : Math.max(MIN, budget / 2);
    }
}
