package dev.vigil.cli;

import java.io.Serial;

/** Wrong arguments: the message says what was wrong in one line; the caller shows the usage. */
final class UsageException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message, null, false, false);
    }
}
