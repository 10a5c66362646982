package dev.vigil.bench;

import dev.vigil.Event;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures, side by side in one run, the round trip between two platform threads through
 * a vigil {@link Event} and through the alternatives: the C reference (two eventfds, plain
 * blocking {@code read}/{@code write}, run as a subprocess), {@link LockSupport}
 * park/unpark, two {@link Semaphore}s, and two JDK {@link Pipe}s each watched by a
 * {@link Selector}. One more peer is a diagnostic: two eventfds used from Java exactly as
 * the C program uses them ({@link PlainEventFd}: blocking {@code read}/{@code write}
 * through FFM, nothing else), which splits vigil's distance to C into what the JVM and FFM
 * cost and what vigil's own machinery costs.
 *
 * <h2>Method</h2>
 * A round trip is: the initiator wakes the responder and blocks; the responder wakes up,
 * wakes the initiator back and blocks again. Its cost is two wake-ups, and what a wake-up
 * costs depends above all on where the two threads run: on the same CPU it is a context
 * switch (a few microseconds), across CPUs an inter-processor interrupt, which in a small
 * VM costs tens of microseconds. Left alone, the scheduler moves the threads between these
 * cases from one run to the next, so the harness fixes the placement
 * ({@code sched_setaffinity}, the same for the C program) and reports each one separately:
 * <ul>
 *   <li>{@code cross}: initiator on CPU 0, responder on CPU 1 (the latency of a wake-up);</li>
 *   <li>{@code same}: both on CPU 0 (the software cost of the path, context switch included);</li>
 *   <li>{@code free}: not pinned (what an application sees; bimodal, so only on request).</li>
 * </ul>
 * For each placement:
 * <ol>
 *   <li>Every peer runs once, unrecorded, to load and JIT-compile its code.</li>
 *   <li>Then {@code --rounds} rounds (default 7). In each round every peer is measured once,
 *       in an order rotated by one place per round, so every peer takes its turn at every
 *       position, and a slow phase of the machine, which lasts seconds, hits all peers
 *       alike instead of one peer's whole series.</li>
 *   <li>One measurement: fresh objects and two fresh platform threads; {@code --warmup}
 *       round trips (default 2,000) untimed, then {@code --trips} round trips (default
 *       20,000; five times as many of each on one CPU, where they are cheap) timed with
 *       {@link System#nanoTime()} on the initiator. Its result is the mean time of one round
 *       trip. The C program does the same internally and prints its own timing, so process
 *       start-up is not counted.</li>
 *   <li>Per peer, the table shows the median, minimum and maximum of its per-round means,
 *       the ratio of its median to the C program's median, and the <em>paired</em> ratio:
 *       the median over rounds of (peer's mean ÷ C's mean in the same round). The machine
 *       drifts between fast and slow phases lasting seconds; peers measured in the same round
 *       share a phase, so the paired ratio is the steadier figure.</li>
 * </ol>
 * Nothing here asserts a timing: the numbers are reported, and judged by a reader.
 *
 * <p>Usage: {@code Compare --c-binary PATH [--placements cross,same] [--rounds N] [--trips N]
 * [--warmup N]}; {@code vigil-bench/compare.sh} builds everything and runs it.
 */
public final class Compare {
    private Compare() {}

    /** One way for two threads to wake each other up. */
    private interface Bouncer extends AutoCloseable {
        /** Tells the bouncer which threads play the two roles, before either starts. */
        default void bind(Thread initiator, Thread responder) {}

        /** Initiator: wake the responder, block until it answers. */
        void roundTrip() throws Exception;

        /** Responder: block until woken, wake the initiator. */
        void answer() throws Exception;

        @Override
        void close() throws IOException;
    }

    @FunctionalInterface
    private interface BouncerFactory {
        Bouncer open() throws IOException;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Stats.parseOptions(args);
        int rounds = Integer.parseInt(options.getOrDefault("--rounds", "7"));
        int trips = Integer.parseInt(options.getOrDefault("--trips", "20000"));
        int warmup = Integer.parseInt(options.getOrDefault("--warmup", "2000"));
        List<Placement> placements = Stats.placements(options.getOrDefault("--placements", "cross,same"));
        String cBinary = options.get("--c-binary");
        if (cBinary == null || !Files.isExecutable(Path.of(cBinary))) {
            System.err.println("usage: Compare --c-binary PATH [--placements cross,same,free] [--rounds N] [--trips N] [--warmup N]");
            System.err.println("  PATH: eventfd_pingpong compiled from vigil-bench/src/main/c (compare.sh does it)");
            System.exit(2);
        }

        List<RoundTripPeer> peers = List.of(
                new RoundTripPeer.CReference("C eventfd (reference)", cBinary),
                new ThreadPair("vigil Event", VigilEvents::new),
                new ThreadPair("FFM read/write (no vigil)", PlainEventFds::new),
                new ThreadPair("LockSupport park/unpark", ParkUnpark::new),
                new ThreadPair("Semaphore x2", Semaphores::new),
                new ThreadPair("Pipe x2 + Selector", PipesWithSelectors::new));

        System.out.printf(Locale.ROOT, "thread ping-pong round trip; java %s, %d CPUs, %s %s%n",
                Runtime.version(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"));
        for (Placement placement : placements) {
            compare(peers, placement, rounds, warmup * placement.tripsFactor, trips * placement.tripsFactor);
        }
    }

    private static void compare(List<RoundTripPeer> peers, Placement placement, int rounds, int warmup, int trips)
            throws Exception {
        System.out.printf(Locale.ROOT, "%n== %s: %s%n", placement.name().toLowerCase(Locale.ROOT), placement.description);
        System.out.printf(Locale.ROOT, "%d rounds x %d peers; each measurement %,d warm-up + %,d timed round trips%n",
                rounds, peers.size(), warmup, trips);

        Stats.interleave(peers, rounds, trips, RoundTripPeer::name, (peer, n) -> peer.measure(placement, warmup, n));
    }

    /**
     * A Java peer: two new platform threads, each pinned as the placement says. If one
     * fails, it reports the failure at once and interrupts the other, so a failure ends the
     * measurement instead of hanging it (except for the diagnostic FFM peer, whose blocking
     * {@code read} no interrupt reaches).
     */
    private record ThreadPair(String name, BouncerFactory factory) implements RoundTripPeer {
        @Override
        public double measure(Placement placement, int warmup, int trips) throws Exception {
            try (Bouncer bouncer = factory.open()) {
                return Stats.timePair(name, placement, warmup, trips, bouncer::roundTrip, bouncer::answer, bouncer::bind);
            }
        }
    }

    /** Two vigil Events: the thing being measured. */
    private static final class VigilEvents implements Bouncer {
        private final Event ping = new Event();
        private final Event pong = new Event();

        VigilEvents() throws IOException {}

        @Override
        public void roundTrip() throws IOException, InterruptedException {
            ping.signal();
            pong.await();
        }

        @Override
        public void answer() throws IOException, InterruptedException {
            ping.await();
            pong.signal();
        }

        @Override
        public void close() {
            ping.close();
            pong.close();
        }
    }

    /** Diagnostic: two eventfds, plain blocking read/write through FFM (see {@link PlainEventFd}). */
    private static final class PlainEventFds implements Bouncer {
        private final Arena arena = Arena.ofShared();
        private final PlainEventFd.Buffers initiator = new PlainEventFd.Buffers(arena);
        private final PlainEventFd.Buffers responder = new PlainEventFd.Buffers(arena);
        private final PlainEventFd ping = new PlainEventFd(initiator);
        private final PlainEventFd pong = new PlainEventFd(initiator);

        PlainEventFds() throws IOException {}

        @Override
        public void roundTrip() throws IOException {
            ping.signal(initiator);
            pong.await(initiator);
        }

        @Override
        public void answer() throws IOException {
            ping.await(responder);
            pong.signal(responder);
        }

        @Override
        public void close() {
            ping.close();
            pong.close();
            arena.close();
        }
    }

    /** {@link LockSupport}: a volatile turn flag, and park until it is ours. */
    private static final class ParkUnpark implements Bouncer {
        private static final int INITIATOR = 0;
        private static final int RESPONDER = 1;

        private volatile int turn = INITIATOR;
        private Thread initiator;
        private Thread responder;

        @Override
        public void bind(Thread initiator, Thread responder) {
            this.initiator = initiator;
            this.responder = responder;
        }

        @Override
        public void roundTrip() throws InterruptedException {
            turn = RESPONDER;
            LockSupport.unpark(responder);
            awaitTurn(INITIATOR);
        }

        @Override
        public void answer() throws InterruptedException {
            awaitTurn(RESPONDER);
            turn = INITIATOR;
            LockSupport.unpark(initiator);
        }

        private void awaitTurn(int mine) throws InterruptedException {
            while (turn != mine) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }

        @Override
        public void close() {}
    }

    /** Two {@link Semaphore}s with no permits: release one, acquire the other. */
    private static final class Semaphores implements Bouncer {
        private final Semaphore ping = new Semaphore(0);
        private final Semaphore pong = new Semaphore(0);

        @Override
        public void roundTrip() throws InterruptedException {
            ping.release();
            pong.acquire();
        }

        @Override
        public void answer() throws InterruptedException {
            ping.acquire();
            pong.release();
        }

        @Override
        public void close() {}
    }

    /**
     * Two {@link Pipe}s; each side blocks in {@link Selector#select()} on the source it
     * reads, then reads one byte, and writes one byte to the other pipe's sink.
     */
    private static final class PipesWithSelectors implements Bouncer {
        private final Pipe ping = Pipe.open();
        private final Pipe pong = Pipe.open();
        private final Selector pingSelector = Selector.open();
        private final Selector pongSelector = Selector.open();
        private final ByteBuffer initiatorByte = ByteBuffer.allocateDirect(1);
        private final ByteBuffer responderByte = ByteBuffer.allocateDirect(1);

        PipesWithSelectors() throws IOException {
            ping.source().configureBlocking(false).register(pingSelector, SelectionKey.OP_READ);
            pong.source().configureBlocking(false).register(pongSelector, SelectionKey.OP_READ);
        }

        @Override
        public void roundTrip() throws IOException, InterruptedException {
            send(ping.sink(), initiatorByte);
            receive(pongSelector, pong.source(), initiatorByte);
        }

        @Override
        public void answer() throws IOException, InterruptedException {
            receive(pingSelector, ping.source(), responderByte);
            send(pong.sink(), responderByte);
        }

        private static void send(Pipe.SinkChannel sink, ByteBuffer one) throws IOException {
            one.clear();
            one.put(0, (byte) 1);
            while (sink.write(one) == 0) {
                Thread.onSpinWait(); // a pipe holding one byte is never full; not reached
            }
        }

        private static void receive(Selector selector, Pipe.SourceChannel source, ByteBuffer one)
                throws IOException, InterruptedException {
            for (;;) {
                selector.select();
                if (Thread.interrupted()) { // select() returns at once on an interrupted thread
                    throw new InterruptedException();
                }
                selector.selectedKeys().clear();
                one.clear();
                if (source.read(one) > 0) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            pingSelector.close();
            pongSelector.close();
            ping.source().close();
            ping.sink().close();
            pong.source().close();
            pong.sink().close();
        }
    }
}
