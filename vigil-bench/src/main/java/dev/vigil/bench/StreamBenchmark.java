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
    }

    @TearDown
    public void tearDown() {
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
}
