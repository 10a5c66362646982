package dev.vigil.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * The {@code vigil} command: {@code vigil <command> [options]}. It picks the command by its
 * first argument and passes it the rest. Exit status: 0 on success, 1 when the command fails,
 * 2 for a usage error (an unknown command or option, a bad value).
 *
 * <p>Run it through the {@code vigil} script at the repository root, which finds a JDK 25
 * and builds this jar when needed: {@code ./vigil ping --seconds 10}.
 */
public final class Main {
    /** Every command, in the order the usage lists them. */
    static final List<Command> COMMANDS = List.of(new PingCommand(), new DemoCommand(), new EchoCommand());

    /** Commands the {@code vigil} script runs itself, without this program: they need Maven or another jar. */
    static final List<String> LAUNCHER_COMMANDS = List.of("test", "bench");

    private Main() {}

    public static void main(String[] args) {
        int status = run(List.of(args), System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command line and returns its exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || isHelp(args.getFirst())) {
            if (args.size() < 2) {
                out.print(usage());
                return 0;
            }
            Command command = find(args.get(1));
            if (command == null) {
                return unknown(args.get(1), err);
            }
            out.print(command.usage());
            return 0;
        }
        if (LAUNCHER_COMMANDS.contains(args.getFirst())) {
            err.println("vigil: '" + args.getFirst() + "' is run by the ./vigil launcher script at the repository root: ./vigil "
                    + args.getFirst() + " ...");
            return 2;
        }
        Command command = find(args.getFirst());
        if (command == null) {
            return unknown(args.getFirst(), err);
        }
        String prefix = "vigil " + command.name() + ": ";
        try {
            return command.run(args.subList(1, args.size()), out, err);
        } catch (UsageException e) {
            err.println(prefix + e.getMessage());
            err.println();
            err.print(command.usage());
            return 2;
        } catch (IOException e) {
            err.println(prefix + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            err.println(prefix + "interrupted");
            return 1;
        } catch (RuntimeException e) {
            err.print(prefix + "failed: ");
            e.printStackTrace(err);
            return 1;
        }
    }

    /** The general usage: every command, then each command's options. */
    static String usage() {
        StringBuilder text = new StringBuilder("""
                usage: vigil <command> [options]

                commands:
                """);
        int width = "help".length();
        for (String launched : LAUNCHER_COMMANDS) {
            width = Math.max(width, launched.length());
        }
        for (Command command : COMMANDS) {
            width = Math.max(width, command.name().length());
        }
        for (Command command : COMMANDS) {
            text.append("  ").append(pad(command.name(), width)).append("  ").append(command.summary()).append('\n');
        }
        text.append("  ").append(pad("help", width)).append("  show this text, or one command's: vigil help <command>\n");
        text.append("  ").append(pad("test", width)).append("  (./vigil launcher only) run the test suite: mvn -B test on the JDK found\n");
        text.append("  ").append(pad("bench", width)).append("  (./vigil launcher only) compare vigil with C and the JDK: ./vigil bench help\n");
        for (Command command : COMMANDS) {
            text.append('\n').append(command.usage());
        }
        return text.toString();
    }

    private static int unknown(String name, PrintStream err) {
        err.println("vigil: unknown command '" + name + "'");
        err.println();
        err.print(usage());
        return 2;
    }

    private static boolean isHelp(String arg) {
        return arg.equals("help") || arg.equals("--help") || arg.equals("-h");
    }

    private static Command find(String name) {
        for (Command command : COMMANDS) {
            if (command.name().equals(name)) {
                return command;
            }
        }
        return null;
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }
}
