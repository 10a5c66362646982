package dev.vigil.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadlineTest {

    @Test
    void ordinaryDurationsConvertExactly() {
        assertEquals(0, Deadline.toNanos(Duration.ZERO));
        assertEquals(1, Deadline.toNanos(Duration.ofNanos(1)));
        assertEquals(1_500_000_000L, Deadline.toNanos(Duration.ofMillis(1500)));
    }

    @Test
    void hugeDurationsSaturateToForeverInsteadOfOverflowing() {
        assertEquals(Deadline.FOREVER, Deadline.toNanos(Duration.ofSeconds(Long.MAX_VALUE)));
        assertEquals(Deadline.FOREVER, Deadline.toNanos(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)));
        assertEquals(Deadline.FOREVER, Deadline.toNanos(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L)));
        assertTrue(Deadline.toNanos(Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L - 1)) > 0);
    }

    @Test
    void negativeAndNullAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Deadline.toNanos(Duration.ofNanos(-1)));
        assertThrows(NullPointerException.class, () -> Deadline.toNanos(null));
    }

    @Test
    void remainingNeverGoesNegativeAndForeverStaysForever() {
        long start = System.nanoTime() - 10_000_000;
        assertEquals(0, Deadline.remaining(start, 1_000));
        assertEquals(Deadline.FOREVER, Deadline.remaining(start, Deadline.FOREVER));
        assertTrue(Deadline.remaining(System.nanoTime(), 60_000_000_000L) > 0);
    }
}
