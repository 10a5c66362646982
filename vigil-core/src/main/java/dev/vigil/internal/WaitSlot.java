package dev.vigil.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The single-waiter slot of an object that allows one waiter at a time (an Event and its
 * duplicates, a WaitContext, each direction of a Tube, a TubeListener, one thread's Event
 * writes): who is waiting, through which object, and how to wake them.
 *
 * <p>Protocol with close: the waiter publishes itself ({@link #claim}, then
 * {@link #publish(Parker)}, {@link #publish(ScheduledIo)} or {@link Kick#enter}) before
 * it checks whether the object is closed; the closer marks the object closed before it calls
 * {@link #wake(Object)}. Both sides use volatile accesses, so at least one sees the other:
 * the waiter notices the close, or the closer wakes it.
 *
 * <p>A waiter blocked in a plain system call (an Event's {@code read(2)}) is ended through
 * this slot's {@link #kick}, a signal to its thread: nothing is ever written into the
 * descriptor waited on, which other processes may share.
 */
public final class WaitSlot {
    private static final VarHandle OWNER;
    private static final VarHandle THROUGH;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(WaitSlot.class, "owner", Thread.class);
            THROUGH = MethodHandles.lookup().findVarHandle(WaitSlot.class, "through", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile Thread owner;
    private volatile Object through;
    private volatile Parker parker;
    private volatile ScheduledIo parkedIo;
    /** Ends the waiter's blocking system call, if it is in one. */
    public final Kick kick;
    private final String what;

    /** @param what how messages name the object, for example "Event" */
    public WaitSlot(String what) {
        this(what, new Kick());
    }

    /** With a given kick: for the model-checking tests, whose kick sends no signal. */
    WaitSlot(String what, Kick kick) {
        this.what = what;
        this.kick = kick;
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
        // Release order is enough: the full fence the close protocol needs comes with the
        // volatile store of Kick.enter() or publish(), which follows before any closed check.
        THROUGH.setRelease(this, through);
    }

    public void unclaim() {
        THROUGH.setRelease(this, (Object) null);
        OWNER.setRelease(this, (Thread) null);
    }

    /** Makes the blocked waiter's Parker reachable for {@link #wake}; null when it stops blocking. */
    public void publish(Parker p) {
        parker = p; // volatile: orders this before the waiter's closed check
    }

    /** Makes a virtual waiter's reactor registration reachable for {@link #wake}; null when done. */
    public void publish(ScheduledIo io) {
        parkedIo = io; // volatile: orders this before the waiter's closed check
    }

    /** True while some thread waits. */
    public boolean isClaimed() {
        return owner != null;
    }

    /** Wakes the waiter if it waits through {@code closed}: its system call, its Parker, or its park. Never blocks. */
    public void wake(Object closed) {
        if (through == closed) {
            kick.kick();
            Parker p = parker;
            if (p != null) {
                p.wake();
            }
            ScheduledIo io = parkedIo;
            if (io != null) {
                io.shutdown(Waiting.closedDuringWait(what));
            }
            Thread t = owner;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }
}
