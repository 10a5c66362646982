package dev.vigil.cli;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import dev.vigil.EventWaitResult;

import java.io.IOException;
import java.time.Duration;

/**
 * Two platform threads bouncing one signal through two {@link Event}s. The calling thread
 * signals {@code ping} and awaits {@code pong}; a peer thread, started here, awaits
 * {@code ping} and signals {@code pong}. {@link #roundTrip()} is one such exchange: two
 * eventfd writes, two wake-ups of a blocked thread and two reads.
 *
 * <p>Each Event has one reader (the peer reads {@code ping}, the caller {@code pong}), as an
 * Event requires. The caller owns the Events and closes them after this object:
 * <pre>{@code
 * try (Event ping = new Event(); Event pong = new Event(); PingPong pingPong = PingPong.start(ping, pong)) {
 *     long nanos = pingPong.roundTrip();
 * }
 * }</pre>
 *
 * <h2>Stopping</h2>
 * {@link #close()} sets a flag and signals {@code ping} so that the peer wakes and sees it.
 * The peer also waits with a timeout of {@link #PEER_POLL}, so it notices the flag even if
 * that signal is lost; {@code close()} returns once the peer thread has ended. If the peer
 * fails, it records the failure and signals {@code pong}, so that the caller does not wait
 * for an answer that will never come.
 */
final class PingPong implements AutoCloseable {
    /** How long the peer waits for a ping before it checks whether to stop. */
    static final Duration PEER_POLL = Duration.ofMillis(100);
    /** How long a round trip may take before the peer counts as gone. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

    private final Event ping;
    private final Event pong;
    private final Thread peer;
    private volatile boolean stopping;
    private volatile Throwable peerFailure;

    private PingPong(Event ping, Event pong) {
        this.ping = ping;
        this.pong = pong;
        this.peer = Thread.ofPlatform().name("vigil-ping-peer").daemon(true).unstarted(this::answer);
    }

    /**
     * Starts the peer thread and makes one round trip, not returned, so that the first
     * measured one does not include the thread's start.
     *
     * @param ping the Event the caller signals and the peer awaits
     * @param pong the Event the peer signals and the caller awaits
     */
    static PingPong start(Event ping, Event pong) throws IOException, InterruptedException {
        PingPong pingPong = new PingPong(ping, pong);
        pingPong.peer.start();
        try {
            pingPong.roundTrip();
        } catch (IOException | InterruptedException | RuntimeException e) {
            pingPong.close();
            throw e;
        }
        return pingPong;
    }

    /**
     * Signals the peer and waits for its answer.
     *
     * @return the time the round trip took, in nanoseconds
     * @throws IOException if the peer failed, or did not answer within {@link #ANSWER_TIMEOUT}
     */
    long roundTrip() throws IOException, InterruptedException {
        long start = System.nanoTime();
        ping.signal();
        EventWaitResult answer = pong.await(ANSWER_TIMEOUT);
        long nanos = System.nanoTime() - start;
        Throwable failure = peerFailure;
        if (failure != null) {
            throw new IOException("the peer thread failed: " + failure, failure);
        }
        if (answer == EventWaitResult.TIMED_OUT) {
            throw new IOException("the peer thread did not answer within " + ANSWER_TIMEOUT.toSeconds() + " s");
        }
        return nanos;
    }

    /** The peer thread's loop. */
    private void answer() {
        try {
            while (!stopping) {
                if (ping.await(PEER_POLL) == EventWaitResult.SIGNALED) {
                    pong.signal();
                }
            }
        } catch (ClosedException | InterruptedException e) {
            // Only when shutting down: an Event closed under the peer, or close() interrupted it.
        } catch (IOException | RuntimeException e) {
            peerFailure = e;
            try {
                pong.signal();
            } catch (IOException ignored) {
                // the caller's timeout reports the failure instead
            }
        }
    }

    /** True while the peer thread runs. */
    boolean isPeerAlive() {
        return peer.isAlive();
    }

    /**
     * Stops the peer thread and waits for it to end. Does not close the Events. If the
     * calling thread is interrupted meanwhile, the peer is interrupted too, and the
     * caller's interrupt status is set again on return.
     */
    @Override
    public void close() {
        stopping = true;
        try {
            ping.signal();
        } catch (IOException e) {
            // ping is closed already: the peer's wait ends with a ClosedException or its timeout
        }
        boolean interrupted = false;
        while (peer.isAlive()) {
            try {
                peer.join();
            } catch (InterruptedException e) {
                interrupted = true;
                peer.interrupt();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
