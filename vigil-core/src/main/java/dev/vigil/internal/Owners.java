package dev.vigil.internal;

import dev.vigil.RawDescriptor;

import java.util.function.Function;

/**
 * Finds the {@link Descriptor} behind a vigil object handed to vigil as a plain
 * {@link RawDescriptor} (an Event attached to a Tube message, a Tube registered with a
 * reactor), so that the caller can hold its use count for the length of a system call. Then
 * a concurrent {@code close()} of that object cannot free the number, and a reused number
 * never stands in for it. Each owning class registers itself when it is initialised, which
 * happens before any instance exists. A descriptor vigil does not own (a number from
 * elsewhere) has no Descriptor: its holder keeps it open, as the contract of
 * {@code RawDescriptor} says.
 */
public final class Owners {
    private Owners() {}

    private record Owner(Class<?> type, Function<Object, Descriptor> descriptor) {
    }

    private static volatile Owner[] owners = new Owner[0];

    /** Called once by each owning class, from its static initialiser. */
    public static synchronized void register(Class<?> type, Function<Object, Descriptor> descriptor) {
        Owner[] now = owners;
        Owner[] next = java.util.Arrays.copyOf(now, now.length + 1);
        next[now.length] = new Owner(type, descriptor);
        owners = next;
    }

    /** The Descriptor of a vigil-owned {@code resource}, or null for anything else. */
    public static Descriptor of(RawDescriptor resource) {
        Class<?> type = resource.getClass();
        for (Owner o : owners) {
            if (o.type == type) {
                return o.descriptor.apply(resource);
            }
        }
        return null;
    }

    /**
     * {@code resource}'s number, held open: for a vigil object ({@code member}, from
     * {@link #of}, not null) a use of its Descriptor, which the caller must
     * {@link Descriptor#release() release}; for anything else its {@code rawDescriptor()}.
     *
     * @throws dev.vigil.ClosedException if the resource is closed
     * @throws IllegalArgumentException  if the number is negative
     */
    public static int number(RawDescriptor resource, Descriptor member) throws dev.vigil.ClosedException {
        if (member != null) {
            return member.acquire();
        }
        int number;
        try {
            number = resource.rawDescriptor();
        } catch (IllegalStateException closed) {
            throw new dev.vigil.ClosedException(closed.getMessage());
        }
        if (number < 0) {
            throw new IllegalArgumentException("not a descriptor: " + number + " (from " + resource + ")");
        }
        return number;
    }
}
