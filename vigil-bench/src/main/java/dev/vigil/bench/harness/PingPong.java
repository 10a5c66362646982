package dev.vigil.bench.harness;

import java.io.IOException;

/**
 * Peers that are two platform threads bouncing a wake-up: the initiator wakes the responder
 * and blocks; the responder wakes, wakes the initiator back and blocks again. A
 * {@link Bouncer} says how; {@link #threads} makes it a peer.
 *
 * <p>One measurement: a fresh bouncer and two fresh threads, pinned as the placement says;
 * the responder answers {@code warmup + trips} times, the initiator makes {@code warmup}
 * untimed round trips, then times {@code trips}. Its figure is the mean nanoseconds of one
 * round trip, timed on the initiator. If either thread fails, the measurement fails at once.
 */
public final class PingPong {
    private PingPong() {}

    /** One way for two threads to wake each other up. */
    public interface Bouncer extends AutoCloseable {
        /** Learns which threads play the two roles, before either starts. */
        default void bind(Thread initiator, Thread responder) {}

        /** Initiator: wake the responder, block until it answers. */
        void roundTrip() throws Exception;

        /** Responder: block until woken, wake the initiator. */
        void answer() throws Exception;

        @Override
        void close() throws IOException;
    }

    /** Opens a fresh bouncer for one measurement. */
    @FunctionalInterface
    public interface Opener<S> {
        Bouncer open(Trial<S> trial) throws Exception;
    }

    /** A peer that measures the bouncers {@code opener} opens. */
    public static <S> Peer<S> threads(String name, Opener<S> opener) {
        return Peer.of(name, trial -> {
            try (Bouncer bouncer = opener.open(trial)) {
                return time(trial, bouncer);
            }
        });
    }

    /** One measurement of {@code bouncer}: the mean nanoseconds of a round trip. */
    public static double time(Trial<?> trial, Bouncer bouncer) throws InterruptedException {
        Placement placement = trial.placement();
        double[] perTrip = new double[1];
        Thread initiator = trial.thread("initiator", () -> {
            placement.pinInitiator();
            perTrip[0] = trial.time(bouncer::roundTrip);
        });
        Thread responder = trial.thread("responder", () -> {
            placement.pinResponder();
            for (long i = 0; i < trial.warmup() + trial.trips(); i++) {
                bouncer.answer();
            }
        });
        bouncer.bind(initiator, responder);
        responder.start();
        initiator.start();
        initiator.join();
        responder.join();
        return perTrip[0];
    }
}
