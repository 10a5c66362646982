package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.CProgram;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Step;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;
import dev.vigil.bench.harness.Trial;
import dev.vigil.ipc.Tube;
import dev.vigil.ipc.TubeListener;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ./vigil bench processes}: the round trip of a signal between two processes through
 * two Events: vigil (this JVM and a child JVM, {@link ProcessChild}, that received the two
 * Events over a {@link Tube}) against the C reference ({@code eventfd_fork_pingpong.c}: two
 * blocking eventfds, fork, plain {@code read}/{@code write}).
 *
 * <p>The method is {@link EventSuite}'s, with processes in place of threads: placements
 * pin the two processes (CPUs 0 and 1, or both CPU 0); one measurement is a fresh process
 * pair, {@code --warmup} untimed round trips (default 20,000: a fresh child JVM must first
 * JIT-compile its loop, and its compiler threads compete for the two CPUs meanwhile) and
 * {@code --trips} timed ones (default 10,000), timed by the initiating process itself, so
 * process start-up is not counted.
 *
 * <p>If the child JVM exits before the measurement ends (killed, say), the measurement fails
 * at once, naming its exit status; if this JVM dies, the child sees its Tube close and exits.
 *
 * <p>With {@code --diagnostic true}, two more peers show what any pair of JVMs costs: both
 * JVMs make C's two calls on the Events' numbers through bare FFM, no vigil, once through
 * libc's {@code read}/{@code write} (as the C program) and once straight to the kernel
 * through {@code syscall(2)} (as vigil).
 */
public final class ProcessSuite implements Suite<Void> {
    @Override
    public String name() {
        return "processes";
    }

    @Override
    public String summary() {
        return "Event round trip between two processes: vigil (child JVM, Events passed over a Tube) vs C (fork)";
    }

    @Override
    public Defaults defaults() {
        // the child JVM compiles its loop during the warm-up: 2,000 round trips leave it interpreted
        return Defaults.roundTrips(10_000, 20_000,
                new Defaults.Option("--diagnostic", "false", "true adds two peers: the same calls through bare FFM, no vigil"));
    }

    @Override
    public String title(BenchOptions options) {
        return "cross-process Event round trip";
    }

    @Override
    public List<Peer<Void>> peers(BenchOptions options) {
        List<Peer<Void>> peers = new ArrayList<>(List.of(
                CProgram.roundTrips("C eventfd + fork (reference)", "eventfd_fork_pingpong"),
                new ChildJvm(Mode.VIGIL)));
        if (options.flag("--diagnostic")) {
            peers.add(new ChildJvm(Mode.LIBC));
            peers.add(new ChildJvm(Mode.DIRECT));
        }
        return peers;
    }

    @Override
    public List<Table<Void>> tables(BenchOptions options) {
        return Table.perPlacement(options, p -> p.label() + ": "
                + p.description().replace("initiator", "parent").replace("responder", "child") + " (processes)");
    }

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

    /**
     * A child JVM meets this one at a {@link TubeListener}, receives the two Events, pins
     * itself and answers every ping; a platform thread here, pinned, times the round trips.
     * {@code ping.writeCount(2)} (never a normal signal's count) tells the child to stop.
     */
    private record ChildJvm(Mode mode) implements Peer<Void> {
        @Override
        public String name() {
            return mode.label;
        }

        @Override
        public double measure(Trial<Void> trial) throws Exception {
            Placement placement = trial.placement();
            Path directory = Files.createTempDirectory("vigil-bench");
            Process child = null;
            AtomicBoolean stopping = new AtomicBoolean(); // set before the child is told to stop, or killed
            try (TubeListener listener = TubeListener.bind(directory.resolve("peer.sock"))) {
                child = new ProcessBuilder(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path"),
                        ProcessChild.class.getName(), listener.path().toString(),
                        Integer.toString(placement.responderCpu()), mode.childArgument))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
                child.onExit().thenAccept(p -> {
                    if (!stopping.get()) {
                        trial.fail(new IOException("the child JVM (pid " + p.pid() + ") exited with status "
                                + p.exitValue() + " before the measurement ended"));
                    }
                });
                try (Tube tube = listener.accept(); Event ping = new Event(); Event pong = new Event()) {
                    tube.send("events".getBytes(StandardCharsets.UTF_8), ping, pong);
                    tube.receive().close(); // "ready": the child holds both Events
                    double[] perTrip = new double[1];
                    Thread initiator = trial.thread("initiator", () -> {
                        placement.pinInitiator();
                        perTrip[0] = trial.time(roundTrip(ping, pong));
                    });
                    initiator.start();
                    initiator.join();
                    stopping.set(true);
                    ping.writeCount(2);
                    if (!child.waitFor(30, TimeUnit.SECONDS) || child.exitValue() != 0) {
                        throw new IOException("the child JVM did not finish cleanly");
                    }
                    return perTrip[0];
                }
            } finally {
                stopping.set(true); // a failure here is reported as itself, not as the child's exit
                if (child != null && child.isAlive()) {
                    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                Files.deleteIfExists(directory.resolve("peer.sock"));
                Files.deleteIfExists(directory);
            }
        }

        /** The initiator's round trip in this mode. */
        private Step roundTrip(Event ping, Event pong) {
            return switch (mode) {
                case VIGIL -> () -> {
                    ping.signal();
                    pong.await();
                };
                case LIBC -> {
                    PlainEventFd.Buffers b = new PlainEventFd.Buffers(Arena.ofAuto());
                    PlainEventFd rawPing = new PlainEventFd(ping.rawDescriptor());
                    PlainEventFd rawPong = new PlainEventFd(pong.rawDescriptor());
                    yield () -> {
                        rawPing.signal(b);
                        rawPong.await(b);
                    };
                }
                case DIRECT -> {
                    PlainEventFd.Direct d = new PlainEventFd.Direct();
                    int pingFd = ping.rawDescriptor();
                    int pongFd = pong.rawDescriptor();
                    yield () -> {
                        d.signal(pingFd);
                        d.await(pongFd);
                    };
                }
            };
        }
    }
}
