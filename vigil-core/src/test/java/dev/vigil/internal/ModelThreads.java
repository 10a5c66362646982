package dev.vigil.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Threads for a Lincheck {@code runConcurrentTest} run: starts one thread per step, waits for
 * all of them, then throws the first failure of any (the checker itself reports only the
 * failures of the thread that started the run).
 *
 * <p>The state of the run is published first, to a static field. The checker interleaves
 * accesses only to objects it knows are shared: reachable from a static field or from an object
 * already shared. It does not follow the Runnable a thread is started with (held in a JDK field
 * it does not look into), nor the objects a lambda captures; without the publication every
 * object of the run would look thread-local to it and it would never switch threads at their
 * fields, so a race on them would go unseen.
 */
final class ModelThreads {
    @SuppressWarnings("unused") // written so that the checker takes the run's state for shared
    private static volatile Object shared;

    private ModelThreads() {}

    /** One thread's work. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /** Publishes {@code state}, runs each step in a thread of its own, and waits for all. */
    static void runAll(Object state, Step... steps) {
        shared = state;
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread[] threads = new Thread[steps.length];
        for (int i = 0; i < steps.length; i++) {
            threads[i] = new Thread(new Guarded(steps[i], failed));
            threads[i].start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        Throwable t = failed.get();
        if (t != null) {
            throw new AssertionError(t.toString(), t);
        }
    }

    /** Runs a step and keeps its failure for the thread that waits. */
    private static final class Guarded implements Runnable {
        private final Step step;
        private final AtomicReference<Throwable> failed;

        Guarded(Step step, AtomicReference<Throwable> failed) {
            this.step = step;
            this.failed = failed;
        }

        @Override
        public void run() {
            try {
                step.run();
            } catch (Throwable t) {
                failed.compareAndSet(null, t);
            }
        }
    }
}
