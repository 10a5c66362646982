package dev.vigil;

import dev.vigil.testing.RawFd;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §3 items 9-14: what a WaitContext reports. */
class WaitContextTest {

    record Tok(String name) {
    }

    static <T> TriggeredEvent<T> only(List<TriggeredEvent<T>> events) {
        assertEquals(1, events.size(), "expected exactly one event: " + events);
        return events.get(0);
    }

    static List<Event> events(int n) throws Exception {
        List<Event> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new Event());
        }
        return list;
    }

    static void closeAll(List<Event> list) {
        list.forEach(Event::close);
    }

    // 9. One of N signalled: exactly that token, readable, reported until consumed.

    @Test
    void oneSignalledEventAmongManyIsReportedWithItsTokenAlone() throws Exception {
        List<Event> evs = events(10);
        try (WaitContext<Integer> ctx = new WaitContext<>()) {
            for (int i = 0; i < evs.size(); i++) {
                ctx.add(evs.get(i), i);
            }
            evs.get(7).signal();
            TriggeredEvent<Integer> e = only(ctx.await());
            assertEquals(7, e.token());
            assertTrue(e.isReadable());
            assertFalse(e.isWritable());
            assertFalse(e.isHungup());
        } finally {
            closeAll(evs);
        }
    }

    @Test
    void aReadyDescriptorIsReportedAgainUntilConsumed() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "ev");
            ev.signal();
            assertEquals("ev", only(ctx.await()).token());
            assertEquals("ev", only(ctx.await(Duration.ofSeconds(5))).token(), "level-triggered: still ready");
            ev.reset();
            assertTrue(ctx.await(Duration.ZERO).isEmpty(), "consumed by reset");
            ev.signal();
            assertEquals("ev", only(ctx.await()).token());
            ev.await();
            assertTrue(ctx.await(Duration.ZERO).isEmpty(), "consumed by await");
        }
    }

    // 10. More ready than one batch: all reported across successive waits.

    @Test
    void moreReadyDescriptorsThanOneBatchAreAllReportedAcrossWaits() throws Exception {
        List<Event> evs = events(10);
        try (WaitContext<Integer> ctx = new WaitContext<>(4)) {
            for (int i = 0; i < evs.size(); i++) {
                ctx.add(evs.get(i), i);
                evs.get(i).signal();
            }
            Set<Integer> seen = new HashSet<>();
            for (int wait = 0; wait < 3; wait++) {
                List<TriggeredEvent<Integer>> batch = ctx.await();
                assertTrue(batch.size() <= 4, "a wait returns at most one batch");
                batch.forEach(e -> seen.add(e.token()));
            }
            assertEquals(10, seen.size(), "every ready descriptor within three waits of four: " + seen);
        } finally {
            closeAll(evs);
        }
    }

    @Test
    void aThousandSignalledEventsAreAllReported() throws Exception {
        List<Event> evs = events(1000);
        try (WaitContext<Integer> ctx = new WaitContext<>()) {
            for (int i = 0; i < evs.size(); i++) {
                ctx.add(evs.get(i), i);
                evs.get(i).signal();
            }
            Set<Integer> seen = new HashSet<>();
            int waits = 0;
            while (seen.size() < 1000 && waits++ < 1000) {
                for (TriggeredEvent<Integer> e : ctx.await()) {
                    assertTrue(e.isReadable());
                    seen.add(e.token());
                    evs.get(e.token()).reset(); // consume, so the rest come forward
                }
            }
            assertEquals(1000, seen.size());
            assertTrue(ctx.await(Duration.ZERO).isEmpty());
        } finally {
            closeAll(evs);
        }
    }

    // 11. Quiet or empty: an empty list after at least the timeout.

    @Test
    void awaitOnAQuietContextReturnsEmptyAfterAtLeastTheTimeout() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "ev");
            for (Duration d : new Duration[] {Duration.ofNanos(1), Duration.ofMillis(1), Duration.ofMillis(20)}) {
                long start = System.nanoTime();
                assertTrue(ctx.await(d).isEmpty());
                assertTrue(System.nanoTime() - start >= d.toNanos(), "returned before " + d);
            }
        }
    }

    @Test
    void awaitOnAnEmptyContextReturnsEmptyAfterAtLeastTheTimeout() throws Exception {
        try (WaitContext<String> ctx = new WaitContext<>()) {
            long start = System.nanoTime();
            assertTrue(ctx.await(Duration.ofMillis(15)).isEmpty());
            assertTrue(System.nanoTime() - start >= 15_000_000L);
            assertTrue(ctx.await(Duration.ZERO).isEmpty());
        }
    }

    // 12. add twice, modify, NONE, delete.

    @Test
    void modifyChangesTheTokenAndTheEventType() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "old");
            ev.signal();
            ctx.modify(ev, EventType.READ, "new");
            assertEquals("new", only(ctx.await()).token());
            ctx.modify(ev, EventType.WRITE, "writer");
            TriggeredEvent<String> e = only(ctx.await());
            assertEquals("writer", e.token());
            assertTrue(e.isWritable());
            assertFalse(e.isReadable(), "no longer interested in reading");
        }
    }

    @Test
    void eventTypeNoneSilencesADescriptorWithoutRemovingIt() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.addForEvent(ev, EventType.NONE, "silent");
            ev.signal();
            assertTrue(ctx.await(Duration.ofMillis(5)).isEmpty());
            assertEquals(1, ctx.size());
            ctx.modify(ev, EventType.READ, "loud");
            assertEquals("loud", only(ctx.await()).token());
        }
    }

    @Test
    void eventTypeNoneStillReportsHangUp() throws Exception {
        RawFd[] pair = RawFd.socketPair();
        try (RawFd mine = pair[0]; WaitContext<String> ctx = new WaitContext<>()) {
            ctx.addForEvent(mine, EventType.NONE, "sock");
            assertTrue(ctx.await(Duration.ofMillis(5)).isEmpty());
            pair[1].close();
            TriggeredEvent<String> e = only(ctx.await());
            assertEquals("sock", e.token());
            assertTrue(e.isHungup());
            assertFalse(e.isReadable(), "NONE asks for no readability");
        } finally {
            pair[1].close();
        }
    }

    @Test
    void afterDeleteNothingMoreIsReported() throws Exception {
        try (Event ev = new Event(); Event other = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "ev");
            ctx.add(other, "other");
            ev.signal();
            assertTrue(ctx.delete(ev));
            assertEquals(1, ctx.size());
            assertTrue(ctx.await(Duration.ofMillis(5)).isEmpty());
            other.signal();
            assertEquals("other", only(ctx.await()).token());
        }
    }

    @Test
    void deletedThenAddedAgainGetsTheNewToken() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "first");
            ctx.delete(ev);
            ctx.add(ev, "second");
            ev.signal();
            assertEquals("second", only(ctx.await()).token());
        }
    }

    @Test
    void aNumberClosedWithoutDeleteAndReusedGetsOnlyItsNewToken() throws Exception {
        try (WaitContext<String> ctx = new WaitContext<>()) {
            Event old = new Event();
            int number = old.rawDescriptor();
            ctx.add(old, "old");
            old.signal();
            old.close(); // not deleted: the kernel drops it with its file
            try (Event reused = new Event()) {
                assertEquals(number, reused.rawDescriptor(), "the kernel reuses the lowest free number");
                ctx.add(reused, "new"); // accepted: the old entry was stale
                assertTrue(ctx.await(Duration.ofMillis(5)).isEmpty(), "the old signal must not show up");
                reused.signal();
                assertEquals("new", only(ctx.await()).token());
                assertEquals(1, ctx.size());
            }
        }
    }

    // 13. WRITE on an Event; hang-ups.

    @Test
    void writeOnAnEventIsReportedWritableAtOnce() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.addForEvent(ev, EventType.WRITE, "w");
            TriggeredEvent<String> e = only(ctx.await(Duration.ZERO));
            assertTrue(e.isWritable());
            assertFalse(e.isReadable());
        }
    }

    @Test
    void readWriteReportsBoth() throws Exception {
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.addForEvent(ev, EventType.READ_WRITE, "rw");
            ev.signal();
            TriggeredEvent<String> e = only(ctx.await());
            assertTrue(e.isWritable());
            assertTrue(e.isReadable());
        }
    }

    @Test
    void aSocketWhosePeerClosedReportsHungUp() throws Exception {
        RawFd[] pair = RawFd.socketPair();
        try (RawFd mine = pair[0]; WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(mine, "sock");
            pair[1].close();
            TriggeredEvent<String> e = only(ctx.await());
            assertTrue(e.isHungup());
        } finally {
            pair[1].close();
        }
    }

    @Test
    void aPipeWhoseWriteEndClosedReportsHungUp() throws Exception {
        RawFd[] pipe = RawFd.pipe();
        try (RawFd reader = pipe[0]; WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(reader, "pipe");
            assertTrue(ctx.await(Duration.ofMillis(2)).isEmpty());
            pipe[1].close();
            assertTrue(only(ctx.await()).isHungup());
        } finally {
            pipe[1].close();
        }
    }

    @Test
    void mixedEventsPipesAndSocketsEachReportTheirOwnToken() throws Exception {
        RawFd[] pipe = RawFd.pipe();
        RawFd[] sock = RawFd.socketPair();
        try (Event ev = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(ev, "event");
            ctx.add(pipe[0], "pipe");
            ctx.add(sock[0], "socket");
            pipe[1].write(1);
            assertEquals("pipe", only(ctx.await()).token());
            pipe[0].read();
            sock[1].write(2);
            assertEquals("socket", only(ctx.await()).token());
            sock[0].read();
            ev.signal();
            assertEquals("event", only(ctx.await()).token());
            ev.reset();
            pipe[1].write(3);
            sock[1].write(4);
            ev.signal();
            Set<String> all = new HashSet<>();
            ctx.await().forEach(e -> all.add(e.token()));
            assertEquals(Set.of("event", "pipe", "socket"), all);
        } finally {
            for (RawFd f : pipe) f.close();
            for (RawFd f : sock) f.close();
        }
    }

    // 14. Nesting.

    @Test
    void aWaitContextNestsInAnother() throws Exception {
        try (Event ev = new Event(); WaitContext<String> inner = new WaitContext<>();
             WaitContext<String> outer = new WaitContext<>()) {
            inner.add(ev, "leaf");
            outer.add(inner, "inner");
            assertTrue(outer.await(Duration.ofMillis(2)).isEmpty());
            ev.signal();
            assertEquals("inner", only(outer.await()).token());
            assertEquals("leaf", only(inner.await()).token());
            ev.reset();
            assertTrue(outer.await(Duration.ZERO).isEmpty());
        }
    }

    // The allocation-free path.

    @Test
    void awaitEachHandsEveryEventToTheVisitor() throws Exception {
        try (Event a = new Event(); Event b = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(a, "a");
            ctx.addForEvent(b, EventType.READ_WRITE, "b");
            a.signal();
            List<String> seen = new ArrayList<>();
            int n = ctx.awaitEach(Duration.ofSeconds(5), (token, r, w, h) -> seen.add(token + ":" + r + w + h));
            assertEquals(2, n);
            assertEquals(Set.of("a:truefalsefalse", "b:falsetruefalse"), new HashSet<>(seen));
            b.reset();
            a.reset();
            ctx.delete(b);
            assertEquals(0, ctx.awaitEach(Duration.ofMillis(1), (token, r, w, h) -> seen.add("unexpected")));
            assertFalse(seen.contains("unexpected"));
        }
    }

    @Test
    void buildWithAddsEveryTriggerForReading() throws Exception {
        try (Event a = new Event(); Event b = new Event();
             WaitContext<Tok> ctx = WaitContext.buildWith(List.of(
                     new WaitContext.Trigger<>(a, new Tok("a")), new WaitContext.Trigger<>(b, new Tok("b"))))) {
            assertEquals(2, ctx.size());
            b.signal();
            assertEquals(new Tok("b"), only(ctx.await()).token());
        }
    }

    @Test
    void toStringNamesTheDescriptorAndSize() throws Exception {
        try (Event a = new Event(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(a, "a");
            assertEquals("WaitContext[fd=" + ctx.rawDescriptor() + ", 1 descriptors]", ctx.toString());
        }
    }
}
