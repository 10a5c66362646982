package dev.vigil.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The process-wide map from a kernel eventfd's identity (its {@code eventfd-id}, see
 * {@link EventFdInfo}) to the state that every Event on that eventfd shares, so that Events
 * on one eventfd share it however they were obtained: a duplicate, an adopted number, a
 * descriptor received in a message.
 *
 * <h2>An entry lives exactly as long as a holder</h2>
 * The kernel hands an id out again once the eventfd it named is freed, so an entry must never
 * outlive the eventfd, or a new, unrelated eventfd would join the old state. Each entry counts
 * its holders: the vigil objects that own an open descriptor of the eventfd.
 * <ul>
 *   <li>A holder {@link #enter enters} while it owns an open descriptor of the eventfd, so the
 *       eventfd cannot be freed under it and the id names it and nothing else.</li>
 *   <li>A holder {@link #leave leaves} before its descriptor is closed (from
 *       {@link Descriptor}'s release hook: on close, on the last user's release, when the
 *       cleaner closes an abandoned owner, or when the number is given up).</li>
 * </ul>
 * So while an entry exists, an open descriptor of its eventfd exists in this process, and
 * the entry goes away with the last holder, in the same step that counts it out.
 *
 * <p>Entering and leaving happen when an Event is made and when its descriptor is closed,
 * never on a signal or a wait; both take this registry's monitor, which also settles a race
 * of two threads adopting copies of one eventfd at once: the second finds the first's entry.
 *
 * @param <S> the shared state
 */
public final class EventFdRegistry<S> {
    private final Map<Long, Entry<S>> entries = new HashMap<>();

    private static final class Entry<S> {
        final S shared;
        /** Guarded by the registry's monitor. */
        int holders;

        Entry(S shared) {
            this.shared = shared;
        }
    }

    /**
     * Counts one more holder of eventfd {@code id}. The caller must own an open descriptor of
     * that eventfd, and must {@link #leave} before closing it.
     *
     * @return the state registered for {@code id}; if there is none, {@code fresh.get()},
     *         registered now
     */
    public synchronized S enter(long id, Supplier<? extends S> fresh) {
        Entry<S> e = entries.get(id);
        if (e == null) {
            e = new Entry<>(fresh.get());
            entries.put(id, e);
        }
        e.holders++;
        return e.shared;
    }

    /** Counts out one holder of {@code shared}, which {@link #enter} returned for {@code id}; the last takes the entry away. */
    public synchronized void leave(long id, S shared) {
        Entry<S> e = entries.get(id);
        if (e != null && e.shared == shared && --e.holders == 0) {
            entries.remove(id);
        }
    }
}
