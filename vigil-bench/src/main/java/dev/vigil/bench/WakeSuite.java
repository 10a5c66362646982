package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.CProgram;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Stats;
import dev.vigil.bench.harness.Step;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;
import dev.vigil.bench.harness.Trial;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./vigil bench wake}: the wake latency of a waiting <em>virtual</em> thread,
 * measured as a ping-pong round trip between a pinned platform initiator and a responder.
 *
 * <p>One round trip: the initiator signals the responder's descriptor and blocks on its own;
 * the responder wakes, answers, and waits again. The initiator's half is the same for every
 * Java peer that uses eventfds (vigil {@code Event.signal()} and a blocking
 * {@code Event.await()} on a platform thread, which is one {@code read(2)}), so the
 * differences between peers are in the responder's wake-up path:
 * <ul>
 *   <li><b>vigil Event, virtual thread</b> (the reference): {@code ping.await()} on a virtual
 *       thread. It parks; vigil's default reactor ({@code vigil-reactor}, edge-triggered
 *       epoll) unparks it.</li>
 *   <li><b>C eventfd</b>: {@code eventfd_pingpong.c}, two platform threads in blocking
 *       {@code read(2)}.</li>
 *   <li><b>JDK Socket (TCP), virtual thread</b>: a blocking {@code java.net.Socket} read on
 *       loopback; the JDK's own poller unparks it. The initiator is a platform thread doing
 *       blocking socket reads and writes.</li>
 *   <li><b>JDK SocketChannel (UDS), virtual thread</b>: the same on a Unix-domain
 *       {@code SocketChannel} in blocking mode.</li>
 *   <li><b>Netty EpollIoHandler</b>: an {@link EpollIoHandle} for the ping eventfd registered
 *       (edge-triggered) with a one-thread {@code MultiThreadIoEventLoopGroup}; the event loop
 *       thread is the waiter, its handler reads the eventfd and writes the pong eventfd
 *       (Netty's JNI {@code eventFdRead}/{@code eventFdWrite}).</li>
 *   <li>With {@code --diagnostic true}, or when {@code --peers} names it: <b>diag: vigil
 *       Registration</b> (see {@link RegisteredSide}).</li>
 * </ul>
 *
 * <p>Placement: the initiator on CPU 0; the responder's threads (virtual-thread carriers,
 * {@code vigil-reactor}, the JDK pollers, Netty's loop thread) on CPU 1 ({@code cross}) or
 * CPU 0 ({@code same}). The virtual-thread scheduler runs with parallelism 1 so there is one
 * carrier to pin. The ratios are vigil / peer: below 1.0x, vigil is faster.
 */
public final class WakeSuite implements Suite<Void> {
    /** Names (prefixes, as in /proc comm) of threads that serve the responder. */
    static final String[] INFRA = {"ForkJoinPool", "vigil-reactor", "Read-Poller", "Write-Poller", "MasterPoller",
            "Poller", "VirtualThread-u"};

    @Override
    public String name() {
        return "wake";
    }

    @Override
    public String summary() {
        return "wake a waiting virtual thread: vigil Event.await() vs JDK Socket/SocketChannel, Netty 4.2 EpollIoHandler, C";
    }

    @Override
    public Defaults defaults() {
        return Defaults.roundTrips(10_000, 2_000,
                new Defaults.Option("--diagnostic", "false", "true adds a diagnostic peer (diag: vigil Registration)"));
    }

    @Override
    public String title(BenchOptions options) {
        var versions = io.netty.util.Version.identify();
        var netty = versions.getOrDefault("netty-transport-native-epoll", versions.values().stream().findFirst().orElseThrow());
        return "wake a waiting virtual thread: ping-pong round trip, netty " + netty.artifactVersion();
    }

    @Override
    public Ratio ratio() {
        return Ratio.REFERENCE_TO_PEER;
    }

    @Override
    public List<Peer<Void>> peers(BenchOptions options) {
        // One carrier to pin. Set here, before this JVM starts its first virtual thread.
        if (System.getProperty("jdk.virtualThreadScheduler.parallelism") == null) {
            System.setProperty("jdk.virtualThreadScheduler.parallelism", "1");
        }
        List<Peer<Void>> peers = new ArrayList<>(List.of(
                new VirtualPair("vigil Event, virtual thread", VigilSide::new),
                CProgram.roundTrips("C eventfd, 2 platform threads", "eventfd_pingpong"),
                new VirtualPair("JDK Socket TCP, virtual thread", TcpSide::new),
                new VirtualPair("JDK SocketChannel UDS, vthread", UdsSide::new),
                new NettyPair()));
        if (options.flag("--diagnostic") || !options.peers().isEmpty()) {
            peers.add(new VirtualPair("diag: vigil Registration, vthread", RegisteredSide::new));
        }
        return peers;
    }

    @Override
    public List<Table<Void>> tables(BenchOptions options) {
        return Table.perPlacement(options, p -> p.pins()
                ? String.format(Locale.ROOT, "%s: initiator on CPU %d, responder threads on CPU %d", p.label(),
                        p.initiatorCpu(), p.responderCpu())
                : p.label() + ": " + p.description());
    }

    /** The unrecorded pass has started every thread that serves the responder: pin them. */
    @Override
    public void afterWarmUp(Table<Void> table, PrintStream out) {
        out.println("threads pinned for the responder: " + ThreadPins.pinNamed(table.placement().responderCpu(), INFRA));
    }

    // ------------------------------------------------------------------ virtual-thread responders

    /** The two ends of one peer: the responder runs on a virtual thread, the initiator on a pinned platform thread. */
    interface Side extends AutoCloseable {
        /** Initiator: wake the responder. */
        void ping() throws Exception;

        /** Initiator: wait for the answer. */
        void awaitPong() throws Exception;

        /** Responder (virtual thread): wait for a ping, answer it. */
        void respond() throws Exception;

        @Override
        void close() throws IOException;
    }

    interface SideFactory {
        Side create() throws Exception;
    }

    /**
     * The responder on a virtual thread (a pinned platform thread with
     * {@code -Dwake.platformResponder=true}, a diagnostic switch), the initiator on a pinned
     * platform thread. Half-way through the warm-up, every thread serving the responder exists
     * and is pinned.
     */
    record VirtualPair(String name, SideFactory factory) implements Peer<Void> {
        @Override
        public double measure(Trial<Void> trial) throws Exception {
            Placement placement = trial.placement();
            long warmup = trial.warmup();
            try (Side side = factory.create()) {
                boolean platform = Boolean.getBoolean("wake.platformResponder");
                Thread responder = trial.thread((platform ? Thread.ofPlatform() : Thread.ofVirtual()).name("responder"), () -> {
                    if (platform) {
                        placement.pinResponder();
                    }
                    for (long i = 0; i < warmup + trial.trips(); i++) {
                        side.respond();
                    }
                });
                double[] result = new double[1];
                Thread initiator = trial.thread("initiator", () -> {
                    placement.pinInitiator();
                    Step roundTrip = () -> {
                        side.ping();
                        side.awaitPong();
                    };
                    long half = warmup / 2;
                    for (long i = 0; i < half; i++) {
                        roundTrip.run();
                    }
                    ThreadPins.pinNamed(placement.responderCpu(), INFRA); // every serving thread exists by now
                    result[0] = Stats.timeLoop(warmup - half, trial.trips(), roundTrip);
                });
                responder.start();
                initiator.start();
                initiator.join();
                responder.join();
                return result[0];
            }
        }
    }

    /** vigil: two Events; the responder's {@code await()} on a virtual thread parks through the default reactor. */
    static final class VigilSide implements Side {
        final Event ping = new Event();
        final Event pong = new Event();

        VigilSide() throws IOException {
        }

        @Override
        public void ping() throws IOException {
            ping.signal();
        }

        @Override
        public void awaitPong() throws Exception {
            pong.await();
        }

        @Override
        public void respond() throws Exception {
            ping.await();
            pong.signal();
        }

        @Override
        public void close() {
            ping.close();
            pong.close();
        }
    }

    /**
     * Diagnostic, not one of the compared peers: the responder's ping Event is registered once with
     * the default reactor (a {@link dev.vigil.reactor.Registration}) and the virtual thread
     * tries a non-blocking take of the count first, and waits with {@code awaitReadReady()}
     * only when there was none. This is the Event wait
     * without its per-wait {@code epoll_ctl} ADD/DEL and without the immediate writable edge an
     * ADD of an eventfd produces, so the difference to "vigil Event" is the cost of those.
     */
    static final class RegisteredSide implements Side {
        final Event ping = new Event();
        final Event pong = new Event();
        final dev.vigil.reactor.Registration registration = new dev.vigil.reactor.Registration();

        RegisteredSide() throws IOException {
            registration.register(ping);
        }

        @Override
        public void ping() throws IOException {
            ping.signal();
        }

        @Override
        public void awaitPong() throws Exception {
            pong.await();
        }

        @Override
        public void respond() throws Exception {
            // Edge-triggered readiness may repeat for data already consumed (an epoll report
            // re-queued while the previous one was being collected): take the count without
            // blocking, and wait again if there was none.
            // Try first, as Event.await() does, so that the only difference is the per-wait
            // registration.
            while (ping.await(java.time.Duration.ZERO) != dev.vigil.EventWaitResult.SIGNALED) {
                registration.awaitReadReady();
            }
            pong.signal();
        }

        @Override
        public void close() throws IOException {
            registration.deregister(ping);
            ping.close();
            pong.close();
        }
    }

    /** JDK: loopback TCP, {@code java.net.Socket} streams, one byte each way. */
    static final class TcpSide implements Side {
        final Socket client;
        final Socket server;
        final InputStream clientIn;
        final OutputStream clientOut;
        final InputStream serverIn;
        final OutputStream serverOut;

        TcpSide() throws IOException {
            try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                server = listener.accept();
            }
            client.setTcpNoDelay(true);
            server.setTcpNoDelay(true);
            clientIn = client.getInputStream();
            clientOut = client.getOutputStream();
            serverIn = server.getInputStream();
            serverOut = server.getOutputStream();
        }

        @Override
        public void ping() throws IOException {
            clientOut.write(1);
        }

        @Override
        public void awaitPong() throws IOException {
            if (clientIn.read() < 0) {
                throw new IOException("end of stream");
            }
        }

        @Override
        public void respond() throws IOException {
            if (serverIn.read() < 0) {
                throw new IOException("end of stream");
            }
            serverOut.write(1);
        }

        @Override
        public void close() throws IOException {
            client.close();
            server.close();
        }
    }

    /** JDK: a Unix-domain {@code SocketChannel} pair in blocking mode, one byte each way. */
    static final class UdsSide implements Side {
        final SocketChannel client;
        final SocketChannel server;
        final Path path;
        final ByteBuffer clientBuf = ByteBuffer.allocateDirect(1);
        final ByteBuffer serverBuf = ByteBuffer.allocateDirect(1);

        UdsSide() throws IOException {
            path = Files.createTempDirectory("vigil-wake").resolve("s");
            try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                listener.bind(UnixDomainSocketAddress.of(path));
                client = SocketChannel.open(UnixDomainSocketAddress.of(path));
                server = listener.accept();
            }
        }

        private static void one(SocketChannel ch, ByteBuffer b, boolean write) throws IOException {
            b.clear();
            if (write) {
                b.put((byte) 1).flip();
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            } else if (ch.read(b) < 0) {
                throw new IOException("end of stream");
            }
        }

        @Override
        public void ping() throws IOException {
            one(client, clientBuf, true);
        }

        @Override
        public void awaitPong() throws IOException {
            one(client, clientBuf, false);
        }

        @Override
        public void respond() throws IOException {
            one(server, serverBuf, false);
            one(server, serverBuf, true);
        }

        @Override
        public void close() throws IOException {
            client.close();
            server.close();
            Files.deleteIfExists(path);
            Files.deleteIfExists(path.getParent());
        }
    }

    // ------------------------------------------------------------------ Netty

    /**
     * Netty 4.2: the ping eventfd (a vigil Event's descriptor, so the initiator's half is the
     * same as vigil's) registered edge-triggered with an {@link EpollIoHandler} loop; the loop
     * thread is the waiter.
     */
    static final class NettyPair implements Peer<Void> {
        @Override
        public String name() {
            return "Netty 4.2 EpollIoHandler";
        }

        @Override
        public double measure(Trial<Void> trial) throws Exception {
            Placement placement = trial.placement();
            MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            try (Event ping = new Event(); Event pong = new Event()) {
                IoEventLoop loop = group.next();
                loop.submit(placement::pinResponder).sync();
                int pingFd = ping.rawDescriptor();
                int pongFd = pong.rawDescriptor();
                EventFdHandle handle = new EventFdHandle(pingFd, () -> {
                    try {
                        Native.eventFdRead(pingFd);
                        Native.eventFdWrite(pongFd, 1L);
                    } catch (RuntimeException e) {
                        trial.fail(e); // Netty would log it and go on; the initiator would wait for ever
                    }
                });
                IoRegistration registration = loop.register(handle).sync().getNow();
                loop.submit(() -> registration.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLET))).sync();
                double[] result = new double[1];
                Thread initiator = trial.thread("initiator", () -> {
                    placement.pinInitiator();
                    result[0] = trial.time(() -> {
                        ping.signal();
                        pong.await();
                    });
                });
                initiator.start();
                initiator.join();
                loop.submit(registration::cancel).sync();
                return result[0];
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    /**
     * An {@link EpollIoHandle} for a descriptor owned elsewhere (a vigil Event): every ready
     * event runs {@code onReady} on the loop thread. {@link #close()} leaves the descriptor open.
     */
    static final class EventFdHandle implements EpollIoHandle {
        private final FileDescriptor fd;
        private final Runnable onReady;

        EventFdHandle(int fd, Runnable onReady) {
            this.fd = new FileDescriptor(fd);
            this.onReady = onReady;
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            onReady.run();
        }

        @Override
        public void close() {
            // the vigil Event owns the descriptor
        }
    }
}
