package dev.vigil.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The registry behind {@link Descriptor}'s one-owner rule: descriptor number to the live
 * Descriptor that owns it. Numbers are small and dense (the kernel hands out the lowest free
 * one), so they index pages of 1,024 slots, made on first use; a number beyond the pages
 * ({@value #PAGED} and up, only with a raised {@code RLIMIT_NOFILE}) goes to a map instead.
 *
 * <p>Why not just the map: a descriptor received with every Tube message is registered and
 * removed again each time, and here that is one atomic operation each way instead of a hash
 * map's several (the bin, the size counter, a monitor on removal).
 */
final class OwnerTable<T> {
    private static final int PAGE_BITS = 10;
    private static final int PAGE = 1 << PAGE_BITS;
    static final int PAGED = 1 << 20;

    private final AtomicReferenceArray<AtomicReferenceArray<T>> pages = new AtomicReferenceArray<>(PAGED / PAGE);
    private final ConcurrentHashMap<Integer, T> beyond = new ConcurrentHashMap<>();

    /** The slot array holding {@code number}, made if {@code make}; null if absent. */
    private AtomicReferenceArray<T> page(int number, boolean make) {
        int index = number >>> PAGE_BITS;
        AtomicReferenceArray<T> page = pages.getAcquire(index);
        if (page == null && make) {
            AtomicReferenceArray<T> made = new AtomicReferenceArray<>(PAGE);
            page = pages.compareAndExchangeRelease(index, null, made);
            if (page == null) {
                page = made;
            }
        }
        return page;
    }

    private static void check(int number) {
        if (number < 0) {
            throw new IllegalArgumentException("a descriptor number is not negative: " + number);
        }
    }

    /** Maps {@code number} to {@code owner}, replacing any entry. */
    void put(int number, T owner) {
        check(number);
        if (number >= PAGED) {
            beyond.put(number, owner);
        } else {
            page(number, true).setRelease(number & (PAGE - 1), owner); // publication; nothing reads it in a Dekker pair
        }
    }

    /** Maps {@code number} to {@code owner} unless it has an entry; returns that entry, or null. */
    T putIfAbsent(int number, T owner) {
        check(number);
        if (number >= PAGED) {
            return beyond.putIfAbsent(number, owner);
        }
        return page(number, true).compareAndExchange(number & (PAGE - 1), null, owner);
    }

    /** Replaces the entry of {@code number} with {@code owner} if it is still {@code expected} (the same object). */
    boolean replace(int number, T expected, T owner) {
        check(number);
        if (number >= PAGED) {
            boolean[] replaced = {false};
            beyond.computeIfPresent(number, (n, now) -> {
                replaced[0] = now == expected;
                return replaced[0] ? owner : now;
            });
            return replaced[0];
        }
        return page(number, true).compareAndSet(number & (PAGE - 1), expected, owner);
    }

    /** Removes the entry of {@code number} if it is {@code owner} (the same object, not an equal one). */
    void remove(int number, T owner) {
        if (number < 0) {
            return;
        }
        if (number >= PAGED) {
            beyond.computeIfPresent(number, (n, now) -> now == owner ? null : now);
            return;
        }
        AtomicReferenceArray<T> page = page(number, false);
        if (page != null) {
            page.compareAndSet(number & (PAGE - 1), owner, null);
        }
    }

    /** The entry of {@code number}, or null. */
    T get(int number) {
        if (number < 0) {
            return null;
        }
        if (number >= PAGED) {
            return beyond.get(number);
        }
        AtomicReferenceArray<T> page = page(number, false);
        return page == null ? null : page.get(number & (PAGE - 1));
    }

    /** How many numbers have an entry (a walk over the pages: for tests and diagnostics, not hot paths). */
    int size() {
        int count = beyond.size();
        for (int p = 0; p < pages.length(); p++) {
            AtomicReferenceArray<T> page = pages.get(p);
            if (page != null) {
                for (int i = 0; i < PAGE; i++) {
                    if (page.get(i) != null) {
                        count++;
                    }
                }
            }
        }
        return count;
    }
}
