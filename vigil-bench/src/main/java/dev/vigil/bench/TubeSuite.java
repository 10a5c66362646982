package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.CProgram;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.PingPong;
import dev.vigil.bench.harness.PingPong.Bouncer;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;
import dev.vigil.ipc.Tube;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./vigil bench tube}: the round trip of a 64-byte message between two platform
 * threads through the two ends of a vigil {@link Tube.Pair}, with and without one
 * descriptor attached, against the C reference ({@code seqpacket_pingpong.c}: the same
 * {@code socketpair(AF_UNIX, SOCK_SEQPACKET)} ping-pong with plain blocking
 * {@code sendmsg}/{@code recvmsg}).
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
 * {@link Tube.Message#close()}). One table per placement and {@code --fds} entry (the
 * setting: whether a descriptor is attached); the method is {@link EventSuite}'s.
 * {@code --peers "receive()"} alone, say, runs one peer, to count its system calls with
 * {@code strace -c}.
 */
public final class TubeSuite implements Suite<Boolean> {
    static final int MESSAGE = 64;

    @Override
    public String name() {
        return "tube";
    }

    @Override
    public String summary() {
        return "64-byte message ping-pong, with and without a descriptor: vigil Tube vs C socketpair(SOCK_SEQPACKET)";
    }

    @Override
    public Defaults defaults() {
        return Defaults.roundTrips(10_000, 2_000,
                new Defaults.Option("--fds", "0,1", "descriptors attached to each message (0 or 1), one table each"));
    }

    @Override
    public String title(BenchOptions options) {
        return String.format(Locale.ROOT, "Tube round trip, %d-byte message", MESSAGE);
    }

    @Override
    public List<Peer<Boolean>> peers(BenchOptions options) {
        return List.of(
                new CProgram<>("C seqpacket (reference)", CProgram.compiled("seqpacket_pingpong"), "ns_per_round_trip",
                        t -> List.of(Long.toString(t.trips()), Long.toString(t.warmup()), t.setting() ? "1" : "0")),
                PingPong.threads("vigil receive()", t -> new VigilTube(t.setting(), false)),
                PingPong.threads("vigil receive(64, 1)", t -> new VigilTube(t.setting(), true)),
                PingPong.threads("FFM send/recvmsg (no vigil)", t -> new PlainSeqpacket(t.setting())));
    }

    @Override
    public List<Table<Boolean>> tables(BenchOptions options) {
        List<Table<Boolean>> tables = new ArrayList<>();
        for (Placement p : options.placements()) {
            for (int fds : options.integers("--fds")) {
                boolean withDescriptor = fds != 0;
                tables.add(new Table<>(p.label() + ", " + (withDescriptor ? "64 B + 1 descriptor" : "64 B, no descriptor")
                        + ": " + p.description(), p, withDescriptor,
                        options.warmup() * p.tripsFactor(), options.trips() * p.tripsFactor()));
            }
        }
        return tables;
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
