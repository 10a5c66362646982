package dev.vigil.bench.harness;

import java.io.PrintStream;
import java.util.List;

/**
 * A comparison: its peers, its options and their defaults, and its tables. The
 * {@link Harness} does the rest: it measures every peer once per round in a rotated order,
 * and prints each table with medians and ratios to the first peer, the reference.
 *
 * <p>Only the first six methods must be written; the others change what most suites need
 * not change. See the package description for a whole suite in a few lines.
 *
 * @param <S> the type of the suite's own per-table parameter ({@link Table#setting()}), or
 *            {@code Void} for a suite that has none
 */
public interface Suite<S> {
    /** The name on the command line: {@code ./vigil bench NAME}. */
    String name();

    /** One line for the usage text: what is compared. */
    String summary();

    /** Which common options the suite takes, their defaults, and its own options. */
    Defaults defaults();

    /** The first line of the output; the harness appends the JDK, the CPU count and the kernel. */
    String title(BenchOptions options);

    /**
     * The peers, reference first; {@code --peers} then keeps those whose names match (and
     * the first kept is the reference). Check here what a peer needs (a compiled C program,
     * say), so that a missing piece stops the run before it measures anything.
     */
    List<Peer<S>> peers(BenchOptions options) throws Exception;

    /** The tables, in order; each measures every peer under one placement and setting. */
    List<Table<S>> tables(BenchOptions options);

    /** What {@link Trial#trips()} counts, for the headings: "round trips" unless overridden. */
    default String operations() {
        return "round trips";
    }

    /** What a measurement returns. */
    default Unit unit() {
        return Unit.NANOSECONDS;
    }

    /** Which way the ratios go. */
    default Ratio ratio() {
        return Ratio.PEER_TO_REFERENCE;
    }

    /**
     * The trips of the unrecorded measurements made of each peer before a table's rounds
     * (class loading, JIT compilation, threads that appear on first use): by default one,
     * of a quarter of the table's trips.
     */
    default long[] unrecordedTrips(Table<S> table) {
        return new long[] {Math.max(1, table.trips() / 4)};
    }

    /** Called after a table's unrecorded measurements, before its rounds. */
    default void afterWarmUp(Table<S> table, PrintStream out) {}

    /** Called after a table is printed. */
    default void afterTable(Results<S> results, PrintStream out) {}

    /** Called after the last table. */
    default void afterRun(List<Results<S>> tables, PrintStream out) {}

    /** What a measurement returns. */
    enum Unit {
        /** Mean nanoseconds per operation: lower is better. */
        NANOSECONDS("ns", "%.0f"),
        /** Operations (events) per second: higher is better. */
        PER_SECOND("ev/s", "%,.0f");

        private final String label;
        private final String format;

        Unit(String label, String format) {
            this.label = label;
            this.format = format;
        }

        public String label() {
            return label;
        }

        /** One figure, as the round lines and tables print it. */
        public String format(double value) {
            return String.format(java.util.Locale.ROOT, format, value);
        }
    }

    /**
     * Which way a table's ratios go. The paired ratio is the median over rounds of the ratio
     * of the two figures of the same round: the machine drifts between fast and slow phases
     * lasting seconds, and peers measured in the same round share a phase, so it is the
     * steadier figure.
     */
    enum Ratio {
        /** Peer / reference: against a C reference, 1.20x is 20% slower than C (in ns). */
        PEER_TO_REFERENCE("peer/ref"),
        /** Reference / peer: with vigil as the reference, "vigil / peer". */
        REFERENCE_TO_PEER("ref/peer");

        private final String label;

        Ratio(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public double of(double peer, double reference) {
            return this == PEER_TO_REFERENCE ? peer / reference : reference / peer;
        }
    }
}
