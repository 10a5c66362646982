package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.WaitContext;
import dev.vigil.internal.SignalKick;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * for {@code receive()}), which interrupt and close end with a signal ({@link SignalKick}).
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

    /** A platform thread receiving once on {@code t}: its kernel thread id, its Thread, and the outcome. */
    record Receiver(int tid, Thread thread, CompletableFuture<Object> outcome) {
        /** The message's text and descriptor count ("text/1"), or the exception. */
        static Receiver start(Tube t, Form form) throws Exception {
            CompletableFuture<Integer> tid = new CompletableFuture<>();
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().start(() -> {
                tid.complete(TestNative.gettid());
                try (Tube.Message m = receive(t, form)) {
                    outcome.complete(text(m) + "/" + m.descriptorCount() + (Thread.interrupted() ? "/interrupted" : ""));
                } catch (Throwable e) {
                    outcome.complete(e instanceof InterruptedException && Thread.currentThread().isInterrupted()
                            ? new AssertionError("InterruptedException with the status still set") : e);
                }
            });
            return new Receiver(tid.get(10, TimeUnit.SECONDS), thread, outcome);
        }

        Object result() throws InterruptedException, ExecutionException {
            try {
                return outcome.get(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                return fail("the receiver never returned: " + thread + " " + thread.getState());
            }
        }
    }

    /** The system call number of recvmsg and ppoll on this machine, or -1 where the test does not know it. */
    static int syscallNumber(String name) {
        return switch (System.getProperty("os.arch") + ":" + name) {
            case "amd64:recvmsg" -> 47;
            case "amd64:ppoll" -> 271;
            case "aarch64:recvmsg" -> 212;
            case "aarch64:ppoll" -> 73;
            default -> -1;
        };
    }

    /** Waits until thread {@code tid} of this process sleeps in system call {@code name}. */
    static void awaitBlockedIn(int tid, String name) throws Exception {
        int number = syscallNumber(name);
        if (number < 0) {
            Thread.sleep(50); // an architecture the test has no table for: give it time instead
            return;
        }
        Path file = Path.of("/proc/self/task/" + tid + "/syscall");
        String last = "";
        for (int i = 0; i < 10_000; i++) {
            last = Files.readString(file).trim();
            if (last.startsWith(number + " ")) {
                return;
            }
            Thread.sleep(1);
        }
        fail("thread " + tid + " never blocked in " + name + " (" + number + "); it is in: " + last);
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
        assumeTrue(SignalKick.signal() != 0, "no kick signal in this process");
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            Receiver r = Receiver.start(p.second(), form);
            awaitBlockedIn(r.tid(), "recvmsg");
            send(p.first(), "hello", withDescriptor ? e : null);
            assertEquals("hello/" + (withDescriptor ? 1 : 0), r.result());
        }
    }

    @ParameterizedTest(name = "{0}, descriptor={1}")
    @MethodSource("forms")
    void interruptEndsABlockedRecvmsgAndTheNextMessageArrivesIntact(Form form, boolean withDescriptor) throws Exception {
        assumeTrue(SignalKick.signal() != 0, "no kick signal in this process"); // without one the receive waits in ppoll
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            for (int i = 0; i < 20; i++) {
                Receiver r = Receiver.start(p.second(), form);
                awaitBlockedIn(r.tid(), "recvmsg");
                r.thread().interrupt();
                assertInstanceOf(InterruptedException.class, r.result(), "round " + i);
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
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread receiver = Thread.ofPlatform().start(() -> {
                int interrupted = 0;
                try {
                    for (int i = 0; i < rounds; i++) {
                        ready.release();
                        try (Tube.Message m = receive(p.second(), form)) {
                            outcome.complete("round " + i + " received " + text(m));
                            return;
                        } catch (InterruptedException e) {
                            interrupted++;
                        }
                    }
                    outcome.complete(interrupted);
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            for (int i = 0; i < rounds; i++) {
                if (!ready.tryAcquire(30, TimeUnit.SECONDS)) {
                    fail("round " + (i - 1) + ": the interrupted receive never returned: " + receiver.getState());
                }
                spin(ThreadLocalRandom.current().nextInt(10_000));
                receiver.interrupt();
            }
            assertEquals(rounds, outcome.get(30, TimeUnit.SECONDS));
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
                Receiver r = Receiver.start(p.second(), form);
                if (ThreadLocalRandom.current().nextBoolean()) {
                    awaitBlockedInSometimes(r);
                }
                String text = "m" + i;
                String expected = text + "/" + (withDescriptor ? 1 : 0);
                if (ThreadLocalRandom.current().nextBoolean()) {
                    send(p.first(), text, withDescriptor ? e : null);
                    spin(ThreadLocalRandom.current().nextInt(20_000));
                    r.thread().interrupt();
                } else {
                    r.thread().interrupt();
                    spin(ThreadLocalRandom.current().nextInt(20_000));
                    send(p.first(), text, withDescriptor ? e : null);
                }
                Object outcome = r.result();
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
        int signal = SignalKick.signal();
        assumeTrue(signal != 0, "no kick signal in this process");
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            Receiver r = Receiver.start(p.second(), form);
            awaitBlockedIn(r.tid(), "recvmsg");
            for (int i = 0; i < 20; i++) {
                TestNative.tgkill(r.tid(), signal); // EINTR, and no kick behind it
                Thread.sleep(2);
                awaitBlockedIn(r.tid(), "recvmsg");
                assertFalse(r.outcome().isDone(), "a stray signal ended the receive: " + (r.outcome().isDone() ? r.outcome().join() : ""));
            }
            send(p.first(), "after the noise", withDescriptor ? e : null);
            assertEquals("after the noise/" + (withDescriptor ? 1 : 0), r.result());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Form.class)
    void closeEndsABlockedRecvmsgWithClosedException(Form form) throws Exception {
        assumeTrue(SignalKick.signal() != 0, "no kick signal in this process"); // without one the receive waits in ppoll
        for (int i = 0; i < 20; i++) {
            Tube.Pair p = Tube.pair();
            try {
                Receiver r = Receiver.start(p.second(), form);
                awaitBlockedIn(r.tid(), "recvmsg");
                p.second().close();
                assertInstanceOf(ClosedException.class, r.result(), "round " + i);
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
                Receiver r = Receiver.start(p.second(), form);
                spin(ThreadLocalRandom.current().nextInt(30_000));
                p.second().close();
                assertInstanceOf(ClosedException.class, r.result(), "round " + i);
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
                Receiver r = Receiver.start(p.second(), i % 2 == 0 ? Form.BOUNDED : Form.UNBOUNDED);
                spin(ThreadLocalRandom.current().nextInt(30_000));
                Thread closer = Thread.ofPlatform().start(p.second()::close);
                r.thread().interrupt();
                closer.join(30_000);
                Object outcome = r.result();
                assertTrue(outcome instanceof ClosedException || outcome instanceof InterruptedException,
                        "round " + i + ": " + outcome);
            } finally {
                p.close();
            }
        }
    }

    @Test
    void aThreadWithTheSignalBlockedWaitsInPpollAndIsStillInterruptible() throws Exception {
        int signal = SignalKick.signal();
        assumeTrue(signal != 0, "no kick signal in this process");
        try (Tube.Pair p = Tube.pair()) {
            CompletableFuture<Integer> tid = new CompletableFuture<>();
            CompletableFuture<Object> interrupted = new CompletableFuture<>();
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().start(() -> {
                TestNative.blockSignalInThisThread(signal); // a kick could not reach this thread
                tid.complete(TestNative.gettid());
                try {
                    try (Tube.Message m = p.second().receive()) {
                        interrupted.complete("received " + text(m));
                    } catch (InterruptedException e) {
                        interrupted.complete(e);
                    }
                    try (Tube.Message m = p.second().receive()) {
                        outcome.complete(text(m));
                    }
                } catch (Throwable e) {
                    interrupted.complete(e);
                    outcome.complete(e);
                }
            });
            awaitBlockedIn(tid.get(10, TimeUnit.SECONDS), "ppoll");
            t.interrupt();
            assertInstanceOf(InterruptedException.class, interrupted.get(30, TimeUnit.SECONDS));
            awaitBlockedIn(tid.get(), "ppoll");
            p.first().send(utf8("polled"));
            assertEquals("polled", outcome.get(30, TimeUnit.SECONDS));
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
                Receiver r = Receiver.start(p.second(), form);
                if (syscallNumber("ppoll") > 0) {
                    awaitBlockedIn(r.tid(), "ppoll"); // recvmsg said EAGAIN: it waits through ppoll instead
                }
                assertFalse(r.outcome().isDone(), "returned without a message: " + (r.outcome().isDone() ? r.outcome().join() : ""));
                p.first().send(utf8("anyway"));
                assertEquals("anyway/0", r.result());
            } finally {
                TestNative.fcntl(fd, TestNative.F_SETFL, flags);
            }
        }
    }

    @Test
    void aVirtualThreadReceiveParksAndIsInterruptible() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread v = Thread.ofVirtual().start(() -> {
                try (Tube.Message m = p.second().receive()) {
                    outcome.complete(text(m));
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            awaitParked(v, outcome);
            v.interrupt();
            assertInstanceOf(InterruptedException.class, outcome.get(30, TimeUnit.SECONDS));
            p.first().send(utf8("kept"));
            try (Tube.Message m = p.second().receive()) {
                assertEquals("kept", text(m));
            }
        }
    }

    /** Waits until virtual thread {@code v} is parked (WAITING), failing if it ends first or never parks. */
    private static void awaitParked(Thread v, CompletableFuture<Object> outcome) throws Exception {
        for (int i = 0; i < 10_000; i++) {
            if (v.getState() == Thread.State.WAITING) {
                return;
            }
            if (outcome.isDone()) {
                fail("the receive returned before any message was sent: " + outcome.join());
            }
            Thread.sleep(1);
        }
        fail("the virtual thread never parked; it is " + v.getState());
    }

    private static void awaitBlockedInSometimes(Receiver r) throws Exception {
        if (SignalKick.signal() != 0) {
            awaitBlockedIn(r.tid(), "recvmsg");
        }
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
