package dev.vigil.reactor;

/**
 * Tells a task that it should poll again. Called by the reactor outside any lock, on the
 * reactor's thread: keep it short (schedule the task, unpark a thread, complete a future).
 * A waker that throws is logged and counted; the reactor carries on.
 */
@FunctionalInterface
public interface Waker {
    void wake();
}
