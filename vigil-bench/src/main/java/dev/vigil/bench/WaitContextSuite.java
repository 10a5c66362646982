package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.TriggeredEvent;
import dev.vigil.WaitContext;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.CProgram;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Results;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;
import dev.vigil.bench.harness.Trial;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./vigil bench waitcontext}: a wait that finds one ready descriptor among {@code N}
 * registered idle ones, for N = 1, 1,000 and 10,000 ({@code --sizes}), through:
 * <ul>
 *   <li>a C program: the same epoll set used with plain {@code epoll_wait}
 *       ({@code epoll_ready.c}), the reference;</li>
 *   <li>vigil {@link WaitContext#awaitEach} (the allocation-free path);</li>
 *   <li>vigil {@link WaitContext#await(Duration)} (returns a {@code List});</li>
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
 * The harness's, with one table per N and nothing pinned. One measurement builds the set
 * afresh, makes {@code --warmup} untimed waits (default 20,000), then times
 * {@code --iterations} waits (default 200,000); its figure is the mean time of one wait.
 * After the tables, one more gives each peer's median at each N divided by its median at
 * the first N.
 */
public final class WaitContextSuite implements Suite<Integer> {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Override
    public String name() {
        return "waitcontext";
    }

    @Override
    public String summary() {
        return "one ready descriptor among N: vigil WaitContext vs C epoll_wait vs JDK Selector";
    }

    @Override
    public Defaults defaults() {
        return new Defaults(7, Defaults.NOT_TAKEN, 20_000, null, List.of(
                new Defaults.Option("--sizes", "1,1000,10000", "numbers of registered descriptors, one table each"),
                new Defaults.Option("--iterations", "200000", "timed waits per measurement")));
    }

    @Override
    public String title(BenchOptions options) {
        return "WaitContext: one ready descriptor among N";
    }

    @Override
    public String operations() {
        return "waits";
    }

    @Override
    public List<Peer<Integer>> peers(BenchOptions options) {
        return List.of(
                new CProgram<>("C epoll_wait (reference)", CProgram.compiled("epoll_ready"), "ns_per_wait",
                        t -> List.of(Integer.toString(t.setting()), Long.toString(t.trips()), Long.toString(t.warmup()))),
                new VigilEach(), new VigilList(), new JdkSelector());
    }

    @Override
    public List<Table<Integer>> tables(BenchOptions options) {
        long iterations = options.integer("--iterations");
        return Arrays.stream(options.integers("--sizes"))
                .mapToObj(n -> new Table<>(String.format(Locale.ROOT, "N = %,d registered, 1 ready", n), Placement.FREE, n,
                        options.warmup(), iterations))
                .toList();
    }

    /** The growth table: each peer's median at each N divided by its median at the first. */
    @Override
    public void afterRun(List<Results<Integer>> tables, PrintStream out) {
        out.printf(Locale.ROOT, "%n== growth with N: each peer's median at N divided by its median at N = %,d%n",
                tables.getFirst().table().setting());
        List<String> peers = tables.getFirst().peers();
        int width = peers.stream().mapToInt(String::length).max().orElse(4) + 2;
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", "peer"));
        for (Results<Integer> t : tables) {
            head.append(String.format(Locale.ROOT, " %10s", "N=" + t.table().setting()));
        }
        out.println(head);
        for (int i = 0; i < peers.size(); i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", peers.get(i)));
            for (Results<Integer> t : tables) {
                row.append(String.format(Locale.ROOT, " %9.2fx", t.median(i) / tables.getFirst().median(i)));
            }
            out.println(row);
        }
    }

    /** vigil, allocation-free: the visitor counts the events of each wait. */
    private static final class VigilEach implements Peer<Integer> {
        private long seen;
        private final WaitContext.Visitor<Integer> visitor = (token, r, w, h) -> seen++;

        @Override
        public String name() {
            return "vigil awaitEach";
        }

        @Override
        public double measure(Trial<Integer> trial) throws Exception {
            return withReadyOne(trial, (ctx, waits) -> {
                seen = 0;
                double mean = trial.time(() -> ctx.awaitEach(TIMEOUT, visitor));
                check(seen == waits, "awaitEach reported " + seen + " events in " + waits + " waits");
                return mean;
            });
        }
    }

    /** vigil, convenient: a List of TriggeredEvent per wait. */
    private static final class VigilList implements Peer<Integer> {
        @Override
        public String name() {
            return "vigil await (List)";
        }

        @Override
        public double measure(Trial<Integer> trial) throws Exception {
            return withReadyOne(trial, (ctx, waits) -> {
                long[] seen = new long[1];
                double mean = trial.time(() -> {
                    List<TriggeredEvent<Integer>> got = ctx.await(TIMEOUT);
                    seen[0] += got.size();
                });
                check(seen[0] == waits, "await reported " + seen[0] + " events");
                return mean;
            });
        }
    }

    /** A vigil measurement's body: times its waits on {@code ctx}, which makes {@code waits} of them in all. */
    @FunctionalInterface
    private interface ContextBody {
        double measure(WaitContext<Integer> ctx, long waits) throws Exception;
    }

    /** Runs {@code body} on a WaitContext of {@code trial.setting()} Events, one of them signalled; closes them all. */
    private static double withReadyOne(Trial<Integer> trial, ContextBody body) throws Exception {
        int n = trial.setting();
        List<Event> events = new ArrayList<>(n);
        try (WaitContext<Integer> ctx = new WaitContext<>()) {
            fill(ctx, events, n);
            return body.measure(ctx, trial.warmup() + trial.trips());
        } finally {
            events.forEach(Event::close);
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
    private static final class JdkSelector implements Peer<Integer> {
        @Override
        public String name() {
            return "JDK Selector.select";
        }

        @Override
        public double measure(Trial<Integer> trial) throws Exception {
            int n = trial.setting();
            long waits = trial.warmup() + trial.trips();
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
                double mean = trial.time(() -> {
                    seen[0] += selector.select(TIMEOUT.toMillis());
                    selector.selectedKeys().clear();
                });
                check(seen[0] == waits, "select reported " + seen[0] + " keys");
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

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }
}
