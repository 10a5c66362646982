package dev.vigil.io;

import dev.vigil.internal.ScheduledIo;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpinBudgetTest {
    @Test
    void aNewStreamYieldsOnceBeforeItParks() {
        assertEquals(SpinBudget.MIN, new SpinBudget().budget());
        assertEquals(1, SpinBudget.MIN);
    }

    @Test
    void quickParksDoubleTheBudgetUpToTheMost() {
        SpinBudget b = new SpinBudget();
        int[] expected = {2, 4, 8, 16, 16, 16};
        for (int e : expected) {
            b.parked(SpinBudget.QUICK_NANOS - 1);
            assertEquals(e, b.budget());
        }
        assertEquals(SpinBudget.MAX, b.budget());
    }

    @Test
    void longParksHalveTheBudgetDownToOne() {
        SpinBudget b = new SpinBudget();
        for (int i = 0; i < 4; i++) {
            b.parked(0);
        }
        int[] expected = {8, 4, 2, 1, 1};
        for (int e : expected) {
            b.parked(SpinBudget.QUICK_NANOS);
            assertEquals(e, b.budget());
        }
    }

    /** The spin is bounded: with the largest budget, a read of a silent pipe still ends up parked on the reactor. */
    @Test
    void aVirtualReaderWithTheLargestBudgetStillParksOnASilentPipe() throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            SpinBudget spins = in.spins(ScheduledIo.READ);
            for (int i = 0; i < 4; i++) {
                spins.parked(0);
            }
            assertEquals(SpinBudget.MAX, spins.budget());
            Worker reader = Worker.virtual(() -> in.read(ByteBuffer.allocate(8)));
            reader.awaitParked(); // WAITING: a virtual thread that yields and retries stays RUNNABLE
            out.write(ByteBuffer.wrap(new byte[] {42}));
            assertEquals(1, reader.value());
        }
    }
}
