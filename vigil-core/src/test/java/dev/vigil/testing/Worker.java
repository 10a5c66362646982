package dev.vigil.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A thread that runs one body for a test, and that body's outcome: the value it returned or
 * what it threw. Every wait for the outcome is bounded, and one that runs out fails the test
 * with the thread's state and stack instead of hanging.
 *
 * <pre>{@code
 * Worker w = Worker.platform(() -> event.readCount());
 * w.awaitBlockedIn("read");   // proof, not a sleep: the thread is inside read(2)
 * event.signal();
 * assertEquals(1L, w.value());
 * }</pre>
 *
 * <p>A platform worker reports its kernel thread id before its body starts, so a test can see
 * it inside a system call ({@link #awaitBlockedIn}); a virtual worker is seen parked instead.
 *
 * <p>A worker that is still running when its test ends (an assertion failed before its
 * outcome was collected) is interrupted and joined by {@link DescriptorLeakGuard}
 * ({@link #endAll()}) before it counts descriptors, so a failing test leaves no thread behind.
 */
public final class Worker implements AutoCloseable {
    /** What a worker runs: returns a value or throws. */
    @FunctionalInterface
    public interface Body {
        Object run() throws Exception;
    }

    /** The longest any wait for an outcome, or for a worker to end, may take. */
    public static final long LIMIT_SECONDS = 30;

    private static final List<Worker> STARTED = new ArrayList<>();

    private final Thread thread;
    private final int tid;
    private final CompletableFuture<Object> outcome;

    private Worker(Thread thread, int tid, CompletableFuture<Object> outcome) {
        this.thread = thread;
        this.tid = tid;
        this.outcome = outcome;
    }

    /** Runs {@code body} on a new platform thread; returns once the thread has its kernel id. */
    public static Worker platform(Body body) throws InterruptedException {
        return start(false, body);
    }

    /** Runs {@code body} on a new virtual thread. */
    public static Worker virtual(Body body) throws InterruptedException {
        return start(true, body);
    }

    /** Runs {@code body} on a new virtual or platform thread. */
    public static Worker start(boolean virtual, Body body) throws InterruptedException {
        CompletableFuture<Integer> tid = new CompletableFuture<>();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Runnable run = () -> {
            if (!virtual) {
                tid.complete(TestNative.gettid());
            }
            try {
                outcome.complete(body.run());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        };
        Thread thread = (virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon()).name("test-worker").start(run);
        int id = -1;
        try {
            if (!virtual) {
                id = tid.get(LIMIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            return fail("the worker thread never started: " + thread + " is " + thread.getState(), e);
        }
        Worker w = new Worker(thread, id, outcome);
        synchronized (STARTED) {
            STARTED.add(w);
        }
        return w;
    }

    /**
     * Runs {@code action} on another thread and fails, naming {@code what} and where that
     * thread is stuck, if it does not return within {@link #LIMIT_SECONDS}: for calls that must
     * never block, such as {@code close()} and {@code Thread.interrupt()}.
     */
    public static void returnsPromptly(String what, Runnable action) throws InterruptedException {
        Worker w = platform(() -> {
            action.run();
            return "returned";
        });
        try {
            w.outcome.get(LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(what + " threw", e.getCause());
        } catch (TimeoutException e) {
            throw w.stuck(what + " never returned");
        }
    }

    public Thread thread() {
        return thread;
    }

    /** The kernel thread id of a platform worker. */
    public int tid() {
        if (thread.isVirtual()) {
            throw new IllegalStateException("a virtual thread has no kernel thread of its own");
        }
        return tid;
    }

    public void interrupt() {
        thread.interrupt();
    }

    /** True once the body has returned or thrown. */
    public boolean isDone() {
        return outcome.isDone();
    }

    /**
     * Waits until the body is blocked: a platform worker inside system call {@code syscall} or
     * one of {@code others} (returns which), a virtual worker parked (returns "parked"). Fails
     * at once if the body ends first.
     */
    public String awaitBlockedIn(String syscall, String... others) throws Exception {
        if (thread.isVirtual()) {
            awaitParked();
            return "parked";
        }
        return Blocked.awaitInSyscall(tid, this::endedWith, syscall, others);
    }

    /** Waits until the worker is parked (or waiting). Fails at once if the body ends first. */
    public void awaitParked() throws InterruptedException {
        Blocked.awaitParked(thread, this::endedWith);
    }

    private String endedWith() {
        return outcome.isDone() ? "its body ended with " + outcomeNow() : null;
    }

    /**
     * The body's value, or the exception it threw, waiting up to {@link #LIMIT_SECONDS};
     * fails with the thread's state and stack if the body is still running then.
     */
    public Object outcome() throws InterruptedException {
        try {
            return outcome.get(LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw stuck("the worker never ended");
        }
    }

    /** The body's value (see {@link #outcome()}); fails, with the cause, if it threw. */
    public Object value() throws InterruptedException {
        Object o = outcome();
        if (outcome.isCompletedExceptionally()) {
            throw new AssertionError("the worker threw instead of returning", (Throwable) o);
        }
        return o;
    }

    /** What the body threw (see {@link #outcome()}); fails if it returned. */
    public Throwable failure() throws InterruptedException {
        Object o = outcome();
        if (!outcome.isCompletedExceptionally()) {
            return fail("expected the worker to throw; it returned " + o);
        }
        return (Throwable) o;
    }

    /** The outcome so far, for messages: the value, the exception, or "(still running)". */
    public String outcomeNow() {
        return outcome.handle((value, thrown) -> String.valueOf(thrown != null ? thrown : value)).getNow("(still running)");
    }

    /**
     * Ends the worker if it is still running: interrupts it and waits up to
     * {@link #LIMIT_SECONDS} for it to end.
     *
     * @throws AssertionError if it does not end
     */
    @Override
    public void close() throws InterruptedException {
        if (!thread.isAlive()) {
            return;
        }
        thread.interrupt();
        if (!thread.join(java.time.Duration.ofSeconds(LIMIT_SECONDS))) {
            throw stuck("an interrupt did not end the worker");
        }
    }

    /** Ends every worker started since the last call (see {@link #close()}), and forgets them. */
    public static void endAll() throws InterruptedException {
        List<Worker> all;
        synchronized (STARTED) {
            all = new ArrayList<>(STARTED);
            STARTED.clear();
        }
        AssertionError stuck = null;
        for (Worker w : all) {
            try {
                w.close();
            } catch (AssertionError e) {
                if (stuck == null) {
                    stuck = e;
                } else {
                    stuck.addSuppressed(e);
                }
            }
        }
        if (stuck != null) {
            throw stuck;
        }
    }

    /** A failure saying {@code what} and where the thread is: its state, and its stack as the cause. */
    private AssertionError stuck(String what) {
        Throwable where = new Throwable(thread + " is " + thread.getState() + ", here:");
        where.setStackTrace(thread.getStackTrace());
        return new AssertionError(what + ": " + thread + " is " + thread.getState(), where);
    }

    @Override
    public String toString() {
        return "Worker[" + thread + (thread.isVirtual() ? "" : ", tid " + tid) + ", " + outcomeNow() + "]";
    }
}
