package dev.vigil.reactor;

import java.util.Objects;

/**
 * The task context of tokio-reactor's {@code Registration}, in Java: the {@link Waker} of the task now running, bound for the
 * extent of {@link #run} or {@link #call} with a {@link ScopedValue}, so
 * {@link Registration#pollReadReady()} knows whom to wake.
 *
 * <pre>{@code
 * Waker reschedule = () -> executor.execute(this::step);
 * Task.run(reschedule, () -> {
 *     Readiness r = registration.pollReadReady();   // registers 'reschedule' if not ready
 *     if (!r.isEmpty()) { ... }
 * });
 * }</pre>
 */
public final class Task {
    private Task() {}

    private static final ScopedValue<Waker> CURRENT = ScopedValue.newInstance();

    /**
     * The current task's waker.
     *
     * @throws IllegalStateException outside {@link #run}/{@link #call} (where tokio-reactor panics)
     */
    public static Waker current() {
        if (!CURRENT.isBound()) {
            throw new IllegalStateException("not inside a task: run the code with Task.run(waker, ...) or"
                    + " Task.call(waker, ...), or pass a Waker to pollReadReady/pollWriteReady");
        }
        return CURRENT.get();
    }

    /** True inside {@link #run} or {@link #call}. */
    public static boolean inTask() {
        return CURRENT.isBound();
    }

    /** Runs {@code body} as a task whose waker is {@code waker}. */
    public static void run(Waker waker, Runnable body) {
        Objects.requireNonNull(waker, "waker must not be null");
        Objects.requireNonNull(body, "body must not be null");
        ScopedValue.where(CURRENT, waker).run(body);
    }

    /** Calls {@code body} as a task whose waker is {@code waker}, returning its result. */
    public static <T, X extends Throwable> T call(Waker waker, ScopedValue.CallableOp<? extends T, X> body) throws X {
        Objects.requireNonNull(waker, "waker must not be null");
        Objects.requireNonNull(body, "body must not be null");
        return ScopedValue.where(CURRENT, waker).call(body);
    }
}
