package dev.vigil.cli;

import org.HdrHistogram.Histogram;

/**
 * Round-trip times in nanoseconds, in an HdrHistogram that resolves 1 µs to 10 s with three
 * significant digits. Times above 10 s are recorded as 10 s; negative ones (a clock that
 * stepped back) as 0. Not thread-safe: one measuring thread records.
 */
final class Latencies {
    static final long LOWEST_DISCERNIBLE_NANOS = 1_000;
    static final long HIGHEST_TRACKABLE_NANOS = 10_000_000_000L;

    private final Histogram histogram = new Histogram(LOWEST_DISCERNIBLE_NANOS, HIGHEST_TRACKABLE_NANOS, 3);

    void record(long nanos) {
        histogram.recordValue(Math.clamp(nanos, 0L, HIGHEST_TRACKABLE_NANOS));
    }

    long count() {
        return histogram.getTotalCount();
    }

    /** The time in ns that {@code percentile} percent of the round trips took at most; 0 if none. */
    long atPercentile(double percentile) {
        return histogram.getValueAtPercentile(percentile);
    }

    Summary summary() {
        return new Summary(count(), atPercentile(50), atPercentile(90), atPercentile(99), atPercentile(99.9),
                histogram.getMaxValue());
    }

    /** The figures {@code vigil ping} reports, in nanoseconds. */
    record Summary(long count, long p50, long p90, long p99, long p999, long max) {}
}
