package dev.vigil;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.vigil.EventTest.awaitWaiting;
import static dev.vigil.EventWaitResult.SIGNALED;
import static dev.vigil.EventWaitResult.TIMED_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SPEC §3 items 5 and 6, interruption and close while waiting, on platform and virtual
 * threads, with enough iterations to catch a lost wake-up.
 */
class EventConcurrencyTest {

    /** Runs {@code body} on a new platform or virtual thread; the future holds its outcome. */
    static CompletableFuture<Object> spawn(boolean virtual, ThrowingSupplier body) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        Runnable r = () -> {
            try {
                done.complete(body.get());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        };
        if (virtual) {
            Thread.ofVirtual().start(r);
        } else {
            Thread.ofPlatform().start(r);
        }
        return done;
    }

    interface ThrowingSupplier {
        Object get() throws Exception;
    }

    static Throwable failure(CompletableFuture<Object> f) throws InterruptedException {
        try {
            Object v = f.get(30, TimeUnit.SECONDS);
            return fail("expected a failure, got " + v);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            return fail("the waiter never returned");
        }
    }

    /** What a finished future holds, its value or its exception, without throwing; for messages. */
    static String outcomeOf(CompletableFuture<?> f) {
        return f.handle((value, thrown) -> String.valueOf(thrown != null ? thrown : value)).getNow("(not finished)");
    }

    // 5. Signals from other threads.

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void signalFromAnotherThreadWakesABlockedWaiter(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            CompletableFuture<Object> r = spawn(virtual, () -> {
                e.await();
                return "woken";
            });
            awaitWaiting(e);
            e.signal();
            assertEquals("woken", r.get(30, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void signalBeforeWaitIsNotLost(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            e.signal();
            CompletableFuture<Object> r = spawn(virtual, () -> e.await(Duration.ofSeconds(30)));
            assertEquals(SIGNALED, r.get(60, TimeUnit.SECONDS));
        }
    }

    /** The answering side of a ping-pong: await ping, signal pong, {@code rounds} times; "ok" or what was lost. */
    static ThrowingSupplier responder(Event ping, Event pong, int rounds) {
        return () -> {
            for (int i = 0; i < rounds; i++) {
                if (ping.await(Duration.ofSeconds(20)) == TIMED_OUT) {
                    return "peer lost a wake-up at round " + i;
                }
                pong.signal();
            }
            return "ok";
        };
    }

    @RepeatedTest(3)
    void pingPongBetweenTwoThreadsNeverLosesAWakeup() throws Exception {
        int rounds = 10_000;
        try (Event ping = new Event(); Event pong = new Event()) {
            CompletableFuture<Object> peer = spawn(false, responder(ping, pong, rounds));
            for (int i = 0; i < rounds; i++) {
                ping.signal();
                assertEquals(SIGNALED, pong.await(Duration.ofSeconds(20)), "lost wake-up at round " + i);
            }
            assertEquals("ok", peer.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void pingPongWithVirtualThreadsNeverLosesAWakeup() throws Exception {
        int rounds = 2_000;
        try (Event ping = new Event(); Event pong = new Event()) {
            CompletableFuture<Object> peer = spawn(true, responder(ping, pong, rounds));
            CompletableFuture<Object> self = spawn(true, () -> {
                for (int i = 0; i < rounds; i++) {
                    ping.signal();
                    if (pong.await(Duration.ofSeconds(20)) == TIMED_OUT) {
                        return "lost wake-up at round " + i;
                    }
                }
                return "ok";
            });
            assertEquals("ok", self.get(60, TimeUnit.SECONDS));
            assertEquals("ok", peer.get(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void manyConcurrentWritersLoseNoCount() throws Exception {
        int writers = 4;
        int perWriter = 50_000;
        long total = (long) writers * perWriter;
        try (Event e = new Event()) {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Object>> ws = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                ws.add(spawn(false, () -> {
                    start.await();
                    for (int i = 0; i < perWriter; i++) {
                        e.signal();
                    }
                    return null;
                }));
            }
            start.countDown();
            long seen = 0;
            while (seen < total) {
                seen += e.readCount();
            }
            for (CompletableFuture<Object> w : ws) {
                w.get(30, TimeUnit.SECONDS);
            }
            assertEquals(total, seen);
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    // 6. One reader at a time, detected.

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void secondConcurrentWaiterIsRejected(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            CompletableFuture<Object> first = spawn(virtual, () -> e.await(Duration.ofSeconds(60)));
            awaitWaiting(e);
            IllegalStateException x = assertThrows(IllegalStateException.class, () -> e.await(Duration.ofSeconds(1)));
            assertTrue(x.getMessage().contains("one reader at a time"), x.getMessage());
            assertThrows(IllegalStateException.class, e::readCount);
            e.signal();
            assertEquals(SIGNALED, first.get(30, TimeUnit.SECONDS));
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO), "the rejected call must leave the Event usable");
        }
    }

    @Test
    void secondWaiterThroughADuplicateIsRejected() throws Exception {
        try (Event e = new Event(); Event d = e.duplicate()) {
            CompletableFuture<Object> first = spawn(false, () -> e.await(Duration.ofSeconds(60)));
            awaitWaiting(e);
            assertThrows(IllegalStateException.class, () -> d.await(Duration.ofSeconds(1)));
            d.signal();
            assertEquals(SIGNALED, first.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void sequentialWaitersFromDifferentThreadsAreFine() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 20; i++) {
                e.signal();
                assertEquals(SIGNALED, spawn(i % 2 == 0, () -> e.await(Duration.ofSeconds(10))).get(30, TimeUnit.SECONDS));
            }
        }
    }

    // Interruption: like java.util.concurrent, and the signal is not consumed.

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void interruptEndsAWaitWithInterruptedException(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            CompletableFuture<Thread> self = new CompletableFuture<>();
            CompletableFuture<Object> r = spawn(virtual, () -> {
                self.complete(Thread.currentThread());
                try {
                    e.await();
                    return "returned normally";
                } catch (InterruptedException x) {
                    return Thread.currentThread().isInterrupted() ? "status still set" : "interrupted";
                }
            });
            awaitWaiting(e);
            self.get().interrupt();
            assertEquals("interrupted", r.get(30, TimeUnit.SECONDS));
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO), "the Event stays usable after an interrupted wait");
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void interruptedWaitDoesNotConsumeTheSignal(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            e.signal();
            CompletableFuture<Object> r = spawn(virtual, () -> {
                Thread.currentThread().interrupt();
                try {
                    e.await();
                    return "consumed";
                } catch (InterruptedException x) {
                    return "interrupted";
                }
            });
            assertEquals("interrupted", r.get(30, TimeUnit.SECONDS));
            assertEquals(SIGNALED, e.await(Duration.ZERO));
        }
    }

    @Test
    void interruptRacingASignalNeverLosesOrDuplicatesIt() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 300; i++) {
                CompletableFuture<Thread> self = new CompletableFuture<>();
                CompletableFuture<Object> r = spawn(false, () -> {
                    self.complete(Thread.currentThread());
                    try {
                        return e.await(Duration.ofSeconds(20)) == SIGNALED ? 1L : 0L;
                    } catch (InterruptedException x) {
                        return 0L;
                    }
                });
                Thread t = self.get();
                if (ThreadLocalRandom.current().nextBoolean()) {
                    e.signal();
                    t.interrupt();
                } else {
                    t.interrupt();
                    e.signal();
                }
                long consumed = (Long) r.get(30, TimeUnit.SECONDS);
                long left = e.await(Duration.ZERO) == SIGNALED ? 1 : 0;
                assertEquals(1, consumed + left, "round " + i + ": the one signal must be seen exactly once");
            }
        }
    }

    // The untimed wait of a platform thread blocks in read(2); interrupt and close end it by
    // injecting one unit into the counter, which must never show up as a signal.

    @Test
    void anInterruptedUntimedWaitLeavesNoPhantomSignal() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 50; i++) {
                CompletableFuture<Thread> self = new CompletableFuture<>();
                CompletableFuture<Object> r = spawn(false, () -> {
                    self.complete(Thread.currentThread());
                    return e.readCount();
                });
                awaitWaiting(e);
                self.get().interrupt();
                assertInstanceOf(InterruptedException.class, failure(r));
                assertEquals(TIMED_OUT, e.await(Duration.ZERO), "round " + i + ": the injected unit leaked out");
            }
        }
    }

    @Test
    void interruptRacingACountOnAnUntimedWaitKeepsTheCountExact() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 300; i++) {
                CompletableFuture<Thread> self = new CompletableFuture<>();
                CompletableFuture<Object> r = spawn(false, () -> {
                    self.complete(Thread.currentThread());
                    try {
                        long n = e.readCount();
                        Thread.interrupted(); // the status may stay set when the read won the race
                        return n;
                    } catch (InterruptedException x) {
                        return 0L;
                    }
                });
                Thread t = self.get();
                if (ThreadLocalRandom.current().nextBoolean()) {
                    e.writeCount(5);
                    t.interrupt();
                } else {
                    t.interrupt();
                    e.writeCount(5);
                }
                long taken = (Long) r.get(30, TimeUnit.SECONDS);
                e.writeCount(1000);                  // makes the leftover readable without blocking
                long left = e.readCount() - 1000;
                assertEquals(5, taken + left, "round " + i + ": taken " + taken + ", left " + left);
            }
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    @Test
    void closingADuplicateDoesNotDisturbAWaitThroughTheOriginal() throws Exception {
        try (Event e = new Event(); Event d = e.duplicate()) { // d is closed below; closing it again does nothing
            CompletableFuture<Object> r = spawn(false, e::readCount);
            awaitWaiting(e);
            d.close();
            Thread.sleep(20);
            assertFalse(r.isDone(), () -> "closing a duplicate ended the wait: " + outcomeOf(r));
            e.writeCount(3);
            assertEquals(3L, r.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aClosedUntimedWaitLeavesTheCountForTheDuplicates() throws Exception {
        try (Event survivor = new Event(); Event e = survivor.duplicate()) { // e is closed below as well
            CompletableFuture<Object> r = spawn(false, e::readCount);
            awaitWaiting(e);
            e.close();
            assertInstanceOf(ClosedException.class, failure(r));
            assertEquals(TIMED_OUT, survivor.await(Duration.ZERO), "the injected unit must not reach the duplicate");
            survivor.writeCount(2);
            assertEquals(2, survivor.readCount());
        }
    }

    // Close while waiting: the waiter gets ClosedException, never a hang or a stray error.

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void closeWhileWaitingEndsTheWaitWithClosedException(boolean virtual) throws Exception {
        Event e = new Event();
        CompletableFuture<Object> r = spawn(virtual, () -> {
            e.await();
            return "returned";
        });
        awaitWaiting(e);
        e.close();
        assertInstanceOf(ClosedException.class, failure(r));
        assertTrue(e.isClosed());
    }

    @Test
    void closeRacingAWaitAlwaysEndsItCleanly() throws Exception {
        for (int i = 0; i < 300; i++) {
            Event e = new Event();
            boolean virtual = i % 3 == 0;
            CompletableFuture<Object> r = spawn(virtual, () -> e.await(Duration.ofSeconds(20)));
            if (ThreadLocalRandom.current().nextBoolean()) {
                Thread.onSpinWait();
            } else {
                Thread.sleep(0, ThreadLocalRandom.current().nextInt(200_000));
            }
            e.close();
            Throwable t = failure(r);
            assertInstanceOf(ClosedException.class, t, "round " + i);
        }
    }

    @Test
    void signallersRacingCloseGetClosedExceptionOrSucceed() throws Exception {
        AtomicLong ok = new AtomicLong();
        for (int i = 0; i < 200; i++) {
            Event e = new Event();
            List<CompletableFuture<Object>> signallers = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                signallers.add(spawn(false, () -> {
                    for (int k = 0; k < 100; k++) {
                        try {
                            e.signal();
                            ok.incrementAndGet();
                        } catch (ClosedException closed) {
                            return "closed";
                        }
                    }
                    return "done";
                }));
            }
            e.close();
            for (CompletableFuture<Object> s : signallers) {
                Object v = s.get(30, TimeUnit.SECONDS);
                assertTrue(v.equals("closed") || v.equals("done"), String.valueOf(v));
            }
        }
        assertTrue(ok.get() > 0, "some signals must have landed before the closes");
    }

    @Test
    void manyVirtualThreadsEachWaitingOnItsOwnEventAllWake() throws Exception {
        int n = 200;
        List<Event> events = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                events.add(new Event());
            }
            List<CompletableFuture<Object>> waiters = new ArrayList<>();
            for (Event e : events) {
                waiters.add(spawn(true, () -> e.await(Duration.ofSeconds(60))));
            }
            for (Event e : events) {
                e.signal();
            }
            for (CompletableFuture<Object> w : waiters) {
                assertEquals(SIGNALED, w.get(60, TimeUnit.SECONDS));
            }
        } finally {
            events.forEach(Event::close);
        }
        assertFalse(events.isEmpty());
    }
}
