package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Results;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;
import dev.vigil.bench.harness.Trial;
import dev.vigil.bench.harness.UsageException;
import dev.vigil.reactor.Reactor;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Registration;
import dev.vigil.reactor.Waker;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * {@code ./vigil bench dispatch}: dispatch throughput. K registered eventfds (vigil Events,
 * {@code --k}, default 1,000), signalled round robin by a producer thread and consumed
 * through a reactor.
 *
 * <p><b>Work.</b> The producer walks the K eventfds in order, forever round robin, and
 * signals each ({@code Event.signal()}, one {@code write(2)}) once its previous signal has
 * been consumed: a credit per eventfd (an {@code AtomicIntegerArray}), so every signal is one
 * readiness event and one 8-byte read, never coalesced, and the producer never runs more
 * than K signals ahead. It yields while it waits for a credit. The consumer, for each
 * readiness event, reads the eventfd (consuming the count) and returns the credit. The
 * figure is signals consumed per second, from the producer's first signal to the consumer's
 * last read, over K x {@code --laps} signals (default 300). Both peers get the same producer
 * and the same descriptors.
 *
 * <ul>
 *   <li><b>vigil</b> (the reference): one {@link Reactor} turned by the consumer thread itself
 *       ({@code turn(null)}: no extra thread hop); each Event registered with a
 *       {@link Registration}; each registration's read stream armed with
 *       {@code pollReadReady(waker)}, whose waker (allocated once) appends the index to an
 *       {@code int[]} queue. After each turn the consumer goes through the queue:
 *       {@code pollReadReady(waker)} takes the readiness, {@code Event.reset()} reads the
 *       count, the credit goes back, and a second {@code pollReadReady(waker)} finds nothing
 *       and re-arms the waker.</li>
 *   <li><b>vigil, work in the waker</b>: the same, done inside the waker, as Netty does.</li>
 *   <li><b>Netty 4.2</b>: one {@code MultiThreadIoEventLoopGroup} thread with
 *       {@code EpollIoHandler}; each eventfd an {@code EpollIoHandle} submitted with
 *       {@code EPOLLIN | EPOLLET}; its {@code handle()} calls Netty's
 *       {@code Native.eventFdRead(fd)} and returns the credit.</li>
 * </ul>
 * {@code --diagnostic true} adds three consumers without some of vigil's parts (bare FFM
 * epoll, and vigil's reactor with a bare {@code read}); {@code --raw-producer true} makes the
 * producer signal with a bare FFM {@code write}. The ratios are vigil / peer: above 1.0x,
 * vigil is faster. Before each table's rounds, every peer is measured twice unrecorded, with
 * half the signals.
 */
public final class DispatchSuite implements Suite<Void> {
    @Override
    public String name() {
        return "dispatch";
    }

    @Override
    public String summary() {
        return "K eventfds signalled round robin, consumed through a reactor: vigil Reactor vs Netty EpollIoHandler";
    }

    @Override
    public Defaults defaults() {
        return new Defaults(7, Defaults.NOT_TAKEN, Defaults.NOT_TAKEN, "cross,same", List.of(
                new Defaults.Option("--k", "1000", "registered eventfds"),
                new Defaults.Option("--laps", "300", "laps per measurement; a lap signals each of the K once"),
                new Defaults.Option("--diagnostic", "false", "true adds three diagnostic consumers"),
                new Defaults.Option("--raw-producer", "false", "true: the producer signals with a bare FFM write(2)")));
    }

    @Override
    public String title(BenchOptions options) {
        return String.format(Locale.ROOT, "dispatch throughput: K = %,d eventfds signalled round robin",
                options.integer("--k"));
    }

    @Override
    public String operations() {
        return "signals";
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
    public List<Peer<Void>> peers(BenchOptions options) {
        int k = options.integer("--k");
        if (k < 1) {
            throw new UsageException("--k: at least 1, not " + k);
        }
        rawProducer = options.flag("--raw-producer");
        List<Dispatcher> dispatchers = new ArrayList<>(List.of(new VigilPeer(), new VigilInWakerPeer(), new NettyPeer()));
        if (options.flag("--diagnostic")) {
            dispatchers.add(new FfmPeer(FfmEpoll.EPOLLIN | FfmEpoll.EPOLLET, "FFM epoll IN|ET (no vigil)"));
            dispatchers.add(new FfmPeer(FfmEpoll.EPOLLIN | FfmEpoll.EPOLLOUT | FfmEpoll.EPOLLET, "FFM epoll IN|OUT|ET (no vigil)"));
            dispatchers.add(new VigilPeer(true));
        }
        return dispatchers.stream().map(d -> Peer.<Void>of(d.name(), trial -> {
            Event[] events = newEvents(k);
            try {
                return d.measure(trial, events, new AtomicIntegerArray(k));
            } finally {
                closeAll(events);
            }
        })).toList();
    }

    /** One table per placement; a measurement is K x laps signals, on one CPU as across two. */
    @Override
    public List<Table<Void>> tables(BenchOptions options) {
        return producerConsumerTables(options);
    }

    /**
     * One table per placement of a producer and a consumer (a reactor or an event loop), each
     * measurement K x laps operations: the tables of both dispatch suites.
     */
    static List<Table<Void>> producerConsumerTables(BenchOptions options) {
        long operations = (long) options.integer("--k") * options.integer("--laps");
        return options.placements().stream()
                .map(p -> new Table<Void>(p.pins()
                        ? String.format(Locale.ROOT, "%s: producer on CPU %d, consumer (reactor / event loop) on CPU %d",
                                p.label(), p.initiatorCpu(), p.responderCpu())
                        : p.label() + ": " + p.description(), p, null, 0, operations))
                .toList();
    }

    @Override
    public long[] unrecordedTrips(Table<Void> table) {
        return new long[] {table.trips() / 2, table.trips() / 2};
    }

    @Override
    public void afterTable(Results<Void> results, PrintStream out) {
        out.println("last measurement: " + lastStats);
    }

    /** One consumer of the K Events; {@code trial.trips()} signals. */
    interface Dispatcher {
        String name();

        /** Signals consumed per second over {@code trial.trips()} signals of {@code events} (fresh, all credits in). */
        double measure(Trial<Void> trial, Event[] events, AtomicIntegerArray credit) throws Exception;
    }

    /** The producer: signals round robin, each eventfd again only once its credit is back. */
    static long produce(Event[] events, AtomicIntegerArray credit, long n) throws IOException {
        if (rawProducer) {
            return produceRaw(events, credit, n);
        }
        int k = events.length;
        int i = 0;
        long start = System.nanoTime();
        for (long s = 0; s < n; s++) {
            while (credit.get(i) != 0) {
                Thread.yield();
            }
            credit.lazySet(i, 1);
            events[i].signal();
            if (++i == k) {
                i = 0;
            }
        }
        return start;
    }

    /** Diagnostic ({@code --raw-producer true}): the producer signals with a bare FFM write(2), not Event.signal(). */
    static volatile boolean rawProducer;

    static long produceRaw(Event[] events, AtomicIntegerArray credit, long n) {
        int k = events.length;
        int[] fds = new int[k];
        for (int i = 0; i < k; i++) {
            fds[i] = events[i].rawDescriptor();
        }
        try (FfmEpoll raw = new FfmEpoll(1)) {
            int i = 0;
            long start = System.nanoTime();
            for (long s = 0; s < n; s++) {
                while (credit.get(i) != 0) {
                    Thread.yield();
                }
                credit.lazySet(i, 1);
                raw.signalEventFd(fds[i]);
                if (++i == k) {
                    i = 0;
                }
            }
            return start;
        }
    }

    static Event[] newEvents(int k) throws IOException {
        Event[] events = new Event[k];
        for (int i = 0; i < k; i++) {
            events[i] = new Event();
        }
        return events;
    }

    static void closeAll(Event[] events) {
        for (Event e : events) {
            if (e != null) {
                e.close();
            }
        }
    }

    /**
     * Runs producer and consumer on pinned threads ({@code trial}'s, so that a failure of
     * either ends the measurement); returns events per second.
     */
    static double run(Trial<Void> trial, Event[] events, AtomicIntegerArray credit, Consumer consumer) throws Exception {
        Placement placement = trial.placement();
        long n = trial.trips();
        CountDownLatch ready = new CountDownLatch(1);
        long[] start = new long[1];
        long[] end = new long[1];
        Thread consumerThread = consumer.ownThread() ? null : trial.thread("consumer", () -> {
            placement.pinResponder();
            consumer.prepare();
            ready.countDown();
            end[0] = consumer.consume(n);
        });
        if (consumerThread != null) {
            consumerThread.start();
        } else {
            consumer.prepare();
            ready.countDown();
        }
        Thread producer = trial.thread("producer", () -> {
            placement.pinInitiator();
            ready.await();
            start[0] = produce(events, credit, n);
        });
        producer.start();
        producer.join();
        if (consumerThread != null) {
            consumerThread.join();
        } else {
            end[0] = consumer.consume(n);
        }
        for (int i = 0; i < events.length; i++) {
            if (credit.get(i) != 0) {
                throw new IllegalStateException("credit " + i + " still out: the consumer miscounted");
            }
        }
        return n * 1e9 / (end[0] - start[0]);
    }

    interface Consumer {
        /** True if the consumer has its own thread (Netty's loop) and consume() only waits for it. */
        boolean ownThread();

        void prepare() throws Exception;

        /** Consumes {@code n} events; returns System.nanoTime() at the last one. */
        long consume(long n) throws Exception;
    }

    // ------------------------------------------------------------------ vigil

    static final class VigilPeer implements Dispatcher {
        /** Diagnostic: consume the count with a bare FFM read(2) instead of Event.reset(). */
        final boolean rawRead;

        VigilPeer() {
            this(false);
        }

        VigilPeer(boolean rawRead) {
            this.rawRead = rawRead;
        }

        @Override
        public String name() {
            return rawRead ? "diag: vigil reactor, FFM read" : "vigil Reactor.turn + poll(waker)";
        }

        @Override
        public double measure(Trial<Void> trial, Event[] events, AtomicIntegerArray credit) throws Exception {
            // only raw's read(2) is used; its epoll set stays empty
            try (Reactor reactor = new Reactor(); FfmEpoll raw = rawRead ? new FfmEpoll(1) : null) {
                VigilConsumer consumer = new VigilConsumer(reactor, events, credit, raw);
                double rate = run(trial, events, credit, consumer);
                Reactor.Stats stats = reactor.stats();
                lastStats = String.format(Locale.ROOT, "vigil: %.4f turns and %.2f dispatched readiness events per signal",
                        (double) stats.turns() / trial.trips(), (double) stats.eventsDispatched() / trial.trips());
                return rate;
            }
        }
    }

    static volatile String lastStats = "";

    static final class VigilConsumer implements Consumer {
        final Reactor reactor;
        final Event[] events;
        final AtomicIntegerArray credit;
        final Registration[] registrations;
        final Waker[] wakers;
        final int[] queue;
        final int[] fds;
        final FfmEpoll raw;
        int queued;

        /** {@code raw}: if not null, the count is read with its bare read(2) instead of Event.reset(). */
        VigilConsumer(Reactor reactor, Event[] events, AtomicIntegerArray credit, FfmEpoll raw) {
            this.raw = raw;
            this.fds = new int[events.length];
            for (int i = 0; i < events.length; i++) {
                fds[i] = events[i].rawDescriptor();
            }
            this.reactor = reactor;
            this.events = events;
            this.credit = credit;
            int k = events.length;
            registrations = new Registration[k];
            wakers = new Waker[k];
            queue = new int[k];
            for (int i = 0; i < k; i++) {
                int index = i;
                wakers[i] = () -> queue[queued++] = index;
            }
        }

        @Override
        public boolean ownThread() {
            return false;
        }

        @Override
        public void prepare() throws IOException {
            for (int i = 0; i < events.length; i++) {
                registrations[i] = new Registration();
                registrations[i].registerWith(events[i], reactor.handle());
                if (!registrations[i].pollReadReady(wakers[i]).isEmpty()) {
                    throw new IllegalStateException("readable before any signal");
                }
            }
        }

        @Override
        public long consume(long n) throws IOException {
            long count = 0;
            while (count < n) {
                reactor.turn(null);
                int m = queued;
                queued = 0;
                for (int j = 0; j < m; j++) {
                    int i = queue[j];
                    Registration reg = registrations[i];
                    Waker w = wakers[i];
                    for (Readiness r = reg.pollReadReady(w); !r.isEmpty(); r = reg.pollReadReady(w)) {
                        if (raw != null) {
                            raw.readEventFd(fds[i]);
                        } else {
                            events[i].reset();
                        }
                        credit.set(i, 0);
                        count++;
                    }
                }
            }
            return System.nanoTime();
        }
    }

    // ------------------------------------------------------------------ vigil, the work done in the waker

    /**
     * The same registrations, but each waker does the work itself, on the thread that turns
     * the reactor, as Netty's {@code handle()} does: take the readiness
     * ({@code pollReadReady(this)}), {@code reset()}, return the credit, and poll again, which
     * finds nothing and re-arms the waker. No queue and no second pass.
     */
    static final class VigilInWakerPeer implements Dispatcher {
        @Override
        public String name() {
            return "vigil Reactor.turn, work in the waker";
        }

        @Override
        public double measure(Trial<Void> trial, Event[] events, AtomicIntegerArray credit) throws Exception {
            int k = events.length;
            try (Reactor reactor = new Reactor()) {
                Handler[] handlers = new Handler[k];
                long[] count = new long[1];
                return run(trial, events, credit, new Consumer() {
                    @Override
                    public boolean ownThread() {
                        return false;
                    }

                    @Override
                    public void prepare() throws IOException {
                        for (int i = 0; i < k; i++) {
                            handlers[i] = new Handler(new Registration(), events[i], credit, i, count);
                            handlers[i].registration.registerWith(events[i], reactor.handle());
                            if (!handlers[i].registration.pollReadReady(handlers[i]).isEmpty()) {
                                throw new IllegalStateException("readable before any signal");
                            }
                        }
                    }

                    @Override
                    public long consume(long n) throws IOException {
                        while (count[0] < n) {
                            reactor.turn(null);
                        }
                        return System.nanoTime();
                    }
                });
            }
        }
    }

    /** One registration's waker, which consumes its Event's signals on the reactor's thread. */
    record Handler(Registration registration, Event event, AtomicIntegerArray credit, int index, long[] count)
            implements Waker {
        @Override
        public void wake() {
            try {
                for (Readiness r = registration.pollReadReady(this); !r.isEmpty(); r = registration.pollReadReady(this)) {
                    event.reset();
                    credit.set(index, 0);
                    count[0]++;
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    // ------------------------------------------------------------------ diagnostic: bare FFM epoll

    /**
     * Diagnostic: the least a Java consumer can do through FFM, without vigil: one epoll set
     * ({@code interest} as given), {@code epoll_wait} for up to 1,024 events, one
     * {@code read(2)} per event. With {@code EPOLLOUT} in the interest (as vigil registers
     * every descriptor), each read of an eventfd queues one more, useless, writable edge.
     */
    record FfmPeer(int interest, String name) implements Dispatcher {
        @Override
        public double measure(Trial<Void> trial, Event[] events, AtomicIntegerArray credit) throws Exception {
            int k = events.length;
            int[] fds = new int[k];
            for (int i = 0; i < k; i++) {
                fds[i] = events[i].rawDescriptor();
            }
            try (FfmEpoll ep = new FfmEpoll(1024)) {
                double rate = run(trial, events, credit, new Consumer() {
                    @Override
                    public boolean ownThread() {
                        return false;
                    }

                    @Override
                    public void prepare() {
                        for (int i = 0; i < k; i++) {
                            ep.add(fds[i], interest, i);
                        }
                    }

                    @Override
                    public long consume(long n) {
                        long count = 0;
                        long wakes = 0;
                        while (count < n) {
                            int m = ep.await(-1);
                            for (int j = 0; j < m; j++) {
                                wakes++;
                                if ((ep.eventsOf(j) & FfmEpoll.EPOLLIN) == 0) {
                                    continue;
                                }
                                int i = (int) ep.dataOf(j);
                                if (ep.readEventFd(fds[i]) == 8) {
                                    credit.set(i, 0);
                                    count++;
                                }
                            }
                        }
                        lastStats = String.format(Locale.ROOT, "%s: %.2f epoll events per signal", name, (double) wakes / n);
                        return System.nanoTime();
                    }
                });
                return rate;
            }
        }
    }

    // ------------------------------------------------------------------ Netty

    static final class NettyPeer implements Dispatcher {
        @Override
        public String name() {
            return "Netty 4.2 EpollIoHandler";
        }

        @Override
        public double measure(Trial<Void> trial, Event[] events, AtomicIntegerArray credit) throws Exception {
            MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            try {
                IoEventLoop loop = group.next();
                loop.submit(trial.placement()::pinResponder).sync();
                NettyConsumer consumer = new NettyConsumer(loop, events, credit, trial.trips(), trial);
                double rate = run(trial, events, credit, consumer);
                loop.submit(() -> {
                    for (IoRegistration r : consumer.registrations) {
                        r.cancel();
                    }
                }).sync();
                return rate;
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    static final class NettyConsumer implements Consumer {
        final IoEventLoop loop;
        final Event[] events;
        final AtomicIntegerArray credit;
        final long n;
        final Trial<Void> trial;
        final List<IoRegistration> registrations = new ArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);
        long count;          // loop thread only
        volatile long end;

        NettyConsumer(IoEventLoop loop, Event[] events, AtomicIntegerArray credit, long n, Trial<Void> trial) {
            this.trial = trial;
            this.loop = loop;
            this.events = events;
            this.credit = credit;
            this.n = n;
        }

        @Override
        public boolean ownThread() {
            return true;
        }

        @Override
        public void prepare() throws Exception {
            for (int i = 0; i < events.length; i++) {
                int index = i;
                int fd = events[i].rawDescriptor();
                WakeSuite.EventFdHandle handle = new WakeSuite.EventFdHandle(fd, () -> {
                    try {
                        Native.eventFdRead(fd);
                    } catch (RuntimeException e) {
                        trial.fail(e); // Netty would log it and go on; the producer would wait for ever
                        return;
                    }
                    credit.set(index, 0);
                    if (++count == n) {
                        end = System.nanoTime();
                        done.countDown();
                    }
                });
                registrations.add(loop.register(handle).sync().getNow());
            }
            loop.submit(() -> {
                for (IoRegistration r : registrations) {
                    r.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLET));
                }
            }).sync();
        }

        @Override
        public long consume(long n) throws InterruptedException {
            done.await();
            return end;
        }
    }
}
