package dev.vigil.bench.harness;

/**
 * One measurement failed or gave no result within the run's timeout; the run stops. The
 * message starts with the peer's name.
 */
public final class MeasurementFailed extends Exception {
    private static final long serialVersionUID = 1L;

    private final String peer;

    MeasurementFailed(String peer, String what, Throwable cause) {
        super(peer + ": " + what, cause);
        this.peer = peer;
    }

    /** The name of the peer whose measurement failed. */
    public String peer() {
        return peer;
    }
}
