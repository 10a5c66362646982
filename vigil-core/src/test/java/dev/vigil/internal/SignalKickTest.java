package dev.vigil.internal;

import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Signal;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

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
class SignalKickTest {
    @BeforeEach
    void kicksAreAvailable() {
        assumeTrue(SignalKick.signal() != 0, "no kick signal in this process");
    }

    @Test
    void theSignalIsTheJdksAndHasAHandlerThatEndsBlockingCalls() {
        int signal = SignalKick.signal();
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
        CompletableFuture<int[]> platform = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> platform.complete(new int[] {SignalKick.kickableThreadId(), TestNative.gettid()}));
        int[] ids = platform.get(10, TimeUnit.SECONDS);
        assertEquals(ids[1], ids[0], "a platform thread is kicked at its kernel thread id");

        CompletableFuture<Integer> virtual = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> virtual.complete(SignalKick.kickableThreadId()));
        assertEquals(-1, virtual.get(10, TimeUnit.SECONDS), "a virtual thread must never block its carrier");

        CompletableFuture<Integer> masked = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            TestNative.blockSignalInThisThread(SignalKick.signal());
            masked.complete(SignalKick.kickableThreadId());
        });
        assertEquals(-1, masked.get(10, TimeUnit.SECONDS), "a thread with the signal blocked cannot be kicked");
    }

    @Test
    void aKickSendsUntilTheWaiterLeavesAndNeverAfter() throws Exception {
        int signal = SignalKick.signal();
        for (int i = 0; i < 200; i++) {
            SignalKick kick = new SignalKick();
            long stay = ThreadLocalRandom.current().nextLong(1_000_000); // how long the waiter ignores the kick
            CompletableFuture<Void> entered = new CompletableFuture<>();
            CompletableFuture<Void> kickReturned = new CompletableFuture<>();
            CompletableFuture<Boolean> pendingAfterwards = new CompletableFuture<>();
            java.util.concurrent.atomic.AtomicBoolean left = new java.util.concurrent.atomic.AtomicBoolean();
            Thread.ofPlatform().start(() -> {
                try {
                    kick.enter(SignalKick.kickableThreadId());
                    entered.complete(null);
                    while (kick.notYetKicked()) {
                        Thread.onSpinWait(); // "in the call": signals run the handler here, which does nothing
                    }
                    long until = System.nanoTime() + stay;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait(); // as if each signal had been lost
                    }
                    left.set(true);
                    kick.leave();
                    TestNative.blockSignalInThisThread(signal); // from here on, a signal would stay pending
                    kickReturned.join();
                    pendingAfterwards.complete(TestNative.isPending(signal));
                } catch (Throwable t) {
                    pendingAfterwards.completeExceptionally(t);
                }
            });
            try {
                entered.get(10, TimeUnit.SECONDS);
                kick.kick();
                assertTrue(left.get(), "round " + i + ": kick() returned while the waiter was still in its call");
            } finally {
                kickReturned.complete(null); // also on failure: the waiter must not stay blocked in join()
            }
            assertFalse(pendingAfterwards.get(30, TimeUnit.SECONDS), "round " + i + ": a signal was sent after the waiter left");
        }
    }

    @Test
    void aWaiterKickingItselfSendsNothingAndDoesNotWaitForItself() throws Exception {
        int signal = SignalKick.signal();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                TestNative.blockSignalInThisThread(signal); // a signal to itself would stay pending
                SignalKick kick = new SignalKick();
                kick.kick(); // nobody in the call: nothing to do
                kick.enter(TestNative.gettid());
                kick.kick(); // as an interrupt before the call, run by the waiter's own begin()
                String state = kick.notYetKicked() ? "not kicked" : "kicked";
                kick.leave();
                outcome.complete(state + (TestNative.isPending(signal) ? ", signal pending" : ""));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        assertEquals("kicked", outcome.get(30, TimeUnit.SECONDS));
    }

    @Test
    void twoKickersAtOnceEndTheCallAndBothReturn() throws Exception {
        for (int i = 0; i < 100; i++) {
            SignalKick kick = new SignalKick();
            CompletableFuture<Void> entered = new CompletableFuture<>();
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
                kick.enter(SignalKick.kickableThreadId());
                entered.complete(null);
                while (kick.notYetKicked()) {
                    Thread.onSpinWait();
                }
                kick.leave();
            }, r -> Thread.ofPlatform().start(r));
            entered.get(10, TimeUnit.SECONDS);
            Thread other = Thread.ofPlatform().start(kick::kick);
            kick.kick();
            other.join(30_000);
            assertFalse(other.isAlive(), "round " + i + ": the second kicker never returned");
            waiter.get(30, TimeUnit.SECONDS);
            assertTrue(kick.toString().contains("idle"), kick.toString());
        }
    }
}
