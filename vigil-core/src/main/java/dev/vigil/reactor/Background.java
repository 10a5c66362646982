package dev.vigil.reactor;

import dev.vigil.ClosedException;

import java.util.concurrent.CompletableFuture;

/**
 * A reactor driven on its own daemon thread (from {@link Reactor#background()}): it turns
 * until shut down.
 */
public final class Background {
    private static final System.Logger LOG = System.getLogger("dev.vigil");

    private final Reactor reactor;
    private final Thread thread;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean stopWhenIdle;

    Background(Reactor reactor) {
        this.reactor = reactor;
        this.thread = new Thread(this::run, "vigil-reactor-background");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        try {
            while (true) {
                if (stopWhenIdle && reactor.isIdle()) {
                    reactor.close();
                    break;
                }
                try {
                    reactor.turn(null);
                } catch (ClosedException closed) {
                    break;
                } catch (Throwable t) {
                    LOG.log(System.Logger.Level.ERROR, "background reactor: turn failed", t);
                    if (reactor.isClosed()) {
                        break;
                    }
                }
            }
        } finally {
            stopped.complete(null);
        }
    }

    /** The handle of the reactor this thread drives. */
    public Handle handle() {
        return reactor.handle();
    }

    /**
     * Stops, and closes the reactor, as soon as no resource is registered. The future
     * completes when the thread has stopped.
     */
    public CompletableFuture<Void> shutdownOnIdle() {
        stopWhenIdle = true;
        reactor.poller.wakeWhenIdle(); // re-check now, and again when the last registration goes
        return stopped;
    }

    /**
     * Closes the reactor now (every waiter gets an IOException) and waits for the thread to
     * stop. If the calling thread is interrupted, it stops waiting (the status stays set).
     */
    public void shutdownNow() {
        reactor.close();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets the thread run on until the process exits (it is a daemon). */
    public void forget() {
        // nothing to do: the thread keeps turning, and nothing waits for it
    }

    @Override
    public String toString() {
        return "Background[" + reactor + (stopped.isDone() ? ", stopped" : "") + "]";
    }
}
