package dev.vigil.internal;

import dev.vigil.ClosedException;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * Handing out the descriptors of a received message ({@code Tube.Message}): taking one,
 * putting one back, closing the rest. The message keeps the array, the cleaner's watch and
 * its closed flag (no object is added per message); these are the steps on them. The flag
 * is the message's own {@code volatile boolean closed} field, which the message passes in as
 * a {@link VarHandle} ({@link #closedFlag}) together with itself.
 *
 * <p>Who holds a descriptor is decided by its own state, not a lock: taking it is
 * {@link Descriptor#giveUp()} (one CAS, which fails once it is taken or closed), and
 * {@link Descriptor#close()} does nothing to one already taken, so of two takers exactly one
 * wins, and a take racing a close either gets the descriptor or {@link ClosedException}. A
 * slot is replaced only when a descriptor that could not become an Event is put back, so
 * slots are read and written with volatile access. The array is shared with the cleaner's
 * watch ({@link #watch}), which closes whatever is still open in it once the message is
 * unreachable.
 *
 * <p>A put-back racing {@link #close} is a Dekker pair on the flag and the slot: close sets
 * the flag, then reads the slots; a put-back stores the slot, then reads the flag (all
 * volatile). At least one of them sees the other's write, so the descriptor put back is
 * closed by close or by the put-back itself.
 */
public final class ReceivedDescriptors {
    private ReceivedDescriptors() {}

    /** How descriptors received through a Tube are named in messages and cleaner reports. */
    public static final String WHAT = "descriptor received through a Tube";

    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(Descriptor[].class);

    /** The {@code volatile boolean closed} field of the message class {@code lookup} was made in. */
    public static VarHandle closedFlag(MethodHandles.Lookup lookup) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The cleaner's watch over {@code descriptors} for {@code message}; null when there are none. */
    public static Object watch(Object message, Descriptor[] descriptors) {
        return descriptors.length == 0 ? null : Cleanup.watchAll(message, descriptors, WHAT);
    }

    /**
     * Takes descriptor {@code i} of {@code message} for the caller, who owns the number from
     * now on.
     *
     * @throws IllegalStateException     if it was already taken
     * @throws IndexOutOfBoundsException if there is no descriptor {@code i}
     * @throws ClosedException           if the message is closed
     */
    public static int take(Object message, VarHandle closed, Descriptor[] descriptors, int i) throws ClosedException {
        Objects.checkIndex(i, descriptors.length);
        if (!(boolean) closed.getVolatile(message)) {
            try {
                return slot(descriptors, i).giveUp(); // the cleaner's watch will find it given up
            } catch (ClosedException takenOrClosed) {
                // the flag, read again, tells a close that won from a taker that did
                if (!(boolean) closed.getVolatile(message) || slot(descriptors, i).isGivenUp()) {
                    throw new IllegalStateException("descriptor " + i + " of this message was already taken");
                }
            }
        }
        throw new ClosedException("Message is closed: its descriptors were closed with it; take them before close()");
    }

    /** Makes something of a descriptor's number (an Event, say), owning it if it returns. */
    @FunctionalInterface
    public interface Adopt<R> {
        R adopt(int number) throws IOException;
    }

    /**
     * Takes descriptor {@code i} ({@link #take}) and hands its number to {@code adopt}; if that
     * fails, the number goes back into the message ({@link #putBack}) and the failure is thrown.
     */
    public static <R> R takeAs(Object message, VarHandle closed, Descriptor[] descriptors, int i, Object watch, Adopt<R> adopt)
            throws IOException {
        int number = take(message, closed, descriptors, i);
        try {
            return adopt.adopt(number);
        } catch (IOException | RuntimeException e) {
            putBack(message, closed, descriptors, i, number, watch);
            throw e;
        }
    }

    /**
     * Puts {@code number}, taken from slot {@code i} but not made into an Event, back into
     * it, covered by the cleaner's {@code watch} again; closes it instead if the message was
     * closed meanwhile (see the class comment).
     */
    public static void putBack(Object message, VarHandle closed, Descriptor[] descriptors, int i, int number, Object watch) {
        Descriptor back = Descriptor.adoptNew(number, WHAT);
        Cleanup.keep(back, watch);
        ELEMENT.setVolatile(descriptors, i, back);
        if ((boolean) closed.getVolatile(message)) { // a close() that read the slot before the store missed it
            back.close();
        }
    }

    /** Sets the message's closed flag, then closes every slot not taken. */
    public static void close(Object message, VarHandle closed, Descriptor[] descriptors) {
        if (descriptors.length == 0) {
            closed.setRelease(message, true); // nothing to close, so no fence either
            return;
        }
        closed.setVolatile(message, true); // before the slots are read: see putBack
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

    private static Descriptor slot(Descriptor[] descriptors, int i) {
        return (Descriptor) ELEMENT.getVolatile(descriptors, i);
    }
}
