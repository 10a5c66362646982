package dev.vigil.internal;

import dev.vigil.testing.RawFd;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quiet registrations (see {@link ScheduledIo}), step by step on a {@link Poller} turned by
 * hand: a retained registration that does not notice most of its reports stops receiving
 * them, and is still told of everything a cleared stream waits for, including data that came
 * between its would-block and the arming, and a stream left cleared when a report for the
 * other one disarmed the entry.
 */
class QuietRegistrationTest {
    private static final long A_WHILE = TimeUnit.SECONDS.toNanos(20);
    private static final int READ = ScheduledIo.READ;
    private static final int WRITE = ScheduledIo.WRITE;

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

    private RawFd own(RawFd fd) {
        opened.add(fd);
        return fd;
    }

    /** A non-blocking eventfd: every write is an edge, whether or not it was readable already. */
    private RawFd eventfd() {
        return own(new RawFd(TestNative.eventfd(0, TestNative.EFD_CLOEXEC | TestNative.O_NONBLOCK)));
    }

    private static boolean readable(AsyncRegistration r) throws Exception {
        return ScheduledIo.readiness(r.state(), READ).isReadable();
    }

    /**
     * One report that brings readiness, then reports that bring the read stream nothing new
     * (it is readable already, nobody waits): at the end of the window it turns quiet.
     */
    private void quieten(RawFd fd) throws Exception {
        fd.write(1);
        assertEquals(1, poller.turn(A_WHILE), "the first report brings readiness");
        for (int i = 1; i < Poller.QUIET_WINDOW; i++) {
            fd.write(1);
            assertEquals(1, poller.turn(A_WHILE), "a loud registration is told of every edge");
        }
    }

    @Test
    void reportsThatBringNothingNewTurnARegistrationQuietAndStopComing() throws Exception {
        RawFd fd = eventfd();
        AsyncRegistration r = AsyncRegistration.register(fd, poller);
        quieten(fd);
        fd.write(1);
        assertEquals(0, poller.turn(0), "a quiet registration with readiness is not woken for more of it");
        assertTrue(readable(r), "and it keeps the readiness it has");
        r.close();
    }

    @Test
    void aRegistrationThatNoticesItsReportsStaysLoud() throws Exception {
        RawFd fd = eventfd();
        AsyncRegistration r = AsyncRegistration.register(fd, poller);
        for (int i = 0; i <= 2 * Poller.QUIET_WINDOW; i++) {
            fd.write(1);
            assertEquals(1, poller.turn(A_WHILE), "report " + i);
            assertTrue(readable(r));
            long seen = r.state();
            fd.read(); // a consumer that reads to would-block every time
            assertFalse(r.clear(READ, seen), "a loud registration arms nothing: the caller just waits");
        }
    }

    @Test
    void aClearedQuietStreamIsReportedAgain() throws Exception {
        RawFd fd = eventfd();
        AsyncRegistration r = AsyncRegistration.register(fd, poller);
        quieten(fd);
        long seen = r.state();
        fd.read(); // the call that met would-block
        assertTrue(r.clear(READ, seen), "clearing a quiet stream arms it, and says to try once more");
        assertFalse(readable(r));
        assertEquals(0, poller.turn(0), "armed, with nothing to report");
        fd.write(1);
        assertEquals(1, poller.turn(A_WHILE));
        assertTrue(readable(r));
        r.close();
    }

    @Test
    void dataThatCameBetweenTheWouldBlockAndTheArmingIsReported() throws Exception {
        RawFd fd = eventfd();
        AsyncRegistration r = AsyncRegistration.register(fd, poller);
        quieten(fd);
        long seen = r.state();
        fd.read();   // would-block from here on...
        fd.write(1); // ...but data comes before the clear: no edge (the entry is disarmed), no tick
        assertTrue(r.clear(READ, seen), "nothing moved the tick: the clear goes through");
        assertEquals(1, poller.turn(A_WHILE), "the arming found the data and reported it");
        assertTrue(readable(r));
        r.close();
    }

    /**
     * Both streams cleared and armed; the reader's peer drains, so the kernel reports the
     * write stream only, which disarms the whole entry. The reactor must arm the read stream
     * again, or the next data is never reported.
     */
    @Test
    void aReportForOneStreamReArmsTheOtherStillCleared() throws Exception {
        int[] pair = TestNative.socketpair(1 | TestNative.O_NONBLOCK);
        RawFd mine = own(new RawFd(pair[0]));
        RawFd peer = own(new RawFd(pair[1]));
        AsyncRegistration r = AsyncRegistration.register(mine, poller);
        r.wantWrite();
        quieten(peer);
        long seenWrite = r.state();
        assertTrue(TestNative.pump(mine.rawDescriptor(), true) > 0, "my side filled to would-block");
        assertTrue(r.clear(WRITE, seenWrite));
        long seenRead = r.state();
        assertTrue(TestNative.pump(mine.rawDescriptor(), false) > 0, "what the peer sent drained");
        assertTrue(r.clear(READ, seenRead));
        assertEquals(0, poller.turn(0));

        TestNative.pump(peer.rawDescriptor(), false); // the peer drains: room to write again, nothing to read
        assertEquals(1, poller.turn(A_WHILE), "the write stream is reported");
        assertTrue(ScheduledIo.readiness(r.state(), WRITE).isWritable());
        assertFalse(readable(r));

        peer.write(1);
        assertEquals(1, poller.turn(A_WHILE), "the read stream was armed again after the write report");
        assertTrue(readable(r));
        r.close();
    }

    @Test
    void aQuietRegistrationTurnsLoudAfterASpellAndMissesNothingMeanwhile() throws Exception {
        RawFd fd = eventfd();
        AsyncRegistration r = AsyncRegistration.register(fd, poller);
        quieten(fd);
        for (int i = 0; i < Poller.QUIET_SPELL; i++) {
            long seen = r.state();
            fd.read();
            assertTrue(r.clear(READ, seen), "wait " + i + " arms");
            fd.write(1);
            assertEquals(1, poller.turn(A_WHILE), "wait " + i + " is reported");
        }
        // Loud again: every edge is reported, even while readable.
        fd.write(1);
        assertEquals(1, poller.turn(A_WHILE));
        long seen = r.state();
        fd.read();
        assertFalse(r.clear(READ, seen), "a loud registration arms nothing");
        r.close();
    }
}
