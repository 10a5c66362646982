package dev.vigil.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The single-waiter slot of an object that allows one reader at a time (an Event and its
 * duplicates, a WaitContext): who is waiting, through which object, and how to wake them.
 *
 * <p>Protocol with close: the waiter publishes itself ({@link #claim}, then
 * {@link #publish(Parker)}) before it checks whether the object is closed; the closer marks
 * the object closed before it calls {@link #wake(Object)}. Both sides use volatile accesses,
 * so at least one sees the other: the waiter notices the close, or the closer wakes it.
 */
public final class WaitSlot {
    private static final VarHandle OWNER;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(WaitSlot.class, "owner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile Thread owner;
    private volatile Object through;
    private volatile Parker parker;
    private final String what;

    /** @param what how messages name the object, for example "Event" */
    public WaitSlot(String what) {
        this.what = what;
    }

    /**
     * Claims the slot for the current thread, waiting through {@code through}.
     *
     * @throws IllegalStateException if another wait is in progress
     */
    public void claim(Thread me, Object through) {
        if (!OWNER.compareAndSet(this, (Thread) null, me)) {
            Thread other = owner;
            throw new IllegalStateException("another thread (" + (other == me ? "this one" : other)
                    + ") is already waiting on this " + what + ": a " + what + " has one reader at a time."
                    + " Give each waiting thread its own " + what + ".");
        }
        this.through = through;
    }

    public void unclaim() {
        parker = null;
        through = null;
        owner = null;
    }

    /** Makes the blocked waiter's Parker reachable for {@link #wake}; null when it stops blocking. */
    public void publish(Parker p) {
        parker = p;
    }

    /** True while some thread waits. */
    public boolean isClaimed() {
        return owner != null;
    }

    /** Wakes the waiter if it waits through {@code closed}: its Parker, or its park. */
    public void wake(Object closed) {
        if (through == closed) {
            Parker p = parker;
            if (p != null) {
                p.wake();
            }
            Thread t = owner;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }
}
