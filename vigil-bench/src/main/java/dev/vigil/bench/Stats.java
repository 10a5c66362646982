package dev.vigil.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What every comparison harness shares: option parsing, medians, the median / paired-ratio
 * table, and running a C reference program that times itself.
 */
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

    /**
     * The command line of a C reference: {@code binary}, {@code args}, then the placement's
     * two CPUs when it pins (the C programs take them last).
     */
    static List<String> referenceCommand(String binary, Placement placement, String... args) {
        List<String> command = new ArrayList<>(List.of(binary));
        command.addAll(List.of(args));
        if (placement.initiatorCpu >= 0) {
            command.add(Integer.toString(placement.initiatorCpu));
            command.add(Integer.toString(placement.responderCpu));
        }
        return command;
    }

    /**
     * Runs a C reference program, which times itself, and returns the number it prints as
     * {@code field=N}; process start-up is therefore not counted.
     */
    static double runReference(List<String> command, String field) throws IOException, InterruptedException {
        Pattern result = Pattern.compile(Pattern.quote(field) + "=([0-9.]+)");
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
            }
        }
        int status = process.waitFor();
        for (String line : lines) {
            Matcher m = result.matcher(line);
            if (m.find() && status == 0) {
                return Double.parseDouble(m.group(1));
            }
        }
        throw new IOException(command.getFirst() + " exited with status " + status + " and printed " + lines);
    }

    static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
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
    static void printTable(List<String> names, double[][] results, int ref, String unit, String ratioLabel) {
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

    /**
     * The table of the latency harnesses: per peer, median, min and max ns of its per-round
     * results, and its ratio to the reference (the C program): of the medians, and paired
     * (the median over rounds of peer ÷ reference in the same round).
     */
    static <P> void printAgainstReference(Map<P, double[]> results, P reference, Function<P, String> name) {
        double[] ref = results.get(reference);
        double refMedian = median(ref);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-30s %12s %12s %12s %11s %13s%n", "peer", "median ns", "min ns", "max ns",
                "ratio to C", "paired ratio");
        for (Map.Entry<P, double[]> e : results.entrySet()) {
            double[] values = e.getValue();
            double[] paired = new double[values.length];
            for (int r = 0; r < values.length; r++) {
                paired[r] = values[r] / ref[r];
            }
            System.out.printf(Locale.ROOT, "%-30s %12.0f %12.0f %12.0f %10.2fx %12.2fx%n", name.apply(e.getKey()),
                    median(values), Arrays.stream(values).min().orElseThrow(), Arrays.stream(values).max().orElseThrow(),
                    median(values) / refMedian, median(paired));
        }
    }

    /** One side of a ping-pong. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /**
     * Runs {@code step} {@code warmup} times, then {@code trips} times under the clock.
     *
     * @return mean nanoseconds per timed run
     */
    static double timeLoop(long warmup, long trips, Step step) throws Exception {
        for (long i = 0; i < warmup; i++) {
            step.run();
        }
        long start = System.nanoTime();
        for (long i = 0; i < trips; i++) {
            step.run();
        }
        return (double) (System.nanoTime() - start) / trips;
    }

    /**
     * Times a thread ping-pong on two fresh platform threads pinned as {@code placement}
     * says: the responder answers {@code warmup + trips} times, the initiator makes
     * {@code warmup} untimed round trips, then times {@code trips}. If one side fails it
     * reports at once and interrupts the other, so a failure ends the measurement instead of
     * hanging it. {@code bind} learns both threads before they start.
     *
     * @return the mean nanoseconds of one round trip
     */
    static double timePair(String name, Placement placement, int warmup, int trips, Step roundTrip, Step answer,
                           BiConsumer<Thread, Thread> bind) throws InterruptedException {
        Thread[] pair = new Thread[2];
        Throwable[] failure = new Throwable[2];
        double[] perTrip = new double[1];
        pair[0] = Thread.ofPlatform().name("initiator").daemon().unstarted(() -> {
            try {
                placement.pinInitiator();
                perTrip[0] = timeLoop(warmup, trips, roundTrip);
            } catch (Throwable t) {
                report(name, t);
                failure[0] = t;
                pair[1].interrupt();
            }
        });
        pair[1] = Thread.ofPlatform().name("responder").daemon().unstarted(() -> {
            try {
                placement.pinResponder();
                for (int i = 0; i < warmup + trips; i++) {
                    answer.run();
                }
            } catch (Throwable t) {
                report(name, t);
                failure[1] = t;
                pair[0].interrupt();
            }
        });
        bind.accept(pair[0], pair[1]);
        pair[1].start();
        pair[0].start();
        pair[0].join();
        pair[1].join();
        for (Throwable t : failure) {
            if (t != null && !(t instanceof InterruptedException)) {
                throw new IllegalStateException(name + " failed", t);
            }
        }
        if (failure[0] != null || failure[1] != null) {
            throw new IllegalStateException(name + " was interrupted", failure[0] != null ? failure[0] : failure[1]);
        }
        return perTrip[0];
    }

    /** At once, because a peer blocked where an interrupt cannot reach it never returns. */
    private static void report(String name, Throwable t) {
        if (!(t instanceof InterruptedException)) {
            System.err.println(name + ": " + Thread.currentThread().getName() + " failed: " + t);
        }
    }

    /** One measurement of one peer: the mean ns of a round trip over {@code trips} timed ones. */
    @FunctionalInterface
    interface Measure<P> {
        double run(P peer, int trips) throws Exception;
    }

    /**
     * The method of every latency harness: each peer once unrecorded (class loading, JIT),
     * then {@code rounds} rounds measuring every peer once in an order rotated by one place
     * per round, a line per round, and the table against the first peer (the reference).
     */
    static <P> void interleave(List<P> peers, int rounds, int trips, Function<P, String> name, Measure<P> measure)
            throws Exception {
        for (P peer : peers) {
            measure.run(peer, Math.max(1, trips / 4)); // unrecorded: class loading and JIT
        }
        Map<P, double[]> results = new LinkedHashMap<>();
        for (P peer : peers) {
            results.put(peer, new double[rounds]);
        }
        for (int round = 0; round < rounds; round++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d/%d:", round + 1, rounds));
            for (int k = 0; k < peers.size(); k++) {
                P peer = peers.get((round + k) % peers.size());
                double nanos = measure.run(peer, trips);
                results.get(peer)[round] = nanos;
                line.append(String.format(Locale.ROOT, "  %s %.0f", name.apply(peer), nanos));
            }
            System.out.println(line);
        }
        printAgainstReference(results, peers.getFirst(), name);
    }
}
