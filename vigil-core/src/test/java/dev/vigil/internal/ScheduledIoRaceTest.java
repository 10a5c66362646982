package dev.vigil.internal;

import dev.vigil.reactor.Readiness;
import dev.vigil.testing.Spin;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The poll waker's Dekker pair, hammered directly: a dispatch on one thread races a poll on
 * another, 200,000 times, with the poll's start shifted by a random spin
 * so that dispatches land before, inside and after the poll's take-store-take window. In
 * every round the poll must either return the readiness or have its waker called.
 * (No reactor and no system calls: the window is a few nanoseconds wide, and only direct
 * calls hit it often.)
 */
class ScheduledIoRaceTest {
    private static final int ROUNDS = 200_000;

    @Test
    void aDispatchRacingAPollIsAlwaysReturnedOrWakesTheWaker() throws Exception {
        ScheduledIo io = new ScheduledIo();
        AtomicInteger round = new AtomicInteger();
        AtomicInteger dispatched = new AtomicInteger();
        // A throw on the dispatcher ends it; the main loop would then wait for a dispatch
        // that never comes. The failure is kept here, and the main loop stops on seeing it.
        AtomicReference<Throwable> dispatcherFailure = new AtomicReference<>();
        Thread dispatcher = Thread.ofPlatform().start(() -> {
            try {
                for (int r = 1; r <= ROUNDS; r++) {
                    for (int spins = 0; round.get() < r; spins++) {
                        Spin.pause(spins);
                    }
                    io.dispatch(Readiness.READABLE);
                    dispatched.set(r);
                }
            } catch (Throwable t) {
                dispatcherFailure.set(t);
            }
        });
        int returned = 0;
        int woken = 0;
        try {
            for (int r = 1; r <= ROUNDS; r++) {
                int[] calls = new int[1];
                round.set(r);
                Spin.times(ThreadLocalRandom.current().nextInt(64));
                Readiness got = io.poll(ScheduledIo.READ, () -> calls[0]++);
                for (int spins = 0; dispatched.get() < r; spins++) {
                    if (dispatcherFailure.get() != null) {
                        throw new AssertionError("round " + r + ": the dispatcher thread failed", dispatcherFailure.get());
                    }
                    Spin.pause(spins);
                }
                if (got.isReadable()) {
                    returned++;
                } else {
                    // The dispatch is over: if the poll missed it, the waker must have run.
                    assertEquals(1, calls[0], "round " + r + ": the poll returned nothing and its waker was not called");
                    woken++;
                    assertTrue(io.take(ScheduledIo.READ).isReadable(), "round " + r + ": the event must still be pending");
                }
                io.take(ScheduledIo.READ); // clear (an event returned by the poll's first take leaves nothing)
            }
        } finally {
            round.set(Integer.MAX_VALUE);
            dispatcher.join();
        }
        assertNull(dispatcherFailure.get(), "the dispatcher thread failed");
        assertEquals(ROUNDS, returned + woken);
    }

}
