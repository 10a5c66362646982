package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.Event;
import dev.vigil.EventType;
import dev.vigil.EventWaitResult;
import dev.vigil.RawDescriptor;
import dev.vigil.TriggeredEvent;
import dev.vigil.WaitContext;
import dev.vigil.testing.DescriptorLeakGuard;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.Spin;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPEC §2 {@code dev.vigil.ipc} and §4: messages, descriptors, end-of-stream, credentials. */
class TubeTest {
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(Tube.Message m) {
        return new String(m.bytes(), StandardCharsets.UTF_8);
    }

    static boolean isCloseOnExec(int fd) {
        return (TestNative.fcntl(fd, TestNative.F_GETFD) & 1) != 0;
    }

    static boolean isBlocking(int fd) {
        return (TestNative.fcntl(fd, TestNative.F_GETFL) & 0x800) == 0;
    }

    @Test
    void messageBoundariesArePreserved() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            p.first().send(utf8("one"));
            p.first().send(utf8("two, longer"));
            p.first().send(new byte[] {0});
            try (Tube.Message a = p.second().receive(); Tube.Message b = p.second().receive();
                 Tube.Message c = p.second().receive()) {
                assertEquals("one", text(a));
                assertEquals("two, longer", text(b));
                assertArrayEquals(new byte[] {0}, c.bytes());
                assertEquals(0, a.descriptorCount());
            }
        }
    }

    @Test
    void bothEndsSendAndReceive() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            p.second().send(utf8("back"));
            try (Tube.Message m = p.first().receive()) {
                assertEquals("back", text(m));
            }
        }
    }

    @Test
    void aMessageLargerThanTheReceiveBufferArrivesWhole() throws Exception {
        byte[] big = new byte[150_000]; // larger than the initial 4 KiB buffer, within the default send buffer
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        try (Tube.Pair p = Tube.pair()) {
            Worker sender = Worker.platform(() -> {
                p.first().send(big);
                p.first().send(utf8("after"));
                return "sent";
            });
            try (Tube.Message m = p.second().receive()) {
                assertArrayEquals(big, m.bytes());
            }
            try (Tube.Message m = p.second().receive()) {
                assertEquals("after", text(m));
            }
            assertEquals("sent", sender.value());
        }
    }

    /** What a receive buffer may grow to for messages of a few bytes, whatever the limit asked. */
    private static final long SMALL_BUFFER = 64 * 1024;

    @Test
    void aSmallMessageUnderAnUnlimitedLimitKeepsTheReceiveBufferSmall() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            p.first().send(utf8("hello"), e);
            try (Tube.Message m = p.second().receive(Integer.MAX_VALUE, 4)) {
                assertEquals("hello", text(m));
                assertEquals(1, m.descriptorCount());
            }
            assertTrue(p.second().receiveBufferSize() <= SMALL_BUFFER, "buffer of " + p.second().receiveBufferSize() + " bytes");
        }
    }

    @Test
    void aLargeMessageUnderALargeLimitArrivesWholeOnPlatformAndVirtualThreads() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            int sender = p.first().rawDescriptor();
            TestNative.setIntOption(sender, TestNative.SOL_SOCKET, TestNative.SO_SNDBUF, 1 << 20);
            // A message must fit the sender's buffer (less the kernel's 32 bytes); room for two is not needed.
            int size = Math.min(300 * 1024, TestNative.intOption(sender, TestNative.SOL_SOCKET, TestNative.SO_SNDBUF) - 4096);
            assertTrue(size > SMALL_BUFFER, "the socket's send buffer holds only " + size + " bytes");
            byte[] big = new byte[size];
            for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
            p.first().send(big, e);
            try (Tube.Message m = p.second().receive(Integer.MAX_VALUE, 4)) {
                assertArrayEquals(big, m.bytes());
                assertEquals(1, m.descriptorCount());
            }
            p.first().send(big, e);
            Worker onVirtual = Worker.virtual(() -> {
                try (Tube.Message m = p.second().receive(size + 1, 1)) {
                    return m.bytes();
                }
            });
            assertArrayEquals(big, (byte[]) onVirtual.value());
        }
    }

    @Test
    void aMessageOverALimitLargerThanTheBufferIsConsumedWithoutGrowingTheBuffer() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            var before = DescriptorLeakGuard.snapshot();
            p.first().send(new byte[150_000], e);
            p.first().send(utf8("next"));
            Tube.TruncatedException x = assertThrows(Tube.TruncatedException.class, () -> p.second().receive(100_000, 4));
            assertTrue(x.getMessage().contains("150000 bytes"), x.getMessage());
            assertEquals(before, DescriptorLeakGuard.snapshot(), "the descriptor that arrived was closed");
            assertTrue(p.second().receiveBufferSize() <= SMALL_BUFFER, "buffer of " + p.second().receiveBufferSize() + " bytes");
            try (Tube.Message m = p.second().receive(100_000, 4)) {
                assertEquals("next", text(m));
            }
        }
    }

    @Test
    void aMessageLargerThanTheCallersLimitIsAnErrorAndTheTubeStaysUsable() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            p.first().send(new byte[200], e, e);
            p.first().send(utf8("next"));
            Tube.TruncatedException x = assertThrows(Tube.TruncatedException.class, () -> p.second().receive(100, 4));
            assertTrue(x.getMessage().contains("200 bytes"), x.getMessage());
            try (Tube.Message m = p.second().receive(100, 4)) {
                assertEquals("next", text(m));
            }
        }
    }

    @Test
    void aMessageWithinTheCallersLimitIsReceivedInOneCall() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            p.first().send(new byte[64], e);
            try (Tube.Message m = p.second().receive(64, 1)) {
                assertEquals(64, m.bytes().length);
                assertEquals(1, m.descriptorCount());
            }
        }
    }

    @Test
    void truncatedControlMessageIsAnErrorAndLeaksNothing() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event a = new Event(); Event b = new Event(); Event c = new Event()) {
            p.first().send(utf8("three"), a, b, c);
            p.first().send(utf8("none"));
            Tube.TruncatedException x = assertThrows(Tube.TruncatedException.class, () -> p.second().receive(1024, 1));
            assertTrue(x.getMessage().contains("descriptors"), x.getMessage());
            // the one descriptor that arrived was closed (the leak guard checks), the kernel dropped the rest
            try (Tube.Message m = p.second().receive()) {
                assertEquals("none", text(m));
            }
        }
    }

    @Test
    void oneDescriptorMoreThanAllowedIsAnErrorAndLeaksNothing() throws Exception {
        // The control buffer is rounded up to a multiple of 8 bytes: room for one more int
        // than asked after an odd count. That rounding must not admit a descriptor.
        try (Tube.Pair p = Tube.pair(); Event a = new Event(); Event b = new Event(); Event c = new Event();
             Event d = new Event()) {
            var before = DescriptorLeakGuard.snapshot();
            p.first().send(utf8("two"), a, b);
            p.first().send(utf8("four"), a, b, c, d);
            p.first().send(utf8("next"), a);
            Tube.TruncatedException two = assertThrows(Tube.TruncatedException.class, () -> p.second().receive(100, 1));
            assertTrue(two.getMessage().contains("descriptors"), two.getMessage());
            Tube.TruncatedException four = assertThrows(Tube.TruncatedException.class, () -> p.second().receive(100, 3));
            assertTrue(four.getMessage().contains("descriptors"), four.getMessage());
            assertEquals(before, DescriptorLeakGuard.snapshot(), "every descriptor that arrived was closed");
            try (Tube.Message m = p.second().receive(100, 1)) {
                assertEquals("next", text(m));
                assertEquals(1, m.descriptorCount());
            }
        }
    }

    @Test
    void descriptorsWhenNoneAreAllowedAreAnErrorAndLeakNothing() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event a = new Event()) {
            p.first().send(utf8("x"), a);
            assertThrows(Tube.TruncatedException.class, () -> p.second().receive(16, 0));
        }
    }

    @Test
    void anEventSentThroughATubeIsTheSameKernelEventfd() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event original = new Event()) {
            p.first().send(utf8("doorbell"), original);
            try (Tube.Message m = p.second().receive(); Event copy = m.event(0)) {
                assertEquals("doorbell", text(m));
                assertNotEquals(original.rawDescriptor(), copy.rawDescriptor());
                assertEquals(original, copy);
                original.signal();
                assertEquals(EventWaitResult.SIGNALED, copy.await(Duration.ofSeconds(30)));
                copy.writeCount(5);
                assertEquals(5, original.readCount());
            }
        }
    }

    @Test
    void receivedDescriptorsAreCloseOnExecAndBlocking() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            RawFd[] pipe = RawFd.pipe();
            try {
                p.first().send(utf8("two"), e, pipe[1]);
                try (Tube.Message m = p.second().receive()) {
                    int eventCopy = m.takeDescriptor(0);
                    int pipeCopy = m.takeDescriptor(1);
                    try {
                        assertTrue(isCloseOnExec(eventCopy));
                        assertTrue(isCloseOnExec(pipeCopy));
                        assertTrue(isBlocking(eventCopy), "vigil must never make a descriptor non-blocking");
                    } finally {
                        TestNative.close(eventCopy);
                        TestNative.close(pipeCopy);
                    }
                }
            } finally {
                pipe[0].close();
                pipe[1].close();
            }
        }
    }

    @Test
    void tubesAreCloseOnExecAndBlocking() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            for (Tube t : List.of(p.first(), p.second())) {
                assertTrue(isCloseOnExec(t.rawDescriptor()));
                assertTrue(isBlocking(t.rawDescriptor()));
            }
            p.first().send(utf8("x"));
            p.second().receive().close();
            assertTrue(isBlocking(p.second().rawDescriptor()), "receiving must not change the file status flags");
        }
    }

    @Test
    void upTo253DescriptorsTravelInOneMessage() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            RawDescriptor[] many = new RawDescriptor[Tube.MAX_DESCRIPTORS];
            Arrays.fill(many, e);
            p.first().send(utf8("many"), many);
            try (Tube.Message m = p.second().receive()) {
                assertEquals(253, m.descriptorCount());
                try (Event last = m.event(252)) {
                    assertEquals(e, last);
                }
            } // closes the 252 not taken
        }
    }

    @Test
    void aMessageOfOnlyDescriptorsArrives() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            p.first().send(new byte[0], e);
            try (Tube.Message m = p.second().receive()) {
                assertEquals(0, m.bytes().length);
                assertEquals(1, m.descriptorCount());
            }
        }
    }

    @Test
    void closingAMessageClosesWhatWasNotTaken() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            p.first().send(utf8("x"), e, e, e);
            Set<String> before = new HashSet<>(dev.vigil.testing.DescriptorLeakGuard.snapshot().keySet().stream().map(String::valueOf).toList());
            Tube.Message m = p.second().receive();
            int taken = m.takeDescriptor(1);
            m.close();
            m.close(); // twice is harmless
            assertTrue(isCloseOnExec(taken), "the taken descriptor stays open");
            TestNative.close(taken);
            Set<String> after = new HashSet<>(dev.vigil.testing.DescriptorLeakGuard.snapshot().keySet().stream().map(String::valueOf).toList());
            assertEquals(before, after);
            assertThrows(ClosedException.class, () -> m.takeDescriptor(0));
            assertThrows(ClosedException.class, () -> m.event(2));
            assertEquals("x", text(m), "the bytes stay readable after close");
        }
    }

    @Test
    void aDescriptorIsTakenOnlyOnce() throws Exception {
        try (Tube.Pair p = Tube.pair(); Event e = new Event()) {
            p.first().send(utf8("x"), e);
            try (Tube.Message m = p.second().receive(); Event copy = m.event(0)) {
                assertThrows(IllegalStateException.class, () -> m.takeDescriptor(0));
                assertThrows(IllegalStateException.class, () -> m.event(0));
                assertThrows(IndexOutOfBoundsException.class, () -> m.takeDescriptor(1));
                assertThrows(IndexOutOfBoundsException.class, () -> m.event(-1));
                assertFalse(copy.isClosed());
            }
        }
    }

    @Test
    void eventOfADescriptorThatIsNotAnEventfdFailsAndKeepsIt() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            RawFd[] pipe = RawFd.pipe();
            try {
                p.first().send(utf8("pipe"), pipe[0]);
            } finally {
                pipe[0].close();
                pipe[1].close();
            }
            try (Tube.Message m = p.second().receive()) {
                IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> m.event(0));
                assertTrue(x.getMessage().contains("not an eventfd"), x.getMessage());
                int fd = m.takeDescriptor(0); // still there
                TestNative.close(fd);
            }
        }
    }

    @Test
    void eventOfASemaphoreEventfdFailsAndKeepsIt() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            try (RawFd semaphore = new RawFd(TestNative.eventfd(0, TestNative.EFD_SEMAPHORE | TestNative.EFD_CLOEXEC))) {
                p.first().send(utf8("semaphore"), semaphore);
            }
            try (Tube.Message m = p.second().receive()) {
                Event wrong = null;
                try {
                    wrong = m.event(0);
                } catch (IllegalArgumentException x) {
                    assertTrue(x.getMessage().contains("EFD_SEMAPHORE"), x.getMessage());
                }
                if (wrong != null) {
                    wrong.close();
                    throw new AssertionError("a semaphore eventfd became an Event");
                }
                int fd = m.takeDescriptor(0); // still there
                TestNative.close(fd);
            }
        }
    }

    @Test
    void peerCloseIsEndOfStreamAfterEveryQueuedMessage() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            p.first().send(utf8("last words"));
            p.first().close();
            try (Tube.Message m = p.second().receive()) {
                assertEquals("last words", text(m));
            }
            assertThrows(EOFException.class, () -> p.second().receive());
            assertThrows(EOFException.class, () -> p.second().receive(), "and again");
            assertThrows(EOFException.class, () -> p.second().receive(10, 0));
        }
    }

    @Test
    void sendingToAClosedPeerIsBrokenPipe() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            p.second().close();
            ErrnoException x = assertThrows(ErrnoException.class, () -> p.first().send(utf8("anyone?")));
            assertEquals("EPIPE", x.errnoName());
        }
    }

    @Test
    void peerCredentialsOfAPairNameThisProcess() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            Tube.PeerCredentials c = p.first().peerCredentials();
            assertEquals(TestNative.getpid(), c.pid());
            assertEquals(dev.vigil.internal.SeqpacketSocket.currentUid(), c.uid());
            assertTrue(Tube.PeerCredentials.sameUser().test(c));
            assertFalse(Tube.PeerCredentials.sameUser().test(new Tube.PeerCredentials(c.pid(), c.uid() + 1, c.gid())));
        }
    }

    /** A worker receiving one message on {@code t}; its value is the message's text. */
    private static Worker receiver(boolean virtual, Tube t) throws InterruptedException {
        return Worker.start(virtual, () -> {
            try (Tube.Message m = t.receive()) {
                return text(m);
            }
        });
    }

    @Test
    void receiveBlocksUntilAMessageArrives() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            Worker r = receiver(false, p.second());
            r.awaitBlockedIn("recvmsg", "ppoll"); // ppoll where no signal can end a recvmsg
            p.first().send(utf8("late"));
            assertEquals("late", r.value());
        }
    }

    @Test
    void receiveOnAVirtualThreadBlocksUntilAMessageArrives() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            Worker r = receiver(true, p.second());
            r.awaitParked();
            p.first().send(utf8("virtual"));
            assertEquals("virtual", r.value());
        }
    }

    @Test
    void aSenderBlockedOnAFullQueueProceedsOnceTheReceiverTakesSome() throws Exception {
        // "Not writable" is not "full" (a Unix socket stops reporting POLLOUT while a send would
        // still fit), so the sender fills the queue itself until it is seen waiting for room.
        try (Tube.Pair p = Tube.pair()) {
            byte[] chunk = new byte[32 * 1024];
            AtomicBoolean waited = new AtomicBoolean();
            Worker sender = Worker.platform(() -> {
                int sent = 0;
                while (!waited.get()) {
                    p.first().send(chunk);
                    sent++;
                }
                p.first().send(utf8("the one that waited"));
                return sent;
            });
            sender.awaitBlockedIn("ppoll"); // the queue is full: the send waits for room
            waited.set(true);
            assertFalse(sender.isDone(), "a send went through a full queue: " + sender.outcomeNow());
            int received = 0;
            for (;;) {
                try (Tube.Message m = p.second().receive()) {
                    if (m.bytes().length != chunk.length) {
                        assertEquals("the one that waited", text(m));
                        break;
                    }
                    received++;
                }
            }
            assertEquals(received, sender.value(), "every chunk arrives once, the blocked one included");
        }
    }

    @Test
    void closeEndsABlockedReceive() throws Exception {
        Tube.Pair p = Tube.pair();
        try {
            Worker r = receiver(false, p.second());
            r.awaitBlockedIn("recvmsg", "ppoll");
            p.second().close();
            assertInstanceOf(ClosedException.class, r.failure());
        } finally {
            p.close();
        }
    }

    @Test
    void interruptEndsABlockedReceiveAndConsumesNothing() throws Exception {
        try (Tube.Pair p = Tube.pair()) {
            Worker r = receiver(false, p.second());
            r.awaitBlockedIn("recvmsg", "ppoll");
            r.interrupt();
            assertInstanceOf(InterruptedException.class, r.failure());
            p.first().send(utf8("still here"));
            try (Tube.Message m = p.second().receive()) {
                assertEquals("still here", text(m));
            }
        }
    }

    @Test
    void manyThreadsSendAndReceiveAtOnceAndEveryMessageArrivesWholeOnce() throws Exception {
        int threads = 4;
        int each = 2_000;
        // The pool first, so that the pair closes before it: closing the pair ends any receive
        // still blocked after a failure, which the pool's close() would otherwise wait for forever.
        try (ExecutorService pool = Executors.newFixedThreadPool(2 * threads); Tube.Pair p = Tube.pair()) {
            List<Future<Set<String>>> receivers = new java.util.ArrayList<>();
            for (int r = 0; r < threads; r++) {
                receivers.add(pool.submit(() -> {
                    Set<String> seen = new HashSet<>();
                    for (int i = 0; i < each; i++) {
                        try (Tube.Message m = p.second().receive()) {
                            seen.add(text(m));
                        }
                    }
                    return seen;
                }));
            }
            List<Future<?>> senders = new java.util.ArrayList<>();
            for (int s = 0; s < threads; s++) {
                int sender = s;
                senders.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        p.first().send(utf8(sender + ":" + i + ":" + "x".repeat(i % 97)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : senders) f.get(60, TimeUnit.SECONDS);
            Set<String> all = new HashSet<>();
            int count = 0;
            for (Future<Set<String>> f : receivers) {
                Set<String> seen = f.get(60, TimeUnit.SECONDS);
                count += seen.size();
                all.addAll(seen);
            }
            assertEquals(threads * each, count, "no message twice");
            assertEquals(threads * each, all.size(), "every message once");
        }
    }

    @Test
    void aTubeIsReadableInAWaitContextWhileAMessageWaits() throws Exception {
        try (Tube.Pair p = Tube.pair(); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(p.second(), "tube");
            assertTrue(ctx.await(Duration.ZERO).isEmpty());
            p.first().send(utf8("ping"));
            List<TriggeredEvent<String>> ready = ctx.await(Duration.ofSeconds(30));
            assertEquals(1, ready.size());
            assertTrue(ready.get(0).isReadable());
            p.second().receive().close();
            assertTrue(ctx.await(Duration.ZERO).isEmpty());
            p.first().close();
            TriggeredEvent<String> hup = ctx.await(Duration.ofSeconds(30)).get(0);
            assertTrue(hup.isHungup());
            ctx.delete(p.second());
        }
    }

    @Test
    void toStringSaysWhatItIs() throws Exception {
        Tube.Pair p = Tube.pair();
        assertTrue(p.first().toString().startsWith("Tube[fd="), p.first().toString());
        p.close();
        assertEquals("Tube[closed]", p.first().toString());
        try (Tube.Pair q = Tube.pair(); Event e = new Event()) {
            q.first().send(utf8("abc"), e);
            try (Tube.Message m = q.second().receive()) {
                assertEquals("Tube.Message[3 bytes, 1 descriptors]", m.toString());
            }
        }
    }

    /**
     * An Event closed while another thread keeps sending it: every message that goes out
     * carries that Event's own file, never whatever file reused its number (here a new Event
     * opened at once), and the send that comes after the close is refused. The sender holds
     * the Event's use count across the sendmsg; without it, the number read before the close
     * could be sent after the reuse.
     */
    @Test
    void anEventClosedWhileItIsBeingSentIsNeverReplacedByAReusedNumber() throws Exception {
        for (int round = 0; round < 200; round++) {
            try (Tube.Pair p = Tube.pair()) {
                Event original = new Event();
                int id = original.hashCode(); // the kernel's eventfd-id, read while it is open
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread sender = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            p.first().send(utf8("e"), original);
                        }
                    } catch (IllegalStateException closed) {
                        // refused once closed: expected for the sends after the close
                    } catch (Throwable t) {
                        failure.set(t);
                    } finally {
                        try {
                            p.first().send(utf8("end"));
                        } catch (Exception e) {
                            failure.compareAndSet(null, e);
                        }
                    }
                });
                Spin.times(round * 37 % 2000);
                original.close();
                try (Event reuser = new Event()) { // most likely takes the number just freed
                    for (;;) {
                        try (Tube.Message m = p.second().receive()) {
                            if (m.descriptorCount() == 0) {
                                break;
                            }
                            try (Event received = m.event(0)) {
                                // the reuser's file must never arrive: it would be equal to the reuser
                                // (the hash code alone cannot tell: the kernel may hand the freed
                                // eventfd-id to the reuser once no copy of the original is left)
                                assertNotEquals(reuser, received, "round " + round + ": a message carried the file that reused the number");
                                assertEquals(id, received.hashCode(), "round " + round + ": a message carried another file");
                            }
                        }
                    }
                }
                sender.join();
                if (failure.get() != null) {
                    throw new AssertionError("round " + round, failure.get());
                }
            }
        }
    }
}
