package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.ipc.Tube;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures, side by side in one run, the round trip of a 64-byte message between two
 * platform threads through the two ends of a vigil {@link Tube.Pair}, with and without one
 * descriptor attached, against the C reference ({@code vigil-bench/src/main/c/seqpacket_pingpong.c}:
 * the same {@code socketpair(AF_UNIX, SOCK_SEQPACKET)} ping-pong with plain blocking
 * {@code sendmsg}/{@code recvmsg}, run as a subprocess that times itself).
 *
 * <p>Peers:
 * <ul>
 *   <li>{@code C seqpacket (reference)};</li>
 *   <li>{@code vigil receive()}: {@link Tube#receive()}, which never cuts a message, so it
 *       peeks at the next message's length before taking it (one more system call);</li>
 *   <li>{@code vigil receive(64, 1)}: {@link Tube#receive(int, int)}, one {@code recvmsg}
 *       within caller-chosen limits, as C does;</li>
 *   <li>{@code FFM send/recvmsg (no vigil)}: a diagnostic making exactly C's blocking calls
 *       from Java through FFM, which splits vigil's distance to C into what the JVM costs
 *       and what vigil's own machinery costs.</li>
 * </ul>
 * A received descriptor is closed by the receiver every time (C: {@code close}; vigil:
 * {@link Tube.Message#close()}). The method is {@link Compare}'s: placements (threads
 * pinned across CPUs, or on one), one unrecorded pass, then {@code --rounds} rounds with
 * the order of peers rotated each round; the tables give medians, the ratio to C and the
 * paired ratio (median over rounds of the peer's mean ÷ C's mean in the same round).
 * Nothing asserts a timing.
 *
 * <p>Usage: {@code TubeCompare --c-binary PATH [--placements cross,same] [--fds 0,1]
 * [--rounds N] [--trips N] [--warmup N] [--peers NAME,...]}; {@code vigil-bench/compare.sh tube}
 * builds everything and runs it. {@code --peers} keeps only the peers whose names contain
 * one of the given strings, ignoring case (for example {@code "receive()"} alone, to count
 * its system calls with {@code strace -c}); the first peer kept is the reference.
 */
public final class TubeCompare {
    private TubeCompare() {}

    static final int MESSAGE = 64;

    private interface Bouncer extends AutoCloseable {
        void roundTrip() throws Exception;

        void answer() throws Exception;

        @Override
        void close() throws IOException;
    }

    @FunctionalInterface
    private interface BouncerFactory {
        Bouncer open(boolean withDescriptor) throws IOException;
    }

    private interface Peer {
        String name();

        double measure(Placement placement, boolean withDescriptor, int warmup, int trips) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Stats.parseOptions(args);
        int rounds = Integer.parseInt(options.getOrDefault("--rounds", "7"));
        int trips = Integer.parseInt(options.getOrDefault("--trips", "10000"));
        int warmup = Integer.parseInt(options.getOrDefault("--warmup", "2000"));
        List<Placement> placements = Stats.placements(options.getOrDefault("--placements", "cross,same"));
        List<Boolean> kinds = new ArrayList<>();
        for (String fds : options.getOrDefault("--fds", "0,1").split(",")) {
            kinds.add(Integer.parseInt(fds.trim()) != 0);
        }
        String cBinary = options.get("--c-binary");
        if (cBinary == null || !Files.isExecutable(Path.of(cBinary))) {
            System.err.println("usage: TubeCompare --c-binary PATH [--placements cross,same,free] [--fds 0,1] [--rounds N] [--trips N]"
                    + " [--warmup N] [--peers NAME,...]");
            System.err.println("  PATH: seqpacket_pingpong compiled from vigil-bench/src/main/c (compare.sh tube does it)");
            System.exit(2);
        }

        List<Peer> all = List.of(
                new CProgram(cBinary),
                new ThreadPair("vigil receive()", with -> new VigilTube(with, false)),
                new ThreadPair("vigil receive(64, 1)", with -> new VigilTube(with, true)),
                new ThreadPair("FFM send/recvmsg (no vigil)", PlainSeqpacket::new));
        List<Peer> peers = all;
        if (options.containsKey("--peers")) {
            List<String> only = Arrays.stream(options.get("--peers").split(","))
                    .map(o -> o.trim().toLowerCase(Locale.ROOT)).toList();
            peers = all.stream().filter(p -> only.stream().anyMatch(o -> p.name().toLowerCase(Locale.ROOT).contains(o))).toList();
            if (peers.isEmpty()) {
                System.err.println("--peers " + options.get("--peers") + " matches none of: "
                        + all.stream().map(Peer::name).toList());
                System.exit(2);
            }
        }

        System.out.printf(Locale.ROOT, "Tube round trip, %d-byte message; java %s, %d CPUs, %s %s%n", MESSAGE,
                Runtime.version(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"));
        for (Placement placement : placements) {
            for (boolean withDescriptor : kinds) {
                compare(peers, placement, withDescriptor, rounds, warmup * placement.tripsFactor,
                        trips * placement.tripsFactor);
            }
        }
    }

    private static void compare(List<Peer> peers, Placement placement, boolean withDescriptor, int rounds,
                                int warmup, int trips) throws Exception {
        System.out.printf(Locale.ROOT, "%n== %s, %s: %s%n", placement.name().toLowerCase(Locale.ROOT),
                withDescriptor ? "64 B + 1 descriptor" : "64 B, no descriptor", placement.description);
        System.out.printf(Locale.ROOT, "%d rounds x %d peers; each measurement %,d warm-up + %,d timed round trips%n",
                rounds, peers.size(), warmup, trips);
        Stats.interleave(peers, rounds, trips, Peer::name, (peer, n) -> peer.measure(placement, withDescriptor, warmup, n));
    }

    /** The C reference, run as a subprocess that times itself and prints one line. */
    private record CProgram(String binary) implements Peer {
        @Override
        public String name() {
            return "C seqpacket (reference)";
        }

        @Override
        public double measure(Placement placement, boolean withDescriptor, int warmup, int trips)
                throws IOException, InterruptedException {
            return Stats.runReference(Stats.referenceCommand(binary, placement, Integer.toString(trips),
                    Integer.toString(warmup), withDescriptor ? "1" : "0"), "ns_per_round_trip");
        }
    }

    /** Two fresh platform threads, pinned as the placement says; a failure interrupts the other. */
    private record ThreadPair(String name, BouncerFactory factory) implements Peer {
        @Override
        public double measure(Placement placement, boolean withDescriptor, int warmup, int trips) throws Exception {
            try (Bouncer bouncer = factory.open(withDescriptor)) {
                return Stats.timePair(name, placement, warmup, trips, bouncer::roundTrip, bouncer::answer, (a, b) -> { });
            }
        }
    }

    /** The thing measured: the two ends of a Tube.Pair, one Event attached when asked. */
    private static final class VigilTube implements Bouncer {
        private final Tube.Pair pair = Tube.pair();
        private final Event attached = new Event();
        private final byte[] message = new byte[MESSAGE];
        private final RawDescriptor[] descriptors;
        private final boolean bounded;

        VigilTube(boolean withDescriptor, boolean bounded) throws IOException {
            this.descriptors = withDescriptor ? new RawDescriptor[] {attached} : new RawDescriptor[0];
            this.bounded = bounded;
            Arrays.fill(message, (byte) 'x');
        }

        private Tube.Message receive(Tube t) throws IOException, InterruptedException {
            return bounded ? t.receive(MESSAGE, 1) : t.receive();
        }

        @Override
        public void roundTrip() throws IOException, InterruptedException {
            pair.first().send(message, descriptors);
            receive(pair.first()).close();
        }

        @Override
        public void answer() throws IOException, InterruptedException {
            receive(pair.second()).close();
            pair.second().send(message, descriptors);
        }

        @Override
        public void close() {
            pair.close();
            attached.close();
        }
    }

    /**
     * Diagnostic: C's calls from Java through FFM, nothing else: blocking {@code sendmsg} and
     * {@code recvmsg} on a socketpair, a preallocated {@code msghdr} per thread, and
     * {@code close} of each received descriptor. (Not interruptible; a failure can hang it.)
     */
    private static final class PlainSeqpacket implements Bouncer {
        private final Arena arena = Arena.ofShared();
        private final int[] ends;
        private final FfmSeqpacket.Side initiator;
        private final FfmSeqpacket.Side responder;
        private final int attached;

        PlainSeqpacket(boolean withDescriptor) throws IOException {
            ends = FfmSeqpacket.socketpair();
            attached = withDescriptor ? FfmSeqpacket.eventfd() : -1; // as C attaches
            initiator = new FfmSeqpacket.Side(arena, attached);
            responder = new FfmSeqpacket.Side(arena, attached);
        }

        @Override
        public void roundTrip() throws IOException {
            initiator.send(ends[0]);
            initiator.receive(ends[0]);
        }

        @Override
        public void answer() throws IOException {
            responder.receive(ends[1]);
            responder.send(ends[1]);
        }

        @Override
        public void close() {
            FfmSeqpacket.close(ends[0]);
            FfmSeqpacket.close(ends[1]);
            if (attached >= 0) {
                FfmSeqpacket.close(attached);
            }
            arena.close();
        }
    }
}
