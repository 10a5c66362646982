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
        Measurement.Tick tick = second -> progress.show(progressLine(second, measured, latencies, err));
        long elapsed;
        if (processes) {
            err.print("vigil ping: ");
            try (DemoSession session = DemoSession.start(err)) {
                Measurement.roundTripsFor(session::roundTrip, warmup.toNanos(), null, null);
                elapsed = Measurement.roundTripsFor(session::roundTrip, measured.toNanos(), latencies, tick);
                session.endPingPong();
                session.finishRing(); // empty: lets the child finish its protocol and exit cleanly
            } finally {
                progress.finish();
            }
        } else {
            try (Event ping = new Event(); Event pong = new Event(); PingPong pingPong = PingPong.start(ping, pong)) {
                Measurement.roundTripsFor(pingPong::roundTrip, warmup.toNanos(), null, null);
                elapsed = Measurement.roundTripsFor(pingPong::roundTrip, measured.toNanos(), latencies, tick);
            } finally {
                progress.finish();
            }
        }
        Measurement.report(out, "", "round trips", "latency of one round trip", latencies.summary(), elapsed);
        return 0;
    }

    private static String progressLine(long second, Duration measured, Latencies latencies, PrintStream err) {
        return String.format(Locale.ROOT, "  %d/%s s  %,d round trips  p50 %s %s", second, seconds(measured),
                latencies.count(), Measurement.micros(latencies.atPercentile(50)), Measurement.microUnit(err));
    }

    /** A duration in seconds as the user would write it: {@code 5}, {@code 0.5}. */
    private static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString();
    }
}
