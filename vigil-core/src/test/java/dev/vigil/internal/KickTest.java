package dev.vigil.internal;

import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Signal;
import dev.vigil.testing.Spin;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kick protocol on its own, with a "call" that is a Java spin instead of a system call,
 * so the test decides when the waiter leaves: a kick sends until the waiter has left, and
 * never after; the signal has a handler that ends calls and does nothing else.
 */
class KickTest {
    @BeforeEach
    void kicksAreAvailable() {
        assumeTrue(Kick.signal() != 0, "no kick signal in this process");
    }

    @Test
    void theSignalIsTheJdksAndHasAHandlerThatEndsBlockingCalls() {
        int signal = Kick.signal();
        assertEquals(Signal.sigrtmax() - 2, signal);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment now = Signal.allocateSigaction(arena);
            assertEquals(0, Signal.sigaction(Native.Scratch.get(), signal, MemorySegment.NULL, now));
            assertNotEquals(Signal.SIG_DFL, Signal.handler(now), "SIG_DFL would end the process");
            assertNotEquals(Signal.SIG_IGN, Signal.handler(now), "an ignored signal ends no call");
            assertEquals(0, Signal.flags(now) & Signal.SA_RESTART, "SA_RESTART would restart the call");
            assertEquals(0, Signal.flags(now) & Signal.SA_RESETHAND, "SA_RESETHAND would leave SIG_DFL behind");
        }
    }

    @Test
    void onlyPlatformThreadsThatCanReceiveTheSignalAreKickable() throws Exception {
        Worker platform = Worker.platform(Kick::kickableThreadId);
        assertEquals(platform.tid(), platform.value(), "a platform thread is kicked at its kernel thread id");

        Worker virtual = Worker.virtual(Kick::kickableThreadId);
        assertEquals(-1, virtual.value(), "a virtual thread must never block its carrier");

        Worker masked = Worker.platform(() -> {
            TestNative.blockSignalInThisThread(Kick.signal());
            return Kick.kickableThreadId();
        });
        assertEquals(-1, masked.value(), "a thread with the signal blocked cannot be kicked");
    }

    @Test
    void aKickReturnsAtOnceAndSignalsAreSentAgainUntilTheWaiterLeavesAndNeverAfter() throws Exception {
        int signal = Kick.signal();
        for (int i = 0; i < 50; i++) {
            Kick kick = new Kick();
            boolean stay = i % 2 == 0; // whether the waiter ignores signals until one is sent again
            CompletableFuture<Void> entered = new CompletableFuture<>();
            CompletableFuture<Void> kickReturned = new CompletableFuture<>();
            AtomicBoolean left = new AtomicBoolean();
            AtomicBoolean sawResend = new AtomicBoolean();
            long resentBefore = Kick.Resender.resent;
            Worker waiter = Worker.platform(() -> { // its value: whether a signal came after it left
                kick.enter(Kick.kickableThreadId());
                entered.complete(null);
                kickReturned.get(20, TimeUnit.SECONDS); // "in the call" until kick() is back: it must not wait for us
                long until = System.nanoTime() + 20_000_000_000L;
                for (int step = 0; stay && Kick.Resender.resent == resentBefore && System.nanoTime() < until; step++) {
                    Spin.pause(step); // as if each signal had been lost
                }
                sawResend.set(Kick.Resender.resent != resentBefore);
                left.set(true);
                kick.leave();
                TestNative.blockSignalInThisThread(signal); // from here on, a signal would stay pending
                long forgotten = System.nanoTime() + 20_000_000_000L;
                for (int step = 0; Kick.Resender.holds(kick) && System.nanoTime() < forgotten; step++) {
                    Spin.pause(step); // until the resender has forgotten the kick: no send for it can follow
                }
                return Kick.Resender.holds(kick) ? null : TestNative.isPending(signal);
            });
            entered.get(10, TimeUnit.SECONDS);
            kick.kick();
            boolean waited = left.get();
            kickReturned.complete(null);
            assertFalse(waited, "round " + i + ": kick() waited for the waiter to leave");
            assertEquals(false, waiter.value(), "round " + i + ": a signal was sent after the waiter left"
                    + " (null: the resender never forgot the kick)");
            if (stay) {
                assertTrue(sawResend.get(), "round " + i + ": nothing was sent again while the waiter stayed in its call");
            }
        }
    }

    @Test
    void aWaiterKickingItselfSendsNothingAndDoesNotWaitForItself() throws Exception {
        int signal = Kick.signal();
        Worker w = Worker.platform(() -> {
            TestNative.blockSignalInThisThread(signal); // a signal to itself would stay pending
            Kick kick = new Kick();
            kick.kick(); // nobody in the call: nothing to do
            kick.enter(TestNative.gettid());
            kick.kick(); // as an interrupt before the call, run by the waiter's own begin()
            String state = kick.notYetKicked() ? "not kicked" : "kicked";
            kick.leave();
            return state + (TestNative.isPending(signal) ? ", signal pending" : "") + (kick.isIdle() ? "" : ", not idle");
        });
        assertEquals("kicked", w.value());
    }

    @Test
    void twoKickersAtOnceEndTheCallAndBothReturn() throws Exception {
        for (int i = 0; i < 100; i++) {
            Kick kick = new Kick();
            CompletableFuture<Void> entered = new CompletableFuture<>();
            Worker waiter = Worker.platform(() -> {
                kick.enter(Kick.kickableThreadId());
                entered.complete(null);
                for (int step = 0; kick.notYetKicked(); step++) {
                    Spin.pause(step);
                }
                kick.leave();
                return "left";
            });
            entered.get(10, TimeUnit.SECONDS);
            Worker other = Worker.platform(() -> {
                kick.kick();
                return "returned";
            });
            kick.kick();
            assertEquals("returned", other.value(), "round " + i + ": the second kicker");
            assertEquals("left", waiter.value());
            assertTrue(kick.isIdle(), "round " + i + ": left in " + kick);
        }
    }
}
