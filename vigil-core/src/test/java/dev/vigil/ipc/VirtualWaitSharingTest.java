package dev.vigil.ipc;

import dev.vigil.Event;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Registration;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

    private static CompletableFuture<Object> onVirtualThread(java.util.concurrent.Callable<Object> body) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.complete(t);
            }
        });
        return result;
    }

    /** Gives a virtual thread that is about to wait time to register and park. */
    private static void letItPark() throws InterruptedException {
        Thread.sleep(50);
    }

    @Test
    void aBlockedSendAndABlockedReceiveOnOneTubeBothComplete() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            byte[] chunk = new byte[16 * 1024];
            AtomicInteger sent = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Object> sending = onVirtualThread(() -> {
                while (!stop.get()) {
                    p.first().send(chunk); // blocks once the queue is full
                    sent.incrementAndGet();
                }
                return "stopped";
            });
            int before;
            do { // until the sender has stopped making progress: it waits for room
                before = sent.get();
                letItPark();
            } while (sent.get() != before || before == 0);
            CompletableFuture<Object> receiving = onVirtualThread(() -> {
                try (Tube.Message m = p.first().receive()) {
                    return m.bytes().length;
                }
            });
            letItPark();
            assertFalse(receiving.isDone(), "the receive should be waiting: " + receiving.getNow(null));
            assertFalse(sending.isDone(), "the send should be waiting for room: " + sending.getNow(null));
            p.second().send(new byte[] {1, 2, 3});
            assertEquals(3, receiving.get(30, TimeUnit.SECONDS));
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
                    Thread.sleep(1);
                }
            }
            assertEquals("stopped", sending.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aVirtualWaitOnAnEventRegisteredWithTheDefaultReactorWorksInEitherOrder() throws Exception {
        // registered first, then waited on
        try (Event e = new Event()) {
            Registration reg = new Registration();
            assertTrue(reg.register(e));
            CompletableFuture<Object> waiting = onVirtualThread(() -> {
                e.await();
                return "woken";
            });
            letItPark();
            e.signal();
            assertEquals("woken", waiting.get(30, TimeUnit.SECONDS));
            reg.deregister(e);
        }
        // waited on first, then registered
        try (Event e = new Event()) {
            CompletableFuture<Object> waiting = onVirtualThread(() -> {
                e.await();
                return "woken";
            });
            letItPark();
            Registration reg = new Registration();
            assertTrue(reg.register(e));
            e.signal();
            assertEquals("woken", waiting.get(30, TimeUnit.SECONDS));
            Readiness r = reg.takeReadReady();
            reg.deregister(e);
            assertTrue(r.isReadable() || r.isEmpty()); // a hint; what matters is that both worked
        }
    }
}
