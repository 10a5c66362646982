package dev.vigil.internal;

import dev.vigil.internal.linux.Strerror;

/**
 * The symbolic name and the C library's text of an errno value, for {@code ErrnoException}
 * (a public class, which reaches the bindings only through this layer).
 */
public final class ErrnoNames {
    private ErrnoNames() {}

    /** For example {@code "EAGAIN"}. */
    public static String name(int errno) {
        return Strerror.name(errno);
    }

    /** For example {@code "Resource temporarily unavailable"}. */
    public static String text(int errno) {
        return Strerror.text(errno);
    }
}
