package dev.vigil;

/** How {@link Event#await(java.time.Duration)} ended. */
public enum EventWaitResult {
    /** The event was signalled; the signal has been consumed. */
    SIGNALED,
    /** The timeout passed without a signal. */
    TIMED_OUT
}
