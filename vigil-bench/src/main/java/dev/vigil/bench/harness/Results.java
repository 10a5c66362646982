package dev.vigil.bench.harness;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The figures of one table: {@code values[peer][round]}, peers in the order measured
 * against, the first being the reference.
 *
 * @param <S> the suite's setting type
 */
public record Results<S>(Table<S> table, List<String> peers, double[][] values) {

    /** The median over rounds of one peer's figures. */
    public double median(int peer) {
        return Stats.median(values[peer]);
    }

    /**
     * Prints the table: per peer, the median, minimum and maximum of its per-round figures,
     * the ratio of its median to the reference's, and the paired ratio (the median over
     * rounds of the ratio of its figure to the reference's in the same round).
     */
    public void print(PrintStream out, Suite.Unit unit, Suite.Ratio ratio) {
        int width = Math.max(4, peers.stream().mapToInt(String::length).max().orElse(0)) + 2;
        String row = "%-" + width + "s %14s %14s %14s %10s %10s%n";
        double[] reference = values[0];
        double referenceMedian = Stats.median(reference);
        out.println();
        out.printf(Locale.ROOT, "reference: %s; ratios are %s, paired = median over rounds of %s in the same round%n",
                peers.getFirst(), ratio.label(), ratio.label());
        out.printf(Locale.ROOT, row, "peer", "median " + unit.label(), "min " + unit.label(), "max " + unit.label(),
                ratio.label(), "paired");
        for (int i = 0; i < peers.size(); i++) {
            double[] v = values[i];
            double[] paired = new double[v.length];
            for (int r = 0; r < v.length; r++) {
                paired[r] = ratio.of(v[r], reference[r]);
            }
            out.printf(Locale.ROOT, row, peers.get(i), unit.format(Stats.median(v)),
                    unit.format(Arrays.stream(v).min().orElseThrow()), unit.format(Arrays.stream(v).max().orElseThrow()),
                    String.format(Locale.ROOT, "%.2fx", ratio.of(Stats.median(v), referenceMedian)),
                    String.format(Locale.ROOT, "%.2fx", Stats.median(paired)));
        }
    }
}
