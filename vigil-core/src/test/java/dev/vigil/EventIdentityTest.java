package dev.vigil;

import dev.vigil.internal.ProcFs;
import dev.vigil.ipc.Tube;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SPEC §2 ({@code equals}/{@code hashCode}), §3 item 6 and §6: Events on one kernel eventfd
 * in this process are one identity however they were obtained (a duplicate, an adopted
 * number, a received message): equal, with one hash code that never changes, and one waiter
 * at a time among them. An eventfd id that the kernel hands out again after close joins
 * nothing.
 */
class EventIdentityTest {

    // One waiter at a time, whichever way the copies were obtained.

    @Test
    void aSecondWaiterOnACopyReceivedThroughATubeIsRefused() throws Exception {
        try (Tube.Pair pair = Tube.pair(); Event e = new Event()) {
            pair.first().send(new byte[] {1}, e);
            try (Tube.Message m = pair.second().receive(); Event copy = m.event(0)) {
                assertEquals(e, copy);
                assertSecondWaiterRefused(e, copy);
                assertSecondWaiterRefused(copy, e);
            }
        }
    }

    @Test
    void aSecondWaiterOnACopyAdoptedFromADuplicatedNumberIsRefused() throws Exception {
        try (Event e = new Event(); Event copy = adoptCopyOf(e.rawDescriptor())) {
            assertEquals(e, copy);
            assertSecondWaiterRefused(e, copy);
            assertSecondWaiterRefused(copy, e);
        }
    }

    @Test
    void twoThreadsAdoptingCopiesOfOneEventfdAtOnceShareOneWaiterSlot() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 100; round++) {
                int original = TestNative.eventfd(0, TestNative.EFD_CLOEXEC);
                int[] copies;
                try {
                    copies = new int[] {TestNative.dup(original), TestNative.dup(original)};
                } finally {
                    TestNative.close(original); // the copies keep the eventfd; no Event holds it yet
                }
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<Event>> adoptions = new ArrayList<>();
                for (int copy : copies) {
                    adoptions.add(two.submit(() -> {
                        start.await();
                        return Event.fromRawDescriptor(copy);
                    }));
                }
                Event[] adopted = new Event[2];
                Exception failed = null;
                for (int i = 0; i < 2; i++) {
                    try {
                        adopted[i] = adoptions.get(i).get(20, TimeUnit.SECONDS);
                    } catch (ExecutionException | TimeoutException e) {
                        failed = e;
                        TestNative.close(copies[i]); // not adopted: still ours
                    }
                }
                try (Event a = adopted[0]; Event b = adopted[1]) {
                    if (failed != null) {
                        throw new AssertionError("an adoption failed in round " + round, failed);
                    }
                    assertEquals(a, b, "round " + round);
                    assertSecondWaiterRefused(a, b);
                }
            }
        } finally {
            two.shutdownNow();
            assertTrue(two.awaitTermination(20, TimeUnit.SECONDS));
        }
    }

    // hashCode is taken when the Event is made and never changes.

    @Test
    void hashCodeOfAClosedDuplicateIsTheSameBeforeAndAfterItsOriginalIsHashed() throws Exception {
        try (Event e = new Event()) {
            Event d = e.duplicate();
            d.close();
            int first = d.hashCode();      // before anything asked the original
            int original = e.hashCode();
            assertEquals(first, d.hashCode(), "the hash code of a closed Event changed");
            assertEquals(original, first, "equal Events must have equal hash codes");
            assertEquals(e, d);
            e.close();
            assertEquals(original, e.hashCode(), "closing changed the hash code");
        }
    }

    @Test
    void aCopyReceivedThroughATubeStaysEqualWithTheSameHashCodeAfterBothAreClosed() throws Exception {
        Event e = new Event();
        Event copy;
        try (Tube.Pair pair = Tube.pair()) {
            pair.first().send(new byte[] {1}, e);
            try (Tube.Message m = pair.second().receive()) {
                copy = m.event(0);
            }
        } finally {
            e.close();
        }
        copy.close();
        assertEquals(e, copy);
        assertEquals(e.hashCode(), copy.hashCode());
    }

    // The kernel reuses an eventfd id once the eventfd is freed: nothing may still hold it then.

    @Test
    void anIdReusedAfterCloseJoinsNothing() throws Exception {
        assertReusedIdJoinsNothing(() -> {
            Event e = new Event();
            long id = idOf(e.rawDescriptor());
            e.close();
            return new Released(id, e);
        });
    }

    @Test
    void anIdReusedAfterIntoRawDescriptorAndCloseJoinsNothing() throws Exception {
        assertReusedIdJoinsNothing(() -> {
            Event e = new Event();
            long id = idOf(e.rawDescriptor());
            TestNative.close(e.intoRawDescriptor());
            return new Released(id, e);
        });
    }

    @Test
    void anIdReusedAfterTheCleanerClosedAnAbandonedEventJoinsNothing() throws Exception {
        assertReusedIdJoinsNothing(() -> {
            Abandoned a = abandonAnEvent();
            for (int i = 0; i < 500 && a.stillOpen(); i++) {
                System.gc();
                Thread.sleep(10); // waiting for the collector, not proving a thread blocked
            }
            assertFalse(a.stillOpen(), "the cleaner never closed the abandoned Event (fd " + a.number + ")");
            return new Released(a.id, null);
        });
    }

    /** An eventfd id that vigil no longer holds, and the (closed) Event that held it, if any. */
    private record Released(long id, Event former) {
    }

    @FunctionalInterface
    private interface Release {
        Released run() throws Exception;
    }

    /**
     * Releases an id through {@code release}, then makes two Events one after the other on
     * eventfds with that id (the kernel hands out the lowest free id, so it comes back at
     * once unless another process takes it first: then the whole step is tried again). If
     * vigil still held the id, both would join the old holder and be equal.
     */
    private static void assertReusedIdJoinsNothing(Release release) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            Released r = release.run();
            Event first = withId(r.id);
            if (first == null) {
                continue;
            }
            first.close();
            try (Event second = withId(r.id)) {
                if (second == null) {
                    continue;
                }
                assertNotEquals(first, second, "two eventfds that reused id " + r.id + " were taken for one");
                if (r.former != null) {
                    assertNotEquals(r.former, first, "a new eventfd with id " + r.id + " joined the closed Event");
                    assertNotEquals(r.former, second);
                }
                return;
            }
        }
        fail("the kernel never handed an eventfd id out again; other processes kept taking it");
    }

    /**
     * A new Event whose eventfd has kernel id {@code id}, or null if that id is taken by
     * someone else. Events made on the way (with lower ids) are closed again.
     */
    private static Event withId(long id) throws Exception {
        List<Event> lower = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                Event e = new Event();
                long got = idOf(e.rawDescriptor());
                if (got == id) {
                    return e;
                }
                lower.add(e);
                if (got > id) {
                    return null;
                }
            }
            return null;
        } finally {
            lower.forEach(Event::close);
        }
    }

    /** The number of an Event nobody refers to any more, its kernel id and a count that marks it. */
    private record Abandoned(int number, long id, long mark) {
        boolean stillOpen() throws Exception {
            try {
                return ProcFs.fdinfoField(number, "eventfd-id", 10) == id
                        && ProcFs.fdinfoField(number, "eventfd-count", 16) == mark;
            } catch (NoSuchFileException closed) {
                return false;
            }
        }
    }

    private static Abandoned abandonAnEvent() throws Exception {
        Event e = new Event();
        long mark = 0x1D_0000_0000L | ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
        e.writeCount(mark);
        int number = e.rawDescriptor();
        Abandoned a = new Abandoned(number, idOf(number), mark);
        java.lang.ref.Reference.reachabilityFence(e);
        return a;
    }

    // Helpers.

    static long idOf(int number) throws Exception {
        return ProcFs.fdinfoField(number, "eventfd-id", 10);
    }

    /** {@code Event.fromRawDescriptor} of a new number for the same file; the number is closed if that fails. */
    static Event adoptCopyOf(int number) throws Exception {
        int copy = TestNative.dup(number);
        try {
            return Event.fromRawDescriptor(copy);
        } catch (Throwable t) {
            TestNative.close(copy);
            throw t;
        }
    }

    /**
     * A virtual thread waits on {@code first}; while it is proven parked there, a wait on
     * {@code second} must be refused. Then a signal ends the first wait.
     */
    static void assertSecondWaiterRefused(Event first, Event second) throws Exception {
        Worker waiter = Worker.virtual(first::readCount);
        try {
            waiter.awaitParked();
            IllegalStateException x = assertThrows(IllegalStateException.class, () -> second.await(Duration.ZERO),
                    "a second waiter on " + second + " while a thread waits on " + first);
            assertTrue(x.getMessage().contains("one reader at a time"), x.getMessage());
        } finally {
            first.signal();
        }
        assertEquals(1L, waiter.value(), "the first waiter gets the one signal");
    }
}
