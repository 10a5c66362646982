package dev.vigil.bench;

import java.io.IOException;

/** A peer of a round-trip comparison: something that can measure one mean round trip. */
interface RoundTripPeer {
    String name();

    /** @return the mean nanoseconds per round trip over {@code trips} timed round trips, after {@code warmup} */
    double measure(Placement placement, int warmup, int trips) throws Exception;

    /**
     * A C reference program, run as a subprocess that pins itself, times itself and prints
     * {@code ns_per_round_trip=…} (see {@link Stats#runReference}).
     */
    record CReference(String name, String binary) implements RoundTripPeer {
        @Override
        public double measure(Placement placement, int warmup, int trips) throws IOException, InterruptedException {
            return Stats.runReference(Stats.referenceCommand(binary, placement, Integer.toString(trips),
                    Integer.toString(warmup)), "ns_per_round_trip");
        }
    }
}
