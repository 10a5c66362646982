package dev.vigil.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The calls in progress on one object that any number of threads may make at once (Event
 * writes), so that {@code close()} can end each of them: every caller's own
 * {@link WaitSlot}, published here before the caller checks whether the object is closed
 * (the protocol of {@link WaitSlot}).
 *
 * <p>A few slots taken by CAS cover the usual handful of concurrent callers without
 * allocating; more spill into a concurrent set.
 */
public final class Callers {
    private static final int SLOTS = 4;

    private final AtomicReferenceArray<WaitSlot> slots = new AtomicReferenceArray<>(SLOTS);
    /** Made on first need: most objects never have more than {@value #SLOTS} callers at once. */
    private volatile Set<WaitSlot> overflow;

    /** Publishes {@code caller}; returns where, for {@link #remove}. */
    public int add(WaitSlot caller) {
        for (int i = 0; i < SLOTS; i++) {
            if (slots.get(i) == null && slots.compareAndSet(i, null, caller)) {
                return i;
            }
        }
        Set<WaitSlot> more = overflow;
        if (more == null) {
            synchronized (this) {
                more = overflow;
                if (more == null) {
                    more = ConcurrentHashMap.newKeySet();
                    overflow = more;
                }
            }
        }
        more.add(caller);
        return -1;
    }

    public void remove(int where, WaitSlot caller) {
        if (where >= 0) {
            slots.set(where, null);
        } else {
            overflow.remove(caller); // set before the caller was added to it
        }
    }

    /** Wakes every caller that works through {@code closed}. Never blocks. */
    public void wakeAll(Object closed) {
        for (int i = 0; i < SLOTS; i++) {
            WaitSlot s = slots.get(i);
            if (s != null) {
                s.wake(closed);
            }
        }
        Set<WaitSlot> more = overflow;
        if (more != null) {
            for (WaitSlot s : more) {
                s.wake(closed);
            }
        }
    }
}
