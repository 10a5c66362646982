package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ownership type: a number is closed exactly once, and never while in use. */
class DescriptorTest {

    private static int newEventfd() throws Exception {
        Event e = new Event();
        return e.intoRawDescriptor();
    }

    @Test
    void closeWhileInUseDefersTheCloseUntilTheLastRelease() throws Exception {
        int fd = newEventfd();
        Descriptor d = Descriptor.adoptForeign(fd, "test");
        d.acquire();
        d.acquire();
        assertTrue(d.close());
        assertTrue(d.isClosed());
        assertNotNull(ProcFs.describe(fd), "closed while two users still hold it");
        d.release();
        assertNotNull(ProcFs.describe(fd), "closed while one user still holds it");
        d.release();
        assertNull(ProcFs.describe(fd), "the last release must close the number");
    }

    @Test
    void acquireAfterCloseThrowsAndCloseIsIdempotent() throws Exception {
        Descriptor d = Descriptor.adoptForeign(newEventfd(), "Thing");
        assertTrue(d.close());
        assertFalse(d.close());
        ClosedException x = assertThrows(ClosedException.class, d::acquire);
        assertEquals("Thing is closed", x.getMessage());
    }

    @Test
    void intoRawRefusesWhileInUse() throws Exception {
        int fd = newEventfd();
        Descriptor d = Descriptor.adoptForeign(fd, "test");
        d.acquire();
        assertThrows(IllegalStateException.class, d::giveUp);
        d.release();
        assertEquals(fd, d.giveUp());
        assertNotNull(ProcFs.describe(fd));
        dev.vigil.testing.TestNative.close(fd);
    }

    @Test
    void manyThreadsRacingUseAndCloseCloseTheNumberExactlyOnce() throws Exception {
        for (int round = 0; round < 200; round++) {
            int fd = newEventfd();
            Descriptor d = Descriptor.adoptForeign(fd, "test");
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger usedAfterClose = new AtomicInteger();
            List<Thread> users = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                users.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < 100; i++) {
                            int n = d.acquire();
                            try {
                                if (ProcFs.describe(n) == null) usedAfterClose.incrementAndGet();
                            } finally {
                                d.release();
                            }
                        }
                    } catch (ClosedException expected) {
                        // closed under us: fine, the number was not touched
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            go.countDown();
            d.close();
            for (Thread t : users) t.join();
            assertNull(ProcFs.describe(fd), "round " + round + ": the number must end closed");
            assertEquals(0, usedAfterClose.get(), "round " + round + ": a user held a number that was already closed");
        }
    }
}
