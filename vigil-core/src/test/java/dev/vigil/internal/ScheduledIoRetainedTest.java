package dev.vigil.internal;

import dev.vigil.reactor.Readiness;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retained readiness, step by step against the state machine (no kernel, no threads): what
 * an {@code AsyncFd} relies on when a call meets would-block while an event arrives.
 */
class ScheduledIoRetainedTest {
    private final ScheduledIo io = new ScheduledIo(true);

    private Readiness read() throws Exception {
        return ScheduledIo.readiness(io.state(), ScheduledIo.READ);
    }

    private Readiness write() throws Exception {
        return ScheduledIo.readiness(io.state(), ScheduledIo.WRITE);
    }

    @Test
    void readinessStaysUntilCleared() throws Exception {
        io.dispatch(Readiness.READABLE);
        assertEquals(Readiness.of(Readiness.READABLE), io.take(ScheduledIo.READ));
        assertEquals(Readiness.of(Readiness.READABLE), io.take(ScheduledIo.READ), "a take only looks");
        assertTrue(io.clearReadiness(ScheduledIo.READ, io.state()));
        assertTrue(read().isEmpty());
    }

    @Test
    void anEventDuringTheCallKeepsTheReadinessItsClearWouldHaveRemoved() throws Exception {
        io.dispatch(Readiness.READABLE);
        long seen = io.state();              // read before the call
        io.dispatch(Readiness.READABLE);     // an event while the call runs (same bits: only the tick shows it)
        assertFalse(io.clearReadiness(ScheduledIo.READ, seen), "the clear must lose to the newer event");
        assertTrue(read().isReadable());
        assertTrue(io.clearReadiness(ScheduledIo.READ, io.state()), "a clear that saw the event wins");
        assertTrue(read().isEmpty());
    }

    @Test
    void theTwoDirectionsTickApart() throws Exception {
        io.dispatch(Readiness.READABLE | Readiness.WRITABLE);
        long seen = io.state();
        io.dispatch(Readiness.WRITABLE);     // a write event does not move the read tick
        assertTrue(io.clearReadiness(ScheduledIo.READ, seen));
        assertTrue(read().isEmpty());
        assertTrue(write().isWritable(), "clearing reads leaves the write stream alone");
        assertFalse(io.clearReadiness(ScheduledIo.WRITE, seen), "the write tick moved");
    }

    @Test
    void hangUpAndErrorReachBothStreamsAndAreClearedLikeTheRest() throws Exception {
        io.dispatch(Readiness.HUP | Readiness.ERROR);
        assertTrue(read().isHup() && read().isError());
        assertTrue(write().isHup() && write().isError());
        assertTrue(io.clearReadiness(ScheduledIo.WRITE, io.state()));
        assertTrue(write().isEmpty(), "nothing sticky: a writer that met would-block waits for a new edge");
        assertTrue(read().isHup(), "the read stream keeps its own");
    }

    @Test
    void aConsumingRegistrationStillConsumes() throws Exception {
        ScheduledIo taking = new ScheduledIo();
        taking.dispatch(Readiness.READABLE);
        assertTrue(taking.take(ScheduledIo.READ).isReadable());
        assertTrue(taking.take(ScheduledIo.READ).isEmpty());
    }
}
