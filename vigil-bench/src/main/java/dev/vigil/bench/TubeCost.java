package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.Stats;
import dev.vigil.bench.harness.Step;
import dev.vigil.ipc.Tube;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Locale;

/**
 * Diagnostic: the software cost of one Tube message on one thread, with no second thread and
 * so no wake-up: each step sends a 64-byte message on one end of a {@link Tube#pair()} and
 * receives it at the other, which never blocks because the message is already there. It
 * splits what {@link TubeSuite}'s same-CPU figures add to C into a sender's and a
 * receiver's part. Each lap times {@code --messages} steps of each of five kinds, interleaved:
 * <ul>
 *   <li>bare FFM: libc {@code sendmsg} + {@code recvmsg} on the Tube's numbers, no vigil;</li>
 *   <li>vigil: {@code send} + {@code receive(64, 1)} + {@code Message.close()};</li>
 *   <li>vigil send + bare recvmsg;</li>
 *   <li>bare sendmsg + vigil {@code receive(64, 1)};</li>
 *   <li>vigil {@code send} + {@code receive()} (peek, then take).</li>
 * </ul>
 * With {@code --fds 1} every message carries one eventfd (vigil: an {@link Event}; bare: its
 * number), and the receiver closes the copy it gets.
 *
 * <p>Usage: {@code java -cp vigil-bench.jar dev.vigil.bench.TubeCost [--fds 0] [--messages 20000] [--laps 15] [--kinds K,...]}.
 * {@code --kinds 1,3} runs only those kinds (numbered from 0 as listed above; for a profiler).
 * Best pinned to one CPU ({@code taskset -c 1}). Prints nanoseconds per message for each kind,
 * one line per lap, then the medians.
 */
public final class TubeCost {
    private TubeCost() {}

    private static final String[] KINDS = {"bare FFM", "vigil", "vigil send + bare recv", "bare send + vigil recv",
            "vigil send + receive()"};

    public static void main(String[] args) throws Exception {
        var options = BenchOptions.named(java.util.List.of(args));
        boolean withDescriptor = Integer.parseInt(options.getOrDefault("--fds", "0")) != 0;
        int messages = Integer.parseInt(options.getOrDefault("--messages", "20000"));
        int laps = Integer.parseInt(options.getOrDefault("--laps", "15"));
        java.util.List<Integer> only = options.containsKey("--kinds")
                ? Arrays.stream(options.get("--kinds").split(",")).map(String::trim).map(Integer::valueOf).toList()
                : java.util.List.of();
        byte[] message = new byte[FfmSeqpacket.MESSAGE];
        Arrays.fill(message, (byte) 'x');
        try (Tube.Pair pair = Tube.pair(); Event attached = new Event(); Arena arena = Arena.ofConfined()) {
            Tube from = pair.first();
            Tube to = pair.second();
            RawDescriptor[] descriptors = withDescriptor ? new RawDescriptor[] {attached} : new RawDescriptor[0];
            FfmSeqpacket.Side bare = new FfmSeqpacket.Side(arena, withDescriptor ? attached.rawDescriptor() : -1);
            int fromFd = from.rawDescriptor();
            int toFd = to.rawDescriptor();
            Step[] steps = {
                () -> {
                    bare.send(fromFd);
                    bare.receive(toFd);
                },
                () -> {
                    from.send(message, descriptors);
                    to.receive(FfmSeqpacket.MESSAGE, 1).close();
                },
                () -> {
                    from.send(message, descriptors);
                    bare.receive(toFd);
                },
                () -> {
                    bare.send(fromFd);
                    to.receive(FfmSeqpacket.MESSAGE, 1).close();
                },
                () -> {
                    from.send(message, descriptors);
                    to.receive().close();
                },
            };
            System.out.printf(Locale.ROOT, "one Tube message on one thread (%s), ns per message, %,d per figure%n",
                    withDescriptor ? "64 B + 1 descriptor" : "64 B", messages);
            double[][] results = new double[steps.length][laps];
            for (int lap = -1; lap < laps; lap++) { // lap -1 warms up and is not recorded
                StringBuilder line = new StringBuilder();
                for (int k = 0; k < steps.length; k++) {
                    int kind = Math.floorMod(k + lap, steps.length); // rotate the order each lap
                    if (!only.isEmpty() && !only.contains(kind)) {
                        continue;
                    }
                    long start = System.nanoTime();
                    for (int i = 0; i < messages; i++) {
                        steps[kind].run();
                    }
                    double ns = (System.nanoTime() - start) / (double) messages;
                    if (lap >= 0) {
                        results[kind][lap] = ns;
                    }
                }
                if (lap >= 0) {
                    for (int kind = 0; kind < steps.length; kind++) {
                        line.append(String.format(Locale.ROOT, "%s %.0f | ", KINDS[kind], results[kind][lap]));
                    }
                    System.out.println(line);
                }
            }
            System.out.println("medians:");
            double base = Stats.median(results[0]);
            for (int kind = 0; kind < steps.length; kind++) {
                double m = Stats.median(results[kind]);
                System.out.printf(Locale.ROOT, "  %-26s %6.0f ns  (+%.0f over bare)%n", KINDS[kind], m, m - base);
            }
        }
    }
}
