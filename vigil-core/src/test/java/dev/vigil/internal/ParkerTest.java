package dev.vigil.internal;

import dev.vigil.Event;
import dev.vigil.EventWaitResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A Parker's wake descriptor is owned: a late wake never writes into a number reused by another file. */
class ParkerTest {

    @Test
    void aWakeAfterTheParkerWasClosedTouchesNothing() throws Exception {
        Parker p = Parker.borrow();
        int number = p.wakeNumber;
        p.giveBack();
        Parker.trimPool(); // closes the idle wake descriptors, this one among them
        assertNull(ProcFs.describe(number), "trimPool must close the idle wake descriptor");
        try (Event reused = new Event()) {
            // the kernel hands out the lowest free number: usually the one just closed
            assumeTrue(reused.rawDescriptor() == number, "the number was not reused; nothing to check");
            p.wake(); // a closer that read this Parker just before it went away
            assertEquals(EventWaitResult.TIMED_OUT, reused.await(Duration.ZERO),
                    "the late wake wrote into the file that reused the number");
        }
    }

    @Test
    void aWakeOfABorrowedParkerEndsItsPoll() throws Exception {
        Parker p = Parker.borrow();
        try (Event target = new Event()) {
            p.wake();
            int r = p.poll(dev.vigil.internal.linux.Native.Scratch.get(), target.rawDescriptor(),
                    dev.vigil.internal.linux.Poll.POLLIN, Deadline.FOREVER);
            assertEquals(Parker.WOKEN, r);
        } finally {
            p.giveBack();
        }
    }
}
