package dev.vigil.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * One subcommand of {@code vigil}. {@link Main} lists every command in its usage text and
 * hands each one the arguments after its name; adding a command means adding an
 * implementation to {@link Main#COMMANDS}.
 */
interface Command {
    /** The word that selects this command: {@code vigil <name> ...}. */
    String name();

    /** One line for the command list, lower case, no final period. */
    String summary();

    /** The synopsis and each option on its own line, every line ending in a newline. */
    String usage();

    /**
     * Runs the command.
     *
     * @param args the arguments after the command's name
     * @param out  where results go
     * @param err  where progress and diagnostics go
     * @return the process exit status
     * @throws UsageException if the arguments are wrong; {@link Main} prints the message and
     *                        the usage and exits with status 2
     */
    int run(List<String> args, PrintStream out, PrintStream err)
            throws UsageException, IOException, InterruptedException;
}
