package dev.vigil.cli;

import dev.vigil.Event;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code vigil ping}: how long one thread takes to wake another through an {@link Event} and
 * be woken back. Two platform threads exchange a signal through two Events (see
 * {@link PingPong}), or, with {@code --processes}, this thread and a child JVM that received
 * the Events over a Tube (see {@link DemoSession}), for a warm-up period, unmeasured, and
 * then for the measured period; every
 * measured round trip goes into a {@link Latencies} histogram. Progress goes to stderr once a
 * second, the results to stdout.
 */
final class PingCommand implements Command {
    static final Duration DEFAULT_MEASURED = Duration.ofSeconds(5);
    static final Duration DEFAULT_WARMUP = Duration.ofSeconds(1);
    private static final long SECOND = 1_000_000_000L;

    @Override
    public String name() {
        return "ping";
    }

    @Override
    public String summary() {
        return "measure the round-trip latency of two threads signalling each other through Events";
    }

    @Override
    public String usage() {
        return """
                vigil ping [--seconds N] [--warmup N] [--processes]
                  Two platform threads ping-pong through two Events (eventfds); prints the
                  round trips per second and the latency percentiles of one round trip.
                  --seconds N   measure for N seconds (default 5; decimals allowed)
                  --warmup N    run N seconds first without measuring (default 1; 0 for none)
                  --processes   ping-pong with a child JVM instead of a second thread: the
                                Events travel to it over a Tube (the cross-process round trip)
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err)
            throws UsageException, IOException, InterruptedException {
        Options options = Options.parse(args, Set.of("--seconds", "--warmup"), Set.of("--processes"));
        if (options.help()) {
            out.print(usage());
            return 0;
        }
        Duration measured = options.seconds("--seconds", DEFAULT_MEASURED, false);
        Duration warmup = options.seconds("--warmup", DEFAULT_WARMUP, true);

        boolean processes = options.flag("--processes");
        err.printf(Locale.ROOT, "vigil ping: %s s warm-up, then %s s measured%s%n", seconds(warmup), seconds(measured),
                processes ? ", across two processes" : "");
        Progress progress = new Progress(err, Progress.stderrIsTerminal());
        Latencies latencies = new Latencies();
        Tick tick = second -> progress.show(progressLine(second, measured, latencies, err));
        long elapsed;
        if (processes) {
            err.print("vigil ping: ");
            try (DemoSession session = DemoSession.start(err)) {
                roundTripsFor(session::roundTrip, warmup.toNanos(), null, null);
                elapsed = roundTripsFor(session::roundTrip, measured.toNanos(), latencies, tick);
                session.endPingPong();
                session.finishRing(); // empty: lets the child finish its protocol and exit cleanly
            } finally {
                progress.finish();
            }
        } else {
            try (Event ping = new Event(); Event pong = new Event(); PingPong pingPong = PingPong.start(ping, pong)) {
                roundTripsFor(pingPong::roundTrip, warmup.toNanos(), null, null);
                elapsed = roundTripsFor(pingPong::roundTrip, measured.toNanos(), latencies, tick);
            } finally {
                progress.finish();
            }
        }
        report(out, latencies.summary(), elapsed);
        return 0;
    }

    /** One round trip; returns its nanoseconds. */
    @FunctionalInterface
    private interface RoundTrip {
        long make() throws IOException, InterruptedException;
    }

    /** Called with the number of whole seconds measured so far. */
    @FunctionalInterface
    private interface Tick {
        void second(long seconds);
    }

    /**
     * Makes round trips until {@code nanos} have passed, recording each into
     * {@code latencies} unless it is null, and ticking once per elapsed second.
     *
     * @return the time actually taken, in nanoseconds (the last round trip ends past the limit)
     */
    private static long roundTripsFor(RoundTrip roundTrips, long nanos, Latencies latencies, Tick tick)
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

    private static String progressLine(long second, Duration measured, Latencies latencies, PrintStream err) {
        return String.format(Locale.ROOT, "  %d/%s s  %,d round trips  p50 %s %s", second, seconds(measured),
                latencies.count(), micros(latencies.atPercentile(50)), microUnit(err));
    }

    private static void report(PrintStream out, Latencies.Summary summary, long elapsedNanos) {
        double elapsed = elapsedNanos / 1e9;
        String unit = microUnit(out);
        out.printf(Locale.ROOT, "round trips      %,d in %.2f s%n", summary.count(), elapsed);
        out.printf(Locale.ROOT, "per second       %,.0f%n", summary.count() / elapsed);
        out.printf(Locale.ROOT, "latency of one round trip, %s:%n", unit);
        out.printf(Locale.ROOT, "  p50    %12s%n", micros(summary.p50()));
        out.printf(Locale.ROOT, "  p90    %12s%n", micros(summary.p90()));
        out.printf(Locale.ROOT, "  p99    %12s%n", micros(summary.p99()));
        out.printf(Locale.ROOT, "  p99.9  %12s%n", micros(summary.p999()));
        out.printf(Locale.ROOT, "  max    %12s%n", micros(summary.max()));
        out.flush();
    }

    /** Nanoseconds as microseconds with one decimal: {@code 71234 -> "71.2"}. */
    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%,.1f", nanos / 1e3);
    }

    /** "µs" where the stream's charset has a µ (it has not under the C locale), else "us". */
    private static String microUnit(PrintStream stream) {
        return stream.charset().newEncoder().canEncode('µ') ? "µs" : "us";
    }

    /** A duration in seconds as the user would write it: {@code 5}, {@code 0.5}. */
    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString();
    }
}
