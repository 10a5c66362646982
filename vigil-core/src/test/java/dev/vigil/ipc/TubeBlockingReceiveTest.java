package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.WaitContext;
import dev.vigil.internal.Kick;
import dev.vigil.testing.Blocked;
import dev.vigil.testing.Spin;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.vigil.ipc.TubeTest.text;
import static dev.vigil.ipc.TubeTest.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The receive of a platform thread is one blocking {@code recvmsg} (after a blocking peek,
 * for {@code receive()}), which interrupt and close end with a signal ({@link Kick}).
 * These tests pin that, and that the signal neither loses nor invents anything: an interrupt
 * consumes no message, a message racing an interrupt is received exactly once, close always
 * ends the call, a stray signal is ignored. Every form: {@code receive()} and
 * {@code receive(max, fds)}, with and without a descriptor attached.
 */
class TubeBlockingReceiveTest {
    enum Form { UNBOUNDED, BOUNDED }

    static Stream<Arguments> forms() {
        return Stream.of(Arguments.of(Form.UNBOUNDED, false), Arguments.of(Form.UNBOUNDED, true),
                Arguments.of(Form.BOUNDED, false), Arguments.of(Form.BOUNDED, true));
    }

    static Tube.Message receive(Tube t, Form form) throws IOException, InterruptedException {
        return form == Form.BOUNDED ? t.receive(64, 1) : t.receive();
    }

    /**
     * A platform thread receiving once on {@code t}. Its value is the message's text and
     * descriptor count ("text/1", with "/interrupted" if the interrupt status is set after a
     * receive that won a race with an interrupt); an InterruptedException comes with the
     * status cleared, or the outcome is an AssertionError.
     */
    static Worker receiver(Tube t, Form form) throws InterruptedException {
        return Worker.platform(() -> {
            try (Tube.Message m = receive(t, form)) {
                return text(m) + "/" + m.descriptorCount() + (Thread.interrupted() ? "/interrupted" : "");
            } catch (InterruptedException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new AssertionError("InterruptedException with the status still set");
                }
                throw e;
            }
        });
    }

    /** Sends "text" to {@code t}, with {@code attached} if given. */
    static void send(Tube t, String text, RawDescriptor attached) throws Exception {
        if (attached != null) {
            t.send(utf8(text), attached);
        } else {
            t.send(utf8(text));
        }
    }

    /** Receives one message on this thread within 30 s (a WaitContext checks it is there first). */
    static String receiveNow(Tube t, Form form) throws Exception {
        try (WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(t, "t");
            assertFalse(ctx.await(Duration.ofSeconds(30)).isEmpty(), "the message was lost");
            ctx.delete(t);
        }
        try (Tube.Message m = receive(t, form)) {
            return text(m) + "/" + m.descriptorCount();
        }
    }

    static void assertNothingWaiting(Tube t) throws Exception {
        try (WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(t, "t");
            assertTrue(ctx.await(Duration.ZERO).isEmpty(), "a message is still queued");
            ctx.delete(t);
        }
    }

    @ParameterizedTest(name = "{0}, descriptor={1}")
    @MethodSource("forms")
    void aPlatformReceiveBlocksInRecvmsgNotInPpoll(Form form, boolean withDescriptor) throws Exception {
        assumeTrue(Kick.signal() != 0, "no kick signal in this process");
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            Worker r = receiver(p.second(), form);
            r.awaitBlockedIn("recvmsg");
            send(p.first(), "hello", withDescriptor ? e : null);
            assertEquals("hello/" + (withDescriptor ? 1 : 0), r.outcome());
        }
    }

    @ParameterizedTest(name = "{0}, descriptor={1}")
    @MethodSource("forms")
    void interruptEndsABlockedRecvmsgAndTheNextMessageArrivesIntact(Form form, boolean withDescriptor) throws Exception {
        assumeTrue(Kick.signal() != 0, "no kick signal in this process"); // without one the receive waits in ppoll
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            for (int i = 0; i < 20; i++) {
                Worker r = receiver(p.second(), form);
                r.awaitBlockedIn("recvmsg");
                r.interrupt();
                assertInstanceOf(InterruptedException.class, r.outcome(), "round " + i);
                assertNothingWaiting(p.second());
                send(p.first(), "after " + i, withDescriptor ? e : null);
                assertEquals("after " + i + "/" + (withDescriptor ? 1 : 0), receiveNow(p.second(), form));
            }
            // the descriptor that came along is the same eventfd
            p.first().send(utf8("check"), e);
            try (Tube.Message m = p.second().receive(); Event copy = m.event(0)) {
                assertEquals(e, copy);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Form.class)
    void interruptAtAnyMomentAroundTheCallAlwaysEndsIt(Form form) throws Exception {
        // No message: every receive must end with InterruptedException however the interrupt
        // falls relative to the call, including just before the thread enters the kernel,
        // where a single signal would be lost. One thread receives again and again while
        // this one interrupts it at random moments.
        int rounds = 1000;
        try (Tube.Pair p = Tube.pair()) {
            java.util.concurrent.Semaphore ready = new java.util.concurrent.Semaphore(0);
            Worker receiver = Worker.platform(() -> {
                int interrupted = 0;
                for (int i = 0; i < rounds; i++) {
                    ready.release();
                    try (Tube.Message m = receive(p.second(), form)) {
                        return "round " + i + " received " + text(m);
                    } catch (InterruptedException e) {
                        interrupted++;
                    }
                }
                return interrupted;
            });
            for (int i = 0; i < rounds; i++) {
                if (!ready.tryAcquire(Worker.LIMIT_SECONDS, TimeUnit.SECONDS)) {
                    fail("round " + (i - 1) + ": the interrupted receive never returned: " + receiver);
                }
                Spin.forNanos(ThreadLocalRandom.current().nextInt(10_000));
                receiver.interrupt();
            }
            assertEquals(rounds, receiver.value());
            assertNothingWaiting(p.second());
            send(p.first(), "intact", null);
            assertEquals("intact/0", receiveNow(p.second(), form));
        }
    }

    @ParameterizedTest(name = "{0}, descriptor={1}")
    @MethodSource("forms")
    void interruptRacingAMessageNeverLosesOrDuplicatesIt(Form form, boolean withDescriptor) throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            int received = 0;
            int interrupted = 0;
            for (int i = 0; i < 300; i++) {
                Worker r = receiver(p.second(), form);
                if (ThreadLocalRandom.current().nextBoolean()) {
                    awaitBlockedInSometimes(r);
                }
                String text = "m" + i;
                String expected = text + "/" + (withDescriptor ? 1 : 0);
                if (ThreadLocalRandom.current().nextBoolean()) {
                    send(p.first(), text, withDescriptor ? e : null);
                    Spin.forNanos(ThreadLocalRandom.current().nextInt(20_000));
                    r.interrupt();
                } else {
                    r.interrupt();
                    Spin.forNanos(ThreadLocalRandom.current().nextInt(20_000));
                    send(p.first(), text, withDescriptor ? e : null);
                }
                Object outcome = r.outcome();
                if (outcome instanceof InterruptedException) {
                    interrupted++;
                    assertEquals(expected, receiveNow(p.second(), form), "round " + i + ": the message must still be there");
                } else {
                    received++;
                    assertTrue(outcome.equals(expected) || outcome.equals(expected + "/interrupted"),
                            "round " + i + ": " + outcome);
                }
                assertNothingWaiting(p.second());
            }
            assertEquals(300, received + interrupted);
        }
    }

    @ParameterizedTest(name = "{0}, descriptor={1}")
    @MethodSource("forms")
    void aStraySignalDoesNotEndAReceive(Form form, boolean withDescriptor) throws Exception {
        int signal = Kick.signal();
        assumeTrue(signal != 0, "no kick signal in this process");
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            Worker r = receiver(p.second(), form);
            r.awaitBlockedIn("recvmsg");
            for (int i = 0; i < 20; i++) {
                TestNative.tgkill(r.tid(), signal); // EINTR, and no kick behind it
                Blocked.awaitSignalTaken(r.tid(), signal); // the recvmsg it ended has returned
                r.awaitBlockedIn("recvmsg");       // ... and the receive called it again
                assertFalse(r.isDone(), "a stray signal ended the receive: " + r.outcomeNow());
            }
            send(p.first(), "after the noise", withDescriptor ? e : null);
            assertEquals("after the noise/" + (withDescriptor ? 1 : 0), r.outcome());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Form.class)
    void closeEndsABlockedRecvmsgWithClosedException(Form form) throws Exception {
        assumeTrue(Kick.signal() != 0, "no kick signal in this process"); // without one the receive waits in ppoll
        for (int i = 0; i < 20; i++) {
            Tube.Pair p = Tube.pair();
            try {
                Worker r = receiver(p.second(), form);
                r.awaitBlockedIn("recvmsg");
                p.second().close();
                assertInstanceOf(ClosedException.class, r.outcome(), "round " + i);
                r.thread().join(30_000);
            } finally {
                p.close();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Form.class)
    void closeRacingAReceiveAlwaysEndsItCleanly(Form form) throws Exception {
        for (int i = 0; i < 300; i++) {
            Tube.Pair p = Tube.pair();
            try {
                Worker r = receiver(p.second(), form);
                Spin.forNanos(ThreadLocalRandom.current().nextInt(30_000));
                p.second().close();
                assertInstanceOf(ClosedException.class, r.outcome(), "round " + i);
            } finally {
                p.close();
            }
        }
    }

    @Test
    void closeAndInterruptTogetherEndTheReceiveOnce() throws Exception {
        for (int i = 0; i < 300; i++) {
            Tube.Pair p = Tube.pair();
            try {
                Worker r = receiver(p.second(), i % 2 == 0 ? Form.BOUNDED : Form.UNBOUNDED);
                Spin.forNanos(ThreadLocalRandom.current().nextInt(30_000));
                Thread closer = Thread.ofPlatform().start(p.second()::close);
                r.interrupt();
                closer.join(30_000);
                Object outcome = r.outcome();
                assertTrue(outcome instanceof ClosedException || outcome instanceof InterruptedException,
                        "round " + i + ": " + outcome);
            } finally {
                p.close();
            }
        }
    }

    @Test
    void aThreadWithTheSignalBlockedWaitsInPpollAndIsStillInterruptible() throws Exception {
        int signal = Kick.signal();
        assumeTrue(signal != 0, "no kick signal in this process");
        try (Tube.Pair p = Tube.pair()) {
            CompletableFuture<Object> interrupted = new CompletableFuture<>();
            Worker r = Worker.platform(() -> {
                TestNative.blockSignalInThisThread(signal); // a kick could not reach this thread
                try (Tube.Message m = p.second().receive()) {
                    interrupted.complete("received " + text(m));
                } catch (InterruptedException e) {
                    interrupted.complete(e);
                }
                try (Tube.Message m = p.second().receive()) {
                    return text(m);
                }
            });
            r.awaitBlockedIn("ppoll");
            r.interrupt();
            assertInstanceOf(InterruptedException.class, interrupted.get(Worker.LIMIT_SECONDS, TimeUnit.SECONDS));
            r.awaitBlockedIn("ppoll");
            p.first().send(utf8("polled"));
            assertEquals("polled", r.outcome());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Form.class)
    void aSocketMadeNonBlockingByAnotherHolderStillBlocksTheReceive(Form form) throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            int fd = p.second().rawDescriptor();
            int flags = TestNative.fcntl(fd, TestNative.F_GETFL);
            TestNative.fcntl(fd, TestNative.F_SETFL, flags | TestNative.O_NONBLOCK); // what another process might do
            try {
                Worker r = receiver(p.second(), form);
                r.awaitBlockedIn("ppoll"); // recvmsg said EAGAIN: it waits through ppoll instead
                p.first().send(utf8("anyway"));
                assertEquals("anyway/0", r.outcome());
            } finally {
                TestNative.fcntl(fd, TestNative.F_SETFL, flags);
            }
        }
    }

    @Test
    void aVirtualThreadReceiveParksAndIsInterruptible() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            Worker v = Worker.virtual(() -> {
                try (Tube.Message m = p.second().receive()) {
                    return text(m);
                }
            });
            v.awaitParked();
            v.interrupt();
            assertInstanceOf(InterruptedException.class, v.outcome());
            p.first().send(utf8("kept"));
            try (Tube.Message m = p.second().receive()) {
                assertEquals("kept", text(m));
            }
        }
    }

    private static void awaitBlockedInSometimes(Worker r) throws Exception {
        if (Kick.signal() != 0) {
            r.awaitBlockedIn("recvmsg");
        }
    }
}
