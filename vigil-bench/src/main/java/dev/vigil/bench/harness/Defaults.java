package dev.vigil.bench.harness;

import java.util.List;

/**
 * A suite's options: the defaults of the common ones it takes, and its own.
 *
 * <p>Every suite takes {@code --rounds}, {@code --peers} and {@code --timeout}. It takes
 * {@code --trips} and {@code --warmup} unless their default is {@link #NOT_TAKEN}, and
 * {@code --placements} unless its default is {@code null}. Its own options ({@code --fds},
 * {@code --k}, ...) are listed with their defaults and read back with
 * {@link BenchOptions#integer}, {@link BenchOptions#flag} and the like.
 *
 * @param rounds     rounds per table
 * @param trips      timed operations per measurement, or {@link #NOT_TAKEN}
 * @param warmup     untimed operations per measurement, or {@link #NOT_TAKEN}
 * @param placements a comma-separated list of {@link Placement}s, or {@code null} if the
 *                   suite does not pin
 * @param options    the suite's own options
 */
public record Defaults(int rounds, long trips, long warmup, String placements, List<Option> options) {
    /** The suite does not take this option. */
    public static final long NOT_TAKEN = -1;

    /** Seconds a measurement may take, unless {@code --timeout} says otherwise. */
    public static final String TIMEOUT_SECONDS = "60";

    public Defaults {
        options = List.copyOf(options);
    }

    /** The common defaults of a round-trip suite that pins: 7 rounds, cross and same. */
    public static Defaults roundTrips(long trips, long warmup, Option... own) {
        return new Defaults(7, trips, warmup, "cross,same", List.of(own));
    }

    /**
     * One option of a suite's own.
     *
     * @param name  with its dashes: {@code --fds}
     * @param value the default, as it would be written on the command line
     * @param help  one line for the usage text
     */
    public record Option(String name, String value, String help) {
        public Option {
            if (!name.startsWith("--")) {
                throw new IllegalArgumentException("an option's name starts with --: " + name);
            }
        }
    }
}
