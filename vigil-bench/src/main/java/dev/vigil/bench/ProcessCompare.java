package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.ipc.Tube;
import dev.vigil.ipc.TubeListener;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Measures, side by side in one run, the round trip of a signal between two processes
 * through two Events: vigil (this JVM and a child JVM, {@link ProcessPeer}, that received
 * the two Events over a {@link Tube}) against the C reference
 * ({@code vigil-bench/src/main/c/eventfd_fork_pingpong.c}: two blocking eventfds, fork, plain
 * {@code read}/{@code write}).
 *
 * <p>The method is {@link Compare}'s: placements (the two processes pinned to CPUs 0 and 1,
 * or both to CPU 0), one unrecorded pass, then {@code --rounds} rounds in an order that
 * alternates; one measurement is a fresh process pair: {@code --warmup} untimed (default
 * 20,000: a fresh child JVM must first JIT-compile its loop, and its compiler threads compete
 * for the two CPUs meanwhile) and {@code --trips} timed round trips, timed by the initiating
 * process itself, so process start-up is not counted. The table gives medians, the ratio to C and the paired ratio.
 * Nothing asserts a timing.
 *
 * <p>With {@code --diagnostic true}, two more peers show what any pair of JVMs costs: both
 * JVMs make C's two calls on the Events' numbers through bare FFM, no vigil, once through
 * libc's {@code read}/{@code write} (as the C program) and once straight to the kernel
 * through {@code syscall(2)} (as vigil).
 *
 * <p>Usage: {@code ProcessCompare --c-binary PATH [--placements cross,same] [--rounds N]
 * [--trips N] [--warmup N] [--diagnostic true]}; {@code vigil-bench/compare.sh processes} runs it.
 */
public final class ProcessCompare {
    private ProcessCompare() {}


    public static void main(String[] args) throws Exception {
        Map<String, String> options = Stats.parseOptions(args);
        int rounds = Integer.parseInt(options.getOrDefault("--rounds", "7"));
        int trips = Integer.parseInt(options.getOrDefault("--trips", "10000"));
        // the child JVM compiles its loop during the warm-up: 2,000 round trips leave it interpreted
        int warmup = Integer.parseInt(options.getOrDefault("--warmup", "20000"));
        List<Placement> placements = Stats.placements(options.getOrDefault("--placements", "cross,same"));
        String cBinary = options.get("--c-binary");
        if (cBinary == null || !Files.isExecutable(Path.of(cBinary))) {
            System.err.println("usage: ProcessCompare --c-binary PATH [--placements cross,same,free] [--rounds N] [--trips N] [--warmup N] [--diagnostic true]");
            System.err.println("  PATH: eventfd_fork_pingpong compiled from vigil-bench/src/main/c (compare.sh processes does it)");
            System.exit(2);
        }
        List<RoundTripPeer> peers = new java.util.ArrayList<>(List.of(
                new RoundTripPeer.CReference("C eventfd + fork (reference)", cBinary), new VigilProcesses(Mode.VIGIL)));
        if (Boolean.parseBoolean(options.getOrDefault("--diagnostic", "false"))) {
            peers.add(new VigilProcesses(Mode.LIBC));
            peers.add(new VigilProcesses(Mode.DIRECT));
        }
        System.out.printf(Locale.ROOT, "cross-process Event round trip; java %s, %d CPUs, %s %s%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"));
        for (Placement placement : placements) {
            compare(peers, placement, rounds, warmup * placement.tripsFactor, trips * placement.tripsFactor);
        }
    }

    private static void compare(List<RoundTripPeer> peers, Placement placement, int rounds, int warmup, int trips)
            throws Exception {
        System.out.printf(Locale.ROOT, "%n== %s: %s (processes)%n", placement.name().toLowerCase(Locale.ROOT),
                placement.description.replace("initiator", "parent").replace("responder", "child"));
        System.out.printf(Locale.ROOT, "%d rounds x %d peers; each measurement %,d warm-up + %,d timed round trips%n",
                rounds, peers.size(), warmup, trips);
        Stats.interleave(peers, rounds, trips, RoundTripPeer::name, (peer, n) -> peer.measure(placement, warmup, n));
    }


    /**
     * vigil: a child JVM meets this one at a {@link TubeListener}, receives the two Events,
     * pins itself and answers every ping; a platform thread here, pinned, times the round
     * trips. {@code ping.writeCount(2)} (never a normal signal's count) tells the child to stop.
     */
    /** What the two JVMs run: vigil, or (diagnostics, no vigil) C's calls through bare FFM. */
    private enum Mode {
        VIGIL("vigil Events + child JVM", "vigil"),
        /** libc's {@code read}/{@code write}, as the C program calls them. */
        LIBC("diag: FFM read/write, 2 JVMs", "raw"),
        /** The same calls straight to the kernel, as vigil makes them. */
        DIRECT("diag: FFM syscall(2), 2 JVMs", "direct");

        final String label;
        final String childArgument;

        Mode(String label, String childArgument) {
            this.label = label;
            this.childArgument = childArgument;
        }
    }

    private static final class VigilProcesses implements RoundTripPeer {
        private final Mode mode;

        VigilProcesses(Mode mode) {
            this.mode = mode;
        }

        @Override
        public String name() {
            return mode.label;
        }

        @Override
        public double measure(Placement placement, int warmup, int trips) throws Exception {
            Path directory = Files.createTempDirectory("vigil-bench");
            Process child = null;
            try (TubeListener listener = TubeListener.bind(directory.resolve("peer.sock"))) {
                child = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"),
                        ProcessPeer.class.getName(), listener.path().toString(),
                        Integer.toString(placement.responderCpu), mode.childArgument))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
                try (Tube tube = listener.accept(); Event ping = new Event(); Event pong = new Event()) {
                    tube.send("events".getBytes(StandardCharsets.UTF_8), ping, pong);
                    tube.receive().close(); // "ready": the child holds both Events
                    double[] perTrip = new double[1];
                    Throwable[] failure = new Throwable[1];
                    Thread initiator = Thread.ofPlatform().name("initiator").unstarted(() -> {
                        try {
                            placement.pinInitiator();
                            if (mode == Mode.DIRECT) {
                                PlainEventFd.Direct d = new PlainEventFd.Direct();
                                int pingFd = ping.rawDescriptor();
                                int pongFd = pong.rawDescriptor();
                                perTrip[0] = Stats.timeLoop(warmup, trips, () -> {
                                    d.signal(pingFd);
                                    d.await(pongFd);
                                });
                            } else if (mode == Mode.LIBC) {
                                PlainEventFd.Buffers b = new PlainEventFd.Buffers(java.lang.foreign.Arena.ofAuto());
                                PlainEventFd rawPing = new PlainEventFd(ping.rawDescriptor());
                                PlainEventFd rawPong = new PlainEventFd(pong.rawDescriptor());
                                perTrip[0] = Stats.timeLoop(warmup, trips, () -> {
                                    rawPing.signal(b);
                                    rawPong.await(b);
                                });
                            } else {
                                perTrip[0] = Stats.timeLoop(warmup, trips, () -> {
                                    ping.signal();
                                    pong.await();
                                });
                            }
                        } catch (Throwable t) {
                            failure[0] = t;
                        }
                    });
                    initiator.start();
                    initiator.join();
                    ping.writeCount(2);
                    if (failure[0] != null) {
                        throw new IllegalStateException("vigil peer failed", failure[0]);
                    }
                    if (!child.waitFor(30, TimeUnit.SECONDS) || child.exitValue() != 0) {
                        throw new IOException("the child JVM did not finish cleanly");
                    }
                    return perTrip[0];
                }
            } finally {
                if (child != null && child.isAlive()) {
                    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                Files.deleteIfExists(directory.resolve("peer.sock"));
                Files.deleteIfExists(directory);
            }
        }
    }
}
