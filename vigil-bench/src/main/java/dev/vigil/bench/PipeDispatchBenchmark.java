package dev.vigil.bench;

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
 * writes, the same in all), then turns the consumer until it has read all K, each pipe
 * until {@code EAGAIN}. The consumers are the suite's ({@link PipeDispatchSuite.Consumer}):
 * what a vigil one costs above {@code bare}, divided by K, is what vigil's reactor and
 * {@code AsyncFd} add per event.
 *
 * <pre>
 *   inWaker   Reactor.turn; each pipe's waker tryReads it to would-block and re-arms (PipeDispatchSuite.Handlers)
 *   queued    Reactor.turn; wakers queue the ready pipes, read after the turn (PipeDispatchSuite.Queued)
 *   bare      epoll_wait (edge-triggered) and read(2) until EAGAIN, bare FFM calls (PipeDispatchSuite.Bare)
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

    private final MemorySegment buf = Arena.ofAuto().allocate(1);
    private final PipeDispatchSuite.Pipes[] pipes = new PipeDispatchSuite.Pipes[3];
    private final PipeDispatchSuite.Consumer[] consumers = new PipeDispatchSuite.Consumer[3];

    @Setup
    public void setUp() throws IOException {
        PipeDispatchSuite.Consumer.Opener[] openers = {
                PipeDispatchSuite.Handlers::new, PipeDispatchSuite.Queued::new, PipeDispatchSuite.Bare::new};
        for (int i = 0; i < 3; i++) {
            pipes[i] = new PipeDispatchSuite.Pipes(K);
            consumers[i] = openers[i].open(pipes[i], null);
        }
    }

    @TearDown
    public void tearDown() {
        for (int i = 0; i < 3; i++) {
            consumers[i].close();
            pipes[i].close();
        }
    }

    /** One byte into each pipe, then turns until all K are read. */
    private long round(int which) throws IOException {
        PipeDispatchSuite.Pipes p = pipes[which];
        PipeDispatchSuite.Consumer c = consumers[which];
        for (int i = 0; i < K; i++) {
            PipeDispatchSuite.Pipes.writeOne(p.writeEnds[i], buf);
        }
        long goal = c.consumed() + K;
        while (c.consumed() < goal) {
            c.turn();
        }
        return c.consumed();
    }

    @Benchmark
    public long inWaker() throws IOException {
        return round(0);
    }

    @Benchmark
    public long queued() throws IOException {
        return round(1);
    }

    @Benchmark
    public long bare() throws IOException {
        return round(2);
    }
}
