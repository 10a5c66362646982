package dev.vigil;

import java.io.IOException;
import java.io.Serial;

/**
 * The object was closed, before or during the call. Its descriptor number was never
 * used after the close, so no other file could have been touched by mistake.
 */
public class ClosedException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    public ClosedException(String message) {
        super(message);
    }
}
