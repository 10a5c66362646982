package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.RawDescriptor;

/**
 * A vigil object that owns its descriptor through a {@link Descriptor}: an Event, a
 * WaitContext, a Tube, a TubeListener. When one is handed to vigil as a plain
 * {@link RawDescriptor} (an Event attached to a Tube message, a Tube added to a WaitContext
 * or registered with a reactor), vigil holds its use count for the length of the system call,
 * so a concurrent {@code close()} cannot free the number and a reused number never stands in
 * for it. A descriptor vigil does not own (a number from elsewhere) is its holder's to keep
 * open, as the contract of {@code RawDescriptor} says. (The JDK's NIO finds the descriptor
 * of its channels the same way, through an interface of its implementation.)
 */
public interface Owned {
    /**
     * The Descriptor behind this object: for vigil's own use.
     *
     * @hidden
     */
    Descriptor ownedDescriptor();

    /** The Descriptor of a vigil-owned {@code resource}, or null for anything else. */
    static Descriptor descriptorOf(RawDescriptor resource) {
        return resource instanceof Owned owned ? owned.ownedDescriptor() : null;
    }

    /**
     * {@code resource}'s number, held open: for a vigil object ({@code member}, from
     * {@link #descriptorOf}, not null) a use of its Descriptor, which the caller must
     * {@link Descriptor#release() release}; for anything else its {@code rawDescriptor()}.
     *
     * @throws ClosedException          if the resource is closed
     * @throws IllegalArgumentException if the number is negative
     */
    static int holdNumber(RawDescriptor resource, Descriptor member) throws ClosedException {
        if (member != null) {
            return member.acquire();
        }
        int number;
        try {
            number = resource.rawDescriptor();
        } catch (IllegalStateException closed) {
            throw new ClosedException(closed.getMessage());
        }
        if (number < 0) {
            throw new IllegalArgumentException("not a descriptor: " + number + " (from " + resource + ")");
        }
        return number;
    }
}
