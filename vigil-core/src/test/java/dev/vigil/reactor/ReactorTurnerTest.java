package dev.vigil.reactor;

import dev.vigil.Event;
import dev.vigil.internal.ScheduledIo;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who turns a reactor: one turner at a time (a background thread holds the role for its whole
 * life), a background thread that survives a persistent error without spinning, and turns on
 * virtual threads, which park instead of holding their carrier in {@code epoll_wait}.
 */
class ReactorTurnerTest {

    // ---------------------------------------------------------------- one turner at a time

    @Test
    void aHandTurnWhileBackgroundDrivesIsRefusedAndTheBackgroundThreadKeepsDispatching() throws Exception {
        try (Reactor reactor = new Reactor(); Event e = new Event()) {
            Background bg = reactor.background();
            try {
                Registration reg = new Registration();
                reg.registerWith(e, bg.handle());
                // Each wake-up ends the background thread's turn and starts the next one: no
                // moment between two turns may let a hand turn in.
                for (int i = 0; i < 1000; i++) {
                    IllegalStateException refused = assertThrows(IllegalStateException.class,
                            () -> reactor.turn(Duration.ZERO), "hand turn " + i + " was let in");
                    assertTrue(refused.getMessage().contains("background()"), refused.getMessage());
                    reactor.poller.wake();
                }
                e.signal();
                assertTrue(reg.awaitReadReady(Duration.ofSeconds(30)).isReadable(),
                        "the background thread stopped dispatching");
                assertEquals(0, reactor.stats().failedTurns(), "the refused hand turns disturbed the background thread");
                reg.deregister(e);
            } finally {
                bg.shutdownNow();
            }
        }
    }

    @Test
    void backgroundIsRefusedWhileAThreadTurnsByHand() throws Exception {
        try (Reactor reactor = new Reactor()) {
            Worker turner = Worker.platform(() -> reactor.turn(null));
            try {
                turner.awaitBlockedIn("epoll_pwait", "epoll_wait");
                IllegalStateException refused = assertThrows(IllegalStateException.class, reactor::background);
                assertTrue(refused.getMessage().contains("turn"), refused.getMessage());
            } finally {
                reactor.close(); // ends the hand turn
            }
            assertEquals(0, turner.value());
        }
    }

    // ---------------------------------------------------------------- a persistent error

    /**
     * The background loop meets an error on every turn: the reactor's epoll number is made to
     * name {@code /dev/null} ({@code dup3}), so each {@code epoll_wait} fails with EINVAL. Over
     * an observation of half a second, a loop that retried at once would make hundreds of
     * thousands of attempts and log each one; a bounded exponential backoff makes about ten,
     * and the log gets a handful of records.
     */
    @Test
    void aBackgroundThreadWhoseTurnsKeepFailingBacksOffAndLogsRarely() throws Exception {
        Logger log = Logger.getLogger("dev.vigil");
        AtomicInteger records = new AtomicInteger();
        CountDownLatch firstRecord = new CountDownLatch(1);
        Handler counter = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.incrementAndGet();
                firstRecord.countDown();
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        boolean parentHandlers = log.getUseParentHandlers();
        log.addHandler(counter);
        log.setUseParentHandlers(false);
        int devNull = TestNative.open("/dev/null");
        try (Reactor reactor = newReactorWithEpollReplacedBy(devNull)) {
            Background bg = reactor.background();
            try {
                assertTrue(firstRecord.await(30, TimeUnit.SECONDS), "the first failure was not logged");
                Thread.sleep(500); // the observation: counts over it, not its length, are asserted
                int logged = records.get(); // first: each failure is counted before it is logged
                long attempts = reactor.stats().failedTurns();
                assertTrue(attempts >= 1, "no turn failed");
                assertTrue(attempts <= 20, attempts + " failed turns in half a second: the loop spins");
                // the 1st failure, then the 2nd, 4th, 8th...: 1 + floor(log2(attempts)) records
                long allowed = 1 + (63 - Long.numberOfLeadingZeros(attempts));
                assertTrue(logged <= allowed, logged + " log records for " + attempts + " failed turns: the log is flooded");
            } finally {
                bg.shutdownNow(); // also ends a pause between two attempts
            }
            assertTrue(bg.shutdownOnIdle().isDone(), "the background thread did not stop");
        } finally {
            TestNative.close(devNull);
            log.removeHandler(counter);
            log.setUseParentHandlers(parentHandlers);
        }
    }

    /** A new Reactor whose epoll number refers to {@code replacement}'s file instead. */
    private static Reactor newReactorWithEpollReplacedBy(int replacement) throws IOException {
        Set<Integer> before = epollNumbers();
        Reactor reactor = new Reactor();
        Set<Integer> created = epollNumbers();
        created.removeAll(before);
        if (created.size() != 1) {
            reactor.close();
            throw new AssertionError("cannot tell the reactor's epoll number among " + created);
        }
        TestNative.dup3(replacement, created.iterator().next());
        return reactor;
    }

    private static Set<Integer> epollNumbers() throws IOException {
        Set<Integer> numbers = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : fds) {
                try {
                    if (Files.readSymbolicLink(p).toString().equals("anon_inode:[eventpoll]")) {
                        numbers.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own descriptor, or one closed since the listing
                }
            }
        }
        return numbers;
    }

    // ---------------------------------------------------------------- turns on virtual threads

    /** The outcome of a turn on a virtual thread: what it returned, and its interrupt status then. */
    private record Outcome(int dispatched, boolean interrupted) {
    }

    private static Worker turnOnVirtualThread(Reactor reactor, Duration maxWait) throws InterruptedException {
        return Worker.virtual(() -> new Outcome(reactor.turn(maxWait), Thread.currentThread().isInterrupted()));
    }

    /** Waits until {@code w} is parked in a reactor wait, not merely off its carrier for a moment. */
    private static void awaitParkedInReactor(Worker w) throws InterruptedException {
        w.awaitParked();
        assertInstanceOf(ScheduledIo.class, LockSupport.getBlocker(w.thread()),
                "the virtual turner is parked, but not for the reactor's epoll descriptor");
    }

    @Test
    void aVirtualThreadTurnParksAndDispatchesReadinessThatArrivesLater() throws Exception {
        try (Reactor reactor = new Reactor(); Event e = new Event()) {
            Registration reg = new Registration();
            reg.registerWith(e, reactor.handle());
            Worker turner = turnOnVirtualThread(reactor, null);
            try {
                awaitParkedInReactor(turner); // in epoll_wait instead, it would stay RUNNABLE
                e.signal();
                assertEquals(new Outcome(1, false), turner.value());
                assertTrue(reg.takeReadReady().isReadable(), "the turn did not dispatch the readiness");
                reg.deregister(e);
            } finally {
                reactor.close(); // ends the turn if an assertion failed first
            }
        }
    }

    @Test
    void interruptingAParkedVirtualThreadTurnEndsItAndKeepsTheStatus() throws Exception {
        try (Reactor reactor = new Reactor()) {
            Worker turner = turnOnVirtualThread(reactor, null);
            try {
                awaitParkedInReactor(turner);
                turner.interrupt();
                assertEquals(new Outcome(0, true), turner.value());
            } finally {
                reactor.close();
            }
        }
    }

    @Test
    void closingTheReactorEndsAParkedVirtualThreadTurn() throws Exception {
        try (Reactor reactor = new Reactor()) {
            Worker turner = turnOnVirtualThread(reactor, null);
            try {
                awaitParkedInReactor(turner);
                reactor.close();
                assertEquals(new Outcome(0, false), turner.value());
                assertThrows(dev.vigil.ClosedException.class, () -> reactor.turn(Duration.ZERO));
            } finally {
                reactor.close();
            }
        }
    }

    @Test
    void aTimedVirtualThreadTurnWithNothingReadyParksAndEndsWithNothing() throws Exception {
        try (Reactor reactor = new Reactor()) {
            Worker turner = turnOnVirtualThread(reactor, Duration.ofSeconds(1));
            try {
                awaitParkedInReactor(turner);
                assertEquals(new Outcome(0, false), turner.value());
                assertEquals(1, reactor.stats().turns());
            } finally {
                reactor.close();
            }
        }
    }

    /**
     * As many private reactors as there are carriers, each turned without limit by a virtual
     * thread: the turners park, so the carriers stay free for a hundred other virtual threads
     * that wait on Events through the default reactor, and every turner still dispatches its
     * own readiness afterwards.
     */
    @Test
    void virtualThreadTurnersLeaveTheCarriersToVirtualThreadsWaitingThroughTheDefaultReactor() throws Exception {
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                Runtime.getRuntime().availableProcessors());
        List<Reactor> reactors = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        List<Worker> threads = new ArrayList<>();
        try {
            List<Registration> registrations = new ArrayList<>();
            List<Worker> turners = new ArrayList<>();
            for (int i = 0; i < carriers; i++) {
                Reactor reactor = new Reactor();
                reactors.add(reactor);
                Event e = new Event();
                events.add(e);
                Registration reg = new Registration();
                reg.registerWith(e, reactor.handle());
                registrations.add(reg);
                turners.add(turnOnVirtualThread(reactor, null));
            }
            threads.addAll(turners);
            for (Worker t : turners) {
                awaitParkedInReactor(t);
            }
            int waiters = 100;
            CountDownLatch woken = new CountDownLatch(waiters);
            List<Event> waited = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                Event e = new Event();
                events.add(e);
                waited.add(e);
                threads.add(Worker.virtual(() -> {
                    e.await();
                    woken.countDown();
                    return "woken";
                }));
            }
            for (Event e : waited) {
                e.signal();
            }
            assertTrue(woken.await(60, TimeUnit.SECONDS), woken.getCount() + " waiters never ran or never woke");
            for (int i = 0; i < carriers; i++) {
                events.get(i).signal();
                assertEquals(new Outcome(1, false), turners.get(i).value());
                assertTrue(registrations.get(i).takeReadReady().isReadable());
                registrations.get(i).deregister(events.get(i));
            }
        } finally {
            reactors.forEach(Reactor::close); // ends any turn still parked
            for (Worker t : threads) {
                t.close();
            }
            events.forEach(Event::close);
        }
        assertFalse(reactors.isEmpty());
    }
}
