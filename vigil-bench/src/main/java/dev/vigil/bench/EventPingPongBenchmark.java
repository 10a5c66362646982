package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.EventWaitResult;
import dev.vigil.bench.harness.Placement;

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

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One round trip between two platform threads through two {@link Event}s: the benchmark
 * thread signals {@code ping} and waits on {@code pong}; a responder thread started in
 * {@link #start()} waits on {@code ping} and signals {@code pong}. Every operation blocks
 * in the kernel and is woken by the other thread, so this measures two wake-ups, and with
 * {@code -prof gc} the allocation of the blocking path (both threads count). Both sides use
 * timed waits, the same {@code ppoll} path as untimed ones plus a deadline.
 *
 * <p>{@code placement} pins the two threads ({@link Placement}): {@code cross} puts them on
 * CPUs 0 and 1 and measures wake-up latency, {@code same} puts both on CPU 0 and measures
 * the software cost of the path. Unpinned, the result depends on where the scheduler
 * happens to put them.
 *
 * <h2>No deadlock at the end of an iteration</h2>
 * JMH ends an iteration only between two calls of {@link #roundTrip()}, that is after the
 * responder has answered, so the responder is then waiting on {@code ping} with nothing in
 * flight. It waits with a timeout and checks {@code stop} after each one, so
 * {@link #stop()} ends it whatever state it is in. The benchmark thread's own wait also has
 * a (long) timeout, so a responder that died makes the run fail instead of hang.
 *
 * <p>{@link EventSuite} ({@code ./vigil bench event}) measures the same round trip side by side with the C reference.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EventPingPongBenchmark {
    private static final Duration RESPONDER_POLL = Duration.ofMillis(100);
    private static final Duration GIVE_UP = Duration.ofSeconds(10);

    @Param({"cross", "same"})
    public String placement;

    private Placement where;
    private Event ping;
    private Event pong;
    private Thread responder;
    private volatile boolean stop;
    private volatile Throwable responderFailure;

    @Setup(Level.Trial)
    public void start() throws IOException {
        where = Placement.valueOf(placement.toUpperCase(Locale.ROOT));
        ping = new Event();
        pong = new Event();
        responder = Thread.ofPlatform().name("pong-responder").daemon().start(this::respond);
    }

    /** JMH may run iterations on different threads: pin whichever runs this one. */
    @Setup(Level.Iteration)
    public void pinBenchmarkThread() {
        where.pinInitiator();
    }

    private void respond() {
        try {
            where.pinResponder();
            while (!stop) {
                if (ping.await(RESPONDER_POLL) == EventWaitResult.SIGNALED) {
                    pong.signal();
                }
            }
        } catch (Throwable t) {
            responderFailure = t;
        }
    }

    @Benchmark
    public void roundTrip() throws IOException, InterruptedException {
        ping.signal();
        if (pong.await(GIVE_UP) == EventWaitResult.TIMED_OUT) {
            throw new IllegalStateException("the responder did not answer within " + GIVE_UP, responderFailure);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        stop = true;
        responder.join();
        ping.close();
        pong.close();
        if (responderFailure != null) {
            throw new IllegalStateException("the responder failed", responderFailure);
        }
    }
}
