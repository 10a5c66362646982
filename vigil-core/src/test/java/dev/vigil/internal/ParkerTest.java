package dev.vigil.internal;

import dev.vigil.Event;
import dev.vigil.EventWaitResult;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Parker ends the poll in progress, and only that one; its wake descriptor is owned, so a late
 * wake never writes into a number reused by another file.
 */
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
    void aWakeOfABorrowedParkerEndsThePollInProgressAndLeavesNothingForTheNext() throws Exception {
        Parker p = Parker.borrow();
        Descriptor target = Descriptor.adoptNew(TestNative.eventfd(0, TestNative.EFD_CLOEXEC), "target");
        try {
            Worker poller = Worker.platform(() -> poll(p, target, Deadline.FOREVER));
            poller.awaitBlockedIn("ppoll");
            p.wake();
            assertEquals(Parker.WOKEN, poller.value());
            // the wake was drained as the poll left: the next poll waits its time out
            assertEquals(Parker.TIMED_OUT, poll(p, target, 1_000_000));
        } finally {
            target.close();
            p.giveBack();
        }
    }

    @Test
    void aWakeWhileNobodyPollsEndsNothing() throws Exception {
        Parker p = Parker.borrow();
        Descriptor target = Descriptor.adoptNew(TestNative.eventfd(0, TestNative.EFD_CLOEXEC), "target");
        try {
            p.wake(); // a closer that read this Parker after its borrower left
            assertEquals(Parker.TIMED_OUT, poll(p, target, 1_000_000));
        } finally {
            target.close();
            p.giveBack();
        }
    }

    private static int poll(Parker p, Descriptor target, long nanos) throws Exception {
        int raw = target.acquire();
        try {
            return p.poll(Native.Scratch.get(), target, raw, Poll.POLLIN, nanos);
        } finally {
            target.release();
        }
    }
}
