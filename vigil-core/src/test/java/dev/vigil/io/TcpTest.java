package dev.vigil.io;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpTest {
    private static final InetSocketAddress ANY_V4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Reads exactly {@code n} bytes (or fails at end of stream). */
    private static byte[] readFully(TcpStream s, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (s.read(buf) < 0) {
                throw new java.io.EOFException("after " + buf.position() + " of " + n);
            }
        }
        return buf.array();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void aClientAndTheConnectionItWasAcceptedAsTalkBothWays(String loopback) throws Exception {
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress(InetAddress.getByName(loopback), 0))) {
            InetSocketAddress at = listener.localAddress();
            assertTrue(at.getPort() > 0);
            Worker server = Worker.virtual(() -> {
                try (TcpStream s = listener.accept()) {
                    s.write(ByteBuffer.wrap(readFully(s, 5)));
                    return s.remoteAddress();
                }
            });
            try (TcpStream c = TcpStream.connect(at)) {
                assertEquals(at, c.remoteAddress());
                c.write(ByteBuffer.wrap(bytes("hello")));
                assertArrayEquals(bytes("hello"), readFully(c, 5));
                assertEquals(c.localAddress(), server.value());
            }
        }
    }

    @Test
    void halfCloseWorksBothWays() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4)) {
            Worker server = Worker.virtual(() -> {
                try (TcpStream s = listener.accept()) {
                    ByteBuffer buf = ByteBuffer.allocate(64);
                    while (s.read(buf) >= 0) {
                        // until the client shut down its output
                    }
                    s.write(ByteBuffer.wrap(bytes("got " + buf.position())));
                    s.shutdownOutput();
                    return "done";
                }
            });
            try (TcpStream c = TcpStream.connect(listener.localAddress())) {
                c.write(ByteBuffer.wrap(bytes("abc")));
                c.shutdownOutput();
                assertArrayEquals(bytes("got 3"), readFully(c, 5));
                assertEquals(-1, c.read(ByteBuffer.allocate(8)), "end of stream once the server shut its output");
                assertEquals("done", server.value());
            }
        }
    }

    @Test
    void aConnectionToAClosedPortIsRefusedAndLeavesNothingOpen() throws Exception {
        InetSocketAddress gone;
        try (TcpListener listener = TcpListener.bind(ANY_V4)) {
            gone = listener.localAddress();
        }
        ErrnoException x = assertThrows(ErrnoException.class, () -> TcpStream.connect(gone));
        assertEquals("ECONNREFUSED", x.errnoName());
    }

    /**
     * Fills the accept queue of a listener made with a backlog of one, which never accepts:
     * Linux queues backlog + 1 connections, and then drops the SYN of the next connect, which
     * waits.
     */
    private static List<TcpStream> fillBacklog(TcpListener listener) throws Exception {
        List<TcpStream> queued = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            queued.add(TcpStream.connect(listener.localAddress(), Duration.ofSeconds(30)));
        }
        return queued;
    }

    @Test
    void aConnectThatCannotCompleteEndsWithSocketTimeoutException() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4, 1)) {
            List<TcpStream> queued = fillBacklog(listener);
            try {
                assertThrows(SocketTimeoutException.class, () -> TcpStream.connect(listener.localAddress(), Duration.ofMillis(200)));
            } finally {
                queued.forEach(TcpStream::close);
            }
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedReadKeepsTheStatusAndTheConnection(boolean virtual) throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4);
             TcpStream c = TcpStream.connect(listener.localAddress());
             TcpStream s = listener.accept()) {
            Worker reader = Worker.start(virtual, () -> {
                try {
                    return s.read(ByteBuffer.allocate(8));
                } catch (InterruptedIOException e) {
                    return Thread.currentThread().isInterrupted() ? "interrupted, status kept" : "status lost";
                }
            });
            reader.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel, a virtual one parks
            reader.interrupt();
            assertEquals("interrupted, status kept", reader.value());
            c.write(ByteBuffer.wrap(bytes("still")));
            assertArrayEquals(bytes("still"), readFully(s, 5));
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedAcceptKeepsTheStatusAndTheListener(boolean virtual) throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4)) {
            Worker acceptor = Worker.start(virtual, () -> {
                try {
                    return listener.accept();
                } catch (InterruptedIOException e) {
                    return Thread.currentThread().isInterrupted() ? "interrupted, status kept" : "status lost";
                }
            });
            acceptor.awaitParked();
            acceptor.interrupt();
            assertEquals("interrupted, status kept", acceptor.value());
            try (TcpStream c = TcpStream.connect(listener.localAddress()); TcpStream s = listener.accept()) {
                assertEquals(c.localAddress(), s.remoteAddress());
            }
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void closeEndsAWaitingAcceptAndAWaitingRead(boolean virtual) throws Exception {
        TcpListener listener = TcpListener.bind(ANY_V4);
        try (TcpStream c = TcpStream.connect(listener.localAddress())) {
            TcpStream s = listener.accept();
            Worker reader = Worker.start(virtual, () -> s.read(ByteBuffer.allocate(8)));
            Worker acceptor = Worker.start(virtual, listener::accept);
            reader.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel, a virtual one parks
            acceptor.awaitParked();
            Worker.returnsPromptly("close", s::close);
            Worker.returnsPromptly("close", listener::close);
            assertInstanceOf(ClosedException.class, reader.failure());
            assertInstanceOf(ClosedException.class, acceptor.failure());
            assertEquals(-1, c.read(ByteBuffer.allocate(8)), "the peer sees the close");
        } finally {
            listener.close();
        }
    }

    @Test
    void aResetConnectionIsAnErrorNamingEconnreset() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4); TcpStream c = TcpStream.connect(listener.localAddress())) {
            TcpStream s = listener.accept();
            c.write(ByteBuffer.wrap(bytes("unread"))); // unread data makes close() send a reset
            readFully(s, 1);
            s.close();
            ErrnoException x = assertThrows(ErrnoException.class, () -> {
                ByteBuffer buf = ByteBuffer.allocate(1024);
                for (int i = 0; i < 1000; i++) {
                    c.write(ByteBuffer.wrap(bytes("more")));
                    if (c.read(buf.clear()) < 0) {
                        throw new AssertionError("end of stream instead of a reset");
                    }
                }
            });
            assertTrue(x.errnoName().equals("ECONNRESET") || x.errnoName().equals("EPIPE"), x.getMessage());
        }
    }

    @Test
    void sixtyFourMebibytesCrossBothWaysAtOnce() throws Exception {
        long total = 64L << 20;
        try (TcpListener listener = TcpListener.bind(ANY_V4);
             TcpStream c = TcpStream.connect(listener.localAddress());
             TcpStream s = listener.accept()) {
            Worker[] workers = {
                    Worker.virtual(() -> send(c, total)), Worker.virtual(() -> receive(s, total)),
                    Worker.virtual(() -> send(s, total)), Worker.virtual(() -> receive(c, total))};
            assertEquals(workers[0].value(), workers[1].value(), "client to server");
            assertEquals(workers[2].value(), workers[3].value(), "server to client");
        }
    }

    private static long send(TcpStream to, long total) throws IOException {
        CRC32 crc = new CRC32();
        byte[] chunk = new byte[65536];
        ByteBuffer direct = ByteBuffer.allocateDirect(chunk.length);
        for (long sent = 0; sent < total; sent += chunk.length) {
            ThreadLocalRandom.current().nextBytes(chunk);
            crc.update(chunk);
            to.write(direct.clear().put(chunk).flip());
        }
        return crc.getValue();
    }

    private static long receive(TcpStream from, long total) throws IOException {
        CRC32 crc = new CRC32();
        ByteBuffer buf = ByteBuffer.allocate(50_000);
        for (long got = 0; got < total; ) {
            int n = from.read(buf.clear());
            assertTrue(n > 0, "end of stream after " + got);
            crc.update(buf.array(), 0, n);
            got += n;
        }
        return crc.getValue();
    }

    @Test
    void aThousandVirtualClientsAreServedByOneListener() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4)) {
            Worker server = Worker.virtual(() -> {
                try (var scope = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < 1000; i++) {
                        TcpStream s = listener.accept();
                        scope.submit(() -> {
                            try (s) {
                                s.write(ByteBuffer.wrap(readFully(s, 4)));
                            }
                            return null;
                        });
                    }
                }
                return "served";
            });
            try (var clients = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                List<java.util.concurrent.Future<byte[]>> answers = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    byte[] ask = ByteBuffer.allocate(4).putInt(i).array();
                    answers.add(clients.submit(() -> {
                        try (TcpStream c = TcpStream.connect(listener.localAddress())) {
                            c.write(ByteBuffer.wrap(ask));
                            return readFully(c, 4);
                        }
                    }));
                }
                for (int i = 0; i < 1000; i++) {
                    assertEquals(i, ByteBuffer.wrap(answers.get(i).get()).getInt());
                }
            }
            assertEquals("served", server.value());
        }
    }

    @Test
    void tryAcceptAndTryReadNeverWait() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4)) {
            assertNull(listener.tryAccept());
            try (TcpStream c = TcpStream.connect(listener.localAddress())) {
                TcpStream accepted = null;
                while (accepted == null) {
                    accepted = listener.tryAccept(); // the kernel finished the handshake; the accept is ready soon
                    Thread.onSpinWait();
                }
                try (TcpStream s = accepted) {
                    assertEquals(0, s.tryRead(ByteBuffer.allocate(4)));
                    assertFalse(s.readAsync(ByteBuffer.allocate(4)).isDone());
                }
            }
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedWriteSaysHowMuchWentAndTheConnectionStaysUsable(boolean virtual) throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4);
             TcpStream c = TcpStream.connect(listener.localAddress());
             TcpStream s = listener.accept()) {
            ByteBuffer big = ByteBuffer.allocateDirect(64 << 20); // far more than the socket buffers hold
            Worker writer = Worker.start(virtual, () -> {
                try {
                    return c.write(big);
                } catch (InterruptedIOException e) {
                    return Thread.currentThread().isInterrupted() ? e.bytesTransferred : -1;
                }
            });
            writer.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel, a virtual one parks
            writer.interrupt();
            int went = (Integer) writer.value();
            assertTrue(went > 0 && went < big.capacity(), "bytesTransferred " + went);
            ByteBuffer drain = ByteBuffer.allocateDirect(1 << 20);
            long read = 0;
            while (read < went) {
                read += s.read(drain.clear());
            }
            assertEquals(went, read);
            c.write(ByteBuffer.wrap(bytes("!")));
            assertEquals(1, s.read(ByteBuffer.allocate(4)), "usable after the interrupt");
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void closeEndsAWaitingWrite(boolean virtual) throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4);
             TcpStream s = TcpStream.connect(listener.localAddress())) {
            TcpStream c = listener.accept();
            Worker writer = Worker.start(virtual, () -> c.write(ByteBuffer.allocateDirect(64 << 20)));
            writer.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel, a virtual one parks
            Worker.returnsPromptly("close", c::close);
            assertInstanceOf(ClosedException.class, writer.failure());
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedConnectLeavesNothingOpen(boolean virtual) throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY_V4, 1)) {
            List<TcpStream> queued = fillBacklog(listener);
            try {
                Worker connector = Worker.start(virtual, () -> {
                    try {
                        return TcpStream.connect(listener.localAddress());
                    } catch (InterruptedIOException e) {
                        return Thread.currentThread().isInterrupted() ? "interrupted, status kept" : "status lost";
                    }
                });
                connector.awaitParked();
                connector.interrupt();
                assertEquals("interrupted, status kept", connector.value());
            } finally {
                queued.forEach(TcpStream::close);
            }
        }
    }
}
