package dev.vigil.internal;

import java.util.function.Function;

/**
 * How a public class outside {@code dev.vigil.reactor} reaches the engine behind a
 * {@code Handle} without a public accessor: {@code Handle}'s class initialiser hands its
 * way in once (the JDK's {@code SharedSecrets} idiom). A Handle exists only once its class
 * is initialised, so the way is always set when a caller has a Handle to ask about.
 */
public final class Handles {
    private Handles() {}

    private static volatile Function<Object, Poller> engine;

    /** Called once, by {@code Handle}'s class initialiser. */
    public static void set(Function<Object, Poller> way) {
        engine = way;
    }

    /** The Poller of {@code handle}, a {@code dev.vigil.reactor.Handle}. */
    public static Poller poller(Object handle) {
        return engine.apply(handle);
    }
}
