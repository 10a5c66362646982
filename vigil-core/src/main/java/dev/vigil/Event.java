package dev.vigil;

import dev.vigil.internal.Callers;
import dev.vigil.internal.Cleanup;
import dev.vigil.internal.Deadline;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.Owned;
import dev.vigil.internal.EventCounter;
import dev.vigil.internal.EventFdInfo;
import dev.vigil.internal.EventFdRegistry;
import dev.vigil.internal.ProcFs;
import dev.vigil.internal.WaitSlot;
import dev.vigil.internal.Waiting;

import java.io.IOException;
import java.time.Duration;

/**
 * An inter-process wait/notify mechanism on a Linux eventfd: {@link #signal()} sets it,
 * {@link #await()} blocks until it is set and then clears it.
 *
 * <pre>{@code
 * try (Event ready = new Event()) {
 *     Thread.startVirtualThread(() -> { ...; ready.signal(); });
 *     if (ready.await(Duration.ofSeconds(1)) == EventWaitResult.TIMED_OUT) { ... }
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * The kernel keeps an unsigned 64-bit counter. A signal adds one ({@link #writeCount(long)}
 * adds any amount); a wait returns once the counter is non-zero and resets it to zero, so
 * many signals before one wait coalesce into one wake-up. Any number of threads and
 * processes may signal at once. The descriptor is an ordinary eventfd in blocking mode, so
 * another process, in any language, can use it with plain {@code read(2)}, {@code write(2)}
 * and {@code poll(2)}; vigil never changes its file status flags, which processes share.
 *
 * <h2>One reader at a time</h2>
 * As in crosvm, one thread may wait at a time. Where crosvm leaves a second concurrent
 * waiter undefined, vigil detects it within this process and throws
 * {@link IllegalStateException}, across every Event on the same kernel eventfd: duplicates,
 * numbers adopted with {@link #fromRawDescriptor}, and copies received in a message (also
 * from this same process). (A waiter in another process cannot be seen.)
 *
 * <h2>Blocking, interruption and close</h2>
 * On a platform thread, {@link #await()} and {@link #readCount()} block in one plain
 * {@code read(2)}, as a C program would; timed waits try a non-blocking read
 * ({@code preadv2} with {@code RWF_NOWAIT}) and then block in {@code ppoll}; a virtual
 * thread parks. They are interruptible: an interrupted wait throws
 * {@link InterruptedException}, clears the interrupt status and does not consume the signal.
 * {@link #close()} while another thread waits on this Event ends that wait with a
 * {@link ClosedException}; the descriptor number is released only after the waiter has
 * left the kernel, so it is never reused under a running call. Timed waits never return
 * {@link EventWaitResult#TIMED_OUT} early, and durations up to
 * {@code Duration.ofSeconds(Long.MAX_VALUE)} mean "practically forever".
 *
 * <p>An interrupt or close ends a blocked {@code read(2)} or {@code write(2)} with a signal to
 * the blocked thread, {@code SIGRTMAX - 2}, the signal the JDK's NIO uses for its own blocked
 * calls (vigil installs a handler that does nothing if none is installed yet). Nothing is
 * ever written into the counter to end a wait, so no other holder of the eventfd, in this
 * process or another, can delay that or see a count nobody signalled. A thread that has the
 * signal blocked in its mask waits in {@code ppoll} beside a private wake descriptor instead;
 * where the process ignores the signal, every thread does.
 *
 * <p>{@link #signal()} never blocks: a counter already at its limit is signalled, so the
 * signal returns without writing. {@link #writeCount(long)}, whose count matters, waits for
 * room like any other wait.
 *
 * <h2>Memory visibility</h2>
 * Actions before {@code signal()} happen-before the return of the {@code await()} that
 * consumes that signal (the kernel's counter update is a full barrier pair).
 *
 * <h2>Identity</h2>
 * {@link #equals} is true exactly when two Events refer to the same kernel eventfd: a
 * duplicate, an adopted copy of its descriptor, or a copy received from another process.
 * It is settled when an Event is made, by the {@code eventfd-id} that the kernel shows in
 * {@code /proc/self/fdinfo}: the new Event joins the Events on that eventfd that are open in
 * this process. So closing never changes what an Event equals, and {@link #hashCode} never
 * changes. (vigil forgets an eventfd once no Event here holds it open, because the kernel
 * gives a freed eventfd's id to a new one: an Event made on it after that starts a new
 * identity.)
 *
 * <h2>What vigil needs from {@code /proc}</h2>
 * {@link #fromRawDescriptor} (and so {@code Tube.Message.event}) reads
 * {@code /proc/self/fdinfo} to learn whether a descriptor is an eventfd, and refuses with an
 * {@link IOException} naming {@code /proc} when it is not mounted. {@code new Event()} works without it;
 * such an Event is equal only to its duplicates, which also share its one-reader rule. The
 * same holds on a kernel that shows no {@code eventfd-id}.
 *
 * <p>An Event that becomes unreachable without {@link #close()} is closed by a
 * vigil's cleaner thread and reported at WARNING on the {@code dev.vigil} logger.
 */
public final class Event implements RawDescriptor, AutoCloseable, Owned {
    /**
     * The largest value the kernel's counter holds, {@code 0xfffffffffffffffe} ({@code -2} as
     * a long): the largest count {@link #writeCount(long)} can write, into an empty counter.
     */
    public static final long COUNT_LIMIT = EventCounter.MAX_COUNT;
    private final Descriptor fd;

    private final Shared shared;
    /** The writes in progress through this Event, which {@link #close()} ends. */
    private final Callers writers = new Callers();

    /** Creates an unsignalled Event: a new blocking, close-on-exec eventfd. */
    public Event() throws IOException {
        int number = EventCounter.create();
        Shared shared = Shared.enter(idOfNew(number));
        this(Descriptor.adoptNew(number, "Event", shared::leave), shared);
    }

    /** @param fd owned, telling {@code shared} when its ownership ends */
    private Event(Descriptor fd, Shared shared) {
        this.fd = fd;
        this.shared = shared;
        Cleanup.watch(this, fd, "Event");
    }

    /** The kernel's id of a new eventfd, or {@code NO_ID} if {@code /proc} cannot tell. */
    private static long idOfNew(int number) {
        try {
            EventFdInfo info = EventFdInfo.read(number);
            return info != null ? info.id() : EventFdInfo.NO_ID;
        } catch (IOException procUnavailable) {
            return EventFdInfo.NO_ID;
        }
    }

    /**
     * Takes ownership of an eventfd descriptor, for example one inherited or received from
     * another process. The Event closes it. If the eventfd is open as an Event in this process
     * already, the new Event is equal to that one and shares its one-reader rule.
     *
     * <p>Whether {@code fd} is open is asked of the kernel ({@code fcntl}); what it is comes
     * from one read of {@code /proc/self/fdinfo/fd}, so this needs {@code /proc} mounted. When
     * the descriptor is refused, it is left open: it is still the caller's.
     *
     * @throws IllegalArgumentException if {@code fd} is negative, not open, not an eventfd, an
     *                                  eventfd made with {@code EFD_SEMAPHORE} (a read of it
     *                                  takes only one from the counter, so neither a wait nor
     *                                  {@link #reset()} would clear a signal), or already owned
     *                                  by a vigil object
     * @throws IOException              if {@code /proc/self/fdinfo} cannot be read ({@code /proc}
     *                                  is not mounted), so it cannot be told what {@code fd} is
     */
    public static Event fromRawDescriptor(int fd) throws IOException {
        if (fd < 0) {
            throw new IllegalArgumentException("not a descriptor: " + fd);
        }
        EventFdInfo info = inspect(fd);
        Shared shared = Shared.enter(info.id());
        Descriptor owned;
        try {
            owned = Descriptor.adoptForeign(fd, "Event", shared::leave);
        } catch (RuntimeException alreadyOwned) {
            shared.leave();
            throw alreadyOwned;
        }
        return new Event(owned, shared);
    }

    /**
     * What {@code fd} is, for {@link #fromRawDescriptor}: the kernel says whether it is open;
     * everything else comes from one read of its fdinfo.
     */
    private static EventFdInfo inspect(int fd) throws IOException {
        if (!EventCounter.isOpen(fd)) {
            throw notOpen(fd);
        }
        EventFdInfo info;
        try {
            info = EventFdInfo.read(fd);
        } catch (IOException unreadable) {
            if (!EventCounter.isOpen(fd)) {
                throw notOpen(fd); // closed meanwhile by its owner
            }
            throw new IOException("cannot tell whether descriptor " + fd + " is an eventfd: /proc/self/fdinfo/" + fd
                    + " cannot be read (" + unreadable.getClass().getSimpleName() + "). Adopting a descriptor needs"
                    + " /proc mounted;"
                    + " the descriptor was left open", unreadable);
        }
        if (info == null) {
            throw new IllegalArgumentException("descriptor " + fd + " is not an eventfd" + kindOf(fd)
                    + "; it was left open");
        }
        if (info.semaphore()) {
            throw new IllegalArgumentException("descriptor " + fd + " is an EFD_SEMAPHORE eventfd: a read of it takes"
                    + " only 1 from the counter, so neither a wait nor reset() would clear a signal. An Event needs"
                    + " an eventfd made without EFD_SEMAPHORE; the descriptor was left open");
        }
        return info;
    }

    private static IllegalArgumentException notOpen(int fd) {
        return new IllegalArgumentException("descriptor " + fd + " is not open in this process");
    }

    /** " but" and what {@code /proc/self/fd} says {@code fd} is, for a message; empty if it cannot say. */
    private static String kindOf(int fd) {
        try {
            String what = ProcFs.describe(fd);
            return what == null ? "" : " but " + what;
        } catch (IOException unknown) {
            return "";
        }
    }

    /**
     * Gives up ownership: returns the number, which the caller must close. This Event is
     * closed afterwards (without closing the number).
     *
     * @throws IllegalStateException if another thread is using the Event right now
     */
    public int intoRawDescriptor() throws ClosedException {
        return fd.giveUp(); // leaves the registries (and the cleaner's watch) through the release hook
    }

    /** @hidden */
    @Override
    public Descriptor ownedDescriptor() {
        return fd;
    }

    /**
     * The descriptor number, still owned by this Event.
     *
     * @throws IllegalStateException if the Event is closed
     */
    @Override
    public int rawDescriptor() {
        return fd.openNumber();
    }

    /**
     * Sets the event: adds one to the counter, waking the waiter if there is one.
     *
     * <p>A doorbell never blocks its ringer. A counter with no room for one more (another
     * holder wrote a count that filled it) is already signalled, so {@code signal()} then
     * returns at once without writing. Should another holder fill the counter between vigil's
     * check and its write, the write waits for room, and {@link Thread#interrupt()} (the
     * interrupt status stays set) or {@link #close()} ends it. An interrupt status set before
     * the call does not stop the signal.
     *
     * @throws ClosedException if this Event is closed
     */
    public void signal() throws IOException {
        write(1L, true);
    }

    /**
     * Adds {@code n} to the counter, waiting for room when the counter cannot take it: its
     * largest value is {@link #COUNT_LIMIT}, and the kernel makes a write that would pass it
     * wait until someone reads. The wait is like any other vigil wait: {@link #close()} ends
     * it, an interrupt ends it, and a virtual thread parks (until there is room for one; a
     * write that needs more room than that then waits in the kernel, on its carrier).
     *
     * @param n a count, read as unsigned by the kernel ({@code 2^63} and more are negative
     *          longs), at most {@link #COUNT_LIMIT}; 0 does nothing
     * @throws IllegalArgumentException if {@code n} is {@code -1} ({@code 2^64 - 1}), more
     *                                  than any counter holds
     * @throws java.io.InterruptedIOException if the thread is interrupted before or while it
     *                                  waits; nothing was written and the interrupt status stays set
     * @throws ClosedException          if this Event is closed, before or during the wait
     */
    public void writeCount(long n) throws IOException {
        if (n == -1) {
            throw new IllegalArgumentException("writeCount(n) takes n <= COUNT_LIMIT (0xfffffffffffffffe),"
                    + " got 0xffffffffffffffff");
        }
        if (n == 0) {
            return;
        }
        write(n, false);
    }

    /**
     * The one write path: {@code signal} ({@code isSignal}) gives up on a full counter,
     * {@code writeCount} waits for room ({@link EventCounter#write}).
     */
    private void write(long n, boolean isSignal) throws IOException {
        if (!isSignal && Thread.currentThread().isInterrupted()) {
            throw EventCounter.interruptedWrite();
        }
        EventCounter.write(fd, writers, this, n, isSignal);
    }

    /**
     * Blocks until the event is signalled, then clears the signal.
     *
     * @throws InterruptedException   if interrupted; the signal is left for the next wait
     * @throws ClosedException        if this Event is closed, before or during the wait
     * @throws IllegalStateException  if another thread is already waiting on this Event or a duplicate
     */
    public void await() throws IOException, InterruptedException {
        readCount();
    }

    /**
     * Blocks until the event is signalled (then clears it) or {@code timeout} passes.
     * {@link Duration#ZERO} checks without blocking.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @see #await()
     */
    public EventWaitResult await(Duration timeout) throws IOException, InterruptedException {
        return awaitCount(Deadline.toNanos(timeout)) != Waiting.NOT_YET ? EventWaitResult.SIGNALED : EventWaitResult.TIMED_OUT;
    }

    /**
     * Blocks until the counter is non-zero, then returns it and resets it to zero. The value
     * is unsigned: counts of {@code 2^63} and more read as negative longs
     * (use {@link Long#toUnsignedString(long)}).
     *
     * @see #await()
     */
    public long readCount() throws IOException, InterruptedException {
        return Thread.currentThread().isVirtual() ? awaitCount(Deadline.FOREVER) : readBlocking();
    }

    /** Clears the signal without blocking; does nothing on an unsignalled Event. */
    public void reset() throws IOException {
        EventCounter.reset(fd);
    }

    private long awaitCount(long total) throws IOException, InterruptedException {
        return Waiting.await(fd, shared.slot, this, total, EventCounter.READ_NOW, "Event");
    }

    /** The untimed wait of a platform thread, which holds the one-reader slot for it. */
    private long readBlocking() throws IOException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        WaitSlot slot = shared.slot;
        slot.claim(Thread.currentThread(), this);
        try {
            return EventCounter.readBlocking(fd, slot);
        } finally {
            slot.unclaim();
        }
    }

    /**
     * Returns a new Event on the same kernel eventfd, with its own close-on-exec descriptor
     * number. Signals and waits through either are the same; closing one leaves the other
     * working. The one-reader rule covers both.
     */
    public Event duplicate() throws IOException {
        int number = fd.duplicateCloexec();
        Shared same = shared.enterAgain(); // the new number keeps the eventfd, and so its id, alive
        return new Event(Descriptor.adoptNew(number, "Event", same::leave), same);
    }

    /**
     * Closes the descriptor. A thread waiting on this Event gets a {@link ClosedException};
     * the number is released once that thread has left the kernel. Calling close again
     * does nothing.
     */
    @Override
    public void close() {
        if (fd.close()) {
            shared.slot.wake(this);
            writers.wakeAll(this);
        }
    }

    /** True once {@link #close()} or {@link #intoRawDescriptor()} has been called. */
    public boolean isClosed() {
        return fd.isClosed();
    }

    /**
     * True iff {@code other} is an Event on the same kernel eventfd: a duplicate, an adopted
     * copy of its descriptor, or a copy received in a message. Settled when the Events were
     * made (see "Identity" above); closing does not change it.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof Event that && shared == that.shared;
    }

    /** Consistent with {@link #equals}: settled when the Event is made, never changed. */
    @Override
    public int hashCode() {
        return shared.hash;
    }

    @Override
    public String toString() {
        return "Event[" + fd + (shared.slot.isClaimed() ? ", awaited" : "") + "]";
    }

    /**
     * What every Event on one kernel eventfd in this process shares: the single-waiter slot,
     * and the identity behind {@code equals} and {@code hashCode}. An Event finds it by the
     * kernel's {@code eventfd-id} in {@link #REGISTRY} when it is made, and counts itself out
     * through its Descriptor's release hook (close, the cleaner, or giving the number up),
     * before its number is closed; see {@link EventFdRegistry} for why that keeps an id from
     * joining an unrelated eventfd that reuses it.
     *
     * <p>Without an id ({@code /proc} unavailable when the Event was made, or a kernel that
     * shows none) a Shared is not registered: it is the Event's own, shared by its duplicates,
     * and its hash code is its identity hash code.
     */
    private static final class Shared {
        private static final EventFdRegistry<Shared> REGISTRY = new EventFdRegistry<>();

        final WaitSlot slot = new WaitSlot("Event");
        /** The kernel's {@code eventfd-id}, or {@link EventFdInfo#NO_ID}. */
        final long id;
        final int hash;

        private Shared(long id) {
            this.id = id;
            this.hash = id == EventFdInfo.NO_ID ? System.identityHashCode(this) : Long.hashCode(id);
        }

        /** The Shared of eventfd {@code id}, counting one more Event; the caller owns an open descriptor of it. */
        static Shared enter(long id) {
            return id == EventFdInfo.NO_ID ? new Shared(id) : REGISTRY.enter(id, () -> new Shared(id));
        }

        /**
         * The Shared for a duplicate of an Event on this one, counting it: this one, unless
         * every Event on it was closed meanwhile and a copy adopted since registered another.
         */
        Shared enterAgain() {
            return id == EventFdInfo.NO_ID ? this : REGISTRY.enter(id, () -> this);
        }

        /** Counts one Event out; its Descriptor's release hook. */
        void leave() {
            if (id != EventFdInfo.NO_ID) {
                REGISTRY.leave(id, this);
            }
        }
    }
}
