package dev.vigil;

import dev.vigil.internal.ErrnoNames;

import java.io.IOException;
import java.io.Serial;

/**
 * An operating-system call failed. Carries the call that failed, the {@code errno} number
 * and its symbolic name, so callers can branch on {@link #errno()} or read the message:
 *
 * <pre>{@code eventfd write failed: EAGAIN (Resource temporarily unavailable, errno 11)}</pre>
 */
public class ErrnoException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;
    private final String errnoName;

    public ErrnoException(String operation, int errno) {
        this(operation, errno, ErrnoNames.name(errno), ErrnoNames.text(errno));
    }

    private ErrnoException(String operation, int errno, String name, String text) {
        super(operation + " failed: " + name + " (" + text + ", errno " + errno + ")");
        this.operation = operation;
        this.errno = errno;
        this.errnoName = name;
    }

    /** The call that failed, for example {@code "eventfd"} or {@code "read"}. */
    public String operation() {
        return operation;
    }

    /** The errno value, for example 11. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, for example {@code "EAGAIN"}. */
    public String errnoName() {
        return errnoName;
    }
}
