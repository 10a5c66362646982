package dev.vigil.cli;

import java.io.PrintStream;

/**
 * A status line on stderr, updated about once a second. On a terminal it rewrites itself in
 * place with a carriage return and is erased at the end; elsewhere (a file, a pipe, a CI log)
 * each update is a line of its own and stays.
 */
final class Progress {
    /** Set by the {@code vigil} script, which can tell whether stderr is a terminal. */
    static final String TERMINAL_PROPERTY = "vigil.stderr.terminal";

    private final PrintStream err;
    private final boolean terminal;
    private int shown; // length of the line on screen, to blank it out

    Progress(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /**
     * Whether stderr is a terminal: the launcher's word if it gave it, else whether the JVM
     * has an interactive console (which it has only when stdin and stdout are terminals).
     */
    static boolean stderrIsTerminal() {
        String told = System.getProperty(TERMINAL_PROPERTY);
        if (told != null) {
            return Boolean.parseBoolean(told);
        }
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    void show(String line) {
        if (terminal) {
            err.print("\r" + line + " ".repeat(Math.max(0, shown - line.length())));
            shown = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Erases the line on a terminal; does nothing elsewhere. */
    void finish() {
        if (terminal && shown > 0) {
            err.print("\r" + " ".repeat(shown) + "\r");
            err.flush();
            shown = 0;
        }
    }
}
