package dev.vigil;

import dev.vigil.internal.Callers;
import dev.vigil.internal.Cleanup;
import dev.vigil.internal.Deadline;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.SignalKick;
import dev.vigil.internal.ProcFs;
import dev.vigil.internal.WaitSlot;
import dev.vigil.internal.Waiting;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.EventFd;
import dev.vigil.internal.linux.Kcmp;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Unistd;

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
 * waiter undefined, vigil detects it within this process, across duplicates too, and throws
 * {@link IllegalStateException}. (A waiter in another process cannot be seen.)
 *
 * <h2>Blocking, interruption and close</h2>
 * On a platform thread, {@link #await()} and {@link #readCount()} block in one plain
 * {@code read(2)}, as a C program would; timed waits try a non-blocking read
 * ({@code preadv2} with {@code RWF_NOWAIT}) and then block in {@code ppoll}. They are interruptible: an interrupted wait throws
 * {@link InterruptedException}, clears the interrupt status and does not consume the signal.
 * {@link #close()} while another thread waits on this Event ends that wait with a
 * {@link ClosedException}; the descriptor number is released only after the waiter has
 * left the kernel, so it is never reused under a running call. Timed waits never return
 * {@link EventWaitResult#TIMED_OUT} early, and durations up to
 * {@code Duration.ofSeconds(Long.MAX_VALUE)} mean "practically forever".
 *
 * <h2>Memory visibility</h2>
 * Actions before {@code signal()} happen-before the return of the {@code await()} that
 * consumes that signal (the kernel's counter update is a full barrier pair).
 *
 * <h2>Identity</h2>
 * {@link #equals} is true exactly when two Events refer to the same kernel eventfd: a
 * duplicate, or a copy received from another process.
 *
 * <p>An Event that becomes unreachable without {@link #close()} is closed by a
 * vigil's cleaner thread and reported at WARNING on the {@code dev.vigil} logger.
 */
public final class Event implements RawDescriptor, AutoCloseable {
    /**
     * The largest value the kernel's counter holds, {@code 0xfffffffffffffffe} ({@code -2} as
     * a long): the largest count {@link #writeCount(long)} can write, into an empty counter.
     */
    public static final long COUNT_LIMIT = EventFd.MAX_COUNT;
    private final Descriptor fd;

    static {
        dev.vigil.internal.Owners.register(Event.class, o -> ((Event) o).fd);
    }

    private final Shared shared;
    /** The writes in progress through this Event, which {@link #close()} ends. */
    private final Callers writers = new Callers();
    /** Per thread: the slot of its writes (a thread makes one write at a time). */
    private static final ThreadLocal<WaitSlot> WRITER = ThreadLocal.withInitial(() -> new WaitSlot("Event"));

    /** Creates an unsignalled Event: a new blocking, close-on-exec eventfd. */
    public Event() throws IOException {
        this(newEventFd(), new Shared(), true);
    }

    private Event(int number, Shared shared, boolean fresh) {
        this.fd = fresh ? Descriptor.adoptNew(number, "Event") : Descriptor.adoptForeign(number, "Event");
        this.shared = shared;
        Cleanup.watch(this, fd, "Event");
    }

    private static int newEventFd() throws IOException {
        Native.Scratch s = Native.Scratch.get();
        int number = EventFd.eventfd(s, 0, EventFd.EFD_CLOEXEC);
        if (number < 0) {
            throw new ErrnoException("eventfd", Native.errno(s));
        }
        return number;
    }

    /**
     * Takes ownership of an eventfd descriptor, for example one inherited or received from
     * another process. The Event closes it.
     *
     * @throws IllegalArgumentException if {@code fd} is negative, not open, not an eventfd,
     *                                  or already owned by a vigil object
     */
    public static Event fromRawDescriptor(int fd) throws IOException {
        if (fd < 0) {
            throw new IllegalArgumentException("not a descriptor: " + fd);
        }
        String what = ProcFs.describe(fd);
        if (what == null) {
            throw new IllegalArgumentException("descriptor " + fd + " is not open in this process");
        }
        if (!EventFd.PROC_LINK.equals(what)) {
            throw new IllegalArgumentException("descriptor " + fd + " is not an eventfd but " + what);
        }
        return new Event(fd, new Shared(), false);
    }

    /**
     * Gives up ownership: returns the number, which the caller must close. This Event is
     * closed afterwards (without closing the number).
     *
     * @throws IllegalStateException if another thread is using the Event right now
     */
    public int intoRawDescriptor() throws ClosedException {
        return fd.intoRaw(); // the Descriptor leaves the registry, and the cleaner's watch with it
    }

    /**
     * The descriptor number, still owned by this Event.
     *
     * @throws IllegalStateException if the Event is closed
     */
    @Override
    public int rawDescriptor() {
        return fd.rawNumber();
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
     * {@code writeCount} waits for room. Either way the write is a call that an interrupt or
     * {@link #close()} can end ({@link SignalKick#callUnmasked}); the writer's slot is published
     * in {@link #writers} first, so that close finds it.
     */
    private void write(long n, boolean isSignal) throws IOException {
        if (!isSignal && Thread.currentThread().isInterrupted()) {
            throw interruptedWrite();
        }
        int raw = fd.acquire();
        WaitSlot me = WRITER.get();
        me.claim(Thread.currentThread(), this);
        int where = writers.add(me); // before the closed checks below: see WaitSlot
        try {
            Native.Scratch s = Native.Scratch.get();
            boolean virtual = Thread.currentThread().isVirtual();
            for (;;) {
                if (isSignal || virtual) {
                    int ready = Poll.now(s, raw, Poll.POLLOUT);
                    if (ready == 0) {   // not even room for one (a failed poll goes on to the write)
                        if (isSignal) {
                            return;     // the counter is full: already signalled
                        }
                        awaitRoom(me);
                        continue;
                    }
                }
                s.word.set(Native.C_LONG, 0, n);
                long r = me.kick.callUnmasked(s, fd, raw, WRITE, !isSignal);
                if (r == 8) {
                    return;
                }
                if (fd.isClosed()) {
                    throw Waiting.closedDuringWait("Event");
                }
                if (!isSignal && Thread.currentThread().isInterrupted()) {
                    throw interruptedWrite();
                }
                if (r == SignalKick.NOT_CALLED) {
                    continue; // a kick meant for an earlier call
                }
                int errno = Native.errno(s);
                if (errno == Errno.EAGAIN) {
                    // another process made the shared description non-blocking: the counter had no room
                    if (isSignal) {
                        return;
                    }
                    awaitRoom(me);
                } else if (errno != Errno.EINTR) {
                    throw new ErrnoException("eventfd write", errno);
                }
                // EINTR: an interrupt of a signal() (it checks the room again and returns), or another signal
            }
        } finally {
            writers.remove(where, me);
            me.unclaim();
            fd.release();
        }
    }

    private static final SignalKick.Syscall WRITE = (s, raw) -> Unistd.write(s, raw, s.word, 8);
    private static final Waiting.Attempt HAS_ROOM = (s, raw) -> Poll.now(s, raw, Poll.POLLOUT) != 0 ? 1 : 0;

    /** Waits (polls, or parks a virtual thread) until the counter has room for one. */
    private void awaitRoom(WaitSlot me) throws IOException {
        try {
            Waiting.awaitClaimed(fd, me, Deadline.FOREVER, HAS_ROOM, "Event", Poll.POLLOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interruptedWrite();
        }
    }

    private static java.io.InterruptedIOException interruptedWrite() {
        return new java.io.InterruptedIOException("interrupted while waiting for room in the Event's counter;"
                + " nothing was written");
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
        return awaitCount(Deadline.toNanos(timeout)) != 0 ? EventWaitResult.SIGNALED : EventWaitResult.TIMED_OUT;
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
        int raw = fd.acquire();
        try {
            tryRead(Native.Scratch.get(), raw);
        } finally {
            fd.release();
        }
    }

    /** @return the count read (never 0), or 0 if there was none */
    private static long tryRead(Native.Scratch s, int raw) throws IOException {
        for (;;) {
            long r = Unistd.readNoWait(s, raw, s.iovec);
            if (r == 8) {
                return s.word.get(Native.C_LONG, 0);
            }
            int errno = Native.errno(s);
            if (errno == Errno.EAGAIN) {
                return 0;
            }
            if (errno != Errno.EINTR) {
                throw new ErrnoException("eventfd read", errno);
            }
        }
    }

    private long awaitCount(long total) throws IOException, InterruptedException {
        return Waiting.await(fd, shared.slot, this, total, READ_COUNT, "Event");
    }

    private static final Waiting.Attempt READ_COUNT = Event::tryRead;

    /**
     * The untimed wait of a platform thread: one blocking {@code read(2)}, the same system
     * call C makes, after a look at the thread's signal mask. An interrupt or close ends the
     * read with a signal to this thread ({@link SignalKick}); nothing is ever written into
     * the counter, which other processes may share. A thread that has that signal blocked
     * polls beside a private wake descriptor instead ({@link Waiting}).
     */
    private long readBlocking() throws IOException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        WaitSlot slot = shared.slot;
        slot.claim(Thread.currentThread(), this);
        try {
            int raw = fd.acquire();
            try {
                Native.Scratch s = Native.Scratch.get();
                for (;;) {
                    int tid = SignalKick.kickableThreadId();
                    if (tid < 0) {
                        return Waiting.awaitClaimed(fd, slot, Deadline.FOREVER, READ_COUNT, "Event");
                    }
                    long r = slot.kick.call(s, tid, fd, raw, READ, true);
                    if (r == 8) {
                        return s.word.get(Native.C_LONG, 0); // an interrupt that came too late stays set
                    }
                    Waiting.endIfClosedOrInterrupted(fd, Thread.currentThread().isInterrupted(), "Event");
                    if (r == SignalKick.NOT_CALLED) {
                        continue; // a kick meant for an earlier call
                    }
                    int errno = Native.errno(s);
                    if (errno == Errno.EAGAIN) {
                        // another process made the shared description non-blocking: poll instead
                        return Waiting.awaitClaimed(fd, slot, Deadline.FOREVER, READ_COUNT, "Event");
                    }
                    if (errno != Errno.EINTR) {
                        throw new ErrnoException("eventfd read", errno);
                    }
                }
            } finally {
                fd.release();
            }
        } finally {
            slot.unclaim();
        }
    }

    private static final SignalKick.Syscall READ = (s, raw) -> Unistd.read(s, raw, s.word, 8);

    /**
     * Returns a new Event on the same kernel eventfd, with its own close-on-exec descriptor
     * number. Signals and waits through either are the same; closing one leaves the other
     * working. The one-reader rule covers both.
     */
    public Event duplicate() throws IOException {
        int number = fd.duplicateCloexec();
        return new Event(number, shared, true);
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
     * True iff {@code other} is an Event on the same kernel eventfd (a duplicate, or a copy
     * received from another process). Closed Events equal only their own duplicates.
     */
    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof Event that)) return false;
        if (shared == that.shared) return true;
        try {
            int a = fd.acquire();
            try {
                int b = that.fd.acquire();
                try {
                    Native.Scratch s = Native.Scratch.get();
                    long r = Kcmp.compareFiles(s, a, b);
                    if (r >= 0) {
                        return r == 0;
                    }
                    return shared.kernelId(a) == that.shared.kernelId(b); // kcmp not permitted here
                } finally {
                    that.fd.release();
                }
            } finally {
                fd.release();
            }
        } catch (IOException closed) {
            return false;
        }
    }

    /** Consistent with {@link #equals}: derived from the kernel's id of the eventfd. */
    @Override
    public int hashCode() {
        long id = shared.cachedId;
        if (id == Shared.UNKNOWN) {
            try {
                int raw = fd.acquire();
                try {
                    id = shared.kernelId(raw);
                } finally {
                    fd.release();
                }
            } catch (IOException e) {
                return 0;
            }
        }
        return Long.hashCode(id);
    }

    @Override
    public String toString() {
        return "Event[" + fd + (shared.slot.isClaimed() ? ", awaited" : "") + "]";
    }

    /** What duplicates share: the single-waiter slot, and the kernel's id of the eventfd. */
    private static final class Shared {
        static final long UNKNOWN = Long.MIN_VALUE;

        final WaitSlot slot = new WaitSlot("Event");
        volatile long cachedId = UNKNOWN;

        long kernelId(int raw) throws IOException {
            long id = cachedId;
            if (id == UNKNOWN) {
                id = ProcFs.fdinfoField(raw, "eventfd-id", 10);
                cachedId = id;
            }
            return id;
        }
    }
}
