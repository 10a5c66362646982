package dev.vigil.bench.harness;

/** A bad command line: an unknown suite or option, or a value that does not parse. Exit status 2. */
public final class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
