package dev.vigil.io;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PipeTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {false, true})
    void bytesWrittenToTheSinkAreReadFromTheSourceThenEndOfStream(boolean direct) throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            ByteBuffer src = direct ? ByteBuffer.allocateDirect(5) : ByteBuffer.allocate(5);
            src.put(bytes("hello")).flip();
            assertEquals(5, out.write(src));
            assertFalse(src.hasRemaining());
            out.close();
            ByteBuffer dst = direct ? ByteBuffer.allocateDirect(16) : ByteBuffer.allocate(16);
            while (dst.position() < 5) {
                assertTrue(in.read(dst) > 0);
            }
            assertEquals(-1, in.read(dst), "end of stream once the sink is closed and the pipe empty");
            byte[] got = new byte[5];
            dst.flip().get(got);
            assertArrayEquals(bytes("hello"), got);
        }
    }

    /**
     * Virtual threads park through the reactor (whose registration of a busy stream turns
     * quiet); platform threads block in {@code ppoll}. Every byte must arrive either way.
     */
    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {true, false})
    void sixtyFourMebibytesArriveWholeBetweenTwoThreads(boolean virtual) throws Exception {
        Pipe pipe = Pipe.open();
        long total = 64L << 20;
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            Worker writer = Worker.start(virtual, () -> {
                CRC32 crc = new CRC32();
                ByteBuffer buf = ByteBuffer.allocateDirect(65536);
                byte[] chunk = new byte[65536];
                for (long sent = 0; sent < total; sent += chunk.length) {
                    ThreadLocalRandom.current().nextBytes(chunk);
                    crc.update(chunk);
                    buf.clear();
                    buf.put(chunk).flip();
                    out.write(buf);
                }
                out.close();
                return crc.getValue();
            });
            Worker reader = Worker.start(virtual, () -> {
                CRC32 crc = new CRC32();
                ByteBuffer buf = ByteBuffer.allocate(10_000); // a heap buffer, and an odd size
                long got = 0;
                for (int n; (n = in.read(buf.clear())) >= 0; ) {
                    crc.update(buf.array(), 0, n);
                    got += n;
                }
                return new long[] {got, crc.getValue()};
            });
            long[] result = (long[]) reader.value();
            assertEquals(total, result[0]);
            assertEquals(writer.value(), result[1], "the checksums differ");
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedReadThrowsInterruptedIOExceptionKeepsTheStatusAndThePipeStaysUsable(boolean virtual) throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            Worker reader = Worker.start(virtual, () -> {
                try {
                    return in.read(ByteBuffer.allocate(8));
                } catch (InterruptedIOException e) {
                    return Thread.currentThread().isInterrupted() ? "interrupted, status kept" : "status lost";
                }
            });
            reader.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel, a virtual one parks
            reader.interrupt();
            assertEquals("interrupted, status kept", reader.value());
            assertTrue(in.isOpen());
            out.write(ByteBuffer.wrap(bytes("ok")));
            assertEquals(2, in.read(ByteBuffer.allocate(8)));
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void anInterruptedWriteSaysHowManyBytesWentAndThePipeStaysUsable(boolean virtual) throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            ByteBuffer big = ByteBuffer.allocate(1 << 20); // more than a pipe holds
            Worker writer = Worker.start(virtual, () -> {
                try {
                    return out.write(big);
                } catch (InterruptedIOException e) {
                    return Thread.currentThread().isInterrupted() ? e.bytesTransferred : -1;
                }
            });
            writer.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel, a virtual one parks
            writer.interrupt();
            int went = (Integer) writer.value();
            assertTrue(went > 0 && went < big.capacity(), "bytesTransferred " + went);
            assertEquals(went, big.position());
            ByteBuffer drain = ByteBuffer.allocate(1 << 20);
            int read = 0;
            while (read < went) {
                read += in.read(drain);
            }
            assertEquals(went, read);
            assertTrue(out.tryWrite(ByteBuffer.wrap(bytes("more"))) > 0, "usable after the interrupt");
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void closeEndsAWaitingReadWithClosedException(boolean virtual) throws Exception {
        Pipe pipe = Pipe.open();
        PipeSink out = pipe.sink();
        try {
            PipeSource in = pipe.source();
            Worker reader = Worker.start(virtual, () -> in.read(ByteBuffer.allocate(8)));
            reader.awaitBlockedIn("ppoll"); // a platform thread blocks in the kernel, a virtual one parks
            Worker.returnsPromptly("close", in::close);
            assertInstanceOf(ClosedException.class, reader.failure());
            assertFalse(in.isOpen());
            assertThrows(ClosedException.class, () -> in.read(ByteBuffer.allocate(8)));
            assertThrows(IllegalStateException.class, in::rawDescriptor);
        } finally {
            out.close();
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void aWaitingReadEndsWithEndOfStreamWhenTheSinkCloses(boolean virtual) throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source()) {
            PipeSink out = pipe.sink();
            Worker reader = Worker.start(virtual, () -> in.read(ByteBuffer.allocate(8)));
            reader.awaitBlockedIn("ppoll");
            out.close();
            assertEquals(-1, reader.value(), "the end of the stream, not an error and not a hang");
            assertTrue(in.isOpen());
        }
    }

    @ParameterizedTest(name = "virtual={0}")
    @ValueSource(booleans = {false, true})
    void aWaitingWriteFailsWithEpipeWhenTheSourceCloses(boolean virtual) throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSink out = pipe.sink()) {
            PipeSource in = pipe.source();
            Worker writer = Worker.start(virtual, () -> out.write(ByteBuffer.allocate(1 << 20))); // more than a pipe holds
            writer.awaitBlockedIn("ppoll");
            in.close();
            ErrnoException x = assertInstanceOf(ErrnoException.class, writer.failure());
            assertEquals("EPIPE", x.errnoName(), "and no SIGPIPE: this process is still here");
        }
    }

    @Test
    void tryReadAndTryWriteNeverWait() throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            assertEquals(0, in.tryRead(ByteBuffer.allocate(8)), "nothing there");
            int filled = 0;
            for (int n; (n = out.tryWrite(ByteBuffer.allocate(4096))) > 0; ) {
                filled += n;
            }
            assertTrue(filled > 0);
            assertEquals(0, out.tryWrite(ByteBuffer.allocate(1)), "full");
            assertEquals(8, in.tryRead(ByteBuffer.allocate(8)));
        }
    }

    @Test
    void aWriteAfterTheSourceClosedFailsWithEpipeAndNoSignal() throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSink out = pipe.sink()) {
            pipe.source().close();
            ErrnoException x = assertThrows(ErrnoException.class, () -> out.write(ByteBuffer.wrap(bytes("x"))));
            assertEquals("EPIPE", x.errnoName());
        }
    }

    @Test
    void readAsyncCompletesWhenBytesArrive() throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            ByteBuffer dst = ByteBuffer.allocate(8);
            var f = in.readAsync(dst);
            assertFalse(f.isDone());
            assertEquals(3, out.writeAsync(ByteBuffer.wrap(bytes("abc"))).get(30, TimeUnit.SECONDS));
            assertEquals(3, f.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void scatteringAndGatheringFillAndDrainBuffersInOrder() throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
            assertEquals(6, out.write(new ByteBuffer[] {ByteBuffer.wrap(bytes("ab")), ByteBuffer.allocate(0),
                    ByteBuffer.wrap(bytes("cdef"))}));
            ByteBuffer a = ByteBuffer.allocate(1);
            ByteBuffer empty = ByteBuffer.allocate(0);
            ByteBuffer b = ByteBuffer.allocate(10);
            assertEquals(6, in.read(new ByteBuffer[] {a, empty, b}));
            assertEquals('a', a.get(0));
            assertEquals("bcdef", new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void theStreamsWorkThroughJavaIo() throws Exception {
        Pipe pipe = Pipe.open();
        try (PipeSource in = pipe.source(); InputStream stream = Channels.newInputStream(in)) {
            try (var writer = Channels.newOutputStream(pipe.sink())) {
                writer.write(bytes("through java.io"));
            }
            assertArrayEquals(bytes("through java.io"), stream.readAllBytes());
        }
    }

    /** Two pipes, one each way, 64 MiB through each at once (as two processes talking both ways would). */
    @Test
    void sixtyFourMebibytesEachWayAtOnceThroughTwoPipes() throws Exception {
        long total = 64L << 20;
        Pipe there = Pipe.open();
        Pipe back = Pipe.open();
        try (PipeSource a = there.source(); PipeSink b = there.sink(); PipeSource c = back.source(); PipeSink d = back.sink()) {
            Worker[] workers = {
                    Worker.virtual(() -> pump(b, total)), Worker.virtual(() -> drain(a, total)),
                    Worker.virtual(() -> pump(d, total)), Worker.virtual(() -> drain(c, total))};
            assertEquals(workers[0].value(), workers[1].value(), "there");
            assertEquals(workers[2].value(), workers[3].value(), "back");
        }
    }

    private static long pump(PipeSink to, long total) throws java.io.IOException {
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

    private static long drain(PipeSource from, long total) throws java.io.IOException {
        CRC32 crc = new CRC32();
        ByteBuffer buf = ByteBuffer.allocate(30_000);
        for (long got = 0; got < total; ) {
            int n = from.read(buf.clear());
            assertTrue(n > 0, "end of stream after " + got);
            crc.update(buf.array(), 0, n);
            got += n;
        }
        return crc.getValue();
    }
}
