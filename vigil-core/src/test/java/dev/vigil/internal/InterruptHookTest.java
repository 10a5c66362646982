package dev.vigil.internal;

import dev.vigil.testing.Spin;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link InterruptHook}: between {@code arm} and {@code disarm}, {@code Thread.interrupt()}
 * from another thread calls the armed target once, on the interrupting thread; {@code disarm} reports it and
 * leaves the interrupt status set; an interrupt that came before {@code arm} fires at
 * {@code arm}; outside the armed period nothing is called. Each case runs on a worker thread
 * of its own, whose interrupt status it may leave set.
 */
class InterruptHookTest {
    /** A target that records the thread of every call. */
    private static final class Calls implements InterruptHook.Target {
        final List<Thread> by = new CopyOnWriteArrayList<>();

        @Override
        public void interrupted() {
            by.add(Thread.currentThread());
        }
    }

    /** Waits until the worker sets {@code flag}; fails if it ends first. */
    private static void awaitSet(AtomicBoolean flag, Worker w) {
        for (int step = 0; !flag.get(); step++) {
            if (w.isDone()) {
                fail("the worker ended first: " + w.outcomeNow());
            }
            Spin.pause(step);
        }
    }

    @Test
    void anInterruptWhileArmedCallsTheTargetOnceOnTheInterruptingThreadAndDisarmReportsIt() throws Exception {
        Calls calls = new Calls();
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean release = new AtomicBoolean();
        Worker w = Worker.platform(() -> {
            InterruptHook hook = InterruptHook.current();
            hook.arm(calls);
            armed.set(true);
            for (int step = 0; !release.get(); step++) {
                Spin.pause(step); // not a blocking call: only the hook can notice the interrupt
            }
            boolean reported = hook.disarm();
            return reported + ", status " + Thread.currentThread().isInterrupted();
        });
        awaitSet(armed, w);
        try {
            w.interrupt(); // calls the target before it returns
            assertEquals(List.of(Thread.currentThread()), calls.by, "called once, by the interrupting thread");
            w.interrupt();
            assertEquals(1, calls.by.size(), "a second interrupt calls the target again");
        } finally {
            release.set(true);
        }
        assertEquals("true, status true", w.value(), "disarm() reports the interrupt and leaves the status set");
        assertEquals(1, calls.by.size());
    }

    @Test
    void withoutAnInterruptDisarmReportsNothingAndTheSameHookServesTheNextWait() throws Exception {
        Calls calls = new Calls();
        Worker w = Worker.platform(() -> {
            InterruptHook hook = InterruptHook.current();
            hook.arm(calls);
            boolean first = hook.disarm();
            InterruptHook again = InterruptHook.current();
            assertSame(hook, again, "a hook no interrupt used up is kept");
            again.arm(calls);
            boolean second = again.disarm();
            return first + " " + second + ", status " + Thread.currentThread().isInterrupted();
        });
        assertEquals("false false, status false", w.value());
        assertTrue(calls.by.isEmpty(), "the target was called without an interrupt");
    }

    @Test
    void anInterruptBeforeArmFiresAtArm() throws Exception {
        Calls calls = new Calls();
        Worker w = Worker.platform(() -> {
            Thread.currentThread().interrupt();
            InterruptHook hook = InterruptHook.current();
            hook.arm(calls);
            int atArm = calls.by.size();
            boolean reported = hook.disarm();
            return atArm + " " + reported + ", status " + Thread.currentThread().isInterrupted();
        });
        assertEquals("1 true, status true", w.value(), "calls at arm, disarm, status afterwards");
        assertEquals(List.of(w.thread()), calls.by, "fired at arm, on the interrupted thread itself");
    }

    @Test
    void aHookUsedUpByAnInterruptIsReplacedByAFreshOne() throws Exception {
        Calls calls = new Calls();
        Calls later = new Calls();
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean release = new AtomicBoolean();
        Worker w = Worker.platform(() -> {
            InterruptHook hook = InterruptHook.current();
            hook.arm(calls);
            armed.set(true);
            for (int step = 0; !release.get(); step++) {
                Spin.pause(step);
            }
            boolean first = hook.disarm();
            Thread.interrupted();
            InterruptHook next = InterruptHook.current();
            assertNotSame(hook, next, "a used-up hook is replaced");
            assertTrue(next.isOpen());
            next.arm(later);
            return first + " " + next.disarm();
        });
        awaitSet(armed, w);
        try {
            w.interrupt();
        } finally {
            release.set(true);
        }
        assertEquals("true false", w.value(), "the used-up hook reported the interrupt, the new one nothing");
        assertEquals(1, calls.by.size());
        assertTrue(later.by.isEmpty(), "the new hook's target was called");
    }

    @Test
    void anInterruptOfAThreadThatDisarmedCallsNothing() throws Exception {
        Calls calls = new Calls();
        AtomicBoolean disarmed = new AtomicBoolean();
        AtomicBoolean release = new AtomicBoolean();
        Worker w = Worker.platform(() -> {
            InterruptHook hook = InterruptHook.current();
            hook.arm(calls);
            boolean reported = hook.disarm();
            disarmed.set(true);
            for (int step = 0; !release.get(); step++) {
                Spin.pause(step);
            }
            return reported + ", status " + Thread.interrupted();
        });
        awaitSet(disarmed, w);
        try {
            w.interrupt();
        } finally {
            release.set(true);
        }
        assertEquals("false, status true", w.value());
        assertTrue(calls.by.isEmpty(), "an interrupt after disarm reached the target");
    }
}
