package dev.vigil.internal;

import java.util.Arrays;

/**
 * A map from descriptor number to a value, without boxing: open addressing with linear
 * probing over an {@code int[]} of keys and an {@code Object[]} of values, and backward-shift
 * deletion (no tombstones). Not thread-safe: its owners use it under their own lock.
 *
 * @param <V> the value type; values are never null
 */
public final class FdMap<V> {
    private static final int EMPTY = -1;

    private int[] keys;
    private Object[] values;
    private int size;

    public FdMap() {
        keys = new int[16];
        Arrays.fill(keys, EMPTY);
        values = new Object[16];
    }

    public int size() {
        return size;
    }

    /** The value of {@code fd}, or null. */
    @SuppressWarnings("unchecked")
    public V get(int fd) {
        int mask = keys.length - 1;
        for (int i = slot(fd, mask); ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == fd) {
                return (V) values[i];
            }
            if (k == EMPTY) {
                return null;
            }
        }
    }

    /** Sets the value of {@code fd}; returns the value it replaces, or null. */
    @SuppressWarnings("unchecked")
    public V put(int fd, V value) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a descriptor: " + fd);
        }
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = slot(fd, mask); ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == fd) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
            if (k == EMPTY) {
                keys[i] = fd;
                values[i] = value;
                size++;
                return null;
            }
        }
    }

    /** Removes {@code fd}; returns its value, or null if it had none. */
    public V remove(int fd) {
        return remove(fd, null);
    }

    /** Removes {@code fd} if its value is {@code expected} (any value if null); returns the value removed, or null. */
    @SuppressWarnings("unchecked")
    public V remove(int fd, V expected) {
        int mask = keys.length - 1;
        int i = slot(fd, mask);
        for (; ; i = (i + 1) & mask) {
            int k = keys[i];
            if (k == EMPTY) {
                return null;
            }
            if (k == fd) {
                break;
            }
        }
        V old = (V) values[i];
        if (expected != null && old != expected) {
            return null;
        }
        // Backward-shift deletion: move later members of the probe run into the hole.
        int hole = i;
        for (int j = (hole + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = EMPTY;
        values[hole] = null;
        size--;
        return old;
    }

    public void clear() {
        Arrays.fill(keys, EMPTY);
        Arrays.fill(values, null);
        size = 0;
    }

    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        values = new Object[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                @SuppressWarnings("unchecked")
                V v = (V) oldValues[i];
                put(oldKeys[i], v);
            }
        }
    }

    private static int slot(int fd, int mask) {
        return (fd * 0x9E3779B9 >>> 16 ^ fd) & mask; // descriptor numbers are dense: spread them a little
    }
}
