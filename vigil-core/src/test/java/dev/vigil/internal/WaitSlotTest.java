package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Unistd;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link WaitSlot}: one waiter at a time, and a close reaches the waiter (its Parker, its
 * reactor registration, its blocking system call, its park) only when it waits through the
 * object being closed.
 */
class WaitSlotTest {
    /** Two objects that share one slot, as an Event and its duplicate do. */
    private final Object through = new Object();
    private final Object other = new Object();
    /** An owner for claims made on the test's own thread: a wake's unpark of it does nothing. */
    private final Thread absent = Thread.ofVirtual().unstarted(() -> {});

    @Test
    void aSecondClaimIsRefusedUntilTheFirstIsGivenUp() throws Exception {
        WaitSlot slot = new WaitSlot("Thing");
        assertFalse(slot.isClaimed());
        slot.claim(Thread.currentThread(), through);
        assertTrue(slot.isClaimed());
        IllegalStateException same = assertThrows(IllegalStateException.class, () -> slot.claim(Thread.currentThread(), through));
        assertTrue(same.getMessage().contains("this one") && same.getMessage().contains("one reader at a time"), same.getMessage());
        Worker second = Worker.platform(() -> {
            slot.claim(Thread.currentThread(), other);
            return "claimed";
        });
        IllegalStateException x = assertInstanceOf(IllegalStateException.class, second.outcome());
        assertTrue(x.getMessage().contains("Thing"), x.getMessage());
        assertTrue(slot.isClaimed(), "a refused claim leaves the first one in place");
        slot.unclaim();
        assertFalse(slot.isClaimed());
        Worker third = Worker.platform(() -> {
            slot.claim(Thread.currentThread(), other);
            slot.unclaim();
            return "claimed";
        });
        assertEquals("claimed", third.value());
    }

    /** A poll of {@code p} on {@code target} without limit: {@link Parker#WOKEN} once something ends it. */
    private static int poll(Parker p, Descriptor target) throws Exception {
        int raw = target.acquire();
        try {
            return p.poll(Native.Scratch.get(), target, raw, Poll.POLLIN, Deadline.FOREVER);
        } finally {
            target.release();
        }
    }

    @Test
    void wakeReachesAPublishedParkerOnlyThroughTheObjectWaitedOn() throws Exception {
        WaitSlot slot = new WaitSlot("Thing");
        RawFd[] pipe = RawFd.pipe();
        Descriptor quiet = Descriptor.adoptNew(TestNative.dup(pipe[0].rawDescriptor()), "pipe");
        Parker p = Parker.borrow();
        try {
            slot.claim(absent, through);
            slot.publish(p);
            Worker first = Worker.platform(() -> poll(p, quiet));
            first.awaitBlockedIn("ppoll");
            slot.wake(other);
            assertTrue(p.kick.notYetKicked(), "a close of another object woke the Parker");
            slot.wake(through);
            assertEquals(Parker.WOKEN, first.value(), "the close of the object waited on did not end the poll");

            slot.publish((Parker) null);
            Worker second = Worker.platform(() -> poll(p, quiet));
            second.awaitBlockedIn("ppoll");
            slot.wake(through);
            assertTrue(p.kick.notYetKicked(), "a Parker taken back by publish(null) was still woken");
            p.wake();
            assertEquals(Parker.WOKEN, second.value());
        } finally {
            slot.unclaim();
            p.giveBack();
            quiet.close();
            pipe[0].close();
            pipe[1].close();
        }
    }

    @Test
    void wakeShutsAPublishedRegistrationDownOnlyThroughTheObjectWaitedOn() {
        WaitSlot slot = new WaitSlot("Thing");
        ScheduledIo io = new ScheduledIo();
        slot.claim(absent, through);
        try {
            slot.publish(io);
            slot.wake(other);
            assertFalse(io.isShutdown(), "a close of another object ended the park");
            slot.wake(through);
            assertTrue(io.isShutdown(), "the close of the object waited on did not end the park");
            ClosedException x = assertThrows(ClosedException.class, () -> io.take(ScheduledIo.READ));
            assertEquals("Thing was closed while a thread waited on it", x.getMessage());
            ScheduledIo later = new ScheduledIo();
            slot.publish(later);
            slot.publish((ScheduledIo) null);
            slot.wake(through);
            assertFalse(later.isShutdown(), "a registration taken back by publish(null) was still shut down");
        } finally {
            slot.unclaim();
        }
    }

    @Test
    void wakeKicksAWaiterInItsSystemCallOnlyThroughTheObjectWaitedOn() throws Exception {
        assumeTrue(Kick.signal() != 0, "no kick signal in this process");
        WaitSlot slot = new WaitSlot("Thing");
        RawFd[] pipe = RawFd.pipe();
        Descriptor readEnd = Descriptor.adoptNew(TestNative.dup(pipe[0].rawDescriptor()), "pipe");
        try {
            Worker reader = Worker.platform(() -> {
                slot.claim(Thread.currentThread(), through);
                try {
                    int raw = readEnd.acquire();
                    try {
                        Native.Scratch s = Native.Scratch.get();
                        return slot.kick.call(s, Kick.kickableThreadId(), readEnd, raw,
                                (sc, fd) -> Unistd.read(sc, fd, sc.word, 8), true);
                    } finally {
                        readEnd.release();
                    }
                } finally {
                    slot.unclaim();
                }
            });
            reader.awaitBlockedIn("read");
            slot.wake(other);
            assertTrue(slot.kick.notYetKicked(), "a close of another object kicked the waiter");
            assertFalse(reader.isDone(), "a close of another object ended the call: " + reader.outcomeNow());
            slot.wake(through);
            assertEquals(-1L, reader.value(), "the kicked read fails (EINTR) instead of reading");
        } finally {
            readEnd.close();
            pipe[0].close();
            pipe[1].close();
        }
    }

    @Test
    void wakeUnparksTheOwnerWaitingThroughTheObjectClosed() throws Exception {
        WaitSlot slot = new WaitSlot("Thing");
        Worker owner = Worker.virtual(() -> {
            slot.claim(Thread.currentThread(), through);
            try {
                LockSupport.park(); // as a Waiting park does, ended only by an unpark
                return "unparked";
            } finally {
                slot.unclaim();
            }
        });
        owner.awaitParked();
        slot.wake(through);
        assertEquals("unparked", owner.value());
    }

    @Test
    void theSlotSaysWhoHoldsIt() throws Exception {
        WaitSlot slot = new WaitSlot("Thing");
        Thread me = Thread.currentThread();
        slot.claim(me, through);
        try {
            Worker second = Worker.platform(() -> {
                slot.claim(Thread.currentThread(), through);
                return "claimed";
            });
            IllegalStateException x = assertInstanceOf(IllegalStateException.class, second.outcome());
            assertTrue(x.getMessage().contains(me.toString()), "the message names the waiting thread: " + x.getMessage());
        } finally {
            slot.unclaim();
        }
        assertFalse(slot.isClaimed());
    }
}
