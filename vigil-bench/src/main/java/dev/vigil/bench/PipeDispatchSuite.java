package dev.vigil.bench;

import dev.vigil.RawDescriptor;
import dev.vigil.bench.harness.BenchOptions;
import dev.vigil.bench.harness.Defaults;
import dev.vigil.bench.harness.Peer;
import dev.vigil.bench.harness.Placement;
import dev.vigil.bench.harness.Suite;
import dev.vigil.bench.harness.Table;
import dev.vigil.bench.harness.Trial;
import dev.vigil.io.AsyncFd;
import dev.vigil.reactor.Reactor;
import dev.vigil.reactor.Waker;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * {@code ./vigil bench dispatch-pipes}: dispatch throughput on real non-blocking I/O. K
 * non-blocking pipes ({@code --k}, default 1,000); a producer writes one byte to each in
 * turn, round robin, once the previous byte of that pipe was consumed (a credit per pipe, so
 * every byte is one readiness event); one consumer thread reads each ready pipe until
 * {@code EAGAIN}. The figure is bytes consumed per second over K x {@code --laps}.
 *
 * <ul>
 *   <li><b>vigil, reading in the waker</b> (the reference): the read ends registered as
 *       {@link AsyncFd}s with a {@link Reactor} the consumer turns itself; each armed with
 *       {@code pollReadReady(waker)}, whose waker {@code tryRead}s its pipe (one read each)
 *       until it says would-block, then polls again, which re-arms it (or finds a byte that
 *       came meanwhile and reads on): the work is done as the event is dispatched, as Netty's
 *       {@code handle()} does ({@link Handlers}).</li>
 *   <li><b>vigil, queue</b>: the same registrations, but the waker (made once) only queues the
 *       index; after each turn the consumer reads each queued pipe the same way.</li>
 *   <li><b>Netty 4.2</b>: one {@code EpollIoHandler} loop; each read end an
 *       {@code EpollIoHandle} with {@code EPOLLIN | EPOLLET}, whose {@code handle()} reads until
 *       {@code EAGAIN}.</li>
 *   <li><b>bare FFM</b>, a diagnostic: {@code epoll_wait} and {@code read(2)} with bare FFM
 *       calls and nothing else, the floor under both.</li>
 * </ul>
 * All read with the same FFM {@code read(2)} and all get the same producer.
 */
public final class PipeDispatchSuite implements Suite<Void> {
    @Override
    public String name() {
        return "dispatch-pipes";
    }

    @Override
    public String summary() {
        return "K non-blocking pipes written round robin, read to EAGAIN through a reactor: vigil AsyncFd vs Netty EpollIoHandler";
    }

    @Override
    public Defaults defaults() {
        return new Defaults(5, Defaults.NOT_TAKEN, Defaults.NOT_TAKEN, "cross,same", List.of(
                new Defaults.Option("--k", "1000", "pipes"),
                new Defaults.Option("--laps", "300", "laps per measurement; a lap writes one byte to each of the K")));
    }

    @Override
    public String title(BenchOptions options) {
        return String.format(Locale.ROOT, "dispatch throughput: K = %,d pipes written round robin, read to EAGAIN",
                options.integer("--k"));
    }

    @Override
    public String operations() {
        return "bytes";
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
        return List.of(
                Peer.of("vigil AsyncFd, reading in the waker", t -> measure(t, k, Handlers::new)),
                Peer.of("vigil AsyncFd, pollReadReady + tryRead", t -> measure(t, k, Queued::new)),
                Peer.of("Netty 4.2 EpollIoHandler", t -> measure(t, k, null)),
                Peer.of("bare FFM epoll_wait + read (diagnostic: the floor)", t -> measure(t, k, Bare::new)));
    }

    @Override
    public List<Table<Void>> tables(BenchOptions options) {
        return DispatchSuite.producerConsumerTables(options);
    }

    @Override
    public long[] unrecordedTrips(Table<Void> table) {
        return new long[] {table.trips() / 2, table.trips() / 2};
    }

    // ------------------------------------------------------------------ the pipes

    /** K raw non-blocking pipes made and used with bare FFM calls, as a user's own descriptors. */
    static final class Pipes implements AutoCloseable {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle PIPE2 = h("pipe2", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        private static final MethodHandle READ = h("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        private static final MethodHandle WRITE = h("write", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        private static final MethodHandle CLOSE = h("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

        private static MethodHandle h(String name, FunctionDescriptor fd) {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, Linker.Option.critical(false));
        }

        final int[] readEnds;
        final int[] writeEnds;

        Pipes(int k) {
            readEnds = new int[k];
            writeEnds = new int[k];
            try (Arena a = Arena.ofConfined()) {
                MemorySegment fds = a.allocate(8);
                for (int i = 0; i < k; i++) {
                    if ((int) PIPE2.invokeExact(fds, 0x800 | 0x80000) != 0) { // O_NONBLOCK | O_CLOEXEC
                        throw new IllegalStateException("pipe2 failed");
                    }
                    readEnds[i] = fds.get(ValueLayout.JAVA_INT, 0);
                    writeEnds[i] = fds.get(ValueLayout.JAVA_INT, 4);
                }
            } catch (Throwable t) {
                close();
                throw new IllegalStateException(t);
            }
        }

        /** One byte into pipe {@code fd}. */
        static void writeOne(int fd, MemorySegment buf) {
            try {
                if ((long) WRITE.invokeExact(fd, buf, 1L) != 1) {
                    throw new IllegalStateException("write to a pipe with room failed");
                }
            } catch (Throwable t) {
                throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
            }
        }

        /** One read of up to 64 bytes: the count, or -1 (EAGAIN, or end of stream, which never happens here). */
        static long readOnce(int fd, MemorySegment buf) {
            try {
                return (long) READ.invokeExact(fd, buf, 64L);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public void close() {
            for (int[] ends : new int[][] {readEnds, writeEnds}) {
                for (int fd : ends) {
                    if (fd > 0) {
                        try {
                            int ignored = (int) CLOSE.invokeExact(fd);
                        } catch (Throwable t) {
                            throw new IllegalStateException(t);
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ one measurement

    /** Runs the producer and a consumer ({@code consumer} opens one; null: Netty's event loop) on pinned threads; bytes consumed per second. */
    private static double measure(Trial<Void> trial, int k, Consumer.Opener consumer) throws Exception {
        long n = trial.trips();
        Placement placement = trial.placement();
        AtomicIntegerArray credit = new AtomicIntegerArray(k);
        try (Pipes pipes = new Pipes(k)) {
            long[] start = new long[1];
            long end;
            CountDownLatch ready = new CountDownLatch(1);
            Thread producer = trial.thread("producer", () -> {
                placement.pinInitiator();
                ready.await();
                MemorySegment one = Arena.ofAuto().allocate(1);
                int i = 0;
                start[0] = System.nanoTime();
                for (long s = 0; s < n; s++) {
                    while (credit.get(i) != 0) {
                        Thread.yield();
                    }
                    credit.lazySet(i, 1);
                    Pipes.writeOne(pipes.writeEnds[i], one);
                    if (++i == k) {
                        i = 0;
                    }
                }
            });
            if (consumer != null) {
                long[] done = new long[1];
                Thread thread = trial.thread("consumer", () -> {
                    placement.pinResponder();
                    try (Consumer c = consumer.open(pipes, credit)) {
                        ready.countDown();
                        while (c.consumed() < n) {
                            c.turn();
                        }
                        done[0] = System.nanoTime();
                    }
                });
                thread.start();
                producer.start();
                producer.join();
                thread.join();
                end = done[0];
            } else {
                producer.start();
                end = nettyConsume(trial, pipes, credit, n, ready);
                producer.join();
            }
            return n * 1e9 / (end - start[0]);
        }
    }

    /**
     * One consumer of the pipes, turned by one thread (the suite's consumer thread, or a JMH
     * benchmark's): each turn waits for readiness and reads every ready pipe until
     * {@code EAGAIN}, clearing its credit (none in JMH: {@code credit} null).
     */
    interface Consumer extends AutoCloseable {
        /** Makes one for {@code pipes}, registered and armed. */
        interface Opener {
            Consumer open(Pipes pipes, AtomicIntegerArray credit) throws IOException;
        }

        /** Waits for readiness (as long as it takes) and consumes what was ready. */
        void turn() throws IOException;

        /** Bytes read so far. */
        long consumed();

        @Override
        void close();
    }

    /**
     * A ready pipe: {@code tryRead}s it until it says would-block (clearing its credit, if
     * any, after each byte), then polls again, which re-arms {@code waker} or finds a byte that
     * came meanwhile and reads on. Returns the bytes read.
     */
    static <T extends RawDescriptor> long drain(AsyncFd<T> f, AsyncFd.IoCall<? super T, Long> read, Waker waker,
                                                AtomicIntegerArray credit, int index) throws IOException {
        long bytes = 0;
        do {
            try {
                while (true) {
                    bytes += f.tryRead(read);
                    if (credit != null) {
                        credit.set(index, 0);
                    }
                }
            } catch (IOException e) {
                if (e != AsyncFd.wouldBlock()) {
                    throw e;
                }
            }
        } while (!f.pollReadReady(waker).isEmpty());
        return bytes;
    }

    /**
     * vigil with a queue: a private reactor; each pipe's waker (made once) queues its index;
     * after each turn, each queued pipe is {@code tryRead} (one read each) until it says
     * would-block, then polled again, which re-arms the waker (or finds a byte that came
     * meanwhile).
     */
    static final class Queued implements Consumer {
        private final Reactor reactor = new Reactor();
        private final AtomicIntegerArray credit;
        private final AsyncFd<RawDescriptor>[] fds;
        private final Waker[] wakers;
        private final List<AsyncFd.IoCall<RawDescriptor, Long>> reads;
        private final int[] queue;
        private int queued;
        private long count;

        @SuppressWarnings("unchecked")
        Queued(Pipes pipes, AtomicIntegerArray credit) throws IOException {
            this.credit = credit;
            int k = pipes.readEnds.length;
            MemorySegment buf = Arena.ofAuto().allocate(64);
            queue = new int[k];
            fds = new AsyncFd[k];
            wakers = new Waker[k];
            reads = new ArrayList<>(k);
            try {
                for (int i = 0; i < k; i++) {
                    int index = i;
                    int fd = pipes.readEnds[i];
                    fds[i] = AsyncFd.register(() -> fd, reactor.handle());
                    wakers[i] = () -> queue[queued++] = index;
                    reads.add(d -> {
                        long r = Pipes.readOnce(fd, buf);
                        if (r <= 0) {
                            throw AsyncFd.wouldBlock();
                        }
                        return r;
                    });
                    if (!fds[i].pollReadReady(wakers[i]).isEmpty()) {
                        throw new IllegalStateException("readable before any write");
                    }
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void turn() throws IOException {
            reactor.turn(null);
            int m = queued;
            queued = 0;
            for (int j = 0; j < m; j++) {
                int i = queue[j];
                count += drain(fds[i], reads.get(i), wakers[i], credit, i);
            }
        }

        @Override
        public long consumed() {
            return count;
        }

        @Override
        public void close() {
            for (AsyncFd<RawDescriptor> f : fds) {
                if (f != null) {
                    f.close();
                }
            }
            reactor.close();
        }
    }

    /**
     * vigil with the reading done in the waker, on the thread that turns the reactor, as
     * Netty's {@code handle()} does: each pipe's waker {@code tryRead}s it until would-block,
     * then polls again, which re-arms it (or finds a byte that came meanwhile and reads on).
     */
    static final class Handlers implements Consumer {
        private final Reactor reactor = new Reactor();
        private final Handler[] handlers;
        /** Bytes read so far; the reactor's thread only. */
        long count;

        Handlers(Pipes pipes, AtomicIntegerArray credit) throws IOException {
            int k = pipes.readEnds.length;
            MemorySegment buf = Arena.ofAuto().allocate(64);
            handlers = new Handler[k];
            try {
                for (int i = 0; i < k; i++) {
                    Handler h = new Handler(this, pipes.readEnds[i], i, buf, credit);
                    h.fd = AsyncFd.register(h, reactor.handle());
                    handlers[i] = h;
                    if (!h.fd.pollReadReady(h).isEmpty()) {
                        throw new IllegalStateException("readable before any write");
                    }
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void turn() throws IOException {
            reactor.turn(null); // the handlers read as their wakers are called
        }

        @Override
        public long consumed() {
            return count;
        }

        @Override
        public void close() {
            for (Handler h : handlers) {
                if (h != null && h.fd != null) {
                    h.fd.close();
                }
            }
            reactor.close();
        }
    }

    /**
     * One pipe's handler, as a user writes one: the descriptor, its waker and its read in one
     * object, so that an event touches as little memory as Netty's handle does.
     */
    private static final class Handler implements RawDescriptor, Waker, AsyncFd.IoCall<Handler, Long> {
        private final Handlers owner;
        private final int number;
        private final int index;
        private final MemorySegment buf;
        private final AtomicIntegerArray credit;
        AsyncFd<Handler> fd;

        Handler(Handlers owner, int number, int index, MemorySegment buf, AtomicIntegerArray credit) {
            this.owner = owner;
            this.number = number;
            this.index = index;
            this.buf = buf;
            this.credit = credit;
        }

        @Override
        public int rawDescriptor() {
            return number;
        }

        @Override
        public Long call(Handler self) throws IOException {
            long r = Pipes.readOnce(number, buf);
            if (r <= 0) {
                throw AsyncFd.wouldBlock();
            }
            return r;
        }

        /** The pipe is ready: read it until would-block, then poll again, which re-arms (or finds a byte and reads on). */
        @Override
        public void wake() {
            try {
                owner.count += drain(fd, this, this, credit, index);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The floor: bare FFM {@code epoll_wait} (edge-triggered) and {@code read(2)} until {@code EAGAIN}, no reactor. */
    static final class Bare implements Consumer {
        private final FfmEpoll epoll = new FfmEpoll(1024);
        private final MemorySegment buf = Arena.ofAuto().allocate(64);
        private final Pipes pipes;
        private final AtomicIntegerArray credit;
        private long count;

        Bare(Pipes pipes, AtomicIntegerArray credit) {
            this.pipes = pipes;
            this.credit = credit;
            for (int i = 0; i < pipes.readEnds.length; i++) {
                epoll.add(pipes.readEnds[i], FfmEpoll.EPOLLIN | FfmEpoll.EPOLLET, i);
            }
        }

        @Override
        public void turn() {
            int m = epoll.await(-1);
            for (int e = 0; e < m; e++) {
                int i = (int) epoll.dataOf(e);
                int fd = pipes.readEnds[i];
                while (Pipes.readOnce(fd, buf) > 0) {
                    if (credit != null) {
                        credit.set(i, 0);
                    }
                    count++;
                }
            }
        }

        @Override
        public long consumed() {
            return count;
        }

        @Override
        public void close() {
            epoll.close();
        }
    }

    /** Netty: one EpollIoHandler loop; each handle reads its pipe until EAGAIN. */
    private static long nettyConsume(Trial<Void> trial, Pipes pipes, AtomicIntegerArray credit, long n, CountDownLatch ready)
            throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            IoEventLoop loop = group.next();
            loop.submit(trial.placement()::pinResponder).sync();
            MemorySegment buf = Arena.ofAuto().allocate(64);
            CountDownLatch done = new CountDownLatch(1);
            long[] count = new long[1];
            long[] end = new long[1];
            List<IoRegistration> registrations = new ArrayList<>();
            for (int i = 0; i < pipes.readEnds.length; i++) {
                int index = i;
                int fd = pipes.readEnds[i];
                registrations.add(loop.register(new WakeSuite.EventFdHandle(fd, () -> {
                    while (Pipes.readOnce(fd, buf) > 0) {
                        credit.set(index, 0);
                        if (++count[0] == n) {
                            end[0] = System.nanoTime();
                            done.countDown();
                        }
                    }
                })).sync().getNow());
            }
            loop.submit(() -> {
                for (IoRegistration r : registrations) {
                    r.submit(EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLET));
                }
            }).sync();
            ready.countDown();
            if (!done.await(trial.trips() / 1000 + 60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Netty consumed " + count[0] + " of " + n);
            }
            loop.submit(() -> registrations.forEach(IoRegistration::cancel)).sync();
            return end[0];
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
