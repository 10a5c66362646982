package dev.vigil.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.function.ToIntFunction;

/**
 * The members of an epoll set, named by the token the kernel hands back with each event:
 * {@code generation << 32 | index} into this table, never a descriptor number. An index is
 * reused only with a new generation, so an event for a member deleted since, or for a number
 * closed and reused, resolves to nothing ({@link #live}) instead of to another member. Used by
 * {@code WaitContext} and the reactor's {@link Poller}.
 *
 * <p>Changes ({@link #takeIndex}, {@link #publish}, {@link #clear}, {@link #giveBack}) are
 * made under the owner's lock. {@link #live} is lock-free: entries are published with release
 * stores and read with acquire loads, and a reader holding an array replaced since by a larger
 * one sees only entries that were in it (it re-reads when a token is past its end).
 *
 * @param <E> the member type; each knows the generation it was published with
 */
public final class TokenTable<E> {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

    private final ToIntFunction<? super E> generationOf;
    private volatile Object[] slots;
    private int[] generations;
    private int[] free = new int[16];
    private int freeCount;
    private int highWater;

    public TokenTable(int initialSize, ToIntFunction<? super E> generationOf) {
        this.generationOf = generationOf;
        this.slots = new Object[initialSize];
        this.generations = new int[initialSize];
    }

    /** The token of member {@code index} in generation {@code generation}. */
    public static long token(int index, int generation) {
        return ((long) generation << 32) | (index & 0xffffffffL);
    }

    /** A free index, for a new member. */
    public int takeIndex() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        int index = highWater++;
        if (index == slots.length) {
            slots = Arrays.copyOf(slots, index * 2); // readers holding the old array see only old entries
            generations = Arrays.copyOf(generations, index * 2);
        }
        return index;
    }

    /** The next generation of {@code index}: the new member's. */
    public int newGeneration(int index) {
        return ++generations[index];
    }

    /** Makes {@code member} what events for its token resolve to (a release store). */
    public void publish(int index, E member) {
        SLOTS.setRelease(slots, index, member);
    }

    /** From now on, events for {@code index}'s token resolve to nothing. */
    public void clear(int index) {
        SLOTS.setRelease(slots, index, (Object) null);
    }

    /** Returns a cleared index for reuse. */
    public void giveBack(int index) {
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, freeCount * 2);
        }
        free[freeCount++] = index;
    }

    /** The current array, for a batch of {@link #live} look-ups. */
    public Object[] snapshot() {
        return slots;
    }

    /** The member {@code token} names if it is still that member, else null (stale). Lock-free. */
    @SuppressWarnings("unchecked")
    public E live(Object[] snapshot, long token) {
        int index = (int) token;
        if (index < 0) {
            return null;
        }
        Object[] table = snapshot;
        if (index >= table.length) {
            table = slots; // grown since
            if (index >= table.length) {
                return null;
            }
        }
        E member = (E) SLOTS.getAcquire(table, index);
        return member != null && generationOf.applyAsInt(member) == (int) (token >>> 32) ? member : null;
    }

    /** Every member, and the table emptied (for a close). */
    @SuppressWarnings("unchecked")
    public E[] removeAll(E[] type) {
        Object[] all = slots.clone();
        Arrays.fill(slots, null);
        return (E[]) Arrays.copyOf(all, all.length, type.getClass());
    }
}
