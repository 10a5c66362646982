package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Unistd;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.IntConsumer;

/**
 * Ownership of one file descriptor number, safe against concurrent use and close.
 *
 * <h2>Why</h2>
 * A thread inside a system call on descriptor N must never see N closed and then reused
 * for an unrelated file under it: its read or poll would touch the wrong file. So the
 * number is closed only when nobody is using it.
 *
 * <h2>State</h2>
 * One int, changed only by CAS:
 * <pre>
 *   bit 0      CLOSED  set once, by close() or giveUp(); never cleared
 *   bits 1-31  users   calls currently between acquire() and release(), times two
 * </pre>
 * {@link #acquire()} adds a user unless CLOSED is set, and throws {@link ClosedException}
 * then. {@link #close()} sets CLOSED; whoever takes the state to exactly {@code CLOSED}
 * (no users left) closes the number with {@code close(2)}: close() itself when nobody was
 * using it, otherwise the last {@link #release()}. That transition happens once, so the
 * number is closed exactly once, and never while a user holds it.
 *
 * <h2>One owner per number</h2>
 * A process-wide registry maps every number owned by a live Descriptor to it, so taking
 * ownership of a number that vigil already owns ({@code Event.fromRawDescriptor} on the
 * number of an open Event) is refused instead of leading to a double close later.
 *
 * <h2>The end of ownership</h2>
 * An owner may ask to be told when ownership ends ({@code onRelease}): once, in whichever
 * thread ends it, before the number is closed or just after it is given up. Every way
 * ownership ends passes through it: {@link #close()} or the last {@link #release()} (so also
 * the cleaner closing an abandoned owner, which calls {@code close()}), and {@link #giveUp()}.
 * No user holds the number then, and the file is still open, which an owner that keeps
 * per-file state (an Event's entry in {@link EventFdRegistry}) relies on.
 *
 * <p>The {@code close(2)} itself is {@link #CLOSE} for every Descriptor the library makes;
 * the model-checking tests give a stub instead, because a model checker cannot run system
 * calls. Only the closing transition reaches it, never {@link #acquire()} or {@link #release()}.
 */
public final class Descriptor {
    private static final int CLOSED = 1;
    private static final int USER = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Descriptor.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final OwnerTable<Descriptor> OWNED = new OwnerTable<>();

    /** Closes a number: {@code close(2)}. */
    static final IntConsumer CLOSE = fd -> Unistd.close(Native.Scratch.get(), fd);

    private final int fd;
    private final String what;
    /** Run once when ownership ends, before the number is closed; null for none. */
    private final Runnable onRelease;
    /** {@link #CLOSE}, or a test's stub. */
    private final IntConsumer closer;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** True once this Descriptor gave the number up without closing it. */
    private volatile boolean givenUp;
    /**
     * The owner's safety net ({@link Cleanup}), kept reachable by this Descriptor while the
     * registry holds it; written once, just after adoption, and never read here.
     */
    @SuppressWarnings("unused")
    private Cleanup.Watch watch;

    private Descriptor(int fd, String what, Runnable onRelease) {
        this(fd, what, onRelease, CLOSE);
    }

    /**
     * An owner outside the registry that closes its number with {@code closer}: for the
     * model-checking tests, whose closer records the close instead of making it.
     */
    Descriptor(int fd, String what, Runnable onRelease, IntConsumer closer) {
        this.fd = fd;
        this.what = what;
        this.onRelease = onRelease;
        this.closer = closer;
    }

    /**
     * Takes ownership of {@code fd}, just returned by the kernel to this process (so no
     * live Descriptor can hold it: a stale registry entry is one whose close is finishing).
     */
    public static Descriptor adoptNew(int fd, String what) {
        return adoptNew(fd, what, null);
    }

    /**
     * {@link #adoptNew(int, String)}, telling {@code onRelease} when ownership ends (see the
     * class comment). It must be quick, must not throw, and must not refer to the owner,
     * which the registry would then keep reachable from the cleaner.
     */
    public static Descriptor adoptNew(int fd, String what, Runnable onRelease) {
        Descriptor d = new Descriptor(fd, what, onRelease);
        OWNED.put(fd, d);
        return d;
    }

    /**
     * Takes ownership of a number handed in by a caller. Refused if vigil already owns it.
     */
    public static Descriptor adoptForeign(int fd, String what) {
        return adoptForeign(fd, what, null);
    }

    /**
     * {@link #adoptForeign(int, String)}, telling {@code onRelease} when ownership ends, as
     * {@link #adoptNew(int, String, Runnable)} does. Not told if the adoption is refused.
     */
    public static Descriptor adoptForeign(int fd, String what, Runnable onRelease) {
        Descriptor d = new Descriptor(fd, what, onRelease);
        for (;;) {
            Descriptor prior = OWNED.putIfAbsent(fd, d);
            if (prior == null) {
                return d;
            }
            if (!prior.isClosed()) {
                throw new IllegalArgumentException("descriptor " + fd + " is already owned by a vigil "
                        + prior.what + "; use duplicate() to get a second descriptor for it");
            }
            // The prior owner closed it and the number was reused for this file. A CAS, so that of
            // two threads adopting the number at once, one wins and the other sees the winner.
            if (OWNED.replace(fd, prior, d)) {
                return d;
            }
        }
    }

    /**
     * The number, for {@code RawDescriptor.rawDescriptor()}: refuses to hand out a number
     * that may already belong to another file.
     *
     * @throws IllegalStateException once closed
     */
    public int openNumber() {
        if (isClosed()) {
            throw new IllegalStateException(what + " is closed: its descriptor number is no longer valid");
        }
        return fd;
    }

    /** The number, for messages and for callers that hold {@link #acquire()}. */
    public int number() {
        return fd;
    }

    /** Marks one use; the number stays open until the matching {@link #release()}. */
    public int acquire() throws ClosedException {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) {
                throw new ClosedException(what + " is closed");
            }
            if (STATE.compareAndSet(this, s, s + USER)) {
                return fd;
            }
        }
    }

    public void release() {
        int s = (int) STATE.getAndAdd(this, -USER) - USER;
        if (s == CLOSED) {
            closeNumber();
        }
    }

    /** True once the number was given up with {@link #giveUp()} (so it is not closed by this Descriptor). */
    public boolean isGivenUp() {
        return givenUp;
    }

    public boolean isClosed() {
        return ((int) STATE.getVolatile(this) & CLOSED) != 0;
    }

    /**
     * Closes the number now if nobody uses it, otherwise when the last user releases it.
     *
     * @return true for the call that closed, false if already closed
     */
    public boolean close() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                if (s == 0) {
                    closeNumber();
                }
                return true;
            }
        }
    }

    /**
     * Gives the number up without closing it: the caller owns it from now on.
     *
     * @throws IllegalStateException if a thread is using it
     */
    public int giveUp() throws ClosedException {
        if (!STATE.compareAndSet(this, 0, CLOSED)) {
            if (isClosed()) {
                throw new ClosedException(what + " is closed");
            }
            throw new IllegalStateException(what + " is in use by another thread; it cannot be given up now");
        }
        givenUp = true;
        OWNED.remove(fd, this);
        ownershipEnded();
        return fd;
    }

    private void closeNumber() {
        try {
            ownershipEnded(); // while the file is still open: see the class comment
        } finally {
            // EINTR from close(2) on Linux still means the number was released: never retry.
            closer.accept(fd);
            OWNED.remove(fd, this);
        }
    }

    private void ownershipEnded() {
        if (onRelease != null) {
            onRelease.run();
        }
    }

    /** Keeps {@code w} reachable for as long as this Descriptor is (see {@link Cleanup}). */
    void keep(Cleanup.Watch w) {
        watch = w;
    }

    /** Duplicates the number with {@code F_DUPFD_CLOEXEC} while holding a use of it. */
    public int duplicateCloexec() throws java.io.IOException {
        int raw = acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            int dup = Unistd.fcntl(s, raw, Unistd.F_DUPFD_CLOEXEC, 0);
            if (dup < 0) {
                throw Calls.failure(s, "fcntl(F_DUPFD_CLOEXEC)");
            }
            return dup;
        } finally {
            release();
        }
    }


    @Override
    public String toString() {
        return isClosed() ? (givenUp ? "given up" : "closed") : "fd=" + fd;
    }
}
