package dev.vigil.bench;

import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.CProgram;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Results;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;
import dev.vigil.bench.harness.Trial;
import dev.vigil.io.TcpListener;
import dev.vigil.io.TcpStream;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TCP echo on loopback: the same load generator ({@code echo_load.c}, its own process, one
 * epoll thread, closed loop, 64-byte requests over N connections) against five servers: vigil
 * in handler style (the reference: {@link TcpStream#readAsync}/{@link TcpStream#writeAsync},
 * whose continuations run on vigil's reactor thread, as a Netty handler runs on its event
 * loop), vigil with a virtual thread per connection on {@link TcpListener}/{@link TcpStream}, Netty 4.2's
 * epoll transport ({@code MultiThreadIoEventLoopGroup} + {@code EpollIoHandler}), the JDK's
 * virtual threads on {@code ServerSocket}/{@code Socket}, and C ({@code echo_server.c}, one
 * epoll thread). A measurement is the requests per second over the measured milliseconds
 * ({@code --trips}), after {@code --warmup} milliseconds unrecorded; each peer's p99 latency
 * is printed after each table. Nothing is pinned: the servers' threads and the load generator
 * share the two CPUs as the scheduler places them, the same for every server.
 */
public final class EchoSuite implements Suite<Integer> {
    private static final Pattern RESULT = Pattern.compile("requests_per_second=(\\d+) p50_us=([\\d.]+) p99_us=([\\d.]+)");
    /** p99 of each measurement, per table and peer, for {@link #afterTable}. */
    private final Map<String, List<Double>> p99 = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "echo";
    }

    @Override
    public String summary() {
        return "TCP echo on loopback, 64-byte requests over N connections: vigil vs Netty 4.2 epoll, JDK virtual threads, C";
    }

    @Override
    public Defaults defaults() {
        return new Defaults(5, 2000, 500, null, List.of(
                new Defaults.Option("--connections", "1,16,256", "the client connections of each table")));
    }

    @Override
    public String title(BenchOptions options) {
        return "TCP echo on loopback, 64-byte requests, closed loop (requests per second; higher is better)";
    }

    @Override
    public String operations() {
        return "milliseconds";
    }

    @Override
    public Unit unit() {
        return Unit.PER_SECOND;
    }

    @Override
    public Ratio ratio() {
        return Ratio.REFERENCE_TO_PEER;
    }

    @Override
    public long[] unrecordedTrips(Table<Integer> table) {
        return new long[] {table.trips() / 2};
    }

    @Override
    public List<Peer<Integer>> peers(BenchOptions options) {
        CProgram.compiled("echo_load");
        CProgram.compiled("echo_server");
        return List.of(
                Peer.of("vigil readAsync/writeAsync, reactor thread", t -> measure(t, new VigilHandlerServer())),
                Peer.of("vigil TcpStream, virtual threads", t -> measure(t, new VigilServer())),
                Peer.of("Netty 4.2 epoll", t -> measure(t, new NettyServer())),
                Peer.of("JDK Socket, virtual threads", t -> measure(t, new JdkServer())),
                Peer.of("C epoll (echo_server.c)", t -> measure(t, new CServer())));
    }

    @Override
    public List<Table<Integer>> tables(BenchOptions options) {
        List<Table<Integer>> tables = new ArrayList<>();
        for (int n : options.integers("--connections")) {
            tables.add(new Table<>("N = " + n + " connections", Placement.FREE, n, options.warmup(), options.trips()));
        }
        return tables;
    }

    @Override
    public void afterTable(Results<Integer> results, PrintStream out) {
        out.println("p99 latency of one request, µs (median over the rounds):");
        for (var e : p99.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue());
            v.sort(null);
            out.printf(Locale.ROOT, "  %-34s %10.1f%n", e.getKey(), v.get(v.size() / 2));
        }
        p99.clear();
    }

    /** A server under test: started before a measurement, stopped after it. */
    interface Server extends AutoCloseable {
        /** Starts listening on a free loopback port; returns it. */
        int start() throws Exception;
    }

    private double measure(Trial<Integer> trial, Server server) throws Exception {
        try (server) {
            int port = server.start();
            Process load = new ProcessBuilder(CProgram.compiled("echo_load").toString(), Integer.toString(port),
                    Integer.toString(trial.setting()), Long.toString(trial.warmup()), Long.toString(trial.trips()))
                    .redirectErrorStream(true).start();
            String output = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (load.waitFor() != 0) {
                throw new IOException("echo_load failed: " + output.strip());
            }
            Matcher m = RESULT.matcher(output);
            if (!m.find()) {
                throw new IOException("echo_load printed no result: " + output.strip());
            }
            if (trial.trips() > trial.warmup()) { // not the unrecorded pass
                p99.computeIfAbsent(trial.peer(), k -> new ArrayList<>()).add(Double.parseDouble(m.group(3)));
            }
            return Double.parseDouble(m.group(1));
        }
    }

    private static InetSocketAddress anyLoopbackPort() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** A vigil TCP server: a virtual thread accepts, and hands each connection to {@link #serve}. */
    abstract static class VigilTcpServer implements Server {
        private TcpListener listener;
        private final List<TcpStream> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public int start() throws IOException {
            listener = TcpListener.bind(anyLoopbackPort());
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        TcpStream c = listener.accept();
                        clients.add(c);
                        serve(c);
                    }
                } catch (IOException closed) {
                    // stopped
                }
            });
            return listener.localAddress().getPort();
        }

        /** Echoes on {@code c} until the load generator closes it; returns at once. */
        abstract void serve(TcpStream c);

        @Override
        public void close() {
            listener.close();
            clients.forEach(TcpStream::close);
        }
    }

    /** vigil, virtual threads: one per connection. */
    static final class VigilServer extends VigilTcpServer {
        @Override
        void serve(TcpStream c) {
            Thread.ofVirtual().start(() -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
                try (c) {
                    while (c.read(buf.clear()) >= 0) {
                        c.write(buf.flip());
                    }
                } catch (IOException gone) {
                    // the load generator closed, or the server stops
                }
            });
        }
    }

    /**
     * vigil, handler style: no thread per connection; each connection's next read and write
     * are futures whose continuations run on the reactor thread when the socket is ready, as
     * a Netty handler runs on its event loop. A read or write that completes at once is
     * handled in a loop, not by recursion.
     */
    static final class VigilHandlerServer extends VigilTcpServer {
        @Override
        void serve(TcpStream c) {
            serve(c, ByteBuffer.allocateDirect(16 * 1024));
        }

        /** Reads, echoes, reads again: on this thread while each step completes at once, else from the step's continuation. */
        private static void serve(TcpStream c, ByteBuffer buf) {
            for (;;) {
                var read = c.readAsync(buf.clear());
                if (!read.isDone()) {
                    read.whenComplete((n, error) -> afterRead(c, buf, n, error));
                    return;
                }
                if (!echo(c, buf, read.getNow(-1), null)) {
                    return;
                }
            }
        }

        private static void afterRead(TcpStream c, ByteBuffer buf, Integer n, Throwable error) {
            if (echo(c, buf, n, error)) {
                serve(c, buf);
            }
        }

        /** Writes what was read; true if the next read may follow on this thread now. */
        private static boolean echo(TcpStream c, ByteBuffer buf, Integer n, Throwable error) {
            if (error != null || n == null || n < 0) {
                c.close();
                return false;
            }
            var written = c.writeAsync(buf.flip());
            if (written.isDone() && !written.isCompletedExceptionally()) {
                return true;
            }
            written.whenComplete((w, e) -> {
                if (e != null) {
                    c.close();
                } else {
                    serve(c, buf);
                }
            });
            return false;
        }
    }

    /** Netty 4.2: the epoll transport, the default number of event loops, echo in the handler. */
    static final class NettyServer implements Server {
        private EventLoopGroup group;
        private Channel server;

        @Override
        public int start() throws InterruptedException {
            group = new MultiThreadIoEventLoopGroup(EpollIoHandler.newFactory());
            server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                        @Override
                        protected void initChannel(EpollSocketChannel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.write((ByteBuf) msg);
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                    ctx.flush();
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    ctx.close(); // the load generator reset the connection as it finished
                                }
                            });
                        }
                    }).bind(anyLoopbackPort()).sync().channel();
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        @Override
        public void close() throws InterruptedException {
            server.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The JDK: virtual threads blocking in ServerSocket.accept and Socket streams (the JDK's poller parks them). */
    static final class JdkServer implements Server {
        private ServerSocket listener;
        private final List<Socket> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public int start() throws IOException {
            listener = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket c = listener.accept();
                        c.setTcpNoDelay(true);
                        clients.add(c);
                        Thread.ofVirtual().start(() -> {
                            byte[] buf = new byte[16 * 1024];
                            try (c) {
                                var in = c.getInputStream();
                                var out = c.getOutputStream();
                                for (int n; (n = in.read(buf)) >= 0; ) {
                                    out.write(buf, 0, n);
                                }
                            } catch (IOException gone) {
                                // closed
                            }
                        });
                    }
                } catch (IOException closed) {
                    // stopped
                }
            });
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket c : clients) {
                c.close();
            }
        }
    }

    /** C: echo_server.c in its own process; its stdin closing stops it. */
    static final class CServer implements Server {
        private Process process;

        @Override
        public int start() throws IOException {
            process = new ProcessBuilder(CProgram.compiled("echo_server").toString(), "0").redirectErrorStream(true).start();
            String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (line == null || !line.startsWith("port=")) {
                throw new IOException("echo_server did not start: " + line);
            }
            return Integer.parseInt(line.substring(5).strip());
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
