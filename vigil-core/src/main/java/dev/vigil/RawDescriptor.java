package dev.vigil;

/**
 * Something backed by a Linux file descriptor: an {@link Event}, a socket, a pipe, a
 * {@code WaitContext}, or a plain number wrapped by the caller.
 *
 * <p>Returning the number does not transfer ownership: the object still closes it.
 * Implementations throw {@link IllegalStateException} once closed rather than hand out a
 * number the kernel may already have given to another file.
 */
@FunctionalInterface
public interface RawDescriptor {
    /** The descriptor number. */
    int rawDescriptor();
}
