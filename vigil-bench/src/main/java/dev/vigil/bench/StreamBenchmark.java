package dev.vigil.bench;

import dev.vigil.io.Pipe;
import dev.vigil.io.PipeSink;
import dev.vigil.io.PipeSource;
import dev.vigil.io.TcpListener;
import dev.vigil.io.TcpStream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The steady path of vigil's streams (each an AsyncFd of itself), on one thread, where no
 * call waits: a 64-byte write and the read of it back. Run with {@code -prof gc}: reading and writing with direct buffers
 * must allocate nothing.
 *
 * <pre>
 *   pipe          PipeSink.write + PipeSource.read
 *   tcp           TcpStream.write + TcpStream.read over a loopback connection
 *   unix          UnixStream.write + UnixStream.read over a socket pair (a recvmsg with room for descriptors)
 *   wouldBlock    AsyncFd.tryRead of an empty pipe: the read meets EAGAIN, the call throws
 *                 AsyncFd.wouldBlock(), the readiness is cleared, the caller catches it
 *   bareEagain    the same read of the empty pipe with a bare FFM call: what wouldBlock adds is the difference
 *   readOne       AsyncFd.tryRead of a pipe holding one byte (written first with a bare write)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class StreamBenchmark {
    private PipeSource source;
    private PipeSink sink;
    private TcpListener listener;
    private TcpStream client;
    private TcpStream server;
    private dev.vigil.io.UnixStream.Pair unix;
    private PipeDispatchSuite.Pipes raw;
    private dev.vigil.io.AsyncFd<dev.vigil.RawDescriptor> rawRead;
    private final java.lang.foreign.MemorySegment byteBuf = java.lang.foreign.Arena.ofAuto().allocate(64);
    private dev.vigil.io.AsyncFd.IoCall<dev.vigil.RawDescriptor, Long> readCall;
    private final ByteBuffer out = ByteBuffer.allocateDirect(64);
    private final ByteBuffer in = ByteBuffer.allocateDirect(64);

    @Setup
    public void setUp() throws IOException {
        Pipe pipe = Pipe.open();
        source = pipe.source();
        sink = pipe.sink();
        listener = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = TcpStream.connect(listener.localAddress());
        server = listener.accept();
        unix = dev.vigil.io.UnixStream.pair();
        raw = new PipeDispatchSuite.Pipes(1);
        int fd = raw.readEnds[0];
        rawRead = dev.vigil.io.AsyncFd.register(() -> fd);
        readCall = d -> {
            long r = PipeDispatchSuite.Pipes.readOnce(fd, byteBuf);
            if (r <= 0) {
                throw dev.vigil.io.AsyncFd.wouldBlock();
            }
            return r;
        };
    }

    @TearDown
    public void tearDown() {
        rawRead.close();
        raw.close();
        unix.close();
        source.close();
        sink.close();
        client.close();
        server.close();
        listener.close();
    }

    @Benchmark
    public int pipe() throws IOException {
        sink.write(out.clear());
        return source.read(in.clear());
    }

    @Benchmark
    public int tcp() throws IOException {
        client.write(out.clear());
        return server.read(in.clear());
    }

    @Benchmark
    public int unix() throws IOException {
        unix.first().write(out.clear());
        return unix.second().read(in.clear());
    }

    @Benchmark
    public long wouldBlock() {
        try {
            return rawRead.tryRead(readCall);
        } catch (IOException e) {
            return -1;
        }
    }

    @Benchmark
    public long bareEagain() {
        return PipeDispatchSuite.Pipes.readOnce(raw.readEnds[0], byteBuf);
    }

    @Benchmark
    public long readOne() throws IOException {
        PipeDispatchSuite.Pipes.writeOne(raw.writeEnds[0], byteBuf);
        return rawRead.tryRead(readCall);
    }
}
