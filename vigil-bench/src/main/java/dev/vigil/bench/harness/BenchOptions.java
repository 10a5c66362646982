package dev.vigil.bench.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of one run: those every suite shares, parsed and checked, and the suite's own
 * as given (or defaulted), read with {@link #integer}, {@link #integers}, {@link #flag} or
 * {@link #string}. Written {@code --name value} or {@code --name=value}.
 *
 * @param rounds     rounds per table; each measures every peer once
 * @param trips      timed operations per measurement (before a placement's factor), or
 *                   {@link Defaults#NOT_TAKEN}
 * @param warmup     untimed operations per measurement, or {@link Defaults#NOT_TAKEN}
 * @param placements where the two sides run, one table (or set of tables) each;
 *                   {@code [FREE]} for a suite that does not pin
 * @param peers      {@code --peers}: lower-case parts of names; a peer is kept if its name
 *                   contains one of them, ignoring case; empty keeps every peer
 * @param timeout    how long one measurement may take before the run stops with an error
 * @param own        the suite's own options, by name with dashes, defaults filled in
 */
public record BenchOptions(int rounds, long trips, long warmup, List<Placement> placements, List<String> peers,
                           Duration timeout, Map<String, String> own) {

    public BenchOptions {
        placements = List.copyOf(placements);
        peers = List.copyOf(peers);
        own = Map.copyOf(own);
    }

    /**
     * Parses a suite's command line.
     *
     * @throws UsageException naming the first option that is unknown to the suite or bad
     */
    public static BenchOptions parse(List<String> args, Defaults defaults) {
        Map<String, String> given = named(args);
        Map<String, String> values = new LinkedHashMap<>();
        for (Described d : describe(defaults, "")) {
            values.put(d.name(), d.value());
        }
        for (String name : given.keySet()) {
            if (!values.containsKey(name)) {
                throw new UsageException("unknown option " + name + "; this suite takes " + String.join(", ", values.keySet()));
            }
        }
        values.putAll(given);

        int rounds = (int) whole(values, "--rounds", 1, Integer.MAX_VALUE);
        long trips = defaults.trips() == Defaults.NOT_TAKEN ? Defaults.NOT_TAKEN : whole(values, "--trips", 1, Long.MAX_VALUE / 5);
        long warmup = defaults.warmup() == Defaults.NOT_TAKEN ? Defaults.NOT_TAKEN : whole(values, "--warmup", 0, Long.MAX_VALUE / 5);
        List<Placement> placements = defaults.placements() == null ? List.of(Placement.FREE) : placements(values.get("--placements"));
        List<String> peers = values.get("--peers").isBlank() ? List.of()
                : Arrays.stream(values.get("--peers").split(",")).map(p -> p.strip().toLowerCase(Locale.ROOT))
                        .filter(p -> !p.isEmpty()).toList();
        Duration timeout;
        try {
            double seconds = Double.parseDouble(values.get("--timeout"));
            if (!(seconds > 0 && seconds < 1e6)) {
                throw new NumberFormatException();
            }
            timeout = Duration.ofNanos((long) (seconds * 1e9));
        } catch (NumberFormatException e) {
            throw new UsageException("--timeout: not a number of seconds above 0: " + values.get("--timeout"));
        }
        Map<String, String> own = new LinkedHashMap<>();
        for (Defaults.Option option : defaults.options()) {
            own.put(option.name(), values.get(option.name()));
        }
        return new BenchOptions(rounds, trips, warmup, placements, peers, timeout, own);
    }

    /**
     * The options as written, by name with dashes, unchecked: for the one-off diagnostic
     * programs that are not suites.
     *
     * @throws UsageException if an argument is not an option or has no value
     */
    public static Map<String, String> named(List<String> args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            if (eq > 0) {
                given.put(arg.substring(0, eq), arg.substring(eq + 1));
            } else if (i + 1 < args.size()) {
                given.put(arg, args.get(++i));
            } else {
                throw new UsageException(arg + " needs a value");
            }
        }
        return given;
    }

    /** An option as the usage lists it: name, default, help. */
    public record Described(String name, String value, String help) {}

    /** Every option a suite takes, common and own, in the order the usage lists them. */
    public static List<Described> describe(Defaults d, String operations) {
        List<Described> all = new ArrayList<>();
        all.add(new Described("--rounds", Integer.toString(d.rounds()), "rounds; each measures every peer once, in a rotated order"));
        if (d.trips() != Defaults.NOT_TAKEN) {
            all.add(new Described("--trips", Long.toString(d.trips()), "timed " + operations + " per measurement"
                    + (d.placements() == null ? "" : " (x5 for placement same)")));
        }
        if (d.warmup() != Defaults.NOT_TAKEN) {
            all.add(new Described("--warmup", Long.toString(d.warmup()), "untimed " + operations + " before them"
                    + (d.placements() == null ? "" : " (x5 for placement same)")));
        }
        if (d.placements() != null) {
            all.add(new Described("--placements", d.placements(), "where the two sides run: cross, same, free"));
        }
        for (Defaults.Option o : d.options()) {
            all.add(new Described(o.name(), o.value(), o.help()));
        }
        all.add(new Described("--peers", "", "only the peers whose names contain one of these, ignoring case"
                + " (comma-separated); the first kept is the reference"));
        all.add(new Described("--timeout", Defaults.TIMEOUT_SECONDS, "seconds one measurement may take; then the run stops with an error"));
        return all;
    }

    /** The value of one of the suite's own options. */
    public String string(String name) {
        String value = own.get(name);
        if (value == null) {
            throw new IllegalArgumentException("not an option of this suite: " + name); // a bug in the suite
        }
        return value;
    }

    /** One of the suite's own options, a whole number. */
    public int integer(String name) {
        try {
            return Integer.parseInt(string(name).strip());
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": not a whole number: " + string(name));
        }
    }

    /** One of the suite's own options, comma-separated whole numbers. */
    public int[] integers(String name) {
        try {
            return Arrays.stream(string(name).split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": not comma-separated whole numbers: " + string(name));
        }
    }

    /** One of the suite's own options, {@code true} or {@code false}. */
    public boolean flag(String name) {
        return switch (string(name).strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new UsageException(name + ": true or false, not " + string(name));
        };
    }

    private static long whole(Map<String, String> values, String name, long min, long max) {
        try {
            long v = Long.parseLong(values.get(name).strip());
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(name + ": not a whole number from " + min + ": " + values.get(name));
        }
    }

    private static List<Placement> placements(String list) {
        List<Placement> placements = new ArrayList<>();
        for (String name : list.split(",")) {
            try {
                placements.add(Placement.valueOf(name.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--placements: cross, same or free, not '" + name.strip() + "'");
            }
        }
        if (Runtime.getRuntime().availableProcessors() < 2) {
            placements.remove(Placement.CROSS); // one CPU: there is no "across"
        }
        return placements;
    }
}
