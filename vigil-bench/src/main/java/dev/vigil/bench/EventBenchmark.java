package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.EventWaitResult;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The uncontended cost of each {@link Event} operation on one thread: no other thread
 * waits, so every call is one system call that returns at once, and what is measured is
 * vigil's overhead around it (the FFM downcall, the descriptor's use count, the one-reader
 * check). Run with {@code -prof gc}: the steady-state allocation must be 0 B/op.
 *
 * <p>An operation that needs a signalled Event is paired with the {@link #signal()} that
 * sets it, because the kernel counter is the only state there is and a per-invocation
 * setup would cost more than the call itself. {@link #signal()} alone drains the counter
 * every {@value #DRAIN_EVERY} calls so that it stays far from its limit.
 *
 * <pre>
 *   signal                        write(2)                     (+ preadv2 every 1024 calls)
 *   signalThenReset               write(2) + preadv2(RWF_NOWAIT)
 *   signalThenAwait               write(2) + preadv2(RWF_NOWAIT): await() finds the count at once
 *   signalThenAwaitZero           the same through await(Duration.ZERO)
 *   resetUnsignalled              preadv2 -> EAGAIN
 *   awaitZeroUnsignalled          preadv2 -> EAGAIN, TIMED_OUT
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EventBenchmark {
    static final int DRAIN_EVERY = 1024;

    private Event event;
    private int signals;

    @Setup(Level.Trial)
    public void open() throws IOException {
        event = new Event();
    }

    @TearDown(Level.Trial)
    public void close() {
        event.close();
    }

    @Benchmark
    public void signal() throws IOException {
        event.signal();
        if (++signals == DRAIN_EVERY) {
            signals = 0;
            event.reset();
        }
    }

    @Benchmark
    public void signalThenReset() throws IOException {
        event.signal();
        event.reset();
    }

    @Benchmark
    public void signalThenAwait() throws IOException, InterruptedException {
        event.signal();
        event.await();
    }

    @Benchmark
    public EventWaitResult signalThenAwaitZero() throws IOException, InterruptedException {
        event.signal();
        return event.await(Duration.ZERO);
    }

    @Benchmark
    public void resetUnsignalled() throws IOException {
        event.reset();
    }

    @Benchmark
    public EventWaitResult awaitZeroUnsignalled() throws IOException, InterruptedException {
        return event.await(Duration.ZERO);
    }
}
