package dev.vigil.cli;

import dev.vigil.Event;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ping logic, run for a fixed number of round trips. No timing is asserted. */
class PingPongTest {
    private static final int ROUND_TRIPS = 2_000;

    @Test
    void everyRoundTripIsRecordedOnceAndPercentilesAreOrdered() throws Exception {
        Latencies latencies = new Latencies();
        try (Event ping = new Event(); Event pong = new Event(); PingPong pingPong = PingPong.start(ping, pong)) {
            for (int i = 0; i < ROUND_TRIPS; i++) {
                latencies.record(pingPong.roundTrip());
            }
        }
        Latencies.Summary summary = latencies.summary();
        assertEquals(ROUND_TRIPS, summary.count());
        assertTrue(summary.p50() > 0, "a round trip takes some time: " + summary);
        assertTrue(summary.p50() <= summary.p90(), summary::toString);
        assertTrue(summary.p90() <= summary.p99(), summary::toString);
        assertTrue(summary.p99() <= summary.p999(), summary::toString);
        assertTrue(summary.p999() <= summary.max(), summary::toString);
    }

    @Test
    void closeStopsThePeerThreadBeforeTheEventsClose() throws Exception {
        try (Event ping = new Event(); Event pong = new Event()) {
            PingPong pingPong = PingPong.start(ping, pong);
            assertTrue(pingPong.isPeerAlive());
            pingPong.close();
            assertFalse(pingPong.isPeerAlive());
            assertFalse(ping.isClosed(), "the caller owns the Events");
        }
    }

    @Test
    void roundTripTimesBeyondTheHistogramsRangeAreClampedNotLost() {
        Latencies latencies = new Latencies();
        latencies.record(-5);
        latencies.record(Long.MAX_VALUE);
        assertEquals(2, latencies.count());
    }
}
