package dev.vigil;

import dev.vigil.testing.Spin;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import static dev.vigil.EventWaitResult.SIGNALED;
import static dev.vigil.EventWaitResult.TIMED_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §3 items 5 and 6, interruption and close while waiting, on platform and virtual
 * threads, with enough iterations to catch a lost wake-up.
 */
class EventConcurrencyTest {
    /** Where a platform thread's untimed wait blocks: read(2) on the eventfd. */
    static final String UNTIMED = "read";
    /** Where a timed wait blocks, and an untimed one where no signal can end a read: ppoll. */
    static final String POLLED = "ppoll";

    // 5. Signals from other threads.

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void signalFromAnotherThreadWakesABlockedWaiter(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            Worker r = Worker.start(virtual, () -> {
                e.await();
                return "woken";
            });
            r.awaitBlockedIn(UNTIMED, POLLED);
            e.signal();
            assertEquals("woken", r.value());
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void signalBeforeWaitIsNotLost(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            e.signal();
            Worker r = Worker.start(virtual, () -> e.await(Duration.ofSeconds(30)));
            assertEquals(SIGNALED, r.value());
        }
    }

    /** The answering side of a ping-pong: await ping, signal pong, {@code rounds} times; "ok" or what was lost. */
    static Worker.Body responder(Event ping, Event pong, int rounds) {
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
            Worker peer = Worker.start(false, responder(ping, pong, rounds));
            for (int i = 0; i < rounds; i++) {
                ping.signal();
                assertEquals(SIGNALED, pong.await(Duration.ofSeconds(20)), "lost wake-up at round " + i);
            }
            assertEquals("ok", peer.value());
        }
    }

    @Test
    void pingPongWithVirtualThreadsNeverLosesAWakeup() throws Exception {
        int rounds = 2_000;
        try (Event ping = new Event(); Event pong = new Event()) {
            Worker peer = Worker.start(true, responder(ping, pong, rounds));
            Worker self = Worker.start(true, () -> {
                for (int i = 0; i < rounds; i++) {
                    ping.signal();
                    if (pong.await(Duration.ofSeconds(20)) == TIMED_OUT) {
                        return "lost wake-up at round " + i;
                    }
                }
                return "ok";
            });
            assertEquals("ok", self.value());
            assertEquals("ok", peer.value());
        }
    }

    @Test
    void manyConcurrentWritersLoseNoCount() throws Exception {
        int writers = 4;
        int perWriter = 50_000;
        long total = (long) writers * perWriter;
        try (Event e = new Event()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Worker> ws = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                ws.add(Worker.start(false, () -> {
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
            for (Worker w : ws) {
                w.value();
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
            Worker first = Worker.start(virtual, () -> e.await(Duration.ofSeconds(60)));
            first.awaitBlockedIn(POLLED);
            IllegalStateException x = assertThrows(IllegalStateException.class, () -> e.await(Duration.ofSeconds(1)));
            assertTrue(x.getMessage().contains("one reader at a time"), x.getMessage());
            assertThrows(IllegalStateException.class, e::readCount);
            e.signal();
            assertEquals(SIGNALED, first.value());
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO), "the rejected call must leave the Event usable");
        }
    }

    @Test
    void secondWaiterThroughADuplicateIsRejected() throws Exception {
        try (Event e = new Event(); Event d = e.duplicate()) {
            Worker first = Worker.start(false, () -> e.await(Duration.ofSeconds(60)));
            first.awaitBlockedIn(POLLED);
            assertThrows(IllegalStateException.class, () -> d.await(Duration.ofSeconds(1)));
            d.signal();
            assertEquals(SIGNALED, first.value());
        }
    }

    @Test
    void sequentialWaitersFromDifferentThreadsAreFine() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 20; i++) {
                e.signal();
                assertEquals(SIGNALED, Worker.start(i % 2 == 0, () -> e.await(Duration.ofSeconds(10))).value());
            }
        }
    }

    // Interruption: like java.util.concurrent, and the signal is not consumed.

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void interruptEndsAWaitWithInterruptedException(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            Worker r = Worker.start(virtual, () -> {
                try {
                    e.await();
                    return "returned normally";
                } catch (InterruptedException x) {
                    return Thread.currentThread().isInterrupted() ? "status still set" : "interrupted";
                }
            });
            r.awaitBlockedIn(UNTIMED, POLLED);
            r.interrupt();
            assertEquals("interrupted", r.value());
            e.signal();
            assertEquals(SIGNALED, e.await(Duration.ZERO), "the Event stays usable after an interrupted wait");
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void interruptedWaitDoesNotConsumeTheSignal(boolean virtual) throws Exception {
        try (Event e = new Event()) {
            e.signal();
            Worker r = Worker.start(virtual, () -> {
                Thread.currentThread().interrupt();
                try {
                    e.await();
                    return "consumed";
                } catch (InterruptedException x) {
                    return "interrupted";
                }
            });
            assertEquals("interrupted", r.value());
            assertEquals(SIGNALED, e.await(Duration.ZERO));
        }
    }

    @Test
    void interruptRacingASignalNeverLosesOrDuplicatesIt() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 300; i++) {
                Worker r = Worker.start(false, () -> {
                    try {
                        return e.await(Duration.ofSeconds(20)) == SIGNALED ? 1L : 0L;
                    } catch (InterruptedException x) {
                        return 0L;
                    }
                });
                Thread t = r.thread();
                if (ThreadLocalRandom.current().nextBoolean()) {
                    e.signal();
                    t.interrupt();
                } else {
                    t.interrupt();
                    e.signal();
                }
                long consumed = (Long) r.value();
                long left = e.await(Duration.ZERO) == SIGNALED ? 1 : 0;
                assertEquals(1, consumed + left, "round " + i + ": the one signal must be seen exactly once");
            }
        }
    }

    // The untimed wait of a platform thread blocks in read(2); interrupt and close end it with
    // a signal to that thread, never with a count that any holder could read.

    @Test
    void anInterruptedUntimedWaitLeavesNoPhantomSignal() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 50; i++) {
                Worker r = Worker.start(false, e::readCount);
                r.awaitBlockedIn(UNTIMED, POLLED);
                r.interrupt();
                assertInstanceOf(InterruptedException.class, r.failure());
                assertEquals(TIMED_OUT, e.await(Duration.ZERO), "round " + i + ": the injected unit leaked out");
            }
        }
    }

    @Test
    void interruptRacingACountOnAnUntimedWaitKeepsTheCountExact() throws Exception {
        try (Event e = new Event()) {
            for (int i = 0; i < 300; i++) {
                Worker r = Worker.start(false, () -> {
                    try {
                        long n = e.readCount();
                        Thread.interrupted(); // the status may stay set when the read won the race
                        return n;
                    } catch (InterruptedException x) {
                        return 0L;
                    }
                });
                Thread t = r.thread();
                if (ThreadLocalRandom.current().nextBoolean()) {
                    e.writeCount(5);
                    t.interrupt();
                } else {
                    t.interrupt();
                    e.writeCount(5);
                }
                long taken = (Long) r.value();
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
            Worker r = Worker.start(false, e::readCount);
            r.awaitBlockedIn(UNTIMED, POLLED);
            d.close();
            // A close that reached this wait would end it with ClosedException, before the count below.
            r.awaitBlockedIn(UNTIMED, POLLED);
            assertFalse(r.isDone(), () -> "closing a duplicate ended the wait: " + r.outcomeNow());
            e.writeCount(3);
            assertEquals(3L, r.value());
        }
    }

    @Test
    void aClosedUntimedWaitLeavesTheCountForTheDuplicates() throws Exception {
        try (Event survivor = new Event(); Event e = survivor.duplicate()) { // e is closed below as well
            Worker r = Worker.start(false, e::readCount);
            r.awaitBlockedIn(UNTIMED, POLLED);
            e.close();
            assertInstanceOf(ClosedException.class, r.failure());
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
        Worker r = Worker.start(virtual, () -> {
            e.await();
            return "returned";
        });
        r.awaitBlockedIn(UNTIMED, POLLED);
        e.close();
        assertInstanceOf(ClosedException.class, r.failure());
        assertTrue(e.isClosed());
    }

    @Test
    void closeRacingAWaitAlwaysEndsItCleanly() throws Exception {
        for (int i = 0; i < 300; i++) {
            Event e = new Event();
            boolean virtual = i % 3 == 0;
            Worker r = Worker.start(virtual, () -> e.await(Duration.ofSeconds(20)));
            Spin.forNanos(ThreadLocalRandom.current().nextInt(200_000));
            e.close();
            Throwable t = r.failure();
            assertInstanceOf(ClosedException.class, t, "round " + i);
        }
    }

    @Test
    void signallersRacingCloseGetClosedExceptionOrSucceed() throws Exception {
        AtomicLong ok = new AtomicLong();
        for (int i = 0; i < 200; i++) {
            Event e = new Event();
            List<Worker> signallers = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                signallers.add(Worker.start(false, () -> {
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
            for (Worker s : signallers) {
                Object v = s.value();
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
            List<Worker> waiters = new ArrayList<>();
            for (Event e : events) {
                waiters.add(Worker.start(true, () -> e.await(Duration.ofSeconds(60))));
            }
            for (Event e : events) {
                e.signal();
            }
            for (Worker w : waiters) {
                assertEquals(SIGNALED, w.value());
            }
        } finally {
            events.forEach(Event::close);
        }
        assertFalse(events.isEmpty());
    }
}
