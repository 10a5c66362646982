package dev.vigil.bench;

import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.CProgram;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;
import dev.vigil.bench.harness.Trial;
import dev.vigil.io.TcpListener;
import dev.vigil.io.TcpStream;
import dev.vigil.io.UnixStream;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Bulk transfer: {@code --trips} MiB from a writer thread to a reader thread through one
 * connected pair, 64 KiB direct buffers, in bytes per second (higher is better): vigil's
 * {@link UnixStream} and {@link TcpStream} on virtual threads and on platform threads, the JDK's blocking
 * {@link SocketChannel} on both kinds of thread, and C ({@code bulk_transfer.c}: blocking
 * {@code write}/{@code read} of 64 KiB on two threads). One table per kind: Unix stream
 * sockets, loopback TCP. Nothing is pinned.
 */
public final class BulkSuite implements Suite<String> {
    private static final int CHUNK = 64 * 1024;

    @Override
    public String name() {
        return "bulk";
    }

    @Override
    public String summary() {
        return "bulk transfer through a Unix or TCP stream, 64 KiB direct buffers: vigil vs the JDK's SocketChannel and C";
    }

    @Override
    public Defaults defaults() {
        return new Defaults(5, 1024, 256, null, List.of(new Defaults.Option("--kinds", "unix,tcp", "the socket kinds, one table each")));
    }

    @Override
    public String title(BenchOptions options) {
        return "bulk transfer, 64 KiB buffers (bytes per second; higher is better)";
    }

    @Override
    public String operations() {
        return "MiB";
    }

    @Override
    public Unit unit() {
        return Unit.PER_SECOND;
    }

    @Override
    public Ratio ratio() {
        return Ratio.PEER_TO_REFERENCE; // throughput / C's: 0.95x is 95% of C
    }

    @Override
    public List<Peer<String>> peers(BenchOptions options) {
        // C first: the target reads "vigil's throughput / C's", so C is the reference.
        return List.of(
                new CProgram<>("C read/write (bulk_transfer.c)", CProgram.compiled("bulk_transfer"), "bytes_per_second",
                        t -> List.of(t.setting(), Long.toString(t.trips()))),
                Peer.of("vigil, platform threads", t -> vigil(t, false)),
                Peer.of("vigil, virtual threads", t -> vigil(t, true)),
                Peer.of("JDK SocketChannel, platform threads", t -> jdk(t, false)),
                Peer.of("JDK SocketChannel, virtual threads", t -> jdk(t, true)));
    }

    @Override
    public List<Table<String>> tables(BenchOptions options) {
        List<Table<String>> tables = new ArrayList<>();
        for (String kind : options.string("--kinds").split(",")) {
            if (!kind.equals("unix") && !kind.equals("tcp")) {
                throw new IllegalArgumentException("--kinds takes unix and tcp, got " + kind);
            }
            tables.add(new Table<>(kind.equals("unix") ? "Unix stream socket pair" : "loopback TCP connection",
                    Placement.FREE, kind, options.warmup(), options.trips()));
        }
        return tables;
    }

    @Override
    public long[] unrecordedTrips(Table<String> table) {
        return new long[] {table.warmup()};
    }

    /** Moves {@code mib} MiB from {@code out} to {@code in} on two threads; bytes per second. */
    private static double transfer(Trial<String> trial, ByteChannel out, ByteChannel in, Thread.Builder threads)
            throws Exception {
        long total = trial.trips() * 1024L * 1024L;
        long start = System.nanoTime();
        Thread writer = trial.thread(threads, () -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            for (long sent = 0; sent < total; sent += CHUNK) {
                buf.clear();
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
            }
        });
        writer.start();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        for (long got = 0; got < total; ) {
            int n = in.read(buf.clear());
            if (n < 0) {
                throw new IOException("end of stream after " + got + " bytes");
            }
            got += n;
        }
        long elapsed = System.nanoTime() - start;
        writer.join();
        return total / (elapsed / 1e9);
    }

    private static double vigil(Trial<String> trial, boolean virtual) throws Exception {
        if (trial.setting().equals("unix")) {
            try (UnixStream.Pair pair = UnixStream.pair()) {
                return virtual ? onVirtualThread(trial, pair.first(), pair.second())
                        : transfer(trial, pair.first(), pair.second(), Thread.ofPlatform());
            }
        }
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             TcpStream out = TcpStream.connect(listener.localAddress());
             TcpStream in = listener.accept()) {
            return virtual ? onVirtualThread(trial, out, in) : transfer(trial, out, in, Thread.ofPlatform());
        }
    }

    /** The reader runs on a virtual thread too, as a user of vigil's streams would run it. */
    private static double onVirtualThread(Trial<String> trial, ByteChannel out, ByteChannel in) throws Exception {
        double[] result = new double[1];
        Thread reader = trial.thread(Thread.ofVirtual(), () -> result[0] = transfer(trial, out, in, Thread.ofVirtual()));
        reader.start();
        reader.join();
        return result[0];
    }

    private static double jdk(Trial<String> trial, boolean virtual) throws Exception {
        if (trial.setting().equals("unix")) {
            Path dir = Files.createTempDirectory("vigil-bulk");
            Path at = dir.resolve("s");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(at));
                try (SocketChannel out = SocketChannel.open(UnixDomainSocketAddress.of(at));
                     SocketChannel in = server.accept()) {
                    return virtual ? onVirtualThread(trial, out, in) : transfer(trial, out, in, Thread.ofPlatform());
                }
            } finally {
                Files.deleteIfExists(at);
                Files.deleteIfExists(dir);
            }
        }
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (SocketChannel out = SocketChannel.open(server.getLocalAddress()); SocketChannel in = server.accept()) {
                out.socket().setTcpNoDelay(true);
                return virtual ? onVirtualThread(trial, out, in) : transfer(trial, out, in, Thread.ofPlatform());
            }
        }
    }
}
