package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.CProgram;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.PingPong;
import dev.vigil.bench.harness.PingPong.Bouncer;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./vigil bench event}: the round trip between two platform threads through a vigil
 * {@link Event}, side by side with the alternatives: the C reference
 * ({@code eventfd_pingpong.c}: two eventfds, plain blocking {@code read}/{@code write}),
 * {@link LockSupport} park/unpark, two {@link Semaphore}s, and two JDK {@link Pipe}s each
 * watched by a {@link Selector}. One more peer is a diagnostic: two eventfds used from Java
 * exactly as the C program uses them ({@link PlainEventFd}: blocking {@code read}/{@code write}
 * through FFM, nothing else), which splits vigil's distance to C into what the JVM and FFM
 * cost and what vigil's own machinery costs.
 *
 * <p>A round trip is: the initiator wakes the responder and blocks; the responder wakes up,
 * wakes the initiator back and blocks again ({@link PingPong}). Its cost is two wake-ups,
 * and what a wake-up costs depends above all on where the two threads run, so each
 * {@code --placements} entry is a table of its own: {@code cross} (CPUs 0 and 1, the
 * latency of a wake-up), {@code same} (both on CPU 0, the software cost of the path,
 * context switch included; five times as many round trips, as they are cheap), {@code free}
 * (not pinned; bimodal, so only on request). Defaults: 7 rounds, 20,000 timed round trips
 * after 2,000 untimed per measurement. The method is the {@link dev.vigil.bench.harness.Harness}'s.
 */
public final class EventSuite implements Suite<Void> {
    @Override
    public String name() {
        return "event";
    }

    @Override
    public String summary() {
        return "thread ping-pong: vigil Event vs C eventfd, LockSupport, Semaphore, Pipe + Selector";
    }

    @Override
    public Defaults defaults() {
        return Defaults.roundTrips(20_000, 2_000);
    }

    @Override
    public String title(BenchOptions options) {
        return "thread ping-pong round trip";
    }

    @Override
    public List<Peer<Void>> peers(BenchOptions options) {
        return List.of(
                CProgram.roundTrips("C eventfd (reference)", "eventfd_pingpong"),
                PingPong.threads("vigil Event", t -> new VigilEvents()),
                PingPong.threads("FFM read/write (no vigil)", t -> new PlainEventFds()),
                PingPong.threads("LockSupport park/unpark", t -> new ParkUnpark()),
                PingPong.threads("Semaphore x2", t -> new Semaphores()),
                PingPong.threads("Pipe x2 + Selector", t -> new PipesWithSelectors()));
    }

    @Override
    public List<Table<Void>> tables(BenchOptions options) {
        return Table.perPlacement(options);
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
