package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.internal.linux.EPoll;
import dev.vigil.reactor.Readiness;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Poller}, the engine of a reactor, turned by hand: registrations come and go, each
 * edge is dispatched once, an event for a removed registration never reaches anyone (not even
 * the registration that reuses its slot), {@link Poller#wake()} ends a turn, and
 * {@link Poller#close()} wakes the turner and shuts every registration down.
 */
class PollerTest {
    /** Where a hand turn without a time limit blocks. */
    private static final String[] TURN = {"epoll_pwait", "epoll_wait"};
    private static final long A_WHILE = TimeUnit.SECONDS.toNanos(20);

    private Poller poller;
    private final List<RawFd> opened = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        poller = new Poller("test");
    }

    @AfterEach
    void closeAll() {
        poller.close();
        opened.forEach(RawFd::close);
    }

    /** A new non-blocking eventfd, closed after the test. */
    private int eventfd() {
        return own(TestNative.eventfd(0, TestNative.EFD_CLOEXEC | TestNative.O_NONBLOCK));
    }

    private int own(int number) {
        opened.add(new RawFd(number));
        return number;
    }

    private static void signal(int fd) {
        assertEquals(8, TestNative.writeLong(fd, 1));
    }

    @Test
    void registrationsComeAndGo() throws Exception {
        int a = eventfd();
        int b = eventfd();
        ScheduledIo first = new ScheduledIo();
        ScheduledIo second = new ScheduledIo();
        poller.add(first, a, Poller.READ_STREAM);
        poller.add(second, b, Poller.READ_STREAM);
        assertEquals(2, poller.size());
        assertSame(poller, first.poller());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> poller.add(new ScheduledIo(), a, Poller.READ_STREAM));
        assertTrue(twice.getMessage().contains("already registered"), twice.getMessage());
        assertEquals(2, poller.size(), "a refused registration counts for nothing");

        poller.remove(first);
        assertEquals(1, poller.size());
        assertNull(first.poller());
        poller.remove(first);
        assertEquals(1, poller.size(), "a second remove does nothing");

        ScheduledIo again = new ScheduledIo();
        poller.add(again, a, Poller.READ_STREAM); // the number is free again
        assertEquals(2, poller.size());
        assertEquals(3, poller.registrationsEver());
        poller.remove(again);
        poller.remove(second);
        assertEquals(0, poller.size());
    }

    @Test
    void eachEdgeIsDispatchedOnce() throws Exception {
        int a = eventfd();
        ScheduledIo io = new ScheduledIo();
        poller.add(io, a, Poller.READ_STREAM);
        assertEquals(0, poller.turn(0), "nothing has happened yet");

        signal(a);
        assertEquals(1, poller.turn(A_WHILE));
        assertTrue(io.take(ScheduledIo.READ).isReadable());
        // The eventfd is still readable (nobody read it), but there is no new edge.
        assertEquals(0, poller.turn(0), "a level, not an edge, was reported again");
        assertTrue(io.take(ScheduledIo.READ).isEmpty());

        signal(a); // a new edge
        assertEquals(1, poller.turn(A_WHILE));
        assertTrue(io.take(ScheduledIo.READ).isReadable());
        assertEquals(2, poller.eventsDispatched());
        poller.remove(io);
    }

    @Test
    void anEdgeThatCameBeforeTheRemoveIsNotDispatchedAfterIt() throws Exception {
        int a = eventfd();
        ScheduledIo io = new ScheduledIo();
        poller.add(io, a, Poller.READ_STREAM);
        signal(a); // queued in the kernel, not yet collected
        poller.remove(io);
        assertEquals(0, poller.turn(0));
        assertTrue(io.take(ScheduledIo.READ).isEmpty(), "a removed registration received an event");
        assertEquals(0, poller.eventsDispatched());
    }

    /**
     * The kernel keeps an epoll entry per file and number. Here number {@code n} is made to
     * name a second file while the first stays open under another number, so the first
     * file's entry, with the removed registration's token, survives the remove (no
     * {@code EPOLL_CTL_DEL} may name {@code n}: it would hit the second file's entry) and
     * keeps firing. Neither the removed registration nor the new one that takes over its
     * slot may receive those events.
     */
    @Test
    void anEventForARemovedRegistrationNeverReachesTheOneThatReusesItsSlot() throws Exception {
        int n = eventfd();
        int firstFile = own(TestNative.dup(n)); // the first file, under a number of its own
        ScheduledIo first = new ScheduledIo();
        poller.add(first, n, Poller.READ_STREAM);

        int secondFile = TestNative.eventfd(0, TestNative.EFD_CLOEXEC | TestNative.O_NONBLOCK);
        TestNative.dup3(secondFile, n); // n names the second file now
        TestNative.close(secondFile);
        ScheduledIo second = new ScheduledIo();
        poller.add(second, n, Poller.READ_STREAM);

        signal(firstFile);
        assertEquals(1, poller.turn(A_WHILE), "the first file's entry fires for its live registration");
        assertTrue(first.take(ScheduledIo.READ).isReadable());

        poller.remove(first);
        signal(firstFile);
        assertEquals(0, poller.turn(0), "an event of a removed registration was dispatched");
        assertTrue(first.take(ScheduledIo.READ).isEmpty());

        ScheduledIo third = new ScheduledIo();
        poller.add(third, eventfd(), Poller.READ_STREAM);
        assertEquals(first.index, third.index, "the new registration takes the freed slot");
        assertNotEquals(first.generation, third.generation);
        signal(firstFile);
        assertEquals(0, poller.turn(0), "the old registration's event was dispatched to the slot's new owner");
        assertTrue(third.take(ScheduledIo.READ).isEmpty());
        assertTrue(second.take(ScheduledIo.READ).isEmpty(), "the second file was never signalled");
        poller.remove(second);
        poller.remove(third);
    }

    @Test
    void wakeEndsATurnInProgressOrTheNextOne() throws Exception {
        poller.wake(); // before any turn: the next one returns at once
        assertEquals(0, Worker.platform(() -> poller.turn(Deadline.FOREVER)).value());
        assertEquals(1, poller.wakeups());

        Worker turner = Worker.platform(() -> poller.turn(Deadline.FOREVER));
        turner.awaitBlockedIn(TURN[0], TURN[1]);
        poller.wake();
        assertEquals(0, turner.value());
        assertEquals(2, poller.wakeups());
    }

    @Test
    void anInterruptEndsATurnWithTheStatusSet() throws Exception {
        Worker turner = Worker.platform(() -> poller.turn(Deadline.FOREVER) + ", status " + Thread.currentThread().isInterrupted());
        turner.awaitBlockedIn(TURN[0], TURN[1]);
        turner.interrupt();
        assertEquals("0, status true", turner.value());
    }

    @Test
    void oneThreadTurnsAtATime() throws Exception {
        Worker turner = Worker.platform(() -> poller.turn(Deadline.FOREVER));
        turner.awaitBlockedIn(TURN[0], TURN[1]);
        try {
            IllegalStateException x = assertThrows(IllegalStateException.class, () -> poller.turn(0));
            assertTrue(x.getMessage().contains("already being turned"), x.getMessage());
        } finally {
            poller.wake();
        }
        assertEquals(0, turner.value());
        assertEquals(0, poller.turn(0), "the role is free again once the turn is over");
    }

    @Test
    void closeWakesTheTurnerAndShutsEveryRegistrationDown() throws Exception {
        int a = eventfd();
        ScheduledIo io = new ScheduledIo();
        poller.add(io, a, Poller.READ_STREAM);
        Worker turner = Worker.platform(() -> poller.turn(Deadline.FOREVER));
        turner.awaitBlockedIn(TURN[0], TURN[1]);
        Worker waiter = Worker.virtual(() -> io.await(ScheduledIo.READ, Deadline.FOREVER));
        waiter.awaitParked();

        poller.close();
        assertEquals(0, turner.value(), "the turn in progress ends");
        assertTrue(poller.isClosed());
        assertTrue(io.isShutdown());
        assertTrue(waiter.failure() instanceof ClosedException, "the waiter gets an IOException: " + waiter.outcomeNow());
        assertThrows(ClosedException.class, () -> io.take(ScheduledIo.READ));
        assertThrows(ClosedException.class, () -> poller.turn(0));
        assertThrows(ClosedException.class, () -> poller.add(new ScheduledIo(), eventfd(), Poller.READ_STREAM));
        assertEquals(0, poller.size());
        poller.remove(io); // after close: nothing to undo
    }

    @Test
    void epollFlagsMapToReadinessInOnePlace() {
        assertEquals(Readiness.READABLE, EpollEvents.readiness(EPoll.EPOLLIN));
        assertEquals(Readiness.WRITABLE, EpollEvents.readiness(EPoll.EPOLLOUT));
        assertEquals(Readiness.HUP, EpollEvents.readiness(EPoll.EPOLLHUP));
        assertEquals(Readiness.HUP, EpollEvents.readiness(EPoll.EPOLLRDHUP));
        assertEquals(Readiness.ERROR, EpollEvents.readiness(EPoll.EPOLLERR));
        assertEquals(Readiness.PRIORITY, EpollEvents.readiness(EPoll.EPOLLPRI));
        assertEquals(Readiness.READABLE | Readiness.HUP, EpollEvents.readiness(EPoll.EPOLLIN | EPoll.EPOLLRDHUP));
        assertEquals(0, EpollEvents.readiness(EPoll.EPOLLET));
        assertFalse((Poller.WRITE_STREAM & EPoll.EPOLLIN) != 0, "the write stream alone never asks for EPOLLIN");
        assertEquals(0, Poller.READ_STREAM & EPoll.EPOLLOUT, "the read stream never asks for EPOLLOUT");
        assertEquals(EPoll.EPOLLET, Poller.READ_STREAM & Poller.WRITE_STREAM & Poller.BOTH_STREAMS & EPoll.EPOLLET);
    }
}
