package dev.vigil.reactor;

import dev.vigil.Event;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default reactor's thread shrugs off an interrupt: it clears the status and keeps dispatching. */
class DefaultReactorInterruptTest {

    @Test
    void anInterruptedDefaultReactorThreadClearsTheStatusAndKeepsWorking() throws Exception {
        Reactor.defaultHandle();
        Thread reactorThread = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("vigil-reactor")).findFirst().orElseThrow();
        reactorThread.interrupt();
        // With the status left set, every turn would end at once, for ever: the thread spins.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (reactorThread.isInterrupted() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertFalse(reactorThread.isInterrupted(), "the reactor thread never cleared its interrupt status");
        try (Event e = new Event()) {
            Registration reg = new Registration();
            assertTrue(reg.register(e));
            try {
                e.signal();
                assertTrue(reg.awaitReadReady(java.time.Duration.ofSeconds(30)).isReadable(),
                        "the default reactor stopped dispatching after the interrupt");
            } finally {
                reg.deregister(e);
            }
        }
    }
}
