package dev.vigil.bench;

import dev.vigil.Event;
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
 * Wake latency of a waiting <em>virtual</em> thread (issue "Reactor and Registration"),
 * measured as a ping-pong round trip between a pinned platform initiator and a responder.
 *
 * <p>One round trip: the initiator signals the responder's descriptor and blocks on its own;
 * the responder wakes, answers, and waits again. The initiator's half is the same for every
 * Java peer that uses eventfds (vigil {@code Event.signal()} and a blocking
 * {@code Event.await()} on a platform thread, which is one {@code read(2)}), so the
 * differences between peers are in the responder's wake-up path:
 * <ul>
 *   <li><b>vigil Event, virtual thread</b>: {@code ping.await()} on a virtual thread. It parks;
 *       vigil's default reactor ({@code vigil-reactor}, edge-triggered epoll) unparks it.</li>
 *   <li><b>JDK Socket (TCP), virtual thread</b>: a blocking {@code java.net.Socket} read on
 *       loopback; the JDK's own poller unparks it. The initiator is a platform thread doing
 *       blocking socket reads and writes.</li>
 *   <li><b>JDK SocketChannel (UDS), virtual thread</b>: the same on a Unix-domain
 *       {@code SocketChannel} in blocking mode.</li>
 *   <li><b>Netty EpollIoHandler</b>: an {@link EpollIoHandle} for the ping eventfd registered
 *       (edge-triggered) with a one-thread {@code MultiThreadIoEventLoopGroup}; the event loop
 *       thread is the waiter, its handler reads the eventfd and writes the pong eventfd
 *       (Netty's JNI {@code eventFdRead}/{@code eventFdWrite}).</li>
 *   <li><b>C eventfd</b>: the reference, two platform threads in blocking {@code read(2)}.</li>
 * </ul>
 *
 * <p>Placement: the initiator on CPU 0; the responder's threads (virtual-thread carriers,
 * {@code vigil-reactor}, the JDK pollers, Netty's loop thread) on CPU 1 ({@code cross}) or
 * CPU 0 ({@code same}). The virtual-thread scheduler runs with parallelism 1 so there is one
 * carrier to pin. Method as in {@link Compare}: a discarded warm-up pass, then interleaved
 * rounds with a rotating order; medians and paired ratios.
 *
 * <p>Usage: {@code WakeCompare --c-binary PATH [--placements cross,same] [--rounds 7]
 * [--trips 10000] [--warmup 2000]}
 */
public final class WakeCompare {
    private WakeCompare() {}

    /** Names (prefixes, as in /proc comm) of threads that serve the responder. */
    static final String[] INFRA = {"ForkJoinPool", "vigil-reactor", "Read-Poller", "Write-Poller", "MasterPoller",
            "Poller", "VirtualThread-u"};


    public static void main(String[] args) throws Exception {
        if (System.getProperty("jdk.virtualThreadScheduler.parallelism") == null) {
            System.setProperty("jdk.virtualThreadScheduler.parallelism", "1");
        }
        var options = Stats.parseOptions(args);
        int rounds = Integer.parseInt(options.getOrDefault("--rounds", "7"));
        int trips = Integer.parseInt(options.getOrDefault("--trips", "10000"));
        int warmup = Integer.parseInt(options.getOrDefault("--warmup", "2000"));
        List<Placement> placements = Stats.placements(options.getOrDefault("--placements", "cross,same"));
        String cBinary = options.get("--c-binary");
        List<String> only = options.containsKey("--peers") ? List.of(options.get("--peers").split(",")) : null;

        List<RoundTripPeer> all = new ArrayList<>();
        all.add(new VirtualPair("vigil Event, virtual thread", VigilSide::new));
        if (cBinary != null) {
            all.add(new RoundTripPeer.CReference("C eventfd, 2 platform threads", cBinary));
        }
        all.add(new VirtualPair("JDK Socket TCP, virtual thread", TcpSide::new));
        all.add(new VirtualPair("JDK SocketChannel UDS, vthread", UdsSide::new));
        all.add(new NettyPair());
        all.add(new VirtualPair("diag: vigil Registration, vthread", RegisteredSide::new));
        List<RoundTripPeer> peers = new ArrayList<>();
        for (RoundTripPeer p : all) {
            boolean chosen = only == null ? !p.name().startsWith("diag")   // diagnostics only when asked for
                    : only.stream().anyMatch(o -> p.name().toLowerCase(Locale.ROOT).contains(o));
            if (chosen) {
                peers.add(p);
            }
        }

        System.out.printf(Locale.ROOT, "wake a waiting virtual thread: ping-pong round trip; java %s, %d CPUs, %s %s, netty %s%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.version"), io.netty.util.Version.identify().getOrDefault("netty-transport-native-epoll",
                        io.netty.util.Version.identify().values().stream().findFirst().orElse(null)));
        for (Placement placement : placements) {
            System.out.printf(Locale.ROOT, "%n== %s: initiator on CPU %d, responder threads on CPU %d%n",
                    placement.name().toLowerCase(Locale.ROOT), placement.initiatorCpu, placement.responderCpu);
            int w = warmup * placement.tripsFactor;
            int t = trips * placement.tripsFactor;
            System.out.printf(Locale.ROOT, "%d rounds x %d peers; each measurement %,d warm-up + %,d timed round trips%n",
                    rounds, peers.size(), w, t);
            for (RoundTripPeer peer : peers) {
                peer.measure(placement, w, Math.max(1, t / 4)); // unrecorded: class loading, JIT, threads appear
            }
            System.out.println("threads pinned for the responder: "
                    + ThreadPins.pinNamed(placement.responderCpu, INFRA));
            double[][] results = new double[peers.size()][rounds];
            for (int round = 0; round < rounds; round++) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d/%d:", round + 1, rounds));
                for (int k = 0; k < peers.size(); k++) {
                    int i = (round + k) % peers.size();
                    double nanos = peers.get(i).measure(placement, w, t);
                    results[i][round] = nanos;
                    line.append(String.format(Locale.ROOT, "  [%s] %.0f", peers.get(i).name(), nanos));
                }
                System.out.println(line);
            }
            List<String> names = peers.stream().map(RoundTripPeer::name).toList();
            Stats.printTable(names, results, 0, "ns", "vigil / peer (paired)");
        }
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
        void close() throws Exception;
    }

    interface SideFactory {
        Side create() throws Exception;
    }

    record VirtualPair(String name, SideFactory factory) implements RoundTripPeer {
        @Override
        public double measure(Placement placement, int warmup, int trips) throws Exception {
            try (Side side = factory.create()) {
                int total = warmup + trips;
                Throwable[] failure = new Throwable[1];
                Thread.Builder builder = Boolean.getBoolean("wake.platformResponder")
                        ? Thread.ofPlatform() : Thread.ofVirtual(); // diagnostic switch
                Thread responder = builder.name("responder").start(() -> {
                    if (Boolean.getBoolean("wake.platformResponder")) {
                        placement.pinResponder();
                    }
                    try {
                        for (int i = 0; i < total; i++) {
                            side.respond();
                        }
                    } catch (Throwable t) {
                        failure[0] = t;
                        System.err.println(name + ": the responder failed; the initiator will wait for ever");
                        t.printStackTrace();
                    }
                });
                double[] result = new double[1];
                Thread initiator = Thread.ofPlatform().name("initiator").start(() -> {
                    try {
                        placement.pinInitiator();
                        int half = warmup / 2;
                        for (int i = 0; i < half; i++) {
                            side.ping();
                            side.awaitPong();
                        }
                        ThreadPins.pinNamed(placement.responderCpu, INFRA); // every serving thread exists by now
                        result[0] = Stats.timeLoop(warmup - half, trips, () -> {
                            side.ping();
                            side.awaitPong();
                        });
                    } catch (Throwable t) {
                        failure[0] = t;
                    }
                });
                initiator.join();
                responder.join();
                if (failure[0] != null) {
                    throw new IllegalStateException(name + " failed", failure[0]);
                }
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
     * Diagnostic (not a peer of the issue): the responder's ping Event is registered once with
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
    static final class NettyPair implements RoundTripPeer {
        @Override
        public String name() {
            return "Netty 4.2 EpollIoHandler";
        }

        @Override
        public double measure(Placement placement, int warmup, int trips) throws Exception {
            MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            try (Event ping = new Event(); Event pong = new Event()) {
                IoEventLoop loop = group.next();
                loop.submit(placement::pinResponder).sync();
                int pingFd = ping.rawDescriptor();
                int pongFd = pong.rawDescriptor();
                EventFdHandle handle = new EventFdHandle(pingFd, () -> {
                    Native.eventFdRead(pingFd);
                    Native.eventFdWrite(pongFd, 1L);
                });
                IoRegistration registration = loop.register(handle).sync().getNow();
                loop.submit(() -> registration.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLET))).sync();
                double[] result = new double[1];
                Throwable[] failure = new Throwable[1];
                Thread initiator = Thread.ofPlatform().name("initiator").start(() -> {
                    try {
                        placement.pinInitiator();
                        result[0] = Stats.timeLoop(warmup, trips, () -> {
                            ping.signal();
                            pong.await();
                        });
                    } catch (Throwable t) {
                        failure[0] = t;
                    }
                });
                initiator.join();
                loop.submit(registration::cancel).sync();
                if (failure[0] != null) {
                    throw new IllegalStateException(name() + " failed", failure[0]);
                }
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
