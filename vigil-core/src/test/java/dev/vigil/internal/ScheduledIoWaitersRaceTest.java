package dev.vigil.internal;

import dev.vigil.reactor.Readiness;
import dev.vigil.testing.Spin;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dispatch wakes a stream's waiting futures while one of them is cancelled: the cancel
 * must never cut the others off (each is completed with the readiness) nor leave anything
 * linked. Direct calls on spinning threads, so the cancel lands before, among and after the
 * dispatch's hand-out; 50,000 rounds.
 */
class ScheduledIoWaitersRaceTest {
    private static final int ROUNDS = 50_000;

    @Test
    void cancellingOneWaiterDuringADispatchNeverStrandsTheOthers() throws Exception {
        AtomicInteger posted = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        AtomicReference<ScheduledIo> current = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread dispatcher = Thread.ofPlatform().start(() -> {
            try {
                for (int r = 1; r <= ROUNDS; r++) {
                    for (int spins = 0; posted.get() < r; spins++) {
                        Spin.pause(spins);
                    }
                    current.get().dispatch(Readiness.READABLE);
                    finished.set(r);
                }
            } catch (Throwable t) {
                failure.set(t);
                finished.set(Integer.MAX_VALUE);
            }
        });
        try {
            for (int r = 1; r <= ROUNDS; r++) {
                ScheduledIo io = new ScheduledIo();
                CompletableFuture<Readiness> first = io.future(ScheduledIo.READ);
                CompletableFuture<Readiness> middle = io.future(ScheduledIo.READ);
                CompletableFuture<Readiness> last = io.future(ScheduledIo.READ);
                first.thenRun(() -> { // a caller's callback runs inline during the hand-out: widen that window
                    Spin.times(100);
                });
                current.set(io);
                posted.set(r);
                Spin.times(ThreadLocalRandom.current().nextInt(256));
                middle.cancel(false);
                for (int spins = 0; finished.get() < r; spins++) {
                    Spin.pause(spins);
                }
                assertNull(failure.get(), "the dispatcher failed");
                assertTrue(first.isDone() && !first.isCancelled(), "round " + r + ": the first waiter was stranded");
                assertTrue(last.isDone() && !last.isCancelled(), "round " + r + ": the last waiter was stranded");
                assertTrue(first.join().isReadable() && last.join().isReadable(), "round " + r);
                assertEquals(0, io.waiters(ScheduledIo.READ), "round " + r + ": a waiter is still linked");
            }
        } finally {
            posted.set(Integer.MAX_VALUE);
            dispatcher.join();
        }
    }

}
