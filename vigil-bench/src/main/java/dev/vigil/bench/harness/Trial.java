package dev.vigil.bench.harness;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One measurement of one peer: what it is measured under ({@link #placement()},
 * {@link #setting()}), how much ({@link #warmup()}, {@link #trips()}), and how it ends.
 *
 * <p>It ends with the first of: {@link Peer#measure} returns (its figure is the result);
 * {@code measure} throws, a thread from {@link #thread} throws, or someone calls
 * {@link #fail} (the first failure is the result); or the timeout passes. The harness waits
 * for that on its own thread, so a peer blocked where no interrupt reaches (a {@code read}
 * whose writer died) still ends: the run reports it and stops, and leaves no thread or
 * process of the measurement behind (see {@code Bench}).
 *
 * @param <S> the suite's setting type
 */
public final class Trial<S> {
    private final String peer;
    private final Placement placement;
    private final S setting;
    private final long warmup;
    private final long trips;
    private final CompletableFuture<Double> outcome = new CompletableFuture<>();

    Trial(String peer, Table<S> table, long trips) {
        this.peer = peer;
        this.placement = table.placement();
        this.setting = table.setting();
        this.warmup = table.warmup();
        this.trips = trips;
    }

    /** The name of the peer measured. */
    public String peer() {
        return peer;
    }

    /** Where the two sides run; pin them with {@link Placement#pinInitiator()} and {@link Placement#pinResponder()}. */
    public Placement placement() {
        return placement;
    }

    /** The table's setting (see {@link Table#setting()}). */
    public S setting() {
        return setting;
    }

    /** Untimed operations before the timed ones. */
    public long warmup() {
        return warmup;
    }

    /** Timed operations. */
    public long trips() {
        return trips;
    }

    /**
     * Runs {@code step} {@link #warmup()} times, then {@link #trips()} times under the clock.
     *
     * @return mean nanoseconds per timed run
     */
    public double time(Step step) throws Exception {
        return Stats.timeLoop(warmup, trips, step);
    }

    /** A new, unstarted platform daemon thread running {@code body}; if it throws, the measurement fails. */
    public Thread thread(String name, Step body) {
        return thread(Thread.ofPlatform().name(name).daemon(), body);
    }

    /** As {@link #thread(String, Step)}, from any builder (a virtual thread, say). */
    public Thread thread(Thread.Builder builder, Step body) {
        return builder.unstarted(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                fail(t);
            }
        });
    }

    /** Ends the measurement with this failure, unless it has already ended; callable from any thread. */
    public void fail(Throwable cause) {
        outcome.completeExceptionally(cause);
    }

    /** Runs the measurement on the calling thread (the harness's measurement thread). */
    void run(Peer<S> measured) {
        try {
            outcome.complete(measured.measure(this));
        } catch (Throwable t) {
            fail(t);
        }
    }

    /** Waits for the outcome. */
    double await(Duration timeout) throws MeasurementFailed, InterruptedException {
        try {
            return outcome.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new MeasurementFailed(peer, "no result within " + seconds(timeout)
                    + "; one of its sides is stuck or has died (--timeout sets the limit)", null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new MeasurementFailed(peer, "failed: " + cause, cause);
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }
}
