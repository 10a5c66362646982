package dev.vigil.ipc;

import dev.vigil.Event;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Registration;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A virtual thread's wait registers its descriptor with a reactor for the length of the wait.
 * It must not collide with another wait on the same descriptor (a Tube's two directions) or
 * with the caller's own registration of that descriptor with the default reactor.
 */
class VirtualWaitSharingTest {

    @Test
    void aBlockedSendAndABlockedReceiveOnOneTubeBothComplete() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            byte[] chunk = new byte[16 * 1024];
            AtomicInteger sent = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Worker sending = Worker.virtual(() -> {
                while (!stop.get()) {
                    p.first().send(chunk); // blocks once the queue is full
                    sent.incrementAndGet();
                }
                return "stopped";
            });
            sending.awaitParked(); // the queue is full: the send waits for room
            Worker receiving = Worker.virtual(() -> {
                try (Tube.Message m = p.first().receive()) {
                    return m.bytes().length;
                }
            });
            receiving.awaitParked();
            assertFalse(sending.isDone(), "the send should be waiting for room: " + sending.outcomeNow());
            p.second().send(new byte[] {1, 2, 3});
            assertEquals(3, receiving.value());
            stop.set(true);
            // Make room until the sender notices the stop. Only messages it has counted are
            // certainly queued; one it is still sending is counted once it goes through.
            int received = 0;
            while (!sending.isDone() || received < sent.get()) {
                if (received < sent.get()) {
                    try (Tube.Message m = p.second().receive(chunk.length, 0)) {
                        assertEquals(chunk.length, m.bytes().length);
                    }
                    received++;
                } else {
                    Thread.yield(); // the sender has yet to notice the stop
                }
            }
            assertEquals("stopped", sending.value());
        }
    }

    @Test
    void aVirtualWaitOnAnEventRegisteredWithTheDefaultReactorWorksInEitherOrder() throws Exception {
        // registered first, then waited on
        try (Event e = new Event()) {
            Registration reg = new Registration();
            assertTrue(reg.register(e));
            Worker waiting = Worker.virtual(() -> {
                e.await();
                return "woken";
            });
            waiting.awaitParked();
            e.signal();
            assertEquals("woken", waiting.value());
            reg.deregister(e);
        }
        // waited on first, then registered
        try (Event e = new Event()) {
            Worker waiting = Worker.virtual(() -> {
                e.await();
                return "woken";
            });
            waiting.awaitParked();
            Registration reg = new Registration();
            assertTrue(reg.register(e));
            e.signal();
            assertEquals("woken", waiting.value());
            Readiness r = reg.takeReadReady();
            reg.deregister(e);
            assertTrue(r.isReadable() || r.isEmpty()); // a hint; what matters is that both worked
        }
    }
}
