package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.TriggeredEvent;
import dev.vigil.WaitContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures, side by side in one run, a wait that finds one ready descriptor among {@code N}
 * registered idle ones, for N = 1, 1,000 and 10,000, through:
 * <ul>
 *   <li>vigil {@link WaitContext#awaitEach} (the allocation-free path);</li>
 *   <li>vigil {@link WaitContext#await(Duration)} (returns a {@code List});</li>
 *   <li>a C program: the same epoll set used with plain {@code epoll_wait}
 *       ({@code vigil-bench/src/main/c/epoll_ready.c}), the reference;</li>
 *   <li>the JDK's {@link Selector#select(long)}.</li>
 * </ul>
 * The ready member is an eventfd signalled once and never consumed (a pipe holding one byte
 * for the Selector), so every level-triggered wait returns it at once: this measures the
 * cost of one wait call and whether it grows with the number of idle members.
 *
 * <h2>Why the Selector's idle members are datagram channels</h2>
 * Idle members must not be ready. For vigil and C they are eventfds (one descriptor each).
 * A JDK Selector only takes {@code SelectableChannel}s; a pipe costs two descriptors, and
 * 10,000 pipes would need 20,000 descriptors, which is this machine's hard limit. So the
 * Selector's idle members are unbound {@link DatagramChannel}s (one descriptor each, never
 * readable). epoll's cost per idle member does not depend on what kind of file it is.
 *
 * <h2>Method</h2>
 * For each N: every peer runs once unrecorded (class loading, JIT); then {@code --rounds}
 * rounds, each measuring every peer once in an order rotated by one per round. One
 * measurement builds the set afresh, makes {@code --warmup} untimed waits, then times
 * {@code --iterations} waits with {@link System#nanoTime()}; its result is the mean time
 * of one wait. The C program times itself. The tables show each peer's median of the
 * per-round means, its ratio to C, the paired ratio (median over rounds of its mean ÷ C's
 * mean in the same round, steadier when the machine drifts), and (last table) its median
 * at each N divided by its median at N = 1. Nothing asserts a timing.
 *
 * <p>Usage: {@code WaitCompare --c-binary PATH [--sizes 1,1000,10000] [--rounds N]
 * [--iterations N] [--warmup N]}; {@code vigil-bench/compare.sh waitcontext} runs it.
 */
public final class WaitCompare {
    private WaitCompare() {}

    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private interface Peer {
        String name();

        /** Mean nanoseconds of one wait that returns the one ready member among {@code n}. */
        double measure(int n, long iterations, long warmup) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Stats.parseOptions(args);
        String cBinary = opts.get("--c-binary");
        if (cBinary == null) {
            throw new IllegalArgumentException("--c-binary PATH is required");
        }
        int[] sizes = Arrays.stream(opts.getOrDefault("--sizes", "1,1000,10000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int rounds = Integer.parseInt(opts.getOrDefault("--rounds", "7"));
        long iterations = Long.parseLong(opts.getOrDefault("--iterations", "200000"));
        long warmup = Long.parseLong(opts.getOrDefault("--warmup", "20000"));

        List<Peer> peers = List.of(new CReference(cBinary), new VigilEach(), new VigilList(), new JdkSelector());
        Map<String, double[]> medians = new LinkedHashMap<>();
        peers.forEach(p -> medians.put(p.name(), new double[sizes.length]));

        for (int s = 0; s < sizes.length; s++) {
            int n = sizes[s];
            System.out.printf(Locale.ROOT, "%n== N = %,d registered, 1 ready; %d rounds, %,d waits per measurement%n",
                    n, rounds, iterations);
            for (Peer p : peers) {
                p.measure(n, iterations / 4, warmup); // unrecorded: load and compile
            }
            Map<String, List<Double>> results = new LinkedHashMap<>();
            peers.forEach(p -> results.put(p.name(), new ArrayList<>()));
            for (int r = 0; r < rounds; r++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d/%d: ", r + 1, rounds));
                for (int k = 0; k < peers.size(); k++) {
                    Peer p = peers.get((k + r) % peers.size());
                    double ns = p.measure(n, iterations, warmup);
                    results.get(p.name()).add(ns);
                    line.append(String.format(Locale.ROOT, " %s %.0f", p.name(), ns));
                }
                System.out.println(line);
            }
            List<Double> cs = results.get(peers.get(0).name());
            double c = Stats.median(cs);
            System.out.printf(Locale.ROOT, "%n%-28s %12s %10s %10s %11s %13s%n", "peer", "median ns", "min ns", "max ns",
                    "ratio to C", "paired ratio");
            for (Peer p : peers) {
                List<Double> xs = results.get(p.name());
                double m = Stats.median(xs);
                medians.get(p.name())[s] = m;
                List<Double> paired = new ArrayList<>();
                for (int r = 0; r < xs.size(); r++) {
                    paired.add(xs.get(r) / cs.get(r));
                }
                System.out.printf(Locale.ROOT, "%-28s %12.0f %10.0f %10.0f %10.2fx %12.2fx%n", p.name(), m,
                        xs.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                        xs.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), m / c, Stats.median(paired));
            }
        }

        System.out.printf(Locale.ROOT, "%n== growth with N: each peer's median at N divided by its median at N = %,d%n", sizes[0]);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-28s", "peer"));
        for (int n : sizes) {
            head.append(String.format(Locale.ROOT, " %10s", "N=" + n));
        }
        System.out.println(head);
        for (Peer p : peers) {
            double[] m = medians.get(p.name());
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-28s", p.name()));
            for (double x : m) {
                row.append(String.format(Locale.ROOT, " %9.2fx", x / m[0]));
            }
            System.out.println(row);
        }
    }

    /** vigil, allocation-free: the visitor counts the events of each wait. */
    private static final class VigilEach implements Peer {
        private long seen;
        private final WaitContext.Visitor<Integer> visitor = (token, r, w, h) -> seen++;

        @Override
        public String name() {
            return "vigil awaitEach";
        }

        @Override
        public double measure(int n, long iterations, long warmup) throws Exception {
            List<Event> events = new ArrayList<>(n);
            try (WaitContext<Integer> ctx = new WaitContext<>()) {
                fill(ctx, events, n);
                seen = 0;
                double mean = Stats.timeLoop(warmup, iterations, () -> ctx.awaitEach(TIMEOUT, visitor));
                check(seen == warmup + iterations, "awaitEach reported " + seen + " events in " + (warmup + iterations) + " waits");
                return mean;
            } finally {
                events.forEach(Event::close);
            }
        }
    }

    /** vigil, convenient: a List of TriggeredEvent per wait. */
    private static final class VigilList implements Peer {
        @Override
        public String name() {
            return "vigil await (List)";
        }

        @Override
        public double measure(int n, long iterations, long warmup) throws Exception {
            List<Event> events = new ArrayList<>(n);
            try (WaitContext<Integer> ctx = new WaitContext<>()) {
                fill(ctx, events, n);
                long[] seen = new long[1];
                double mean = Stats.timeLoop(warmup, iterations, () -> {
                    List<TriggeredEvent<Integer>> got = ctx.await(TIMEOUT);
                    seen[0] += got.size();
                });
                check(seen[0] == warmup + iterations, "await reported " + seen[0] + " events");
                return mean;
            } finally {
                events.forEach(Event::close);
            }
        }
    }

    private static void fill(WaitContext<Integer> ctx, List<Event> events, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Event e = new Event();
            events.add(e);
            ctx.add(e, i);
        }
        events.get(n / 2).signal();
    }

    /** The JDK: N-1 idle datagram channels and one pipe holding a byte, in one Selector. */
    private static final class JdkSelector implements Peer {
        @Override
        public String name() {
            return "JDK Selector.select";
        }

        @Override
        public double measure(int n, long iterations, long warmup) throws Exception {
            List<DatagramChannel> idle = new ArrayList<>(n);
            Pipe pipe = Pipe.open();
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < n - 1; i++) {
                    DatagramChannel ch = DatagramChannel.open();
                    idle.add(ch);
                    ch.configureBlocking(false);
                    ch.register(selector, SelectionKey.OP_READ);
                }
                pipe.source().configureBlocking(false);
                pipe.source().register(selector, SelectionKey.OP_READ);
                pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
                long[] seen = new long[1];
                double mean = Stats.timeLoop(warmup, iterations, () -> {
                    seen[0] += selector.select(TIMEOUT.toMillis());
                    selector.selectedKeys().clear();
                });
                check(seen[0] == warmup + iterations, "select reported " + seen[0] + " keys");
                return mean;
            } finally {
                for (DatagramChannel ch : idle) {
                    ch.close();
                }
                pipe.source().close();
                pipe.sink().close();
            }
        }
    }

    /** The C reference, run as a subprocess that times itself. */
    private record CReference(String binary) implements Peer {
        @Override
        public String name() {
            return "C epoll_wait (reference)";
        }

        @Override
        public double measure(int n, long iterations, long warmup) throws Exception {
            return Stats.runReference(List.of(binary, String.valueOf(n), String.valueOf(iterations), String.valueOf(warmup)),
                    "ns_per_wait");
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }


}
