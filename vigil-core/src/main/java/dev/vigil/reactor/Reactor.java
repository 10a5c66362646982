package dev.vigil.reactor;

import dev.vigil.internal.Deadline;
import dev.vigil.internal.Poller;

import java.io.IOException;
import java.time.Duration;

/**
 * Drives I/O resources: waits for their readiness in the kernel (epoll, edge-triggered)
 * and wakes whoever waits on their {@link Registration}s.
 *
 * <pre>{@code
 * try (Reactor reactor = new Reactor()) {
 *     Background bg = reactor.background();            // or call turn() yourself
 *     Registration reg = new Registration();
 *     reg.registerWith(socket, bg.handle());
 *     Readiness r = reg.awaitReadReady();               // parks; no carrier held on a virtual thread
 *     ...
 *     bg.shutdownNow();
 * }
 * }</pre>
 *
 * <p>Drive it either by hand with {@link #turn(Duration)} from one thread at a time (a
 * virtual thread parks while it turns), or on its own thread with {@link #background()},
 * which then is its only turner. {@link #defaultHandle()} is a process-wide reactor that runs
 * on a daemon thread named {@code vigil-reactor}, started on first use.
 *
 * <p>{@link #close()} shuts every registration down: all waiters (threads, futures, wakers)
 * are woken with an IOException saying the reactor is closed, and later polls,
 * registrations and turns fail at once with that message.
 */
public final class Reactor implements AutoCloseable {
    private static volatile Reactor defaultReactor;

    final Poller poller;
    private final Handle handle;
    private Background background;

    /** A new reactor, not yet driven: call {@link #turn} or {@link #background()}. */
    public Reactor() throws IOException {
        this(new Poller("reactor"));
    }

    private Reactor(Poller poller) {
        this.poller = poller;
        this.handle = new Handle(this);
    }

    /**
     * The handle of the process-wide default reactor, which {@link Registration#register}
     * uses. It is started lazily, on a daemon thread named {@code vigil-reactor}, and runs
     * until the process exits.
     */
    public static Handle defaultHandle() throws IOException {
        Reactor r = defaultReactor;
        if (r == null) {
            synchronized (Reactor.class) {
                if (defaultReactor == null) {
                    defaultReactor = new Reactor(Poller.defaultPoller());
                }
                r = defaultReactor;
            }
        }
        return r.handle;
    }

    /** A cheap reference for registering resources with this reactor. */
    public Handle handle() {
        return handle;
    }

    /**
     * Waits up to {@code maxWait} ({@code null}: no limit) for readiness events and
     * dispatches them to their registrations, on the calling thread (wakers and future
     * callbacks run here). Returns as soon as a batch of events has been dispatched, when the
     * time is up (returning 0), and early when the thread is interrupted (the interrupt status
     * stays set; events already ready are still dispatched) or when {@link #close()} is
     * called, which ends a turn in progress normally (later turns throw).
     *
     * <p>One thread turns a reactor at a time. While {@link #background()} drives it, its
     * thread is the turner for as long as it runs, and a turn on any other thread fails at
     * once; so does a turn from inside a turn (a waker or callback calling it).
     *
     * <p>On a virtual thread the turn does not hold the carrier while it waits: the thread
     * parks until the reactor's epoll descriptor is readable (the default reactor, see
     * {@link #defaultHandle()}, watches it, as for any virtual-thread wait of vigil), then
     * collects the ready events without blocking. Timeouts, interrupts and close end it as on
     * a platform thread.
     *
     * @return how many readiness events were dispatched
     * @throws dev.vigil.ClosedException if the reactor is closed
     * @throws IllegalStateException     if another thread is turning this reactor, or
     *                                   {@link #background()} drives it
     * @throws IOException               if the kernel fails the wait
     */
    public int turn(Duration maxWait) throws IOException {
        return poller.turn(maxWait == null ? Deadline.FOREVER : Deadline.toNanos(maxWait));
    }

    /** True if no resource is registered. */
    public boolean isIdle() {
        return poller.size() == 0;
    }

    /**
     * Starts driving this reactor on a new daemon thread, {@code vigil-reactor-background},
     * that turns until the reactor is closed (or, after {@link Background#shutdownOnIdle()},
     * is idle). From this call on, that thread is the reactor's only turner: {@link #turn} on
     * any other thread throws {@link IllegalStateException}. A failing turn does not make the
     * thread spin or flood the log: see {@link Background}.
     *
     * @throws IllegalStateException if it already has one, or a thread is turning it by hand now
     */
    public synchronized Background background() {
        if (background != null) {
            throw new IllegalStateException("this reactor already runs in the background");
        }
        background = new Background(this);
        return background;
    }

    /** Counters since the reactor was created. */
    public Stats stats() {
        return new Stats(poller.turns(), poller.eventsDispatched(), poller.wakeups(), poller.size(),
                poller.registrationsEver(), poller.wakerFailures(), poller.failedTurns());
    }

    /**
     * Reactor counters.
     *
     * @param turns            completed turns
     * @param eventsDispatched readiness events handed to registrations
     * @param wakeups          times the reactor was woken from outside (close, shutdown, interrupt)
     * @param registrations    live registrations now
     * @param registered       registrations made since creation
     * @param wakerFailures    wakers that threw (each was logged)
     * @param failedTurns      turns that failed with an error (not counting a close), by hand or
     *                         on the background thread, which pauses after each
     */
    public record Stats(long turns, long eventsDispatched, long wakeups, int registrations, long registered,
                        long wakerFailures, long failedTurns) {
    }

    public boolean isClosed() {
        return poller.isClosed();
    }

    /**
     * Closes the reactor and wakes every waiter with an IOException. A background thread
     * stops. Closing twice does nothing. The default reactor cannot be closed this way.
     */
    @Override
    public void close() {
        if (this == defaultReactor) {
            throw new IllegalStateException("the default reactor lives as long as the process");
        }
        poller.close();
    }

    @Override
    public String toString() {
        return poller.toString();
    }
}
