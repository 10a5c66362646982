package dev.vigil.bench.harness;

/**
 * One of the things a suite compares: a named way of doing the suite's operation (a round
 * trip, a wait, a dispatched signal) that measures itself.
 *
 * <p>{@link #measure} is one measurement: it sets up fresh objects and threads, runs
 * {@link Trial#warmup()} untimed operations, times {@link Trial#trips()} more, tears down,
 * and returns the figure of the suite's {@link Suite#unit() unit}: mean nanoseconds per
 * operation, or operations per second. It runs on a thread of its own, under the run's
 * {@code --timeout}. Threads it starts come from {@link Trial#thread}, so that one that fails
 * ends the measurement at once; a peer whose failure shows elsewhere (a child process that
 * exits, a callback on a library's thread) reports it with {@link Trial#fail}. A measurement
 * that neither returns nor fails within the timeout is ended by the harness: a side that died
 * silently cannot hang the run.
 *
 * <p>A small peer can be a lambda:
 * <pre>{@code
 * Peer.of("LockSupport park/unpark", trial -> trial.time(() -> ...))
 * }</pre>
 *
 * @param <S> the suite's setting type (see {@link Table#setting()})
 */
public interface Peer<S> {
    /** The name in the round lines and the table; {@code --peers} matches against it. */
    String name();

    /**
     * Makes one measurement.
     *
     * @return mean nanoseconds per operation, or operations per second (the suite's unit)
     * @throws Exception if anything fails; the run stops with a line naming this peer
     */
    double measure(Trial<S> trial) throws Exception;

    /** The body of a peer written as a lambda. */
    @FunctionalInterface
    interface Measure<S> {
        double measure(Trial<S> trial) throws Exception;
    }

    /** A peer made of a name and a lambda. */
    static <S> Peer<S> of(String name, Measure<S> measure) {
        record Named<S>(String name, Measure<S> body) implements Peer<S> {
            @Override
            public double measure(Trial<S> trial) throws Exception {
                return body.measure(trial);
            }
        }
        return new Named<>(name, measure);
    }
}
