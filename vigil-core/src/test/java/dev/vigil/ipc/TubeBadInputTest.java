package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.Event;
import dev.vigil.EventWaitResult;
import dev.vigil.RawDescriptor;
import dev.vigil.WaitContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Predicate;

import static dev.vigil.ipc.TubeTest.text;
import static dev.vigil.ipc.TubeTest.utf8;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §6: bad input gets a clear error and leaves every object usable or cleanly closed. */
class TubeBadInputTest {
    /** Nothing arrived at {@code t}: it is not readable. */
    private static void assertNothingArrived(Tube t) throws Exception {
        try (WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(t, "t");
            assertTrue(ctx.await(Duration.ZERO).isEmpty(), "a message arrived");
            ctx.delete(t);
        }
    }

    @Test
    void moreThan253DescriptorsIsRejectedBeforeAnythingIsSent() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            RawDescriptor[] tooMany = new RawDescriptor[254];
            Arrays.fill(tooMany, e);
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> p.first().send(utf8("x"), tooMany));
            assertTrue(x.getMessage().contains("253"), x.getMessage());
            assertNothingArrived(p.second());
            p.first().send(utf8("still usable"), e);
            try (Tube.Message m = p.second().receive()) {
                assertEquals("still usable", text(m));
            }
        }
    }

    @Test
    void nullsAreRejectedWithAMessage() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            assertThrows(NullPointerException.class, () -> p.first().send(null));
            assertThrows(NullPointerException.class, () -> p.first().send(utf8("x"), (RawDescriptor[]) null));
            NullPointerException x = assertThrows(NullPointerException.class, () -> p.first().send(utf8("x"), e, null));
            assertTrue(x.getMessage().contains("descriptors[1]"), x.getMessage());
            assertNothingArrived(p.second());
            assertThrows(NullPointerException.class, () -> Tube.connect(null));
            assertThrows(NullPointerException.class, () -> Tube.connect(Path.of("/tmp/x"), (Predicate<Tube.PeerCredentials>) null));
            assertThrows(NullPointerException.class, () -> Tube.connect(Path.of("/tmp/x"), (Duration) null));
            assertThrows(NullPointerException.class, () -> Tube.connect(Path.of("/tmp/x"), Duration.ZERO, null));
            assertThrows(IllegalArgumentException.class, () -> Tube.connect(Path.of("/tmp/x"), Duration.ofMillis(-1)));
            assertThrows(NullPointerException.class, () -> TubeListener.bind(null));
            assertThrows(NullPointerException.class, () -> TubeListener.bind(Path.of("/tmp/x"), null));
        }
    }

    @Test
    void anEmptyMessageWithoutDescriptorsIsRejected() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> p.first().send(new byte[0]));
            assertTrue(x.getMessage().contains("end-of-stream"), x.getMessage());
            assertNothingArrived(p.second());
        }
    }

    @Test
    void aClosedEventCannotBeSent() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            Event e = new Event();
            e.close();
            assertThrows(IllegalStateException.class, () -> p.first().send(utf8("x"), e));
            assertNothingArrived(p.second());
        }
    }

    @Test
    void aNumberThatIsNotOpenIsEBADFAndNothingIsSent() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            ErrnoException x = assertThrows(ErrnoException.class, () -> p.first().send(utf8("x"), () -> 999_999));
            assertEquals("EBADF", x.errnoName());
            assertThrows(IllegalArgumentException.class, () -> p.first().send(utf8("x"), () -> -1));
            assertNothingArrived(p.second());
        }
    }

    @Test
    void aClosedTubeRefusesEveryOperationWithAClearError() throws Exception {
        Tube.Pair p = Tube.pair();
        p.close();
        Tube t = p.first();
        assertThrows(ClosedException.class, () -> t.send(utf8("x")));
        assertThrows(ClosedException.class, t::receive);
        assertThrows(ClosedException.class, () -> t.receive(10, 1));
        assertThrows(ClosedException.class, t::peerCredentials);
        IllegalStateException x = assertThrows(IllegalStateException.class, t::rawDescriptor);
        assertTrue(x.getMessage().contains("closed"), x.getMessage());
        assertTrue(t.isClosed());
    }

    @Test
    void closingTwiceIsHarmless() throws Exception {
        Tube.Pair p = Tube.pair();
        p.first().close();
        assertDoesNotThrow(p.first()::close);
        p.close();
        p.close();
        TubeListener l = TubeListener.bind(Path.of(System.getProperty("java.io.tmpdir"), "vigil-twice-" + ProcessHandle.current().pid()));
        l.close();
        assertDoesNotThrow(l::close);
    }

    @Test
    void badReceiveLimitsAreRejected() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            assertThrows(IllegalArgumentException.class, () -> p.second().receive(-1, 0));
            assertThrows(IllegalArgumentException.class, () -> p.second().receive(10, -1));
            assertThrows(IllegalArgumentException.class, () -> p.second().receive(10, 254));
        }
    }

    @Test
    void aSendFailureLeavesTheTubeUsable() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            assertThrows(ErrnoException.class, () -> p.first().send(utf8("x"), () -> 999_999));
            p.first().send(utf8("after"), e);
            try (Tube.Message m = p.second().receive(); Event copy = m.event(0)) {
                assertEquals("after", text(m));
                e.signal();
                assertEquals(EventWaitResult.SIGNALED, copy.await(Duration.ofSeconds(30)));
            }
        }
    }

    @Test
    void aMessageLargerThanTheSocketCanCarryIsEMSGSIZE() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            ErrnoException x = assertThrows(ErrnoException.class, () -> p.first().send(new byte[64 << 20]));
            assertEquals("EMSGSIZE", x.errnoName());
            assertNothingArrived(p.second());
        }
    }
}
