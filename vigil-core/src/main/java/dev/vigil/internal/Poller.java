package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.EventFd;
import dev.vigil.internal.linux.EPoll;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Unistd;
import dev.vigil.reactor.Readiness;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine of a reactor: an edge-triggered {@link EpollSet} of {@link ScheduledIo}s, and
 * {@link #turn(long)}, which waits for kernel events and dispatches them.
 *
 * <h2>Tokens</h2>
 * The set's tokens (see {@link EpollSet}) drop an event for a deregistered descriptor, or for
 * a number closed and reused, instead of letting it reach the new registration. The reserved
 * token {@link #WAKE_TOKEN} names the wake-up eventfd. A registration whose number was closed
 * and reused stays in the table until its owner removes it.
 *
 * <h2>Threads</h2>
 * One thread turns at a time: the turner role ({@code turner}) is taken with a CAS for one
 * {@link #turn}, or for the whole life of a driver thread ({@link #holdTurner}, then
 * {@link #drive}), so a hand-driven turn never slips in between two turns of a driver.
 * {@link #add} and {@link #remove} may run on any thread at any time (a lock keeps the table
 * and the kernel's interest list in step). {@link #close()} wakes the turning thread and
 * shuts every registration down, so every waiter gets an IOException and nothing hangs.
 *
 * <h2>Virtual threads</h2>
 * A turn on a virtual thread must not hold its carrier in {@code epoll_wait}. An epoll
 * descriptor is itself readable while events are ready, so such a turn waits for that
 * through the default reactor, as an Event wait does ({@link Waiting}), and then collects
 * the events with a zero timeout. The default reactor's own thread is a platform thread.
 */
public final class Poller implements InterruptHook.Target {
    private static final long WAKE_TOKEN = -1L;
    /**
     * Interest of a Registration once its write stream is in use: both directions, peer
     * half-close and priority data, edge-triggered. It starts with {@link #READ_STREAM}.
     */
    public static final int BOTH_STREAMS = EpollEvents.edgeInterest(true, true);
    /** Interest of a wait for the read stream only (no EPOLLOUT: an always-writable eventfd would add an event per read). */
    public static final int READ_STREAM = EpollEvents.edgeInterest(true, false);
    /** Interest of a wait for the write stream only. */
    public static final int WRITE_STREAM = EpollEvents.edgeInterest(false, true);
    private static final int BATCH = 1024;
    /** Reports a loud retained registration is judged over (see ScheduledIo, "Quiet registrations"). */
    static final int QUIET_WINDOW = 64;
    /** Reports a quiet registration receives before it is judged again, loud. */
    static final int QUIET_SPELL = 1024;
    private static final System.Logger LOG = System.getLogger("dev.vigil");
    /** The first pause of {@link #drive} after a failed turn; it doubles with each failure in a row. */
    private static final long FIRST_PAUSE_NANOS = 1_000_000L;
    /** The longest pause of {@link #drive} between two failing turns. */
    private static final long MAX_PAUSE_NANOS = 1_000_000_000L;
    private static final VarHandle TURNER;

    static {
        try {
            TURNER = MethodHandles.lookup().findVarHandle(Poller.class, "turner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EpollSet<ScheduledIo> set;
    private final Descriptor epfd;
    /**
     * The wake-up descriptor: a private non-blocking eventfd in the epoll set, as a Parker's.
     * A write never blocks (a full counter is readable already) and a drain never waits.
     */
    private final Descriptor wakeup;
    private final String name;
    private volatile boolean closed;
    @SuppressWarnings("unused") // accessed through TURNER
    private volatile Thread turner;
    /** A driver pausing after a failed turn, for {@link #wake()} to unpark; null otherwise. */
    private volatile Thread pausedDriver;
    /** For {@link Waiting}: a virtual turner publishes its park here. The turner role is its claim. */
    private final WaitSlot parkSlot = new WaitSlot("Reactor");
    private final java.util.concurrent.atomic.AtomicBoolean resourcesClosed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Guards the set's changes, {@link #live} and {@link #closed}'s transition. */
    private final Object lock = new Object();
    private int live;
    /** Set by a driver that stops when idle: the last remove() then wakes the turner to notice. */
    private volatile boolean wakeWhenIdle;

    private final AtomicLong turns = new AtomicLong();
    private final AtomicLong dispatched = new AtomicLong();
    private final AtomicLong wakeups = new AtomicLong();
    private final AtomicLong registrations = new AtomicLong();
    private final AtomicLong wakerFailures = new AtomicLong();
    private final AtomicLong failedTurns = new AtomicLong();

    public Poller(String name) throws IOException {
        this.name = name;
        set = new EpollSet<>("Reactor", BATCH, false);
        epfd = set.descriptor();
        Descriptor wake = null;
        try {
            Native.Scratch s = Native.Scratch.get();
            int wakeFd = EventFd.eventfd(s, 0, EventFd.EFD_CLOEXEC | EventFd.EFD_NONBLOCK);
            if (wakeFd < 0) {
                throw Calls.failure(s, "eventfd");
            }
            wake = Descriptor.adoptNew(wakeFd, "Reactor wake-up descriptor");
            set.addReserved(wakeFd, EPoll.EPOLLIN, WAKE_TOKEN);
        } catch (Throwable t) { // whatever failed, nothing opened here stays open
            if (wake != null) {
                wake.close();
            }
            epfd.close();
            throw t;
        }
        wakeup = wake;
    }

    // ---------------------------------------------------------------- the process-wide default

    private static volatile Poller defaultPoller;

    /** The process-wide reactor engine, started on first use on the daemon thread "vigil-reactor". */
    public static Poller defaultPoller() throws IOException {
        Poller p = defaultPoller;
        if (p != null) {
            return p;
        }
        synchronized (Poller.class) {
            if (defaultPoller == null) {
                Poller created = new Poller("default");
                Thread t = new Thread(() -> created.drive(() -> false), "vigil-reactor");
                t.setDaemon(true);
                created.holdTurner(t);
                t.start();
                defaultPoller = created;
            }
            return defaultPoller;
        }
    }

    // ---------------------------------------------------------------- a thread of its own

    /**
     * Gives {@code driver} the turner role until it ends {@link #drive}, so that {@link #turn}
     * fails on every other thread meanwhile. Called before the driver starts; if it then does
     * not, {@link #releaseTurner} gives the role back.
     *
     * @throws IllegalStateException if a thread is turning now
     */
    public void holdTurner(Thread driver) {
        if (!TURNER.compareAndSet(this, (Thread) null, driver)) {
            throw new IllegalStateException("a thread is turning this reactor by hand (" + turner
                    + "): a reactor has one turner at a time; let that thread stop turning before background()");
        }
    }

    /** Gives up the role {@code holder} took; then closes the resources if close() left that to it. */
    public void releaseTurner(Thread holder) {
        if (TURNER.compareAndSet(this, holder, (Thread) null) && closed) {
            closeResources(); // close() saw a turner and left this to it
        }
    }

    /**
     * Turns on the calling thread, which {@link #holdTurner holds the turner role}, until the
     * reactor is closed or {@code stop} is true (checked before every turn; {@link #wake()}
     * makes it be checked again), then gives the role up.
     *
     * <p>An interrupt status is cleared before each turn: nobody should interrupt this
     * thread, but the status would end every turn at once. A failing turn never makes the
     * thread spin: it pauses, from 1 ms doubling to at most 1 s while the turns keep failing
     * (close() and {@code stop} end a pause), and it logs the first failure of a row with its
     * stack trace, then only the 2nd, 4th, 8th... with the count, and the recovery.
     */
    public void drive(java.util.function.BooleanSupplier stop) {
        Thread me = Thread.currentThread();
        if (TURNER.getVolatile(this) != me) {
            throw new IllegalStateException("drive() is for the thread given the turner role by holdTurner()");
        }
        long failures = 0; // in a row
        long pause = FIRST_PAUSE_NANOS;
        try {
            while (!closed && !stop.getAsBoolean()) {
                Thread.interrupted();
                try {
                    turnAsTurner(Deadline.FOREVER);
                    if (failures != 0) {
                        LOG.log(System.Logger.Level.INFO, "reactor " + name + ": turns succeed again after "
                                + failures + " failures in a row");
                        failures = 0;
                        pause = FIRST_PAUSE_NANOS;
                    }
                } catch (Throwable t) {
                    if (closed) {
                        return; // a close() during the turn
                    }
                    failures++;
                    logFailure(failures, t);
                    pauseAfterFailure(pause, stop);
                    pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
                }
            }
        } finally {
            releaseTurner(me);
        }
    }

    /** The first failure of a row with its stack trace, then the power-of-two-th ones with the count. */
    private void logFailure(long failures, Throwable t) {
        if (failures == 1) {
            LOG.log(System.Logger.Level.ERROR, "reactor " + name
                    + ": turn failed; retrying after a pause that doubles up to 1 s while turns keep failing", t);
        } else if ((failures & (failures - 1)) == 0) {
            LOG.log(System.Logger.Level.ERROR, "reactor " + name + ": turn failed " + failures
                    + " times in a row, the latest with " + t + "; still retrying");
        }
    }

    /** Sleeps {@code nanos}, or less if the reactor is closed or {@code stop} becomes true meanwhile. */
    private void pauseAfterFailure(long nanos, java.util.function.BooleanSupplier stop) {
        long start = System.nanoTime();
        pausedDriver = Thread.currentThread(); // before the checks: wake() either unparks us or is seen by them
        try {
            for (long left = nanos; left > 0 && !closed && !stop.getAsBoolean(); left = Deadline.remaining(start, nanos)) {
                Thread.interrupted(); // a set status would end every park at once: a spin
                LockSupport.parkNanos(this, left);
            }
        } finally {
            pausedDriver = null;
        }
    }

    // ---------------------------------------------------------------- registrations

    /**
     * Registers {@code fd} for {@code io}, edge-triggered, with {@code interest} (one of
     * {@link #BOTH_STREAMS}, {@link #READ_STREAM}, {@link #WRITE_STREAM}). The caller must
     * hold the number open until {@link #remove}. (Hang-up and error are always reported.)
     */
    public void add(ScheduledIo io, int fd, int interest) throws IOException {
        add(io, fd, interest, false);
    }

    /**
     * {@link #add} for a thread's wait, registered for that wait only. epoll keeps one entry
     * per file and number, and the same number may be in this set already: the other
     * direction of a Tube that another thread waits on, or the caller's own
     * {@code Registration} of it with the default reactor. A wait then registers a private
     * duplicate of the number instead, which {@link #remove} closes; and a registration that
     * meets a wait's entry does the same. Two long-lived registrations of one number still
     * fail, as before.
     */
    public void addForWait(ScheduledIo io, int fd, int interest) throws IOException {
        add(io, fd, interest, true);
    }

    private void add(ScheduledIo io, int fd, int interest, boolean forWait) throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new ClosedException("Reactor is closed: nothing can be registered with it");
            }
            io.poller = this;
            io.writeInterest = (interest & EPoll.EPOLLOUT) != 0;
            io.forWait = forWait;
            io.duplicate = -1;
            try {
                io.fd = fd;
                ScheduledIo added = set.add(fd, interest, io); // no object made per registration
                if (added == null && (forWait || isWait(set.member(fd)))) {
                    added = addDuplicate(io, fd, interest);
                }
                if (added == null) {
                    throw new IllegalArgumentException("descriptor " + fd + " is already registered with this reactor");
                }
            } catch (IOException | RuntimeException e) {
                io.poller = null;
                throw e;
            }
            live++;
            registrations.incrementAndGet();
        }
    }

    private static boolean isWait(ScheduledIo holder) {
        return holder != null && holder.forWait;
    }

    /**
     * Registers a close-on-exec duplicate of {@code fd} for {@code io} (a second entry for the
     * same file under another number), which {@code io} then owns. Under the lock; the caller
     * holds {@code fd} open. If it fails, nothing is left open.
     */
    private ScheduledIo addDuplicate(ScheduledIo io, int fd, int interest) throws IOException {
        Native.Scratch s = Native.Scratch.get();
        int dup = Unistd.fcntl(s, fd, Unistd.F_DUPFD_CLOEXEC, 0);
        if (dup < 0) {
            throw Calls.failure(s, "fcntl(F_DUPFD_CLOEXEC, fd " + fd + ")");
        }
        ScheduledIo added = null;
        try {
            io.fd = dup;
            added = set.add(dup, interest, io);
        } finally {
            if (added == null) {
                Unistd.close(s, dup); // a fresh number cannot be in the set: any failure threw
            }
        }
        io.duplicate = dup;
        return added;
    }

    /** Takes {@code io} out; no event for it is dispatched once the turn in progress, if any, has ended. Idempotent. */
    public void remove(ScheduledIo io) {
        synchronized (lock) {
            if (io.poller != this) {
                return;
            }
            io.poller = null;
            set.remove(io); // (a duplicate of our own is never stale)
            if (--live == 0 && wakeWhenIdle) {
                wake(); // a turner blocked with no registrations left would otherwise sleep on
            }
            closeDuplicate(io);
        }
    }

    /** Closes the duplicate {@code io} owns, if any, under the lock, after its entry is deleted. */
    private static void closeDuplicate(ScheduledIo io) {
        if (io.duplicate >= 0) {
            Unistd.close(Native.Scratch.get(), io.duplicate);
            io.duplicate = -1;
        }
    }

    /**
     * Adds {@code EPOLLOUT} to {@code io}'s interest ({@link #BOTH_STREAMS}), then seeds its
     * write stream with the descriptor's writability now (and an error or hang-up, so a
     * writer whose reader has gone learns it from the first report): the kernel queues an edge for the
     * modification too, but the caller is about to take, and must not miss a descriptor that
     * is already writable. (One extra, spurious writable report can follow; readiness is a
     * hint.)
     */
    void addWriteInterest(ScheduledIo io) throws IOException {
        int fd;
        int seeded;
        synchronized (lock) {
            if (io.poller != this || io.writeInterest) {
                return; // removed meanwhile (the caller's take reports it), or armed by another thread
            }
            fd = io.fd;
            if (set.member(fd) != io) {
                // Stale: its file was closed and the number now names something else. Nothing to arm.
                io.writeInterest = true;
                return;
            }
            int interest = io.quiet ? io.quietInterest(true) : BOTH_STREAMS;
            if (interest != 0 && !set.modify(io, interest)) {
                throw new ErrnoException("epoll_ctl(EPOLL_CTL_MOD, fd " + fd + "): its file was closed while registered",
                        Errno.ENOENT);
            }
            io.writeInterest = true;
            // Still under the lock: the number cannot be deregistered (and closed by its owner)
            // before the probe has looked at it.
            // poll(2) reports with epoll's bit values, so the one mapping reads it too; a write
            // stream is seeded with what concerns writing: room, an error, a hang-up.
            int revents = Poll.probe(Native.Scratch.get(), fd, Poll.POLLOUT);
            seeded = EpollEvents.readiness(revents) & (Readiness.WRITABLE | Readiness.ERROR | Readiness.HUP);
        }
        if (seeded != 0) {
            io.dispatch(seeded); // outside the lock: it may call a waker
        }
    }

    // ---------------------------------------------------------------- quiet registrations (see ScheduledIo)

    /** Dispatches a report to retained {@code io}, and judges whether it should be quiet. Reactor thread. */
    private void judge(ScheduledIo io, int bits) {
        if (io.quiet) {
            io.dispatch(bits);
            if (io.quietInterest(io.writeInterest) != 0) {
                rearm(io); // the report disarmed the entry, and a stream is still cleared
            }
            if (++io.reports >= QUIET_SPELL) {
                makeLoud(io);
            }
            return;
        }
        if (!io.dispatchNoticed(bits)) {
            io.unnoticed++;
        }
        if (++io.reports >= QUIET_WINDOW) {
            boolean quieten = io.unnoticed * 2 > io.reports;
            io.reports = 0;
            io.unnoticed = 0;
            if (quieten) {
                quieten(io);
            }
        }
    }

    /** Turns {@code io} quiet: one-shot interest in its cleared streams only. Reactor thread. */
    private void quieten(ScheduledIo io) {
        synchronized (lock) {
            if (io.poller != this || set.member(io.fd) != io) {
                return;
            }
            io.quiet = true; // before the state is read: a clear either sees it (and arms) or is seen here
            int interest = io.quietInterest(io.writeInterest);
            // Nothing cleared: one-shot with no stream, so only a hang-up or an error is reported, once.
            modifyQuiet(io, interest != 0 ? interest : EPoll.EPOLLONESHOT | EPoll.EPOLLET);
        }
    }

    /** Turns quiet {@code io} back into an ordinary edge-triggered entry, to be judged again. Reactor thread. */
    private void makeLoud(ScheduledIo io) {
        synchronized (lock) {
            io.reports = 0;
            io.unnoticed = 0;
            if (io.poller != this || set.member(io.fd) != io) {
                return;
            }
            io.quiet = false;
            // The modification reports what is ready now, so nothing that came while disarmed is missed.
            modifyQuiet(io, io.writeInterest ? BOTH_STREAMS : READ_STREAM);
        }
    }

    /** After a report disarmed quiet {@code io}: arms what is still cleared. Reactor thread. */
    private void rearm(ScheduledIo io) {
        synchronized (lock) {
            armQuiet(io);
        }
    }

    /**
     * A stream of quiet {@code io} was cleared: has the kernel report what is cleared (the
     * modification itself reports a stream that is ready already). Any thread.
     *
     * @throws IOException if the kernel refuses, or the caller's descriptor was closed while registered
     */
    public void arm(ScheduledIo io) throws IOException {
        synchronized (lock) {
            if (!armQuiet(io)) {
                throw new ErrnoException("epoll_ctl(EPOLL_CTL_MOD, fd " + io.fd + "): its file was closed while registered",
                        Errno.ENOENT);
            }
        }
    }

    /**
     * Under the lock: sets quiet {@code io}'s one-shot interest to its cleared streams, read
     * now (every modification is made under the lock from the state of that moment, so the
     * last one made is never stale); false if its file is gone.
     */
    private boolean armQuiet(ScheduledIo io) {
        if (io.poller != this || !io.quiet) {
            return true;
        }
        int interest = io.quietInterest(io.writeInterest);
        if (interest == 0) {
            return true; // every stream has readiness: nothing to wait for
        }
        return set.member(io.fd) == io && modifyQuiet(io, interest);
    }

    private boolean modifyQuiet(ScheduledIo io, int interest) {
        try {
            return set.modify(io, interest);
        } catch (IOException refused) { // ENOMEM and the like: end the waits rather than leave them unwoken
            io.shutdown(refused);
            return true;
        }
    }

    /** Live registrations. */
    public int size() {
        synchronized (lock) {
            return live;
        }
    }



    // ---------------------------------------------------------------- turning

    /**
     * Waits up to {@code nanos} ({@link Deadline#FOREVER}: no limit) for kernel events and
     * dispatches them. Returns early, with the interrupt status set, if the thread is
     * interrupted, and when {@link #wake()} is called. A virtual thread parks meanwhile (see
     * "Virtual threads" above).
     *
     * @return how many registration events were dispatched
     * @throws ClosedException       if the reactor was closed before the call
     * @throws IllegalStateException if another thread is turning, a driver holds the role, or
     *                               this thread is inside a turn already (a waker)
     */
    public int turn(long nanos) throws IOException {
        if (closed) {
            throw new ClosedException("Reactor is closed");
        }
        Thread me = Thread.currentThread();
        if (!TURNER.compareAndSet(this, (Thread) null, me)) {
            Thread other = turner;
            throw new IllegalStateException(other == me
                    ? "turn() was called from inside a turn of this reactor (by a waker or a callback): return instead"
                    : "this reactor is already being turned by " + other + ": one thread turns a reactor at a time,"
                    + " and a reactor driven by background() is turned by its own thread only");
        }
        try {
            return turnAsTurner(nanos);
        } finally {
            releaseTurner(me);
        }
    }

    /** One turn by the thread that holds the turner role. */
    private int turnAsTurner(long nanos) throws IOException {
        int raw = epfd.acquire();
        try {
            // The default reactor cannot park through itself; its driver is a platform thread anyway.
            int n = Thread.currentThread().isVirtual() && this != defaultPoller
                    ? parkForEvents(raw, nanos)
                    : waitForEvents(raw, nanos);
            return dispatch(n);
        } catch (Throwable t) {
            if (!closed) {
                failedTurns.incrementAndGet();
            }
            throw t;
        } finally {
            epfd.release();
        }
    }

    /**
     * The wait of a turn on a virtual thread: parks until the epoll descriptor is readable
     * (through the default reactor, by the one wait loop of {@link Waiting}), then collects
     * the ready events without blocking. {@link #wake()}, and so {@link #close()}, makes it
     * readable as it ends an {@code epoll_wait}. An interrupt ends the park with the status
     * kept, as on a platform thread.
     */
    private int parkForEvents(int raw, long nanos) throws IOException {
        try {
            long n = Waiting.awaitClaimed(epfd, parkSlot, nanos, this::readyNow, "Reactor");
            return n == Waiting.NOT_YET ? 0 : (int) n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return set.poll(Native.Scratch.get(), raw, 0); // nothing was collected yet: take what is ready
        }
    }

    /** The attempt of a parked turn: the events in the batch now, wake-ups included. */
    private long readyNow(Native.Scratch s, int raw) throws ErrnoException {
        int n = set.poll(s, raw, 0);
        return n == 0 ? Waiting.NOT_YET : n;
    }

    private int waitForEvents(int raw, long nanos) throws IOException {
        InterruptHook hook = InterruptHook.current();
        hook.arm(this);
        try {
            return set.poll(Native.Scratch.get(), raw, nanos);
        } finally {
            hook.disarm(); // an interrupt only ends this turn early; the status stays set
        }
    }

    private int dispatch(int n) {
        int count = 0;
        Object[] table = set.snapshot();
        for (int i = 0; i < n; i++) {
            if (set.token(i) == WAKE_TOKEN) {
                drainWakeup();
                continue;
            }
            ScheduledIo io = set.member(table, i);
            if (io == null) {
                continue; // deregistered, or its index reused since: stale
            }
            int bits = EpollEvents.readiness(set.events(i));
            if (!io.retained) {
                io.dispatch(bits);
            } else {
                judge(io, bits);
            }
            count++;
        }
        turns.incrementAndGet();
        if (count != 0) {
            dispatched.addAndGet(count);
        }
        return count;
    }

    private void drainWakeup() {
        wakeups.incrementAndGet();
        int raw;
        try {
            raw = wakeup.acquire();
        } catch (ClosedException closing) {
            return; // close() is under way; the turn ends anyway
        }
        try {
            Unistd.drain(raw);
        } finally {
            wakeup.release();
        }
    }

    /** From now on, the removal of the last registration wakes the turner (and so does this call). */
    public void wakeWhenIdle() {
        wakeWhenIdle = true;
        wake();
    }

    /** Makes the current or next {@link #turn} return promptly, and a driver's pause re-check. Any thread. */
    public void wake() {
        try {
            int raw = wakeup.acquire();
            try {
                Unistd.writeOne(raw); // a failure (EAGAIN: counter full) still leaves it readable
            } finally {
                wakeup.release();
            }
        } catch (ClosedException closed) {
            // nothing to wake any more
        }
        Thread paused = pausedDriver;
        if (paused != null) {
            LockSupport.unpark(paused);
        }
    }

    @Override
    public void interrupted() {
        wake();
    }

    void wakerFailed(Throwable t) {
        wakerFailures.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, "reactor " + name + ": a waker threw; the reactor carries on", t);
    }

    // ---------------------------------------------------------------- closing and statistics

    public boolean isClosed() {
        return closed;
    }

    /** Closes the reactor: every registration is shut down (its waiters get an IOException). */
    public void close() {
        ScheduledIo[] all;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            all = set.removeAll(new ScheduledIo[0]);
            live = 0;
            for (ScheduledIo io : all) {
                if (io != null) {
                    io.poller = null; // under the lock: a racing remove() then finds nothing to undo
                    if (io.duplicate >= 0) {
                        set.delete(io.fd); // before the close: the entry would outlive the number
                        closeDuplicate(io);
                    }
                }
            }
        }
        wake();
        ClosedException reason = new ClosedException("Reactor is closed");
        for (ScheduledIo io : all) {
            if (io != null) {
                io.shutdown(reason);
            }
        }
        if (TURNER.getVolatile(this) == null) {
            closeResources();
        }
        // else the turning thread closes them when it gives up the role (at the end of its
        // turn, or of drive()). Closing the wake-up eventfd now would drop its queued event
        // from epoll's ready list and leave the turner asleep.
        // (closed and turner form a Dekker pair: at least one side sees the other.)
    }

    private void closeResources() {
        if (resourcesClosed.compareAndSet(false, true)) {
            epfd.close();
            wakeup.close();
        }
    }

    public long turns() {
        return turns.get();
    }

    public long eventsDispatched() {
        return dispatched.get();
    }

    public long wakeups() {
        return wakeups.get();
    }

    public long registrationsEver() {
        return registrations.get();
    }

    public long wakerFailures() {
        return wakerFailures.get();
    }

    public long failedTurns() {
        return failedTurns.get();
    }

    @Override
    public String toString() {
        return "Reactor[" + name + ", " + epfd + ", " + size() + " registrations" + (closed ? ", closed" : "") + "]";
    }
}
