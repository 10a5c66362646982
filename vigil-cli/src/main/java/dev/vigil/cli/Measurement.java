package dev.vigil.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/**
 * What {@code vigil ping} and {@code vigil demo} share: the timed loop of round trips and
 * the printing of a latency {@link Latencies.Summary}.
 */
final class Measurement {
    private static final long SECOND = 1_000_000_000L;

    private Measurement() {}

    /** One round trip; returns its nanoseconds. */
    @FunctionalInterface
    interface RoundTrip {
        long make() throws IOException, InterruptedException;
    }

    /** Called with the number of whole seconds measured so far. */
    @FunctionalInterface
    interface Tick {
        void second(long seconds);
    }

    /**
     * Makes round trips until {@code nanos} have passed, recording each into
     * {@code latencies} unless it is null, and ticking once per elapsed second unless
     * {@code tick} is null.
     *
     * @return the time actually taken, in nanoseconds (the last round trip ends past the limit)
     */
    static long roundTripsFor(RoundTrip roundTrips, long nanos, Latencies latencies, Tick tick)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        long now = start;
        long ticked = 0;
        while (now - start < nanos) {
            long roundTrip = roundTrips.make();
            if (latencies != null) {
                latencies.record(roundTrip);
            }
            now = System.nanoTime();
            long seconds = (now - start) / SECOND;
            if (tick != null && seconds > ticked) {
                ticked = seconds;
                tick.second(seconds);
            }
        }
        return now - start;
    }

    /**
     * Prints the count, the rate and the percentiles of {@code summary}, each line starting
     * with {@code indent}, the percentiles two spaces further in:
     * <pre>
     * round trips      517,531 in 5.00 s
     * per second       103,506
     * latency of one round trip, µs:
     *   p50             5.6
     *   ...
     * </pre>
     *
     * @param what         what was counted ({@code "round trips"})
     * @param latencyTitle the heading of the percentiles, before the unit ({@code "latency"})
     */
    static void report(PrintStream out, String indent, String what, String latencyTitle, Latencies.Summary summary,
                       long elapsedNanos) {
        double elapsed = elapsedNanos / 1e9;
        String label = "%s%-" + (16 - indent.length()) + "s "; // the numbers start in column 17
        String inner = indent + "  ";
        out.printf(Locale.ROOT, label + "%,d in %.2f s%n", indent, what, summary.count(), elapsed);
        out.printf(Locale.ROOT, label + "%,.0f%n", indent, "per second", summary.count() / elapsed);
        out.printf(Locale.ROOT, "%s%s, %s:%n", indent, latencyTitle, microUnit(out));
        out.printf(Locale.ROOT, "%sp50    %12s%n", inner, micros(summary.p50()));
        out.printf(Locale.ROOT, "%sp90    %12s%n", inner, micros(summary.p90()));
        out.printf(Locale.ROOT, "%sp99    %12s%n", inner, micros(summary.p99()));
        out.printf(Locale.ROOT, "%sp99.9  %12s%n", inner, micros(summary.p999()));
        out.printf(Locale.ROOT, "%smax    %12s%n", inner, micros(summary.max()));
        out.flush();
    }

    /** Nanoseconds as microseconds with one decimal: {@code 71234 -> "71.2"}. */
    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%,.1f", nanos / 1e3);
    }

    /** "µs" where the stream's charset has a µ (it has not under the C locale), else "us". */
    static String microUnit(PrintStream stream) {
        return stream.charset().newEncoder().canEncode('µ') ? "µs" : "us";
    }
}
