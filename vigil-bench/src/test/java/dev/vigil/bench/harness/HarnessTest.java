package dev.vigil.bench.harness;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness's method and its ending of measurements whose other side is gone; nothing here measures. */
class HarnessTest {
    private static final Table<Void> TABLE = new Table<>("test", Placement.FREE, null, 10, 100);

    /** Parks for ever, deaf to interrupts: a side whose partner died, blocked where nothing reaches it. */
    private static void blockForEver() {
        for (;;) {
            LockSupport.park();
        }
    }

    @Test
    void aMeasurementWhoseOtherSideNeverAnswersEndsAtTheTimeoutNamingThePeer() {
        Peer<Void> deaf = PingPong.threads("deaf responder", trial -> new PingPong.Bouncer() {
            @Override
            public void roundTrip() {
                blockForEver();
            }

            @Override
            public void answer() {
                blockForEver();
            }

            @Override
            public void close() {}
        });
        long start = System.nanoTime();
        MeasurementFailed e = assertThrows(MeasurementFailed.class,
                () -> Harness.measure(deaf, TABLE, 100, Duration.ofMillis(300)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals("deaf responder", e.peer());
        assertTrue(e.getMessage().startsWith("deaf responder: no result within 0.3 s"), e.getMessage());
        assertNull(e.getCause());
        assertTrue(millis >= 300 && millis < 10_000, millis + " ms");
    }

    @Test
    void aSideThatFailsEndsTheMeasurementAtOnceWhileTheOtherStillWaits() {
        IllegalStateException died = new IllegalStateException("responder died");
        Peer<Void> dying = PingPong.threads("dying responder", trial -> new PingPong.Bouncer() {
            @Override
            public void roundTrip() {
                blockForEver(); // waits for an answer that never comes
            }

            @Override
            public void answer() {
                throw died;
            }

            @Override
            public void close() {}
        });
        long start = System.nanoTime();
        MeasurementFailed e = assertThrows(MeasurementFailed.class,
                () -> Harness.measure(dying, TABLE, 100, Duration.ofSeconds(60)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertSame(died, e.getCause());
        assertTrue(e.getMessage().startsWith("dying responder: failed: "), e.getMessage());
        assertTrue(millis < 10_000, "ended after " + millis + " ms, long before the 60 s timeout");
    }

    @Test
    void failReportedFromAnyThreadEndsTheMeasurement() {
        Peer<Void> peer = Peer.of("child", trial -> {
            Thread.ofPlatform().daemon().start(() -> trial.fail(new java.io.IOException("the child exited with status 137")));
            blockForEver();
            return 0;
        });
        MeasurementFailed e = assertThrows(MeasurementFailed.class,
                () -> Harness.measure(peer, TABLE, 100, Duration.ofSeconds(60)));
        assertEquals("the child exited with status 137", e.getCause().getMessage());
    }

    @Test
    void aMeasurementGetsTheTableAndTheTrips() throws Exception {
        Table<Integer> table = new Table<>("t", Placement.SAME, 42, 7, 1000);
        Peer<Integer> peer = Peer.of("echo", trial -> trial.setting() * 1_000_000.0 + trial.warmup() * 1000 + trial.trips()
                + (trial.placement() == Placement.SAME ? 0.5 : 0));
        assertEquals(42_007_025.5, Harness.measure(peer, table, 25, Duration.ofSeconds(10)));
    }

    /** Returns its figures in turn, the first one (the unrecorded pass) being 0; records the order of the calls. */
    private static Peer<Void> scripted(String name, List<String> calls, double... figures) {
        int[] next = {0};
        return Peer.of(name, trial -> {
            calls.add(name);
            return next[0] == 0 ? next[0]++ : figures[next[0]++ - 1];
        });
    }

    private static Suite<Void> suite(List<Peer<Void>> peers) {
        return new Suite<>() {
            public String name() {
                return "fake";
            }

            public String summary() {
                return "two scripted peers";
            }

            public Defaults defaults() {
                return Defaults.roundTrips(100, 10);
            }

            public String title(BenchOptions options) {
                return "fake";
            }

            public List<Peer<Void>> peers(BenchOptions options) {
                return peers;
            }

            public List<Table<Void>> tables(BenchOptions options) {
                return List.of(TABLE);
            }
        };
    }

    @Test
    void everyRoundMeasuresEveryPeerOnceInARotatedOrderAndThePairedRatioPairsFiguresOfTheSameRound() throws Exception {
        List<String> calls = new ArrayList<>();
        // reference 100, 200, 400; peer 200, 200, 800: ratios of the same round 2, 1, 2
        List<Peer<Void>> peers = List.of(scripted("ref", calls, 100, 200, 400), scripted("other", calls, 200, 200, 800));
        BenchOptions options = BenchOptions.parse(List.of("--rounds", "3"), suite(peers).defaults());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Harness.run(suite(peers), options, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(List.of("ref", "other", "ref", "other", "other", "ref", "ref", "other"), calls, "unrecorded pass, then rotated rounds");
        assertTrue(out.contains("round 2/3:  [other] 200  [ref] 200"), out);
        String other = out.lines().filter(l -> l.startsWith("other ")).reduce((a, b) -> b).orElseThrow();
        // median 200 / 200 = 1.00x; paired: median of 2, 1, 2 = 2.00x
        assertEquals(List.of("other", "200", "200", "800", "1.00x", "2.00x"), List.of(other.trim().split("\\s+")), out);
    }

    @Test
    void peersKeepsThoseWhoseNamesMatchIgnoringCaseAndRefusesToKeepNone() {
        List<Peer<Void>> all = List.of(Peer.of("C eventfd (reference)", t -> 1), Peer.of("vigil Event", t -> 1),
                Peer.of("Netty 4.2", t -> 1));
        assertEquals(List.of("vigil Event", "Netty 4.2"),
                Harness.chosen(all, List.of("netty", "vigil")).stream().map(Peer::name).toList());
        assertEquals(3, Harness.chosen(all, List.of()).size());
        UsageException e = assertThrows(UsageException.class, () -> Harness.chosen(all, List.of("selector")));
        assertTrue(e.getMessage().contains("matches none of [C eventfd (reference), vigil Event, Netty 4.2]"), e.getMessage());
    }
}
