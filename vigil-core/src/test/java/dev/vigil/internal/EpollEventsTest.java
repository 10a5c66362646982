package dev.vigil.internal;

import dev.vigil.EventType;
import dev.vigil.TriggeredEvent;
import dev.vigil.WaitContext;
import dev.vigil.internal.linux.EPoll;
import dev.vigil.internal.linux.Poll;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Registration;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one mapping between epoll flags and what vigil reports, checked flag by flag and then
 * through the kernel: each case reaches a WaitContext ({@code TriggeredEvent}) and a reactor
 * {@code Registration} ({@code Readiness}) through the same predicates, so the two agree.
 */
class EpollEventsTest {
    /** What a WaitContext and a Registration report for {@code io}, waited on for {@code type}. */
    private record Seen(TriggeredEvent<String> event, Readiness readiness) {}

    private static Seen seen(RawFd io, EventType type) throws Exception {
        TriggeredEvent<String> event;
        try (WaitContext<String> ctx = new WaitContext<>()) {
            ctx.addForEvent(io, type, "io");
            List<TriggeredEvent<String>> events = ctx.await(Duration.ofSeconds(20));
            assertEquals(1, events.size(), "the WaitContext reported nothing");
            event = events.getFirst();
        }
        Registration reg = new Registration();
        reg.register(io);
        try {
            Readiness r = type == EventType.WRITE ? reg.awaitWriteReady(Duration.ofSeconds(20))
                    : reg.awaitReadReady(Duration.ofSeconds(20));
            assertFalse(r.isEmpty(), "the reactor reported nothing");
            return new Seen(event, r);
        } finally {
            reg.deregister(io);
        }
    }

    @Test
    void eachFlagMapsToItsOwnPredicate() {
        assertTrue(EpollEvents.isReadable(EPoll.EPOLLIN));
        assertTrue(EpollEvents.isWritable(EPoll.EPOLLOUT));
        assertTrue(EpollEvents.isReadClosed(EPoll.EPOLLHUP));
        assertTrue(EpollEvents.isReadClosed(EPoll.EPOLLRDHUP));
        assertTrue(EpollEvents.isError(EPoll.EPOLLERR));
        assertTrue(EpollEvents.isPriority(EPoll.EPOLLPRI));
        assertFalse(EpollEvents.isReadClosed(EPoll.EPOLLERR), "an error is not a hang-up for the reactor");
        assertTrue(EpollEvents.isHungup(EPoll.EPOLLERR), "a WaitContext reports an error as hung up");
        assertFalse(EpollEvents.isHungup(EPoll.EPOLLIN | EPoll.EPOLLOUT | EPoll.EPOLLPRI));
        assertEquals(Readiness.READABLE | Readiness.HUP | Readiness.PRIORITY,
                EpollEvents.readiness(EPoll.EPOLLIN | EPoll.EPOLLRDHUP | EPoll.EPOLLPRI));
        assertEquals(Readiness.WRITABLE | Readiness.ERROR, EpollEvents.readiness(EPoll.EPOLLOUT | EPoll.EPOLLERR));
    }

    @Test
    void pollReportsWithEpollsBitValues() { // the reactor maps a poll(2) probe through the same predicates
        assertEquals(EPoll.EPOLLIN, Poll.POLLIN);
        assertEquals(EPoll.EPOLLPRI, Poll.POLLPRI);
        assertEquals(EPoll.EPOLLOUT, Poll.POLLOUT);
        assertEquals(EPoll.EPOLLERR, Poll.POLLERR);
        assertEquals(EPoll.EPOLLHUP, Poll.POLLHUP);
    }

    @Test
    void onlyTheReactorAsksForPriorityData() {
        assertEquals(0, EpollEvents.interest(true, true) & EPoll.EPOLLPRI, "a level-triggered wait would report it forever");
        assertTrue((EpollEvents.edgeInterest(true, false) & EPoll.EPOLLPRI) != 0);
        assertTrue((EpollEvents.edgeInterest(true, false) & EPoll.EPOLLET) != 0);
        assertEquals(0, EpollEvents.edgeInterest(false, true) & (EPoll.EPOLLIN | EPoll.EPOLLPRI));
    }

    @Test
    void aPipeWhoseWriteEndClosedIsHungUpForBoth() throws Exception {
        RawFd[] p = RawFd.pipe();
        try (RawFd read = p[0]) {
            p[1].close();
            Seen s = seen(read, EventType.READ);
            assertTrue(s.event().isHungup());
            assertTrue(s.readiness().isHup());
            assertFalse(s.readiness().isError());
        }
    }

    @Test
    void aSocketWhosePeerShutDownWritingIsReadableAndHungUpForBoth() throws Exception {
        RawFd[] p = RawFd.socketPair();
        try (RawFd mine = p[0]; RawFd peer = p[1]) {
            TestNative.shutdown(peer.rawDescriptor(), 1); // SHUT_WR
            Seen s = seen(mine, EventType.READ);
            assertTrue(s.event().isReadable() && s.event().isHungup(), s.event().toString());
            assertTrue(s.readiness().isReadable() && s.readiness().isHup(), s.readiness().toString());
        }
    }

    @Test
    void aPipeWhoseReadEndClosedIsAnErrorForItsWriter() throws Exception {
        RawFd[] p = RawFd.pipe();
        try (RawFd write = p[1]) {
            p[0].close();
            Seen s = seen(write, EventType.WRITE);
            assertTrue(s.event().isHungup(), "a WaitContext waiting to write must see the error");
            assertTrue(s.readiness().isError(), s.readiness().toString());
            assertFalse(s.readiness().isHup(), "the reactor keeps an error apart from a hang-up");
        }
    }
}
