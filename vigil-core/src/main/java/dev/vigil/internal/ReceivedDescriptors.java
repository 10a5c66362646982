package dev.vigil.internal;

import dev.vigil.ClosedException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Handing out the descriptors of a received message ({@code Tube.Message}). The message
 * keeps the array and its closed flag (no object is added per message); these are the steps
 * on the array.
 *
 * <p>Who holds a descriptor is decided by its own state, not a lock: taking it is
 * {@link Descriptor#giveUp()} (one CAS, which fails once it is taken or closed), and
 * {@link Descriptor#close()} does nothing to one already taken. A slot is replaced only when
 * a descriptor that could not become an Event is put back, so slots are read and written
 * with volatile access. The array is shared with the cleaner's watch ({@link #watch}), which
 * closes whatever is still open in it once the message is unreachable.
 */
public final class ReceivedDescriptors {
    private ReceivedDescriptors() {}

    /** How descriptors received through a Tube are named in messages and cleaner reports. */
    public static final String WHAT = "descriptor received through a Tube";

    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(Descriptor[].class);

    /** The cleaner's watch over {@code descriptors} for {@code message}; null when there are none. */
    public static Object watch(Object message, Descriptor[] descriptors) {
        return descriptors.length == 0 ? null : Cleanup.watchAll(message, descriptors, WHAT);
    }

    /** Takes slot {@code i}: its number, or -1 if it was already taken or closed. */
    public static int take(Descriptor[] descriptors, int i) {
        try {
            return slot(descriptors, i).giveUp(); // the cleaner's watch will find it given up
        } catch (ClosedException gone) {
            return -1;
        }
    }

    /** True if slot {@code i} was taken (rather than closed). */
    public static boolean isTaken(Descriptor[] descriptors, int i) {
        return slot(descriptors, i).isGivenUp();
    }

    /**
     * Puts {@code number}, taken from slot {@code i}, back into it, covered by the cleaner's
     * {@code watch} again. The caller closes the result if the message was closed meanwhile:
     * a close that read the slot before this store missed it.
     */
    public static Descriptor putBack(Descriptor[] descriptors, int i, int number, Object watch) {
        Descriptor back = Descriptor.adoptNew(number, WHAT);
        Cleanup.keep(back, watch);
        ELEMENT.setVolatile(descriptors, i, back);
        return back;
    }

    /** Closes every slot not taken; the caller set its closed flag (a volatile store) first. */
    public static void closeAll(Descriptor[] descriptors) {
        for (int i = 0; i < descriptors.length; i++) {
            slot(descriptors, i).close(); // nothing for one taken or already closed
        }
    }

    /** How many slots are not taken. */
    public static int notTaken(Descriptor[] descriptors) {
        int left = 0;
        for (int i = 0; i < descriptors.length; i++) {
            if (!slot(descriptors, i).isGivenUp()) {
                left++;
            }
        }
        return left;
    }

    public static IllegalStateException alreadyTaken(int i) {
        return new IllegalStateException("descriptor " + i + " of this message was already taken");
    }

    public static ClosedException closedMessage() {
        return new ClosedException("Message is closed: its descriptors were closed with it; take them before close()");
    }

    private static Descriptor slot(Descriptor[] descriptors, int i) {
        return (Descriptor) ELEMENT.getVolatile(descriptors, i);
    }
}
