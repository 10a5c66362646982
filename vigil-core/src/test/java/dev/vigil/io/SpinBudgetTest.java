package dev.vigil.io;

import dev.vigil.internal.ScheduledIo;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpinBudgetTest {
    /** A clock the test moves by hand, in nanoseconds. */
    private static final class Clock {
        long now;
        /** Each reading moves it on by {@code step}. */
        long step;

        long read() {
            long t = now;
            now += step;
            return t;
        }
    }

    private static SpinBudget largest(Clock clock) {
        return raiseToMax(new SpinBudget(clock::read));
    }

    /** Raises {@code b}'s count to {@link SpinBudget#MAX} by quick parks; returns it. */
    static SpinBudget raiseToMax(SpinBudget b) {
        for (int i = 0; i < 8 && b.budget() < SpinBudget.MAX; i++) {
            b.parked(0);
        }
        assertEquals(SpinBudget.MAX, b.budget());
        return b;
    }

    @Test
    void aNewStreamYieldsOnceThenParks() {
        SpinBudget b = new SpinBudget(new Clock()::read);
        assertTrue(b.spin(0));
        assertFalse(b.spin(1));
    }

    @Test
    void quickParksDoubleTheCountUpToTheMost() {
        SpinBudget b = new SpinBudget(new Clock()::read);
        for (int expected : new int[] {2, 4, 8, 16, 16, 16}) {
            b.parked(SpinBudget.QUICK_NANOS - 1);
            assertEquals(expected, b.budget());
        }
    }

    @Test
    void longParksHalveTheCountDownToOne() {
        SpinBudget b = largest(new Clock());
        for (int expected : new int[] {8, 4, 2, 1, 1}) {
            b.parked(SpinBudget.QUICK_NANOS);
            assertEquals(expected, b.budget());
        }
    }

    @Test
    void withTheLargestCountAWaitWhoseYieldsAreQuickRetriesSixteenTimes() {
        Clock clock = new Clock();
        clock.step = 1_000; // a yield and a retry: 1 µs
        SpinBudget b = largest(clock);
        for (int tries = 0; tries < SpinBudget.MAX; tries++) {
            assertTrue(b.spin(tries), "try " + tries);
        }
        assertFalse(b.spin(SpinBudget.MAX));
    }

    @Test
    void aWaitStopsRetryingTwentyMicrosecondsAfterItBegan() {
        Clock clock = new Clock();
        clock.step = 4_000; // quick enough not to count as busy, so only the time ends it
        SpinBudget b = largest(clock);
        int tries = 0;
        while (b.spin(tries)) {
            tries++;
        }
        assertEquals(5, tries); // yields after the readings at 0, 4, 8, 12 and 16 µs; the one at 20 µs stops
    }

    @Test
    void aYieldThatRanOtherVirtualThreadsEndsTheSpin() {
        Clock clock = new Clock();
        SpinBudget b = largest(clock);
        assertTrue(b.spin(0));
        clock.now += SpinBudget.BUSY_NANOS; // the carrier ran others before it came back
        assertFalse(b.spin(1));
        clock.now += 1_000;
        assertTrue(b.spin(0), "the next wait starts afresh");
        clock.now += 1_000;
        assertTrue(b.spin(1));
    }

    @Test
    void onceALimitStopsTheRetriesTheyStayStoppedUntilTheNextWait() {
        Clock clock = new Clock();
        SpinBudget b = largest(clock);
        assertTrue(b.spin(0));
        clock.now += SpinBudget.BUSY_NANOS;
        assertFalse(b.spin(1));
        clock.now += 1_000; // quick again: the retry after a quiet registration's arming
        assertFalse(b.spin(2));
        clock.now += 1_000;
        assertTrue(b.spin(0), "a new wait");
    }

    /** The spin is bounded: with the largest count, a read of a silent pipe still ends up parked on the reactor. */
    @Test
    void aVirtualReaderWithTheLargestCountStillParksOnASilentPipe() throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            raiseToMax(in.async.spins(ScheduledIo.READ));
            Worker reader = Worker.virtual(() -> in.read(ByteBuffer.allocate(8)));
            reader.awaitParked(); // WAITING: a virtual thread that yields and retries stays RUNNABLE
            out.write(ByteBuffer.wrap(new byte[] {42}));
            assertEquals(1, reader.value());
        }
    }
}
