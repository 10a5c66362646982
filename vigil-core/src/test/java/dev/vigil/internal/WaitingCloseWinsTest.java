package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Close wins over an interrupt that comes after it, on every wait path: a polling wait (a
 * Parker in {@code ppoll}), a timed Event wait, and an untimed Event wait blocked in
 * {@code read}.
 */
class WaitingCloseWinsTest {
    @Test
    void closeThenInterruptOfAPollingWaitEndsItWithClosedException() throws Exception {
        int number = TestNative.eventfd(0, TestNative.EFD_CLOEXEC | TestNative.O_NONBLOCK);
        Descriptor fd = Descriptor.adoptNew(number, "Thing");
        WaitSlot slot = new WaitSlot("Thing");
        Object through = new Object();
        Worker w = Worker.platform(() -> Waiting.await(fd, slot, through, Deadline.FOREVER, (s, raw) -> Waiting.NOT_YET, "Thing"));
        w.awaitBlockedIn("ppoll");
        fd.close();
        w.interrupt();
        slot.wake(through);
        assertInstanceOf(ClosedException.class, w.outcome());
    }

    @Test
    void closeThenInterruptOfATimedEventWaitEndsItWithClosedException() throws Exception {
        Event e = new Event();
        Worker w = Worker.platform(() -> e.await(Duration.ofSeconds(60)));
        w.awaitBlockedIn("ppoll");
        Worker closer = Worker.platform(() -> { e.close(); return null; });
        closer.value();
        w.interrupt();
        assertInstanceOf(ClosedException.class, w.outcome());
    }

    @Test
    void closeThenInterruptOfAnUntimedEventWaitEndsItWithClosedException() throws Exception {
        Event e = new Event();
        Worker w = Worker.platform(() -> { e.await(); return "woken"; });
        w.awaitBlockedIn("read");
        e.close();
        w.interrupt();
        assertInstanceOf(ClosedException.class, w.outcome());
    }
}
