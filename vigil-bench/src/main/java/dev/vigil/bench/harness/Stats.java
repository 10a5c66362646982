package dev.vigil.bench.harness;

import java.util.Arrays;

/** The two calculations every measurement shares: a timed loop and a median. */
public final class Stats {
    private Stats() {}

    /**
     * Runs {@code step} {@code warmup} times, then {@code trips} times under the clock
     * ({@link System#nanoTime()}).
     *
     * @return mean nanoseconds per timed run
     */
    public static double timeLoop(long warmup, long trips, Step step) throws Exception {
        for (long i = 0; i < warmup; i++) {
            step.run();
        }
        long start = System.nanoTime();
        for (long i = 0; i < trips; i++) {
            step.run();
        }
        return (double) (System.nanoTime() - start) / trips;
    }

    /** The median; of an even number of values, the mean of the middle two. */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
