package dev.vigil.io;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import dev.vigil.EventWaitResult;
import dev.vigil.testing.PythonPeer;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import dev.vigil.ErrnoException;

import java.io.InterruptedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnixStreamTest {
    private static final String PEER = "/interop/stream_peer.py";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ByteBuffer b, int n) {
        return new String(b.array(), 0, n, StandardCharsets.UTF_8);
    }

    @Test
    void anEventTravelsWithTheBytesAndIsTheSameEventfdOnTheOtherSide() throws Exception {
        try (UnixStream.Pair pair = UnixStream.pair(); Event bell = new Event()) {
            assertEquals(4, pair.first().send(ByteBuffer.wrap(bytes("ring")), bell));
            ByteBuffer buf = ByteBuffer.allocate(16);
            try (UnixStream.Received r = pair.second().receive(buf)) {
                assertEquals(4, r.byteCount());
                assertEquals("ring", text(buf, 4));
                assertEquals(1, r.descriptorCount());
                try (Event theirs = r.event(0)) {
                    assertEquals(bell, theirs, "the same kernel eventfd");
                    theirs.signal();
                    assertEquals(EventWaitResult.SIGNALED, bell.await(Duration.ZERO));
                }
            }
        }
    }

    @Test
    void aPlainReadClosesAndCountsDescriptorsThatCameWithItsBytes() throws Exception {
        try (UnixStream.Pair pair = UnixStream.pair(); Event bell = new Event()) {
            pair.first().send(ByteBuffer.wrap(bytes("x")), bell, bell);
            assertEquals(1, pair.second().read(ByteBuffer.allocate(8)));
            assertEquals(2, pair.second().droppedDescriptors());
            // the leak guard checks that the two received copies were closed
        }
    }

    @Test
    void badSendsAreRefusedAndSendNothing() throws Exception {
        try (UnixStream.Pair pair = UnixStream.pair(); Event bell = new Event()) {
            assertThrows(IllegalArgumentException.class, () -> pair.first().send(ByteBuffer.allocate(0), bell));
            assertThrows(IllegalArgumentException.class,
                    () -> pair.first().send(ByteBuffer.wrap(bytes("x")), new dev.vigil.RawDescriptor[254]));
            Event closed = new Event();
            closed.close();
            assertThrows(IllegalStateException.class, () -> pair.first().send(ByteBuffer.wrap(bytes("x")), closed));
            assertEquals(0, pair.second().tryRead(ByteBuffer.allocate(8)), "nothing was sent");
        }
    }

    @Test
    void theEndOfStreamIsMinusOneForReceiveAndRead() throws Exception {
        UnixStream.Pair pair = UnixStream.pair();
        try (UnixStream second = pair.second()) {
            pair.first().close();
            try (UnixStream.Received r = second.receive(ByteBuffer.allocate(8))) {
                assertEquals(-1, r.byteCount());
            }
            assertEquals(-1, second.read(ByteBuffer.allocate(8)));
        }
    }

    @Test
    void bytesSentWithDescriptorsFromAHeapBufferLargerThanOneCallArriveWhole() throws Exception {
        try (UnixStream.Pair pair = UnixStream.pair(); Event bell = new Event()) {
            byte[] big = new byte[1 << 20];
            ThreadLocalRandom.current().nextBytes(big);
            Worker sender = Worker.virtual(() -> pair.first().send(ByteBuffer.wrap(big), bell));
            ByteBuffer got = ByteBuffer.allocate(big.length);
            int descriptors = 0;
            while (got.hasRemaining()) {
                try (UnixStream.Received r = pair.second().receive(got)) {
                    assertTrue(r.byteCount() > 0);
                    descriptors += r.descriptorCount();
                }
            }
            assertEquals(big.length, sender.value());
            assertArrayEquals(big, got.array());
            assertEquals(1, descriptors, "the descriptor came once, with the first bytes");
        }
    }

    @Test
    void anAbstractListenerAcceptsAndTheCredentialsAreThisProcess() throws Exception {
        String name = "vigil-test-" + ThreadLocalRandom.current().nextLong();
        try (UnixListener listener = UnixListener.bindAbstract(name);
             UnixStream client = UnixStream.connectAbstract(name);
             UnixStream server = listener.accept()) {
            UnixStream.PeerCredentials c = server.peerCredentials();
            assertEquals(TestNative.getpid(), c.pid());
            client.write(ByteBuffer.wrap(bytes("hi")));
            ByteBuffer buf = ByteBuffer.allocate(2);
            assertEquals(2, server.read(buf));
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedReceiveKeepsTheStatusAndTheStream(boolean virtual) throws Exception {
        try (UnixStream.Pair pair = UnixStream.pair()) {
            Worker reader = Worker.start(virtual, () -> {
                try {
                    return pair.second().receive(ByteBuffer.allocate(8));
                } catch (InterruptedIOException e) {
                    return Thread.currentThread().isInterrupted() ? "interrupted, status kept" : "status lost";
                }
            });
            reader.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel, a virtual one parks
            reader.interrupt();
            assertEquals("interrupted, status kept", reader.value());
            pair.first().write(ByteBuffer.wrap(bytes("ok")));
            assertEquals(2, pair.second().read(ByteBuffer.allocate(8)));
        }
    }

    @Test
    void closeEndsAWaitingReceive() throws Exception {
        try (UnixStream.Pair pair = UnixStream.pair()) {
            Worker reader = Worker.platform(() -> pair.second().receive(ByteBuffer.allocate(8)));
            reader.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel
            Worker.returnsPromptly("close", pair.second()::close);
            assertInstanceOf(ClosedException.class, reader.failure());
        }
    }

    /** Descriptors both ways with a Python peer using socket.send_fds / recv_fds on SOCK_STREAM. */
    @Test
    void descriptorsTravelBothWaysWithAPythonPeer() throws Exception {
        String name = "vigil-test-" + ThreadLocalRandom.current().nextLong();
        try (UnixListener listener = UnixListener.bindAbstract(name);
             PythonPeer py = new PythonPeer(PEER, name);
             UnixStream peer = listener.accept();
             Event bell = new Event()) {
            assertEquals("connected", py.readLine());
            peer.send(ByteBuffer.wrap(bytes("bell")), bell);
            assertEquals("got bell 1", py.ask("recv 64"));
            assertEquals("ok", py.ask("write 0 7"));
            assertEquals(7, bell.readCount());

            assertEquals("ok", py.ask("send many 200"));
            ByteBuffer buf = ByteBuffer.allocate(64);
            try (UnixStream.Received r = peer.receive(buf)) {
                assertEquals("many", text(buf, r.byteCount()));
                assertEquals(200, r.descriptorCount());
                try (Event theirs = r.event(199)) {
                    theirs.writeCount(5);
                }
            }
            assertEquals("5", py.ask("ownread 199"));
            py.send("quit");
        }
    }

    @Test
    void aListenerAtAPathMakesItsFileOwnerOnlyAndRemovesItOnClose(@TempDir Path dir) throws Exception {
        Path at = dir.resolve("s.sock");
        UnixListener listener = UnixListener.bind(at);
        try {
            assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(at));
            try (UnixStream c = UnixStream.connect(at); UnixStream s = listener.accept()) {
                c.write(ByteBuffer.wrap(bytes("p")));
                assertEquals(1, s.read(ByteBuffer.allocate(4)));
            }
        } finally {
            listener.close();
        }
        assertFalse(Files.exists(at), "close removed the socket file");
    }

    @Test
    void aStaleSocketIsReplacedAndAnythingElseRefused(@TempDir Path dir) throws Exception {
        Path stale = dir.resolve("stale.sock");
        // a socket file whose socket is gone: another process bound it and exited
        Process p = new ProcessBuilder("python3", "-c",
                "import socket,sys; socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(sys.argv[1])", stale.toString())
                .inheritIO().start();
        assertEquals(0, p.waitFor());
        assertTrue(Files.exists(stale));
        try (UnixListener l = UnixListener.bind(stale); UnixStream c = UnixStream.connect(stale); UnixStream s = l.accept()) {
            assertEquals(l.path(), stale);
        }
        Path file = Files.writeString(dir.resolve("plain"), "not a socket");
        assertThrows(FileAlreadyExistsException.class, () -> UnixListener.bind(file));
        assertEquals("not a socket", Files.readString(file), "left alone");
    }

    @Test
    void aConnectToNoFileSaysENOENT(@TempDir Path dir) {
        ErrnoException x = assertThrows(ErrnoException.class, () -> UnixStream.connect(dir.resolve("nobody")));
        assertEquals("ENOENT", x.errnoName());
    }

    @Test
    void sixtyFourMebibytesCrossBothWaysAtOnce() throws Exception {
        long total = 64L << 20;
        try (UnixStream.Pair pair = UnixStream.pair()) {
            Worker[] workers = {
                    Worker.virtual(() -> send(pair.first(), total)), Worker.virtual(() -> receive(pair.second(), total)),
                    Worker.virtual(() -> send(pair.second(), total)), Worker.virtual(() -> receive(pair.first(), total))};
            assertEquals(workers[0].value(), workers[1].value(), "first to second");
            assertEquals(workers[2].value(), workers[3].value(), "second to first");
        }
    }

    private static long send(UnixStream to, long total) throws java.io.IOException {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] chunk = new byte[65536];
        for (long sent = 0; sent < total; sent += chunk.length) {
            ThreadLocalRandom.current().nextBytes(chunk);
            crc.update(chunk);
            to.write(ByteBuffer.wrap(chunk)); // heap: through the staging buffer
        }
        return crc.getValue();
    }

    private static long receive(UnixStream from, long total) throws java.io.IOException {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        ByteBuffer buf = ByteBuffer.allocateDirect(50_000);
        byte[] copy = new byte[50_000];
        for (long got = 0; got < total; ) {
            int n = from.read(buf.clear());
            assertTrue(n > 0, "end of stream after " + got);
            buf.flip().get(copy, 0, n);
            crc.update(copy, 0, n);
            got += n;
        }
        return crc.getValue();
    }

    /** A peer that takes fewer descriptors than were sent: the kernel closes the rest; nothing changes here. */
    @Test
    void aPeerThatTakesFewerDescriptorsThanSentLeavesTheStreamWhole() throws Exception {
        String name = "vigil-test-" + ThreadLocalRandom.current().nextLong();
        try (UnixListener listener = UnixListener.bindAbstract(name);
             PythonPeer py = new PythonPeer(PEER, name);
             UnixStream peer = listener.accept();
             Event a = new Event(); Event b = new Event(); Event c = new Event()) {
            assertEquals("connected", py.readLine());
            peer.send(ByteBuffer.wrap(bytes("five")), a, b, c, a, b);
            assertEquals("got five 2 ctrunc", py.ask("recvfew 64 2"));
            peer.send(ByteBuffer.wrap(bytes("next")), c);
            assertEquals("got next 1", py.ask("recv 64"));
            assertEquals("ok", py.ask("write 2 4"));
            assertEquals(4, c.readCount(), "the descriptor sent after the cut one arrived whole");
            py.send("quit");
        }
    }

    /** A read and a tryRead at once share the stream's receive buffers: every byte must arrive once, intact. */
    @Test
    void concurrentReadAndTryReadNeitherLoseNorCorruptBytes() throws Exception {
        int total = 4 << 20;
        try (UnixStream.Pair pair = UnixStream.pair()) {
            Worker writer = Worker.virtual(() -> {
                byte[] chunk = new byte[4096];
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = (byte) (i % 251);
                }
                for (int sent = 0; sent < total; sent += chunk.length) {
                    pair.first().write(ByteBuffer.wrap(chunk));
                }
                pair.first().close();
                return total;
            });
            java.util.concurrent.atomic.AtomicLong sum = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean end = new java.util.concurrent.atomic.AtomicBoolean();
            Worker blocking = Worker.virtual(() -> {
                ByteBuffer buf = ByteBuffer.allocate(1000); // heap: through the shared staging buffer
                for (int n; (n = pair.second().read(buf.clear())) >= 0; ) {
                    for (int i = 0; i < n; i++) {
                        sum.addAndGet(buf.get(i) & 0xff);
                    }
                    count.addAndGet(n);
                }
                end.set(true);
                return "done";
            });
            Worker trying = Worker.virtual(() -> {
                ByteBuffer buf = ByteBuffer.allocate(700);
                while (!end.get()) {
                    int n = pair.second().tryRead(buf.clear());
                    for (int i = 0; i < n; i++) {
                        sum.addAndGet(buf.get(i) & 0xff);
                    }
                    if (n > 0) {
                        count.addAndGet(n);
                    } else {
                        Thread.yield();
                    }
                }
                return "done";
            });
            assertEquals(total, writer.value());
            assertEquals("done", blocking.value());
            assertEquals("done", trying.value());
            assertEquals(total, count.get(), "bytes lost or doubled");
            long expected = 0;
            for (int i = 0; i < 4096; i++) {
                expected += i % 251;
            }
            assertEquals(expected * (total / 4096), sum.get(), "bytes corrupted");
        }
    }

    @Test
    void readAsyncCompletesWithTheBytesAndClosesAndCountsTheirDescriptors() throws Exception {
        try (UnixStream.Pair pair = UnixStream.pair(); Event bell = new Event()) {
            ByteBuffer dst = ByteBuffer.allocate(16);
            var read = pair.second().readAsync(dst);
            assertFalse(read.isDone(), "nothing sent yet");
            assertEquals(3, pair.first().writeAsync(ByteBuffer.wrap(bytes("abc"))).get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(3, read.get(30, java.util.concurrent.TimeUnit.SECONDS));
            pair.first().send(ByteBuffer.wrap(bytes("d")), bell);
            assertEquals(1, pair.second().readAsync(dst).get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(1, pair.second().droppedDescriptors());
            assertEquals("abcd", text(dst, 4));
        }
    }
}
