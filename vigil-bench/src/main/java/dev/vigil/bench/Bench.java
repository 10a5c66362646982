package dev.vigil.bench;

import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.Harness;
import dev.vigil.bench.harness.MeasurementFailed;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.UsageException;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * The comparison harness's command line: {@code Bench <suite> [options]}, run by
 * {@code ./vigil bench <suite> [options]}, which finds a JDK 25, builds the benchmark jar
 * and compiles the C references first. {@code Bench help} lists the suites and their
 * options.
 *
 * <p>Exit status: 0 when every table was printed; 1 when a measurement failed or gave no
 * result within {@code --timeout} (one line on stderr names the peer; every process this
 * JVM started is killed, and the JVM exits although threads of the measurement may still be
 * blocked); 2 for a usage error.
 */
public final class Bench {
    /** Every suite, in the order the usage lists them. A new suite is one class and one line here. */
    static final List<Suite<?>> SUITES = List.of(new EventSuite(), new WaitContextSuite(), new TubeSuite(),
            new ProcessSuite(), new WakeSuite(), new DispatchSuite(), new EchoSuite(), new BulkSuite(), new PipeDispatchSuite());

    private Bench() {}

    public static void main(String[] args) {
        int status = run(List.of(args), System.out, System.err);
        System.out.flush();
        if (status != 0) {
            // a C program or child JVM of a failed measurement may still be running: it must not outlive the run
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
        System.exit(status);
    }

    /** Runs one command line and returns its exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            err.print(usage());
            return 2;
        }
        boolean help = isHelp(args.getFirst());
        if (help && args.size() == 1) {
            out.print(help());
            return 0;
        }
        String name = help ? args.get(1) : args.getFirst();
        Suite<?> suite = SUITES.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
        if (suite == null) {
            err.println("vigil bench: unknown suite '" + name + "'");
            err.println();
            err.print(usage());
            return 2;
        }
        if (help) {
            out.print(usage(suite));
            return 0;
        }
        String prefix = "vigil bench " + suite.name() + ": ";
        try {
            BenchOptions options = BenchOptions.parse(args.subList(1, args.size()), suite.defaults());
            Harness.run(suite, options, out);
            return 0;
        } catch (UsageException e) {
            err.println(prefix + e.getMessage());
            err.println();
            err.print(usage(suite));
            return 2;
        } catch (MeasurementFailed e) {
            out.flush();
            err.println(prefix + e.getMessage() + "; the run stops");
            if (e.getCause() != null) {
                e.getCause().printStackTrace(err);
            }
            return 1;
        } catch (Exception e) {
            out.flush();
            err.print(prefix + "failed: ");
            e.printStackTrace(err);
            return 1;
        }
    }

    /** The suites, one line each. */
    static String usage() {
        StringBuilder text = new StringBuilder("usage: ./vigil bench <suite> [options]\n\nsuites:\n");
        int width = SUITES.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        for (Suite<?> suite : SUITES) {
            text.append(String.format(Locale.ROOT, "  %-" + width + "s  %s%n", suite.name(), suite.summary()));
        }
        return text.append("\n./vigil bench help: every suite's options; ./vigil bench help <suite>: one suite's\n").toString();
    }

    /** The suites, then each one's options. */
    static String help() {
        StringBuilder text = new StringBuilder(usage());
        for (Suite<?> suite : SUITES) {
            text.append('\n').append(usage(suite));
        }
        return text.toString();
    }

    /** One suite's options, with their defaults. */
    static String usage(Suite<?> suite) {
        StringBuilder text = new StringBuilder("./vigil bench " + suite.name() + " [options]: " + suite.summary() + "\n");
        List<BenchOptions.Described> options = BenchOptions.describe(suite.defaults(), suite.operations());
        int width = options.stream().mapToInt(o -> o.name().length() + 1 + o.value().length()).max().orElse(0);
        for (BenchOptions.Described o : options) {
            String given = o.value().isEmpty() ? o.name() + " NAME,..." : o.name() + " " + o.value();
            text.append(String.format(Locale.ROOT, "  %-" + Math.max(width, 16) + "s  %s%n", given, o.help()));
        }
        return text.toString();
    }

    private static boolean isHelp(String arg) {
        return arg.equals("help") || arg.equals("--help") || arg.equals("-h");
    }
}
