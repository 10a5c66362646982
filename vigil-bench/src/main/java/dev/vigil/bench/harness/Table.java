package dev.vigil.bench.harness;

import java.util.List;
import java.util.function.Function;

/**
 * What one table of a run is measured under: every peer is measured {@code --rounds} times
 * with the same placement, setting and counts, and the table compares them.
 *
 * @param heading   the line above the table, after {@code ==}
 * @param placement where the two sides run ({@link Placement#FREE} in a suite that does not pin)
 * @param setting   the suite's own parameter of this table, given to every measurement (a
 *                  number of descriptors, say), or {@code null} for a suite that has none
 *                  ({@code Suite<Void>})
 * @param warmup    untimed operations at the start of each measurement
 * @param trips     timed operations in each measurement
 * @param <S>       the setting's type
 */
public record Table<S>(String heading, Placement placement, S setting, long warmup, long trips) {

    /**
     * The tables of a suite that takes {@code --placements}, {@code --trips} and
     * {@code --warmup} and has no setting: one per {@code --placements} entry,
     * headed "{@code cross: initiator on CPU 0, responder on CPU 1}", with {@code --warmup}
     * and {@code --trips} multiplied by the placement's {@link Placement#tripsFactor()}.
     */
    public static List<Table<Void>> perPlacement(BenchOptions options) {
        return perPlacement(options, p -> p.label() + ": " + p.description());
    }

    /** As {@link #perPlacement(BenchOptions)}, with the suite's own heading for each placement. */
    public static List<Table<Void>> perPlacement(BenchOptions options, Function<Placement, String> heading) {
        return options.placements().stream()
                .map(p -> new Table<Void>(heading.apply(p), p, null, options.warmup() * p.tripsFactor(),
                        options.trips() * p.tripsFactor()))
                .toList();
    }
}
