package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.WaitContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One ready descriptor among {@code n} registered idle ones: the cost of a WaitContext wait
 * that finds it, through the allocation-free visitor ({@code awaitEach}) and through the
 * {@code List}-returning {@code await}. The ready Event is signalled once and never
 * consumed, so every wait (level-triggered) reports it again. Run with {@code -prof gc}:
 * {@code awaitEach} allocates nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class WaitContextBenchmark {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Param({"1", "1000", "10000"})
    public int n;

    private final List<Event> events = new ArrayList<>();
    private WaitContext<Integer> ctx;
    private Blackhole sink;
    private final WaitContext.Visitor<Integer> visitor = (token, r, w, h) -> sink.consume(token);

    @Setup(Level.Trial)
    public void setUp(Blackhole bh) throws Exception {
        sink = bh;
        ctx = new WaitContext<>();
        for (int i = 0; i < n; i++) {
            Event e = new Event();
            events.add(e);
            ctx.add(e, i);
        }
        events.get(n / 2).signal();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ctx.close();
        events.forEach(Event::close);
    }

    @Benchmark
    public int awaitEach() throws Exception {
        return ctx.awaitEach(TIMEOUT, visitor);
    }

    @Benchmark
    public Object awaitList() throws Exception {
        return ctx.await(TIMEOUT);
    }
}
