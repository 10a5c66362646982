package dev.vigil.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of one command: options with a value, as {@code --name value} or
 * {@code --name=value}; flags without one, as {@code --name}; and {@code -h}/{@code --help}.
 * A later occurrence overrides an earlier one. Anything else, including a flag given a
 * value, is a {@link UsageException}.
 */
final class Options {
    private final Map<String, String> values;
    private final boolean help;

    private Options(Map<String, String> values, boolean help) {
        this.values = values;
        this.help = help;
    }

    /**
     * @param known the option names this command accepts, with their dashes ({@code "--seconds"})
     */
    static Options parse(List<String> args, Set<String> known) throws UsageException {
        return parse(args, known, Set.of());
    }

    /**
     * @param flags option names that take no value ({@code "--processes"}); {@link #flag} tells
     *              whether each was given
     */
    static Options parse(List<String> args, Set<String> known, Set<String> flags) throws UsageException {
        Map<String, String> values = new HashMap<>();
        boolean help = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-h") || arg.equals("--help")) {
                help = true;
                continue;
            }
            if (flags.contains(arg)) {
                values.put(arg, "true");
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            if (flags.contains(name)) {
                throw new UsageException(name + " takes no value");
            }
            if (!known.contains(name)) {
                throw new UsageException(arg.startsWith("-")
                        ? "unknown option '" + name + "'"
                        : "unexpected argument '" + arg + "'");
            }
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException(name + " needs a value");
            }
            values.put(name, value);
        }
        return new Options(values, help);
    }

    /** True if the flag {@code name} was given. */
    boolean flag(String name) {
        return values.containsKey(name);
    }

    /** True if {@code -h} or {@code --help} was given. */
    boolean help() {
        return help;
    }

    /** The text of option {@code name}, or {@code defaultValue} if it was not given. */
    String text(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    /** The value of an integer option between {@code min} and {@code max}. */
    int integer(String name, int defaultValue, int min, int max) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return defaultValue;
        }
        try {
            int v = Integer.parseInt(text.strip());
            if (v < min || v > max) {
                throw new UsageException(name + " must be between " + min + " and " + max + ", got '" + text + "'");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a whole number, got '" + text + "'");
        }
    }

    /**
     * The value of a duration option given in seconds, whole or decimal ({@code 5}, {@code 0.5}).
     *
     * @param zeroAllowed whether 0 is acceptable; negative values never are
     */
    Duration seconds(String name, Duration defaultValue, boolean zeroAllowed) throws UsageException {
        String text = values.get(name);
        if (text == null) {
            return defaultValue;
        }
        BigDecimal seconds;
        try {
            seconds = new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs a number of seconds, got '" + text + "'");
        }
        if (seconds.signum() < 0 || (seconds.signum() == 0 && !zeroAllowed)) {
            throw new UsageException(name + " must be " + (zeroAllowed ? "0 or more" : "more than 0")
                    + ", got '" + text + "'");
        }
        try {
            long nanos = seconds.movePointRight(9).setScale(0, RoundingMode.HALF_UP).longValueExact();
            if (nanos == 0 && !zeroAllowed) {
                throw new UsageException(name + " must be at least 1 ns, got '" + text + "'");
            }
            return Duration.ofNanos(nanos);
        } catch (ArithmeticException e) {
            throw new UsageException(name + " is too large: '" + text + "'");
        }
    }
}
