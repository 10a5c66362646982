package dev.vigil.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Option parsing and the median / paired-ratio table shared by the reactor harnesses. */
final class Stats {
    private Stats() {}

    static Map<String, String> parseOptions(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("options come in pairs: --name value; got " + Arrays.toString(args));
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    static List<Placement> placements(String list) {
        List<Placement> placements = new ArrayList<>();
        for (String name : list.split(",")) {
            placements.add(Placement.valueOf(name.trim().toUpperCase(Locale.ROOT)));
        }
        if (Runtime.getRuntime().availableProcessors() < 2) {
            placements.remove(Placement.CROSS);
        }
        return placements;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * One row per peer: median, min, max of its per-round results, and the ratio of the
     * reference peer ({@code ref}, vigil) to it: of the medians, and paired (the median over
     * rounds of the two results of the same round).
     */
    static void printTable(List<String> names, double[][] results, int ref, String unit, String ratioLabel,
                           boolean unused) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-32s %14s %14s %14s %14s %22s%n", "peer", "median " + unit, "min " + unit,
                "max " + unit, "vigil/peer med", ratioLabel);
        double refMedian = median(results[ref]);
        for (int i = 0; i < names.size(); i++) {
            double[] v = results[i];
            double[] paired = new double[v.length];
            for (int r = 0; r < v.length; r++) {
                paired[r] = results[ref][r] / v[r];
            }
            System.out.printf(Locale.ROOT, "%-32s %14.0f %14.0f %14.0f %13.2fx %21.2fx%n", names.get(i), median(v),
                    Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow(),
                    refMedian / median(v), median(paired));
        }
    }
}
