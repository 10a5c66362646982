package dev.vigil.bench;

import dev.vigil.bench.harness.Harness;
import dev.vigil.bench.harness.MeasurementFailed;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Table;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WakeSuiteTest {
    @Test
    void aResponderThatDiesEndsTheMeasurementWhileTheInitiatorStillWaitsForItsAnswer() {
        IllegalStateException died = new IllegalStateException("responder died");
        WakeSuite.Side side = new WakeSuite.Side() {
            @Override
            public void ping() {}

            @Override
            public void awaitPong() {
                for (;;) {
                    LockSupport.park(); // the answer never comes, and no interrupt ends this wait
                }
            }

            @Override
            public void respond() {
                throw died;
            }

            @Override
            public void close() {}
        };
        var peer = new WakeSuite.VirtualPair("virtual responder", () -> side);
        long start = System.nanoTime();
        MeasurementFailed e = assertThrows(MeasurementFailed.class, () -> Harness.measure(peer,
                new Table<Void>("free", Placement.FREE, null, 10, 100), 100, Duration.ofSeconds(60)));
        assertSame(died, e.getCause());
        assertTrue(e.getMessage().startsWith("virtual responder: failed"), e.getMessage());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "long before the 60 s timeout");
    }
}
