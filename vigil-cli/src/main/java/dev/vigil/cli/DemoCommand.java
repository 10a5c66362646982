package dev.vigil.cli;

import dev.vigil.Event;
import dev.vigil.ipc.Tube;
import dev.vigil.ipc.TubeListener;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil demo}: two processes, two Events as doorbells, and a shared-memory ring.
 *
 * <ol>
 *   <li>Binds a {@link TubeListener} in a fresh private directory and starts a child JVM
 *       ({@link DemoChild}, same class path), which connects to it.</li>
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
 * Progress goes to stderr about once a second, the results to stdout.
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
        Path directory = Files.createTempDirectory("vigil-demo");
        Process child = null;
        Progress progress = new Progress(err, Progress.stderrIsTerminal());
        try (TubeListener listener = TubeListener.bind(directory.resolve("demo.sock"))) {
            child = startChild(listener.path());
            err.printf(Locale.ROOT, "vigil demo: child process %d, meeting at %s%n", child.pid(), listener.path());
            try (Tube tube = listener.accept();
                 Event ping = new Event();
                 Event pong = new Event();
                 SharedRing ring = SharedRing.create()) {
                tube.send(HELLO.getBytes(StandardCharsets.UTF_8), ping, pong, ring);
                expect(tube, READY);

                Latencies doorbell = new Latencies();
                long pingPongNanos = pingPong(ping, pong, ring, phase, doorbell, progress, err);
                progress.finish();

                long ringNanos = produce(ring, ping, pong, phase, progress);
                progress.finish();
                String[] result = expect(tube, RING_RESULT).split(" ");
                Latencies.Summary ringSummary = new Latencies.Summary(Long.parseLong(result[1]),
                        Long.parseLong(result[2]), Long.parseLong(result[3]), Long.parseLong(result[4]),
                        Long.parseLong(result[5]), Long.parseLong(result[6]));

                report(out, "doorbell ping-pong (two Events, one round trip)", doorbell.summary(), pingPongNanos, "round trips");
                out.println();
                report(out, "shared-memory ring (64-byte records at full speed; one-way latency, queueing included)", ringSummary, ringNanos, "messages");
            }
            // the Tube is closed: the child sees end-of-stream and exits
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException("the child process " + child.pid() + " did not exit");
            }
            if (child.exitValue() != 0) {
                throw new IOException("the child process exited with status " + child.exitValue());
            }
            return 0;
        } finally {
            progress.finish();
            if (child != null && child.isAlive()) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(directory.resolve("demo.sock"));
            Files.deleteIfExists(directory);
        }
    }

    private static Process startChild(Path socket) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                DemoChild.class.getName(), socket.toString()));
        return new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** Receives one message and checks that it starts with {@code word}; returns its text. */
    private static String expect(Tube tube, String word) throws IOException, InterruptedException {
        try (Tube.Message m = tube.receive()) {
            String text = new String(m.bytes(), StandardCharsets.UTF_8);
            if (!text.equals(word) && !text.startsWith(word + " ")) {
                throw new IOException("the child sent \"" + text + "\" where \"" + word + "\" was expected");
            }
            return text;
        }
    }

    /** Round trips through the two doorbells for {@code nanos}; returns the time taken. */
    private static long pingPong(Event ping, Event pong, SharedRing ring, long nanos, Latencies latencies,
                                 Progress progress, PrintStream err) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long now = start;
        long ticked = 0;
        while (now - start < nanos) {
            long before = System.nanoTime();
            ping.signal();
            pong.await();
            now = System.nanoTime();
            latencies.record(now - before);
            long seconds = (now - start) / SECOND;
            if (seconds > ticked) {
                ticked = seconds;
                progress.show(String.format(Locale.ROOT, "  doorbell ping-pong  %d s  %,d round trips  p50 %s %s",
                        seconds, latencies.count(), PingCommand.micros(latencies.atPercentile(50)), unit(err)));
            }
        }
        ring.setCommand(END_PING_PONG);
        ping.signal();
        return now - start;
    }

    /** Publishes records for {@code nanos}, then the end record; returns the time taken. */
    private static long produce(SharedRing ring, Event dataReady, Event spaceReady, long nanos, Progress progress)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        long now = start;
        long ticked = 0;
        long sequence = 0;
        while (now - start < nanos) {
            now = System.nanoTime();
            ring.publish(now, sequence++, dataReady, spaceReady);
            long seconds = (now - start) / SECOND;
            if (seconds > ticked) {
                ticked = seconds;
                progress.show(String.format(Locale.ROOT, "  shared-memory ring  %d s  %,d messages", seconds, sequence));
            }
        }
        ring.publish(System.nanoTime(), SharedRing.END, dataReady, spaceReady);
        return System.nanoTime() - start;
    }

    private static void report(PrintStream out, String title, Latencies.Summary summary, long elapsedNanos, String what) {
        double elapsed = elapsedNanos / 1e9;
        String unit = unit(out);
        out.println(title);
        out.printf(Locale.ROOT, "  %-14s %,d in %.2f s%n", what, summary.count(), elapsed);
        out.printf(Locale.ROOT, "  %-14s %,.0f%n", "per second", summary.count() / elapsed);
        out.printf(Locale.ROOT, "  latency, %s:%n", unit);
        out.printf(Locale.ROOT, "    p50    %12s%n", PingCommand.micros(summary.p50()));
        out.printf(Locale.ROOT, "    p90    %12s%n", PingCommand.micros(summary.p90()));
        out.printf(Locale.ROOT, "    p99    %12s%n", PingCommand.micros(summary.p99()));
        out.printf(Locale.ROOT, "    p99.9  %12s%n", PingCommand.micros(summary.p999()));
        out.printf(Locale.ROOT, "    max    %12s%n", PingCommand.micros(summary.max()));
        out.flush();
    }

    private static String unit(PrintStream stream) {
        return stream.charset().newEncoder().canEncode('µ') ? "µs" : "us";
    }
}
