package dev.vigil;

import dev.vigil.testing.PythonPeer;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.Spin;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WaitContext across threads and processes, and its bad inputs. */
class WaitContextConcurrencyTest {

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void aSignalFromAnotherThreadWakesAWaitingContext(boolean virtual) throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "ev");
            Worker r = Worker.start(virtual, () -> ctx.await().get(0).token());
            r.awaitBlockedIn("ppoll");
            ev.signal();
            assertEquals("ev", r.value());
        }
    }

    @Test
    void aDescriptorAddedWhileAnotherThreadWaitsIsReportedToThatWait() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            Worker r = Worker.start(false, () -> ctx.await().get(0).token());
            r.awaitBlockedIn("ppoll");
            ev.signal();
            ctx.add(ev, "late");
            assertEquals("late", r.value());
        }
    }

    /**
     * One thread adds, signals, deletes and closes Events (so numbers are reused at once)
     * while another waits in a loop. A token must never be reported if its descriptor was
     * deleted before the wait that reports it began.
     */
    @Test
    void addingAndDeletingWhileAnotherThreadWaitsNeverReportsAStaleToken() throws Exception {
        final class Tok {
            final Event event;
            volatile long deletedAt; // the epoch after its delete returned; 0 while live

            Tok(Event event) {
                this.event = event;
            }
        }
        AtomicLong epoch = new AtomicLong(1);
        AtomicBoolean done = new AtomicBoolean();
        try (WaitContext<Tok> ctx = new WaitContext<>(8)) {
            Worker waiter = Worker.start(false, () -> {
                long reports = 0;
                while (!done.get()) {
                    long start = epoch.get();
                    for (TriggeredEvent<Tok> e : ctx.await(Duration.ofMillis(5))) {
                        long d = e.token().deletedAt;
                        if (d != 0 && d <= start) {
                            return "stale token reported: deleted at " + d + ", wait began at " + start;
                        }
                        reports++;
                    }
                }
                return reports;
            });
            Tok[] slots = new Tok[8];
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int i = 0; i < 10_000; i++) {
                int j = rnd.nextInt(slots.length);
                if (slots[j] == null) {
                    Tok t = new Tok(new Event());
                    ctx.add(t.event, t);
                    t.event.signal();
                    slots[j] = t;
                } else {
                    Tok t = slots[j];
                    slots[j] = null;
                    assertTrue(ctx.delete(t.event));
                    t.deletedAt = epoch.incrementAndGet();
                    t.event.close();
                }
            }
            done.set(true);
            Object outcome = waiter.value();
            assertInstanceOf(Long.class, outcome, String.valueOf(outcome));
            assertTrue((Long) outcome > 0, "the waiter saw no events at all");
            for (Tok t : slots) {
                if (t != null) {
                    t.event.close();
                }
            }
        }
    }

    @Test
    void readinessCausedByAnotherProcessIsReported() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>();
             PythonPeer py = new PythonPeer("/interop/eventfd_peer.py",
                     String.valueOf(TestNative.getpid()), String.valueOf(ev.rawDescriptor()))) {
            assertEquals("ready", py.readLine());
            ctx.add(ev, "from-python");
            assertTrue(ctx.await(Duration.ofMillis(5)).isEmpty());
            assertEquals("ok", py.ask("write 1"));
            assertEquals("from-python", ctx.await(Duration.ofSeconds(30)).get(0).token());
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void awaitIsInterruptible(boolean virtual) throws Exception {
        try (WaitContext<String> ctx = new WaitContext<>()) {
            Worker r = Worker.start(virtual, ctx::await);
            r.awaitBlockedIn("ppoll");
            r.interrupt();
            assertInstanceOf(InterruptedException.class, r.failure());
            assertTrue(ctx.await(Duration.ZERO).isEmpty(), "usable after an interrupted wait");
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void closeWhileWaitingEndsTheWaitWithClosedException(boolean virtual) throws Exception {
        WaitContext<String> ctx = new WaitContext<>();
        Worker r = Worker.start(virtual, ctx::await);
        r.awaitBlockedIn("ppoll");
        ctx.close();
        assertInstanceOf(ClosedException.class, r.failure());
    }

    @Test
    void aSecondConcurrentWaiterIsRejected() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "ev");
            Worker first = Worker.start(false, () -> ctx.await().size());
            first.awaitBlockedIn("ppoll");
            assertThrows(IllegalStateException.class, () -> ctx.await(Duration.ZERO));
            ev.signal();
            assertEquals(1, first.value());
        }
    }

    // Bad input.

    @Test
    void nullDescriptorOrTokenIsRejected() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            assertThrows(NullPointerException.class, () -> ctx.add(null, "t"));
            assertThrows(NullPointerException.class, () -> ctx.add(ev, null));
            assertThrows(NullPointerException.class, () -> ctx.addForEvent(ev, null, "t"));
            assertThrows(NullPointerException.class, () -> ctx.modify(null, EventType.READ, "t"));
            assertThrows(NullPointerException.class, () -> ctx.delete(null));
            assertThrows(NullPointerException.class, () -> new WaitContext.Trigger<>(ev, null));
            assertThrows(NullPointerException.class, () -> ctx.await(null));
            assertThrows(NullPointerException.class, () -> ctx.awaitEach(Duration.ZERO, null));
            assertEquals(0, ctx.size());
            ctx.add(ev, "fine");
            assertEquals(1, ctx.size());
        }
    }

    @Test
    void addingTheSameDescriptorTwiceIsAnErrorAndKeepsTheFirst() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "first");
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> ctx.add(ev, "second"));
            assertTrue(x.getMessage().contains("already"), x.getMessage());
            ev.signal();
            assertEquals("first", ctx.await().get(0).token());
        }
    }

    @Test
    void aClosedDescriptorIsAClearErrorAndTheContextStaysUsable() throws Exception {
        try (Event ok = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            Event closed = new Event();
            closed.close();
            assertThrows(ClosedException.class, () -> ctx.add(closed, "x"));
            ErrnoException x = assertThrows(ErrnoException.class, () -> ctx.add(() -> 19_999, "x")); // not open
            assertEquals("EBADF", x.errnoName());
            assertThrows(IllegalArgumentException.class, () -> ctx.add(() -> -1, "x"));
            assertEquals(0, ctx.size());
            ctx.add(ok, "ok");
            ok.signal();
            assertEquals("ok", ctx.await().get(0).token());
        }
    }

    @Test
    void modifyOfAnUnknownDescriptorIsIllegalArgument() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> ctx.modify(ev, EventType.READ, "t"));
            assertTrue(x.getMessage().contains("add() it first"), x.getMessage());
        }
    }

    @Test
    void deleteOfAnUnknownDescriptorReturnsFalseAndChangesNothing() throws Exception {
        try (Event ev = new Event(); Event stranger = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "ev");
            assertFalse(ctx.delete(stranger));
            assertTrue(ctx.delete(ev));
            assertFalse(ctx.delete(ev));
            assertEquals(0, ctx.size());
        }
    }

    @Test
    void aRegularFileIsRefusedByTheKernelWithEperm() throws Exception {
        Path f = Files.createTempFile("vigil", ".txt");
        try (RawFd file = new RawFd(TestNative.open(f.toString())); WaitContext<String> ctx = new WaitContext<>()) {
            ErrnoException x = assertThrows(ErrnoException.class, () -> ctx.add(file, "file"));
            assertEquals("EPERM", x.errnoName());
            assertEquals(0, ctx.size());
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void aContextCannotContainItself() throws Exception {
        try (WaitContext<String> ctx = new WaitContext<>()) {
            assertThrows(IllegalArgumentException.class, () -> ctx.add(ctx, "me"));
        }
    }

    @Test
    void addManyIsAllOrNothing() throws Exception {
        try (Event a = new Event(); Event b = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(b, "b");
            List<WaitContext.Trigger<String>> triggers = List.of(
                    new WaitContext.Trigger<>(a, "a"), new WaitContext.Trigger<>(b, "b-again"));
            assertThrows(IllegalArgumentException.class, () -> ctx.addMany(triggers));
            assertEquals(1, ctx.size(), "a must have been taken out again");
            a.signal();
            assertTrue(ctx.await(Duration.ZERO).isEmpty());
        }
    }

    @Test
    void buildWithClosesTheContextWhenATriggerFails() throws Exception {
        try (Event a = new Event()) {
            Event closed = new Event();
            closed.close();
            List<WaitContext.Trigger<String>> triggers = new ArrayList<>();
            triggers.add(new WaitContext.Trigger<>(a, "a"));
            triggers.add(new WaitContext.Trigger<>(closed, "closed"));
            assertThrows(ClosedException.class, () -> WaitContext.buildWith(triggers));
            // the leak guard checks that the epoll descriptor was closed
        }
    }

    @Test
    void everyCallAfterCloseIsAClosedException() throws Exception {
        try (Event ev = new Event()) {
            WaitContext<String> ctx = new WaitContext<>();
            ctx.add(ev, "ev");
            ctx.close();
            ctx.close();
            assertThrows(ClosedException.class, ctx::await);
            assertThrows(ClosedException.class, () -> ctx.await(Duration.ZERO));
            assertThrows(ClosedException.class, () -> ctx.add(ev, "again"));
            assertThrows(ClosedException.class, () -> ctx.modify(ev, EventType.READ, "m"));
            assertThrows(ClosedException.class, () -> ctx.delete(ev));
            assertThrows(IllegalStateException.class, ctx::rawDescriptor);
            ev.signal(); // members are not closed with the context
            assertEquals(EventWaitResult.SIGNALED, ev.await(Duration.ZERO));
        }
    }

    @Test
    void batchSizeOutOfRangeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new WaitContext<String>(0));
        assertThrows(IllegalArgumentException.class, () -> new WaitContext<String>(1 << 20));
    }

    /**
     * An Event closed while another thread keeps adding and deleting it: the context never
     * ends up watching the file that reused its number (an Event opened right after the
     * close). Signalling that file must therefore report nothing. The context holds the
     * member's use count across EPOLL_CTL_ADD; without it, the number read before the close
     * could be added after the reuse.
     */
    @Test
    void anEventClosedWhileItIsBeingAddedIsNeverReplacedByAReusedNumber() throws Exception {
        try (WaitContext<String> ctx = new WaitContext<>()) {
            for (int round = 0; round < 600; round++) {
                Event original = new Event();
                AtomicReference<Throwable> adderFailure = new AtomicReference<>();
                Thread adder = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            ctx.add(original, "original");
                            ctx.delete(original);
                        }
                    } catch (ClosedException closed) {
                        // the Event was closed under the loop: expected
                    } catch (Throwable t) {
                        adderFailure.set(t);
                    }
                });
                Spin.times(round * 37 % 2000);
                original.close();
                try (Event reuser = new Event()) { // most likely takes the number just freed
                    adder.join();
                    if (adderFailure.get() != null) {
                        throw new AssertionError("round " + round + ": the adding thread failed", adderFailure.get());
                    }
                    reuser.signal();
                    assertEquals(List.of(), ctx.await(Duration.ZERO),
                            "round " + round + ": the context watches the file that reused the number");
                }
            }
        }
    }
}
