package dev.vigil.testing;

/**
 * Busy waiting for race tests. The suite runs on as few as two CPUs, often with more racing
 * threads than that, so a wait loop spins only briefly and then yields: the thread it waits
 * for may need this very CPU.
 */
public final class Spin {
    private Spin() {}

    /** Steps of a wait loop that only spin; later steps yield. */
    private static final int SPINS_BEFORE_YIELD = 200;

    /**
     * One step of a wait loop: {@code for (int step = 0; !done(); step++) Spin.pause(step);}.
     * Spins for the first steps, then yields the CPU.
     */
    public static void pause(int step) {
        if (step < SPINS_BEFORE_YIELD) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    /** Spins {@code hints} times: a small shift of one side of a race, different each round. */
    public static void times(int hints) {
        for (int i = 0; i < hints; i++) {
            Thread.onSpinWait();
        }
    }

    /** Spins for about {@code nanos}: a shift of one side of a race measured in time. */
    public static void forNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
