package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.reactor.Reactor;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Registration;
import dev.vigil.reactor.Waker;

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
 * One dispatched event through a {@link Reactor}, on one thread: the Event registered with
 * the reactor is signalled, the reactor is turned without waiting, and the readiness is
 * taken and the Event reset. Run with {@code -prof gc}: the reactor loop must allocate
 * 0 B per dispatched event.
 *
 * <pre>
 *   signalTurnTake    write(2); turn(ZERO): epoll_pwait2, dispatch; takeReadReady(); reset(): preadv2
 *   signalTurnWaker   the same with the read stream armed by pollReadReady(waker): dispatch
 *                     calls the waker; pollReadReady takes; reset; pollReadReady re-arms
 *                     (the path DispatchSuite's vigil consumer uses)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ReactorBenchmark {
    private Reactor reactor;
    private Event event;
    private Registration registration;
    private int woken;
    private final Waker waker = () -> woken++;

    @Setup(Level.Trial)
    public void open() throws IOException {
        reactor = new Reactor();
        event = new Event();
        registration = new Registration();
        registration.registerWith(event, reactor.handle());
        reactor.turn(Duration.ZERO); // the first edge: writable
        registration.takeWriteReady();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        registration.deregister(event);
        event.close();
        reactor.close();
        if (woken == 0 && registrationArmed) {
            throw new IllegalStateException("the waker never ran");
        }
    }

    private boolean registrationArmed;

    @Benchmark
    public Readiness signalTurnTake() throws IOException {
        event.signal();
        reactor.turn(Duration.ZERO);
        Readiness r = registration.takeReadReady();
        event.reset();
        return r;
    }

    @Benchmark
    public Readiness signalTurnWaker() throws IOException {
        registrationArmed = true;
        event.signal();
        reactor.turn(Duration.ZERO);
        Readiness r = registration.pollReadReady(waker);
        event.reset();
        registration.pollReadReady(waker);
        return r;
    }
}
