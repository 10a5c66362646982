package dev.vigil.bench.harness;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs a {@link Suite}: the method every comparison shares.
 *
 * <p>For each of the suite's {@link Table}s:
 * <ol>
 *   <li>every peer is measured, unrecorded, as {@link Suite#unrecordedTrips} says (once, a
 *       quarter of the trips, by default), to load and compile its code;</li>
 *   <li>then {@code --rounds} rounds: in each, every peer is measured once, in an order
 *       rotated by one place per round, so that every peer takes its turn at every position
 *       and a slow phase of the machine, which lasts seconds, hits all peers alike instead of
 *       one peer's whole series; one line per round;</li>
 *   <li>the table: per peer, median, minimum and maximum of its per-round figures, the ratio
 *       of its median to the reference's (the first peer), and the paired ratio, the median
 *       over rounds of the ratio of the two figures of the same round.</li>
 * </ol>
 * Each measurement runs on a thread of its own and may take {@code --timeout} at most. One
 * that fails, or gives nothing in time, stops the run with {@link MeasurementFailed}.
 * Nothing here asserts a timing: the numbers are reported, and judged by a reader.
 */
public final class Harness {
    private Harness() {}

    /**
     * Runs every table of {@code suite}, printing to {@code out}.
     *
     * @throws MeasurementFailed if a measurement fails or times out; the run is over
     * @throws UsageException    if {@code --peers} matches no peer
     */
    public static <S> void run(Suite<S> suite, BenchOptions options, PrintStream out) throws Exception {
        List<Peer<S>> peers = chosen(suite.peers(options), options.peers());
        out.printf(Locale.ROOT, "%s; java %s, %d CPUs, %s %s%n", suite.title(options), Runtime.version(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.version"));
        List<Results<S>> all = new ArrayList<>();
        for (Table<S> table : suite.tables(options)) {
            Results<S> results = measureTable(suite, peers, table, options, out);
            results.print(out, suite.unit(), suite.ratio());
            suite.afterTable(results, out);
            all.add(results);
        }
        suite.afterRun(all, out);
    }

    private static <S> Results<S> measureTable(Suite<S> suite, List<Peer<S>> peers, Table<S> table,
                                               BenchOptions options, PrintStream out) throws Exception {
        int rounds = options.rounds();
        out.printf(Locale.ROOT, "%n== %s%n", table.heading());
        out.printf(Locale.ROOT, "%d round%s x %d peer%s; each measurement %s%,d timed %s%n", rounds, rounds == 1 ? "" : "s",
                peers.size(), peers.size() == 1 ? "" : "s",
                table.warmup() > 0 ? String.format(Locale.ROOT, "%,d warm-up + ", table.warmup()) : "",
                table.trips(), suite.operations());
        for (Peer<S> peer : peers) {
            for (long trips : suite.unrecordedTrips(table)) {
                measure(peer, table, trips, options.timeout());
            }
        }
        suite.afterWarmUp(table, out);
        double[][] values = new double[peers.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d/%d:", round + 1, rounds));
            for (int k = 0; k < peers.size(); k++) {
                int i = (round + k) % peers.size();
                values[i][round] = measure(peers.get(i), table, table.trips(), options.timeout());
                line.append(String.format(Locale.ROOT, "  [%s] %s", peers.get(i).name(), suite.unit().format(values[i][round])));
            }
            out.println(line);
        }
        return new Results<>(table, peers.stream().map(Peer::name).toList(), values);
    }

    /**
     * One measurement of {@code peer} with {@code trips} timed operations, on a new thread,
     * waited for at most {@code timeout}.
     *
     * @return the peer's figure
     * @throws MeasurementFailed if it failed (the first failure of any of its threads), or
     *                           gave no figure within {@code timeout}; its threads may still
     *                           be blocked, and the run cannot go on
     */
    public static <S> double measure(Peer<S> peer, Table<S> table, long trips, Duration timeout)
            throws MeasurementFailed, InterruptedException {
        Trial<S> trial = new Trial<>(peer.name(), table, trips);
        Thread.ofPlatform().name("measurement").daemon().start(() -> trial.run(peer));
        return trial.await(timeout);
    }

    /** The peers {@code --peers} keeps, in their order. */
    static <S> List<Peer<S>> chosen(List<Peer<S>> all, List<String> wanted) {
        if (wanted.isEmpty()) {
            return all;
        }
        List<Peer<S>> kept = all.stream()
                .filter(p -> wanted.stream().anyMatch(w -> p.name().toLowerCase(Locale.ROOT).contains(w)))
                .toList();
        if (kept.isEmpty()) {
            throw new UsageException("--peers " + String.join(",", wanted) + " matches none of "
                    + all.stream().map(Peer::name).toList());
        }
        return kept;
    }
}
