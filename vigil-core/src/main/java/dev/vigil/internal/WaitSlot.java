package dev.vigil.internal;

import dev.vigil.internal.linux.Unistd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The single-waiter slot of an object that allows one waiter at a time (an Event and its
 * duplicates, a WaitContext, each direction of a Tube, a TubeListener): who is waiting,
 * through which object, and how to wake them.
 *
 * <p>Protocol with close: the waiter publishes itself ({@link #claim}, then
 * {@link #publish(Parker)} or {@link #enterRead(int)}) before it checks whether the object is
 * closed; the closer marks the object closed before it calls {@link #wake(Object)}. Both
 * sides use volatile accesses, so at least one sees the other: the waiter notices the close,
 * or the closer wakes it.
 *
 * <h2>Kicking a blocking eventfd read</h2>
 * An untimed Event wait blocks in a plain {@code read(2)}, as C does. To end that read early
 * (interrupt, close), {@link #kick()} writes one unit into the eventfd, which the read then
 * returns with; the waiter removes that unit and writes any real count back. The number is
 * written only while the waiter provably still holds it, by this state machine:
 * <pre>
 *   IDLE --enterRead--> IN_READ --leaveRead (CAS)--> IDLE          no kick
 *                          |
 *                       kick (CAS) --> KICKING --write 1--> KICKED --leaveRead--> IDLE
 * </pre>
 * {@code leaveRead} spins while the state is {@code KICKING}, so the waiter cannot release
 * (and the number cannot be closed and reused) while the kicker's write is in flight, and
 * when {@code leaveRead} reports a kick, the injected unit is already in the counter or in
 * what the read returned.
 */
public final class WaitSlot implements InterruptHook.Target {
    private static final VarHandle OWNER;
    private static final VarHandle THROUGH;
    private static final VarHandle READ_STATE;
    private static final int IDLE = 0;
    private static final int IN_READ = 1;
    private static final int KICKING = 2;
    private static final int KICKED = 3;

    static {
        try {
            OWNER = MethodHandles.lookup().findVarHandle(WaitSlot.class, "owner", Thread.class);
            THROUGH = MethodHandles.lookup().findVarHandle(WaitSlot.class, "through", Object.class);
            READ_STATE = MethodHandles.lookup().findVarHandle(WaitSlot.class, "readState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile Thread owner;
    private volatile Object through;
    private volatile Parker parker;
    private volatile ScheduledIo parkedIo;
    @SuppressWarnings("unused") // accessed through READ_STATE
    private volatile int readState;
    /** The eventfd number being read; written before readState becomes IN_READ. */
    private int readFd;
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
        // Release order is enough: the full fence the close protocol needs comes with the
        // volatile store of enterRead() or publish(), which follows before any closed check.
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

    /** The waiter is about to block in {@code read(fd)} on an eventfd it holds. */
    public void enterRead(int fd) {
        readFd = fd;
        READ_STATE.setVolatile(this, IN_READ);
    }

    /**
     * The waiter's read returned (or was skipped).
     *
     * @return true if a kick injected one unit into the counter during the read
     */
    public boolean leaveRead() {
        if (READ_STATE.compareAndSet(this, IN_READ, IDLE)) {
            return false;
        }
        while ((int) READ_STATE.getVolatile(this) == KICKING) {
            Thread.onSpinWait(); // the kicker is inside one non-blocking write
        }
        READ_STATE.setVolatile(this, IDLE);
        return true;
    }

    /** Ends a blocking read in progress by writing one unit into its eventfd; otherwise does nothing. */
    public void kick() {
        if (READ_STATE.compareAndSet(this, IN_READ, KICKING)) {
            Unistd.writeOne(readFd);
            READ_STATE.setVolatile(this, KICKED);
        }
    }

    /** An interrupt of the waiting thread kicks its read (a Parker wait has its own target). */
    @Override
    public void interrupted() {
        kick();
    }

    /** Wakes the waiter if it waits through {@code closed}: its read, its Parker, or its park. */
    public void wake(Object closed) {
        if (through == closed) {
            kick();
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
