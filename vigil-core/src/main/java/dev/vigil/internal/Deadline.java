package dev.vigil.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The one place that turns a caller's {@link Duration} into nanoseconds and keeps a deadline
 * across retries ({@code EINTR}, spurious wake-ups), so no wait ever ends early and no
 * duration overflows.
 *
 * <p>Timeouts are carried as a {@code long} count of nanoseconds, saturated at
 * {@link #FOREVER} ({@code Long.MAX_VALUE}, about 292 years), which means "no limit".
 * Deadlines are compared by subtraction, so {@link System#nanoTime()} wrapping is harmless.
 */
public final class Deadline {
    private Deadline() {}

    public static final long FOREVER = Long.MAX_VALUE;

    /**
     * Nanoseconds in {@code timeout}, saturated at {@link #FOREVER}.
     *
     * @throws NullPointerException     if timeout is null
     * @throws IllegalArgumentException if timeout is negative
     */
    public static long toNanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null: use a Duration, or the overload without one to wait without limit");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        long seconds = timeout.getSeconds();
        if (seconds >= FOREVER / 1_000_000_000L) {
            return FOREVER;
        }
        return seconds * 1_000_000_000L + timeout.getNano();
    }

    /**
     * Nanoseconds left of a wait of {@code total} ns that started at {@code start}
     * ({@code System.nanoTime()}); {@link #FOREVER} stays forever, and the result is never
     * negative.
     */
    public static long remaining(long start, long total) {
        if (total == FOREVER) {
            return FOREVER;
        }
        long left = total - (System.nanoTime() - start);
        return left > 0 ? left : 0;
    }
}
