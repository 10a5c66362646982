package dev.vigil.reactor;

/**
 * A cheap reference to a {@link Reactor}, for {@link Registration#registerWith}. Registering
 * through the handle of a closed reactor fails with a clear IOException.
 */
public final class Handle {
    static {
        dev.vigil.internal.Handles.set(h -> ((Handle) h).reactor.poller);
    }

    final Reactor reactor;

    Handle(Reactor reactor) {
        this.reactor = reactor;
    }

    /** True once the reactor is closed. */
    public boolean isClosed() {
        return reactor.isClosed();
    }

    @Override
    public String toString() {
        return "Handle[" + reactor + "]";
    }
}
