package dev.vigil.bench;

import dev.vigil.RawDescriptor;
import dev.vigil.io.AsyncFd;
import dev.vigil.reactor.Reactor;
import dev.vigil.reactor.Waker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The consumer's side of {@code dispatch-pipes} on one thread, without a producer to wait
 * for: each operation writes one byte to each of K = 64 non-blocking pipes (bare FFM
 * writes, the same in both), then consumes the K readiness events and reads each pipe until
 * {@code EAGAIN}. What {@code vigil} costs above {@code bare}, divided by K, is what vigil's
 * reactor and {@code AsyncFd} add per event.
 *
 * <pre>
 *   vigil         Reactor.turn, wakers queue the ready pipes, AsyncFd.tryRead to would-block, pollReadReady to re-arm
 *   vigilInWaker  Reactor.turn, each waker tryReads its pipe to would-block and re-arms (PipeDispatchSuite.Handlers)
 *   bare    epoll_wait (edge-triggered) and read(2) until EAGAIN, through bare FFM calls
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PipeDispatchBenchmark {
    private static final int K = 64;

    private final MemorySegment buf = Arena.ofAuto().allocate(64);
    private PipeDispatchSuite.Pipes vigilPipes;
    private PipeDispatchSuite.Pipes barePipes;
    private Reactor reactor;
    @SuppressWarnings("unchecked")
    private final AsyncFd<RawDescriptor>[] fds = new AsyncFd[K];
    private final Waker[] wakers = new Waker[K];
    @SuppressWarnings("unchecked")
    private final AsyncFd.IoCall<RawDescriptor, Long>[] reads = new AsyncFd.IoCall[K];
    private final int[] queue = new int[K];
    private int queued;
    private FfmEpoll epoll;
    private PipeDispatchSuite.Pipes handlerPipes;
    private Reactor handlerReactor;
    private PipeDispatchSuite.Handlers handlers;

    @Setup
    public void setUp() throws IOException {
        vigilPipes = new PipeDispatchSuite.Pipes(K);
        barePipes = new PipeDispatchSuite.Pipes(K);
        reactor = new Reactor();
        for (int i = 0; i < K; i++) {
            int index = i;
            int fd = vigilPipes.readEnds[i];
            fds[i] = AsyncFd.register(() -> fd, reactor.handle());
            wakers[i] = () -> queue[queued++] = index;
            reads[i] = d -> {
                long r = PipeDispatchSuite.Pipes.readOnce(fd, buf);
                if (r <= 0) {
                    throw AsyncFd.wouldBlock();
                }
                return r;
            };
            fds[i].pollReadReady(wakers[i]);
        }
        handlerPipes = new PipeDispatchSuite.Pipes(K);
        handlerReactor = new Reactor();
        handlers = new PipeDispatchSuite.Handlers(handlerPipes, handlerReactor, null);
        epoll = new FfmEpoll(K);
        for (int i = 0; i < K; i++) {
            epoll.add(barePipes.readEnds[i], FfmEpoll.EPOLLIN | FfmEpoll.EPOLLET, i);
        }
    }

    @TearDown
    public void tearDown() {
        for (AsyncFd<RawDescriptor> f : fds) {
            f.close();
        }
        reactor.close();
        handlers.close();
        handlerReactor.close();
        handlerPipes.close();
        epoll.close();
        vigilPipes.close();
        barePipes.close();
    }

    @Benchmark
    public long vigil() throws IOException {
        for (int i = 0; i < K; i++) {
            PipeDispatchSuite.Pipes.writeOne(vigilPipes.writeEnds[i], buf);
        }
        long count = 0;
        while (count < K) {
            reactor.turn(null);
            int m = queued;
            queued = 0;
            for (int j = 0; j < m; j++) {
                int i = queue[j];
                AsyncFd<RawDescriptor> f = fds[i];
                do {
                    try {
                        while (true) {
                            count += f.tryRead(reads[i]);
                        }
                    } catch (IOException e) {
                        if (e != AsyncFd.wouldBlock()) {
                            throw e;
                        }
                    }
                } while (!f.pollReadReady(wakers[i]).isEmpty());
            }
        }
        return count;
    }

    @Benchmark
    public long vigilInWaker() throws IOException {
        for (int i = 0; i < K; i++) {
            PipeDispatchSuite.Pipes.writeOne(handlerPipes.writeEnds[i], buf);
        }
        long start = handlers.count;
        while (handlers.count - start < K) {
            handlerReactor.turn(null);
        }
        return handlers.count;
    }

    @Benchmark
    public long bare() {
        for (int i = 0; i < K; i++) {
            PipeDispatchSuite.Pipes.writeOne(barePipes.writeEnds[i], buf);
        }
        long count = 0;
        while (count < K) {
            int n = epoll.await(-1);
            for (int e = 0; e < n; e++) {
                int fd = barePipes.readEnds[(int) epoll.dataOf(e)];
                long r;
                while ((r = PipeDispatchSuite.Pipes.readOnce(fd, buf)) > 0) {
                    count += r;
                }
            }
        }
        return count;
    }
}
