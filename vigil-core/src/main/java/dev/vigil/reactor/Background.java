package dev.vigil.reactor;

import java.util.concurrent.CompletableFuture;

/**
 * A reactor driven on its own daemon thread, {@code vigil-reactor-background} (from
 * {@link Reactor#background()}): it turns until the reactor is closed or, after
 * {@link #shutdownOnIdle()}, no resource is registered.
 *
 * <p>The thread is the reactor's only turner for its whole life: a {@link Reactor#turn}
 * on any other thread meanwhile throws {@link IllegalStateException} and leaves this thread
 * undisturbed. A turn that fails (which should not happen) never makes the thread spin: it
 * pauses before the next turn, 1 ms after the first failure in a row, doubling up to 1 s
 * while the turns keep failing, and it logs the first failure ({@code System.Logger}
 * {@code "dev.vigil"}, ERROR, with its stack trace), then only the 2nd, 4th, 8th... with the
 * count, and the recovery. {@link #shutdownNow()} and {@link #shutdownOnIdle()} end a pause at
 * once. The counters of {@link Reactor#stats()} show the failures.
 */
public final class Background {
    private final Reactor reactor;
    private final Thread thread;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean stopWhenIdle;

    /** @throws IllegalStateException if a thread is turning the reactor by hand now */
    Background(Reactor reactor) {
        this.reactor = reactor;
        this.thread = new Thread(this::run, "vigil-reactor-background");
        this.thread.setDaemon(true);
        reactor.poller.holdTurner(thread); // before the start: no hand turn slips in from now on
        try {
            this.thread.start();
        } catch (Throwable t) {
            reactor.poller.releaseTurner(thread);
            throw t;
        }
    }

    private void run() {
        try {
            reactor.poller.drive(() -> stopWhenIdle && reactor.isIdle());
            reactor.close(); // stopped because idle; nothing happens if it is closed already
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
