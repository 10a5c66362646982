package dev.vigil.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code vigil demo}: two processes, two Events as doorbells, and a shared-memory ring.
 *
 * <ol>
 *   <li>Binds a {@link dev.vigil.ipc.TubeListener} in a fresh private directory and starts
 *       a child JVM ({@link DemoChild}, same class path), which connects to it.</li>
 *   <li>Sends the child, in one message, two Events and the memfd of a {@link SharedRing}
 *       mapped in both processes.</li>
 *   <li>Doorbell ping-pong: signals {@code ping}, waits for {@code pong}, for
 *       {@code --seconds}; every round trip goes into a latency histogram.</li>
 *   <li>Ring: produces timestamped records into the ring as fast as the child consumes them,
 *       for {@code --seconds}; the Events ring only when a side sleeps. The child measures
 *       each record's one-way latency and sends its histogram back over the Tube.</li>
 *   <li>Prints messages per second and p50/p90/p99/p99.9 for both, closes the Tube (the
 *       child exits on end-of-stream) and reaps the child.</li>
 * </ol>
 * Progress goes to stderr about once a second, the results to stdout. Should the child die,
 * the command stops at once and fails with its exit status (see {@link DemoSession}).
 */
final class DemoCommand implements Command {
    static final String HELLO = "vigil-demo";
    static final String READY = "ready";
    static final String RING_RESULT = "ring";
    /** The ring's command word that ends the ping-pong phase. */
    static final long END_PING_PONG = 1;
    static final Duration DEFAULT_SECONDS = Duration.ofSeconds(2);
    private static final long SECOND = 1_000_000_000L;

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "two processes: Events as doorbells, passed over a Tube, and a shared-memory ring";
    }

    @Override
    public String usage() {
        return """
                vigil demo [--seconds N]
                  Starts a child JVM, meets it at a TubeListener, hands it two Events and a
                  shared-memory ring (a memfd), then measures the cross-process doorbell
                  ping-pong and the ring; prints messages per second and latency percentiles.
                  --seconds N   run each of the two phases for N seconds (default 2; decimals allowed)
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err)
            throws UsageException, IOException, InterruptedException {
        Options options = Options.parse(args, Set.of("--seconds"));
        if (options.help()) {
            out.print(usage());
            return 0;
        }
        long phase = options.seconds("--seconds", DEFAULT_SECONDS, false).toNanos();
        Progress progress = new Progress(err, Progress.stderrIsTerminal());
        err.print("vigil demo: ");
        Latencies doorbell = new Latencies();
        long pingPongNanos;
        long ringNanos;
        Latencies.Summary ringSummary;
        try (DemoSession session = DemoSession.start(err)) {
            pingPongNanos = Measurement.roundTripsFor(session::roundTrip, phase, doorbell,
                    second -> progress.show(pingPongLine(second, doorbell, err)));
            progress.finish();
            session.endPingPong();
            ringNanos = produce(session, phase, progress);
            progress.finish();
            ringSummary = session.finishRing();
        } finally {
            progress.finish();
        }
        out.println("doorbell ping-pong (two Events, one round trip)");
        Measurement.report(out, "  ", "round trips", "latency", doorbell.summary(), pingPongNanos);
        out.println();
        out.println("shared-memory ring (64-byte records at full speed; one-way latency, queueing included)");
        Measurement.report(out, "  ", "messages", "latency", ringSummary, ringNanos);
        return 0;
    }

    private static String pingPongLine(long second, Latencies latencies, PrintStream err) {
        return String.format(Locale.ROOT, "  doorbell ping-pong  %d s  %,d round trips  p50 %s %s", second,
                latencies.count(), Measurement.micros(latencies.atPercentile(50)), Measurement.microUnit(err));
    }

    /** Publishes records for {@code nanos}; returns the time taken. */
    private static long produce(DemoSession session, long nanos, Progress progress)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        long now = start;
        long ticked = 0;
        long sequence = 0;
        while (now - start < nanos) {
            now = System.nanoTime();
            session.publish(now, sequence++);
            long seconds = (now - start) / SECOND;
            if (seconds > ticked) {
                ticked = seconds;
                progress.show(String.format(Locale.ROOT, "  shared-memory ring  %d s  %,d messages", seconds, sequence));
            }
        }
        return System.nanoTime() - start;
    }
}
