package dev.vigil.reactor;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.Event;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §3 items 15-21 and 24 on a reactor turned by hand, so every step is deterministic:
 * nothing is dispatched until the test calls {@link #turn()}.
 */
class RegistrationTest {
    private Reactor reactor;

    @BeforeEach
    void newReactor() throws Exception {
        reactor = new Reactor();
    }

    @AfterEach
    void closeReactor() {
        reactor.close();
    }

    /** Dispatches whatever the kernel has; returns how many events. */
    private int turn() throws Exception {
        return reactor.turn(Duration.ofMillis(20));
    }

    // 15. register: true once, false after; failures do not poison.

    @Test
    void registerReturnsTrueOnceThenFalse() throws Exception {
        try (Event e = new Event()) {
            Registration reg = new Registration();
            assertTrue(reg.registerWith(e, reactor.handle()));
            assertFalse(reg.registerWith(e, reactor.handle()));
            assertTrue(reg.isRegistered());
            reg.deregister(e);
        }
    }

    @Test
    void manyThreadsRacingRegisterGetExactlyOneTrue() throws Exception {
        for (int round = 0; round < 20; round++) {
            try (Event e = new Event()) {
                Registration reg = new Registration();
                CountDownLatch go = new CountDownLatch(1);
                AtomicInteger trues = new AtomicInteger();
                Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            go.await();
                            if (reg.registerWith(e, reactor.handle())) {
                                trues.incrementAndGet();
                            }
                        } catch (Throwable x) {
                            failures.add(x); // a thread that failed must not pass for one that got false
                        }
                    }));
                }
                go.countDown();
                for (Thread t : threads) {
                    t.join();
                }
                assertNoFailures(failures, "round " + round);
                assertEquals(1, trues.get(), "round " + round);
                assertEquals(1, reactor.stats().registrations());
                reg.deregister(e);
            }
        }
    }

    @Test
    void aFailedRegistrationReportsItsErrorAndDoesNotPoisonLaterCalls() throws Exception {
        Path f = Files.createTempFile("vigil", ".txt");
        try (RawFd file = new RawFd(TestNative.open(f.toString())); Event e = new Event()) {
            Registration reg = new Registration();
            ErrnoException x = assertThrows(ErrnoException.class, () -> reg.registerWith(file, reactor.handle()));
            assertEquals("EPERM", x.errnoName());
            assertFalse(reg.isRegistered());
            assertTrue(reg.registerWith(e, reactor.handle()), "a later call must still be able to register");
            reg.deregister(e);
        } finally {
            Files.delete(f);
        }
    }

    // 16. Polling before register; nothing after deregister.

    @Test
    void pollingBeforeRegisterIsAnError() {
        Registration reg = new Registration();
        assertThrows(IllegalStateException.class, reg::takeReadReady);
        assertThrows(IllegalStateException.class, () -> reg.pollWriteReady(() -> { }));
        assertThrows(IllegalStateException.class, reg::readReady);
        IllegalStateException x = assertThrows(IllegalStateException.class, reg::awaitReadReady);
        assertTrue(x.getMessage().contains("register"), x.getMessage());
    }

    @Test
    void afterDeregisterNoFurtherNotifications() throws Exception {
        try (Event e = new Event()) {
            Registration reg = new Registration();
            reg.registerWith(e, reactor.handle());
            turn();
            reg.takeWriteReady();
            AtomicInteger woken = new AtomicInteger();
            assertTrue(reg.pollReadReady(woken::incrementAndGet).isEmpty());
            reg.deregister(e);
            assertEquals(1, woken.get(), "deregister wakes the waker once, so its task sees the end");
            e.signal();
            assertEquals(0, turn(), "nothing is dispatched after deregister");
            assertEquals(1, woken.get());
            assertThrows(ClosedException.class, reg::takeReadReady);
            assertEquals(0, reactor.stats().registrations());
        }
    }

    // 17. Independent streams.

    @Test
    void readAndWriteStreamsAreIndependent() throws Exception {
        RawFd[] sock = RawFd.socketPair();
        try {
            Registration reg = new Registration();
            reg.registerWith(sock[0], reactor.handle());
            turn();
            Readiness w = reg.takeWriteReady();
            assertTrue(w.isWritable());
            assertFalse(w.isReadable());
            assertTrue(reg.takeReadReady().isEmpty(), "taking the write stream leaves the read stream alone");
            sock[1].write(1);
            turn();
            Readiness r = reg.takeReadReady();
            assertTrue(r.isReadable());
            assertFalse(r.isWritable(), "the read stream never carries writable");
            reg.deregister(sock[0]);
        } finally {
            sock[0].close();
            sock[1].close();
        }
    }

    @Test
    void theTwoStreamsCanBeConsumedFromTwoThreads() throws Exception {
        RawFd[] sock = RawFd.socketPair();
        try {
            Background background = reactor.background();
            Registration reg = new Registration();
            reg.registerWith(sock[0], background.handle());
            Worker reader = Worker.platform(reg::awaitReadReady);
            Worker writer = Worker.platform(reg::awaitWriteReady);
            assertTrue(((Readiness) writer.value()).isWritable());
            reader.awaitParked(); // still waiting: the writable socket woke only the write stream
            sock[1].write(7);
            assertTrue(((Readiness) reader.value()).isReadable());
            reg.deregister(sock[0]);
            background.shutdownNow();
        } finally {
            sock[0].close();
            sock[1].close();
        }
    }

    @Test
    void theFirstEdgeOfAnAlreadyReadyDescriptorIsNeverLostWhileTheReactorTurns() throws Exception {
        // The kernel queues that edge during EPOLL_CTL_ADD; a turner on another thread may
        // dispatch it before register returns. Edge-triggered: if dropped, it never repeats.
        Background bg = reactor.background();
        for (int i = 0; i < 300; i++) {
            try (Event e = new Event()) {
                Registration reg = new Registration();
                reg.registerWith(e, bg.handle());
                assertTrue(reg.awaitWriteReady(Duration.ofSeconds(30)).isWritable(), "round " + i + ": first edge lost");
                reg.deregister(e);
            }
        }
        bg.shutdownNow();
    }

    // 18. Edge-triggered.

    @Test
    void edgeTriggeredOnAPipeOneEventPerNewData() throws Exception {
        RawFd[] pipe = RawFd.pipe();
        try {
            Registration reg = new Registration();
            reg.registerWith(pipe[0], reactor.handle());
            turn();
            assertTrue(reg.takeReadReady().isEmpty());
            pipe[1].write(1);
            turn();
            assertTrue(reg.takeReadReady().isReadable());
            assertTrue(reg.takeReadReady().isEmpty(), "returned once, then consumed");
            pipe[0].read(); // drained to EAGAIN
            assertEquals(0, turn(), "no new data, no event");
            assertTrue(reg.takeReadReady().isEmpty());
            pipe[1].write(2);
            turn();
            assertTrue(reg.takeReadReady().isReadable(), "new data, new event");
            reg.deregister(pipe[0]);
        } finally {
            pipe[0].close();
            pipe[1].close();
        }
    }

    @Test
    void aNewSignalProducesANewReadinessOnAnEvent() throws Exception {
        try (Event e = new Event()) {
            Registration reg = new Registration();
            reg.registerWith(e, reactor.handle());
            for (int i = 0; i < 5; i++) {
                e.signal();
                turn();
                assertTrue(reg.takeReadReady().isReadable(), "signal " + i);
                assertTrue(reg.takeReadReady().isEmpty());
                e.reset();
            }
            reg.deregister(e);
        }
    }

    // 19. HUP is sticky on both streams.

    @Test
    void hangUpIsStickyOnAPipe() throws Exception {
        RawFd[] pipe = RawFd.pipe();
        try {
            Registration reg = new Registration();
            reg.registerWith(pipe[0], reactor.handle());
            turn();
            pipe[1].close();
            turn();
            assertTrue(reg.takeReadReady().isHup());
            for (int i = 0; i < 3; i++) {
                assertTrue(reg.takeReadReady().isHup(), "read stream, take " + i);
                assertTrue(reg.takeWriteReady().isHup(), "write stream, take " + i);
                assertTrue(reg.pollReadReady(() -> { }).isHup());
            }
            reg.deregister(pipe[0]);
        } finally {
            pipe[0].close();
        }
    }

    @Test
    void hangUpIsStickyWhenASocketPeerCloses() throws Exception {
        RawFd[] sock = RawFd.socketPair();
        try {
            Registration reg = new Registration();
            reg.registerWith(sock[0], reactor.handle());
            turn();
            reg.takeWriteReady();
            sock[1].close();
            turn();
            assertTrue(reg.takeReadReady().isHup());
            assertTrue(reg.takeWriteReady().isHup(), "sticky on the other stream too");
            assertTrue(reg.awaitWriteReady(Duration.ZERO).isHup());
            reg.deregister(sock[0]);
        } finally {
            sock[0].close();
        }
    }

    // 20. Platform events on the read stream; a broken pipe wakes writers too.

    @Test
    void aPipeWhoseReaderClosedShowsAnErrorOnBothStreams() throws Exception {
        RawFd[] pipe = RawFd.pipe();
        try {
            Registration reg = new Registration();
            reg.registerWith(pipe[1], reactor.handle());
            turn();
            assertTrue(reg.takeWriteReady().isWritable());
            pipe[0].close();
            turn();
            assertTrue(reg.takeWriteReady().isError(), "a writer must learn the pipe is broken");
            Readiness r = reg.takeReadReady();
            assertTrue(r.isError(), "platform events arrive on the read stream: " + r);
            assertFalse(r.isWritable());
            reg.deregister(pipe[1]);
        } finally {
            pipe[1].close();
        }
    }

    // The write stream's EPOLLOUT interest is added on its first use.

    @Test
    void readingAnEventQueuesNoWritableEventsUntilTheWriteStreamIsUsed() throws Exception {
        try (Event e = new Event()) {
            Registration reg = new Registration();
            reg.registerWith(e, reactor.handle());
            for (int i = 0; i < 3; i++) {
                e.signal();
                assertEquals(1, turn(), "one event per signal");
                assertTrue(reg.takeReadReady().isReadable());
                e.reset(); // with EPOLLOUT in the interest, this read would queue a writable event
                assertEquals(0, reactor.turn(Duration.ZERO), "reading queued an event for a stream nobody uses");
            }
            Readiness w = reg.takeWriteReady(); // first use: no turn needed to see that it is writable
            assertTrue(w.isWritable(), "an eventfd is writable at once: " + w);
            assertFalse(w.isReadable());
            reg.deregister(e);
        }
    }

    @Test
    void aWriteStreamFirstUsedOnAFullPipeReportsWritableOnceTheReaderDrains() throws Exception {
        int[] p = TestNative.nonBlockingPipe();
        RawFd reader = new RawFd(p[0]);
        RawFd writer = new RawFd(p[1]);
        try {
            Registration reg = new Registration();
            reg.registerWith(writer, reactor.handle());
            assertTrue(TestNative.pump(writer.rawDescriptor(), true) > 0);
            assertTrue(reg.takeWriteReady().isEmpty(), "a full pipe is not writable");
            turn();
            assertTrue(reg.takeWriteReady().isEmpty(), "and the added interest reports nothing either");
            CompletableFuture<Readiness> writable = reg.writeReady();
            assertTrue(TestNative.pump(reader.rawDescriptor(), false) > 0);
            turn();
            assertTrue(writable.get(10, TimeUnit.SECONDS).isWritable(), "draining the pipe makes it writable");
            reg.deregister(writer);
        } finally {
            reader.close();
            writer.close();
        }
    }

    @Test
    void theWriteStreamOfADeregisteredRegistrationFailsClearly() throws Exception {
        try (Event e = new Event()) {
            Registration reg = new Registration();
            reg.registerWith(e, reactor.handle());
            reg.deregister(e);
            assertThrows(ClosedException.class, reg::takeWriteReady);
            assertThrows(ClosedException.class, () -> reg.pollWriteReady(() -> { }));
            java.util.concurrent.ExecutionException x =
                    assertThrows(java.util.concurrent.ExecutionException.class, () -> reg.writeReady().get(10, TimeUnit.SECONDS));
            assertTrue(x.getCause() instanceof java.io.IOException, x.toString());
        }
    }

    // 21. poll registers the waker and re-checks; wakers run outside any lock.

    @Test
    void pollRegistersTheWakerWhichTheNextEventCalls() throws Exception {
        try (Event e = new Event()) {
            Registration reg = new Registration();
            reg.registerWith(e, reactor.handle());
            AtomicInteger woken = new AtomicInteger();
            Readiness first = Task.call(woken::incrementAndGet, reg::pollReadReady);
            assertTrue(first.isEmpty());
            e.signal();
            turn();
            assertEquals(1, woken.get());
            assertTrue(Task.call(woken::incrementAndGet, reg::pollReadReady).isReadable());
            reg.deregister(e);
        }
    }

    @Test
    void pollOutsideATaskIsIllegalState() throws Exception {
        try (Event e = new Event()) {
            Registration reg = new Registration();
            reg.registerWith(e, reactor.handle());
            IllegalStateException x = assertThrows(IllegalStateException.class, reg::pollReadReady);
            assertTrue(x.getMessage().contains("Task.run"), x.getMessage());
            assertThrows(IllegalStateException.class, reg::pollWriteReady);
            assertThrows(IllegalStateException.class, Task::current);
            assertTrue(reg.takeReadReady().isEmpty(), "take is fine outside a task");
            reg.deregister(e);
        }
    }

    @Test
    void anEventRacingThePollIsNeverLost() throws Exception {
        try (Event e = new Event()) {
            Background bg = reactor.background();
            Registration reg = new Registration();
            reg.registerWith(e, bg.handle());
            for (int i = 0; i < 2000; i++) {
                CountDownLatch woken = new CountDownLatch(1);
                Thread signaller = Thread.ofPlatform().start(() -> {
                    try {
                        e.signal();
                    } catch (Exception x) {
                        throw new RuntimeException(x);
                    }
                });
                Readiness r = reg.pollReadReady(woken::countDown);
                if (r.isEmpty()) {
                    assertTrue(woken.await(30, TimeUnit.SECONDS), "round " + i + ": the waker was never called");
                    r = reg.takeReadReady();
                    if (r.isEmpty()) { // the waker may come from the previous round's edge: one more wait
                        assertTrue(reg.awaitReadReady(Duration.ofSeconds(30)).isReadable(), "round " + i + ": lost");
                    }
                }
                signaller.join();
                e.reset();
            }
            reg.deregister(e);
            bg.shutdownNow();
        }
    }

    @Test
    void aDeregisterRacingAPollEitherFailsThePollOrCallsItsWaker() throws Exception {
        Background bg = reactor.background();
        for (int i = 0; i < 1000; i++) {
            try (Event e = new Event()) {
                Registration reg = new Registration();
                reg.registerWith(e, bg.handle());
                CountDownLatch woken = new CountDownLatch(1);
                CountDownLatch go = new CountDownLatch(1);
                Thread closer = Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        reg.deregister(e);
                    } catch (Exception x) {
                        throw new RuntimeException(x);
                    }
                });
                go.countDown();
                try {
                    Readiness r = reg.pollReadReady(woken::countDown);
                    assertTrue(r.isEmpty(), "nothing was signalled: " + r);
                    assertTrue(woken.await(30, TimeUnit.SECONDS), "round " + i + ": the pending poll was never woken by the deregister");
                } catch (ClosedException expected) {
                    // the deregister came first
                }
                closer.join();
                assertThrows(ClosedException.class, () -> reg.pollReadReady(() -> { }), "later polls fail fast");
            }
        }
        bg.shutdownNow();
    }

    @Test
    void wakersAreCalledOutsideAnyLock() throws Exception {
        try (Event e = new Event()) {
            Background bg = reactor.background();
            Registration reg = new Registration();
            reg.registerWith(e, bg.handle());
            CompletableFuture<String> outcome = new CompletableFuture<>();
            // The waker waits for another thread that polls the same registration: under a
            // lock held by the dispatcher, that poll would block and this would time out.
            assertTrue(reg.pollReadReady(() -> {
                AtomicReference<Throwable> otherFailure = new AtomicReference<>();
                Thread other = Thread.ofPlatform().start(() -> {
                    try {
                        reg.pollReadReady(() -> { });
                        reg.takeWriteReady();
                    } catch (Throwable x) {
                        otherFailure.set(x);
                    }
                });
                try {
                    other.join(10_000);
                    if (other.isAlive()) {
                        outcome.complete("blocked: the waker ran under a lock");
                    } else if (otherFailure.get() != null) {
                        outcome.completeExceptionally(new AssertionError("the polling thread failed", otherFailure.get()));
                    } else {
                        outcome.complete("ok");
                    }
                } catch (InterruptedException x) {
                    outcome.complete("interrupted");
                }
            }).isEmpty());
            e.signal();
            assertEquals("ok", outcome.get(60, TimeUnit.SECONDS));
            reg.deregister(e);
            bg.shutdownNow();
        }
    }

    @Test
    void aWakerThatThrowsIsCountedAndTheReactorCarriesOn() throws Exception {
        try (Event a = new Event(); Event b = new Event()) {
            Registration ra = new Registration();
            Registration rb = new Registration();
            ra.registerWith(a, reactor.handle());
            rb.registerWith(b, reactor.handle());
            turn();
            ra.pollReadReady(() -> {
                throw new IllegalStateException("a broken waker (expected in this test)");
            });
            AtomicInteger woken = new AtomicInteger();
            rb.pollReadReady(woken::incrementAndGet);
            a.signal();
            b.signal();
            turn();
            assertEquals(1, reactor.stats().wakerFailures());
            assertEquals(1, woken.get(), "the other waker still ran");
            b.reset();
            b.signal();
            turn();
            assertTrue(rb.takeReadReady().isReadable(), "the reactor keeps dispatching");
            ra.deregister(a);
            rb.deregister(b);
        }
    }

    // 24. A reused number never gets the old registration's events.

    @Test
    void aReusedDescriptorNumberNeverReceivesTheOldRegistrationsEvents() throws Exception {
        Event old = new Event();
        int number = old.rawDescriptor();
        Registration oldReg = new Registration();
        oldReg.registerWith(old, reactor.handle());
        old.signal();
        old.close(); // closed without deregister: the kernel drops it with its file
        try (Event reused = new Event()) {
            assertEquals(number, reused.rawDescriptor(), "the kernel reuses the lowest free number");
            Registration reg = new Registration();
            reg.registerWith(reused, reactor.handle());
            turn();
            assertTrue(reg.takeReadReady().isEmpty(), "the old signal must not reach the new registration");
            assertTrue(oldReg.takeReadReady().isEmpty(), "nor the old registration, whose file is gone");
            oldReg.deregister(() -> number); // stale: must not take the new registration down with it
            reused.signal();
            turn();
            assertTrue(reg.takeReadReady().isReadable(), "the new registration survives the stale deregister");
            reg.deregister(reused);
        }
    }

    /** Fails with the first of the worker threads' failures as the cause, if there were any. */
    static void assertNoFailures(Queue<Throwable> failures, String context) {
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(context + ": " + failures.size() + " worker thread(s) failed", failures.peek());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
