package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.internal.linux.EPoll;
import dev.vigil.reactor.Readiness;
import dev.vigil.reactor.Waker;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * The readiness state of one descriptor registered with a {@link Poller}: two independent,
 * edge-triggered streams (read and write), and whoever waits on them.
 *
 * <h2>The state word</h2>
 * <pre>
 *   bits  0-4   read stream pending    READABLE | HUP | ERROR | PRIORITY   (Readiness bits)
 *   bits  8-12  write stream pending   WRITABLE | HUP | ERROR
 *   bit  16     HUP_SEEN   a HUP was returned once: every later take returns HUP (sticky)
 *   bit  17     R_WAIT     the read stream has awaiting threads or futures (set under the lock)
 *   bit  18     W_WAIT     the write stream has awaiting threads or futures (set under the lock)
 *   bit  19     SHUTDOWN   deregistered or reactor closed; {@link #failure} says which
 *   bits 32-47  read tick  (retained mode) how many dispatches brought read-stream bits, mod 2^16
 *   bits 48-63  write tick (retained mode) the same for the write stream
 * </pre>
 * Dispatch ORs new bits in with one atomic operation and learns from the old value whether
 * anyone waits. A take clears its stream's pending bits with a CAS. Because both act on the
 * same word, an event racing a take is never lost: either the take returns it, or it stays
 * pending. A waiter first makes itself visible (its flag, or its poll waker), then takes
 * again: either the dispatcher saw it and wakes it, or the waiter's second take sees the bits.
 *
 * <h2>Waiters</h2>
 * Per stream: at most one poll waker (the seed's task; the latest {@code poll} wins, as in
 * tokio), and any number of awaiting threads and futures in an intrusive list.
 * <ul>
 *   <li>The poll waker lives in its own volatile slot, outside the state word and the lock:
 *       {@code poll} stores it and takes again; dispatch ORs the bits in and then claims the
 *       waker with a CAS (to null) and calls it. Store-then-read on one side and
 *       OR-then-read on the other is a Dekker pair over volatile accesses, so at least one
 *       side sees the other. A waker is called at most once per store; the task polls
 *       again to take the event and re-arm. This path takes no lock, so a task-driven
 *       registration costs two atomic operations per event in the reactor.</li>
 *   <li>Awaiting threads and futures: a dispatch that finds the flag detaches them under the
 *       lock and wakes them after releasing it, so nothing runs under a lock and dispatch
 *       allocates nothing. Every awaiter present at a dispatch receives that dispatch's
 *       readiness (all are woken). The event is then consumed for the stream, unless a poll
 *       waker is registered, which gets to take it itself.</li>
 * </ul>
 *
 * <h2>Retained readiness</h2>
 * A registration made {@code retained} (an {@code AsyncFd}'s) keeps a stream's readiness
 * until the caller proves it stale: takes and deliveries only look, and the caller clears
 * the stream with {@link #clearReadiness} after an I/O call met {@code EAGAIN}. The clear
 * names the state the caller read before its call, and succeeds only if that stream's tick
 * is unchanged: an event dispatched while the call ran moves the tick, and then the clear
 * does nothing, so that event is never lost (tokio's scheme). Clearing removes every bit of
 * the stream, {@code HUP} and {@code ERROR} included: the call has just shown that the
 * descriptor cannot make progress, and any later change of the file (data, a peer closing)
 * wakes its wait queue and so queues a new edge. Nothing is sticky in this mode, so a
 * writer whose peer only shut down its own writing never spins on a retained {@code HUP}.
 *
 * <h2>Write interest on demand</h2>
 * A {@code Registration} starts with read interest only ({@link Poller#READ_STREAM}):
 * {@code EPOLLOUT} on an always-writable descriptor (an eventfd) queues one more event every
 * time it is read. The first use of the write stream adds {@code EPOLLOUT}
 * ({@link #wantWrite}, {@code EPOLL_CTL_MOD}) and seeds the stream with the descriptor's
 * writability at that moment, so the write stream behaves as if it had been there from the
 * start. Netty arms {@code EPOLLOUT} only while a write is pending, for the same reason.
 *
 * <h2>Quiet registrations</h2>
 * A retained stream that has readiness learns nothing from another report until a call
 * clears it, yet an edge-triggered entry still wakes the reactor's thread for every chunk a
 * peer writes or reads: on two CPUs that thread then takes turns with the very threads moving
 * the data. So the {@link Poller} judges each retained registration over
 * {@link Poller#QUIET_WINDOW} reports: if most of them brought no stream a new bit and reached
 * no waiter, the registration turns quiet. Its entry becomes {@code EPOLLONESHOT} with
 * interest in the cleared streams only ({@link #quietInterest}), which keeps one rule true: a
 * stream without readiness is armed in the kernel, or a report on its way will set it or
 * re-arm it.
 * <ul>
 *   <li>A report disarms the entry; the reactor sets what it reported, then re-arms the
 *       streams still cleared.</li>
 *   <li>A clear that removes readiness arms its stream ({@link Poller#arm}), an
 *       {@code EPOLL_CTL_MOD} that checks the file as it arms, so data that came while the
 *       entry was disarmed is reported then. The caller tries its call once more before it
 *       waits: no tick can tell it that data came between its {@code EAGAIN} and the
 *       arming.</li>
 * </ul>
 * Every modification is made under the Poller's lock from the state of that moment, so the
 * last one is never stale. After {@link Poller#QUIET_SPELL} reports a quiet registration turns
 * loud again (an ordinary edge-triggered entry) and is judged anew. A registration whose
 * reports are all noticed (a consumer reading to {@code EAGAIN} every time) never turns quiet
 * and never pays the {@code EPOLL_CTL_MOD} of a quiet wait.
 */
public sealed class ScheduledIo implements EpollSet.Member, EpollSet.Maker<ScheduledIo> permits AsyncRegistration {
    public static final int READ = 0;
    public static final int WRITE = 1;

    private static final int READ_BITS = Readiness.READABLE | Readiness.HUP | Readiness.ERROR | Readiness.PRIORITY;
    /**
     * ERROR goes to both streams: a pipe whose reader closed reports only EPOLLERR once it is
     * full, and a writer waiting for WRITABLE must still be woken to see its EPIPE.
     */
    private static final int WRITE_BITS = Readiness.WRITABLE | Readiness.HUP | Readiness.ERROR;
    private static final int STREAM = 0x1f;
    private static final int HUP_SEEN = 1 << 16;
    private static final int R_WAIT = 1 << 17;
    private static final int W_WAIT = 1 << 18;
    private static final int SHUTDOWN = 1 << 19;
    private static final long READ_TICK_ONE = 1L << 32;
    private static final long READ_TICK_MASK = 0xffffL << 32;
    private static final long WRITE_TICK_ONE = 1L << 48;
    private static final long WRITE_TICK_MASK = 0xffffL << 48;

    private static final VarHandle STATE;
    private static final VarHandle READ_WAKER;
    private static final VarHandle WRITE_WAKER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(ScheduledIo.class, "state", long.class);
            READ_WAKER = lookup.findVarHandle(ScheduledIo.class, "readWaker", Waker.class);
            WRITE_WAKER = lookup.findVarHandle(ScheduledIo.class, "writeWaker", Waker.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;
    private volatile IOException failure;
    /** See "Retained readiness". */
    final boolean retained;

    /** The poll waker of each stream (fields, not an array: one less object per event). */
    @SuppressWarnings("unused") // accessed through READ_WAKER
    private volatile Waker readWaker;
    @SuppressWarnings("unused") // accessed through WRITE_WAKER
    private volatile Waker writeWaker;
    /** True once the kernel reports EPOLLOUT for this descriptor (see "Write interest on demand"). */
    volatile boolean writeInterest;
    /** Retained mode: the kernel reports only what a cleared stream needs (see "Quiet registrations"). Set under the Poller's lock. */
    volatile boolean quiet;
    /** Reports since the registration was last judged, and how many of them it did not notice; the reactor's thread only. */
    int reports;
    int unnoticed;
    /**
     * The awaiters' lists: the head of stream {@code dir} at {@code dir}, its tail at
     * {@code 2 + dir}. Made by the first awaiter, so a registration driven only by wakers
     * never carries it. Guarded by this object's monitor, the registration's one lock: it is
     * internal and never handed out, so nothing else can hold it.
     */
    private Node[] lists;

    /** Set by the Poller while registered (under its lock; read without it by deregister). */
    volatile Poller poller;
    int index;
    int generation;
    /** The number the kernel knows this registration by: the caller's, or {@link #duplicate}. */
    int fd = -1;
    /** True for a waiting thread's short-lived registration (see {@link Poller#addForWait}). */
    boolean forWait;
    /**
     * A duplicate of the caller's number that the Poller made, registered and will close,
     * because the caller's number was already in the epoll set; -1 if none. Used only under
     * the Poller's lock.
     */
    int duplicate = -1;

    /** A registration whose takes consume readiness (a {@code Registration}'s, a thread's wait). */
    public ScheduledIo() {
        this(false);
    }

    /** @param retained see "Retained readiness" */
    public ScheduledIo(boolean retained) {
        this.retained = retained;
    }

    /** Takes the token {@code index} in {@code generation} (its {@link #fd} set first): itself, as the set's new member. */
    @Override
    public ScheduledIo make(int index, int generation) {
        this.index = index;
        this.generation = generation;
        return this;
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int generation() {
        return generation;
    }

    private static int shift(int dir) {
        return dir == READ ? 0 : 8;
    }

    private static int waitFlag(int dir) {
        return dir == READ ? R_WAIT : W_WAIT;
    }

    /** The Poller this is registered with, or null. */
    public Poller poller() {
        return poller;
    }


    /**
     * The kernel's bits (already mapped to Readiness bits) for this descriptor. Reactor
     * thread, or a thread seeding the write stream ({@link #wantWrite}).
     */
    void dispatch(int bits) {
        dispatchNoticed(bits);
    }

    /**
     * {@link #dispatch}, telling whether the report mattered: it brought a stream a bit it
     * did not have, or reached a waiter or a poll waker. A report that did neither told a
     * retained registration nothing (see "Quiet registrations").
     */
    boolean dispatchNoticed(int bits) {
        int add = (bits & READ_BITS) | ((bits & WRITE_BITS) << 8);
        if (add == 0) {
            return false;
        }
        boolean read = (bits & READ_BITS) != 0;
        boolean write = (bits & WRITE_BITS) != 0;
        long old = retained ? orAndTick(add, read, write) : (long) STATE.getAndBitwiseOr(this, (long) add);
        boolean readers = read && (old & R_WAIT) != 0;
        boolean writers = write && (old & W_WAIT) != 0;
        if (readers || writers) {
            wakeWaiters(readers, writers);
        }
        boolean woken = false;
        if (read) {
            woken = callWaker(claimWaker(READ));
        }
        if (write) {
            woken |= callWaker(claimWaker(WRITE));
        }
        return (add & ~(int) old) != 0 || readers || writers || woken;
    }

    /**
     * Quiet mode: the streams whose readiness is cleared, which the kernel must report, as
     * epoll interest (0 if none): the read stream, and the write stream once in use.
     */
    int quietInterest(boolean writeWanted) {
        long s = (long) STATE.getVolatile(this);
        boolean read = (s & STREAM) == 0;
        boolean write = writeWanted && (s & ((long) STREAM << 8)) == 0;
        return read || write ? EpollEvents.edgeInterest(read, write) | EPoll.EPOLLONESHOT : 0;
    }

    /** Retained mode's dispatch: ORs {@code add} in and moves the tick of each stream it brings bits to. */
    private long orAndTick(int add, boolean read, boolean write) {
        for (;;) {
            long s = (long) STATE.getVolatile(this);
            long next = s | add;
            if (read) {
                next = (next & ~READ_TICK_MASK) | ((next + READ_TICK_ONE) & READ_TICK_MASK);
            }
            if (write) {
                next += WRITE_TICK_ONE; // the top field: a carry falls off the end
            }
            if (STATE.compareAndSet(this, s, next)) {
                return s;
            }
        }
    }

    /**
     * Retained mode: the state now, for {@link #readiness(long, int)} and a later
     * {@link #clearReadiness}.
     *
     * @throws IOException if deregistered or the reactor closed
     */
    public long state() throws IOException {
        long s = (long) STATE.getVolatile(this);
        if ((s & SHUTDOWN) != 0) {
            throw failed();
        }
        return s;
    }

    /** The readiness of stream {@code dir} in {@code state}. */
    public static Readiness readiness(long state, int dir) {
        return Readiness.of((int) ((state >>> shift(dir)) & STREAM));
    }

    /**
     * Retained mode: clears stream {@code dir}'s readiness, unless an event for it was
     * dispatched since {@code seen} was read (its tick moved).
     *
     * @return true if it removed readiness; false if there was none, or a newer event kept it
     */
    public boolean clearReadiness(int dir, long seen) {
        long tick = dir == READ ? READ_TICK_MASK : WRITE_TICK_MASK;
        long bits = (long) STREAM << shift(dir);
        for (;;) {
            long s = (long) STATE.getVolatile(this);
            if ((s & tick) != (seen & tick) || (s & bits) == 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s & ~bits)) {
                return true;
            }
        }
    }

    /** Takes the stream's poll waker, if one is registered, so that exactly one caller runs it. */
    private Waker claimWaker(int dir) {
        VarHandle slot = waker(dir);
        Waker w = (Waker) slot.getVolatile(this);
        return w != null && slot.compareAndSet(this, w, (Waker) null) ? w : null;
    }

    /** The first awaiter of stream {@code dir}, or null. Under the monitor. */
    private Node head(int dir) {
        Node[] l = lists;
        return l == null ? null : l[dir];
    }

    private static VarHandle waker(int dir) {
        return dir == READ ? READ_WAKER : WRITE_WAKER;
    }

    private void wakeWaiters(boolean read, boolean write) {
        Node readers = null;
        Node writers = null;
        Readiness readResult = Readiness.EMPTY;
        Readiness writeResult = Readiness.EMPTY;
        synchronized (this) {
            // A stream whose last waiter left (timed out, interrupted, cancelled) after the
            // dispatch saw its flag has nobody to hand readiness to: leave it pending.
            read &= head(READ) != null;
            write &= head(WRITE) != null;
            if (read) {
                readResult = deliver(READ, READ_WAKER.getVolatile(this) != null);
                if (!readResult.isEmpty()) {
                    readers = detach(READ, readResult, null);
                }
            }
            if (write) {
                writeResult = deliver(WRITE, WRITE_WAKER.getVolatile(this) != null);
                if (!writeResult.isEmpty()) {
                    writers = detach(WRITE, writeResult, null);
                }
            }
        }
        fire(readers);
        fire(writers);
    }

    /** What the awaiters of {@code dir} receive: taken, or only looked at if a poll waker will take it. */
    private Readiness deliver(int dir, boolean pollerWillTake) {
        long s = (long) STATE.getVolatile(this);
        int bits = (int) ((s >>> shift(dir)) & STREAM);
        if (bits == 0) {
            return Readiness.EMPTY; // a take won the race: nothing to hand out, keep the waiters
        }
        if (pollerWillTake) {
            return Readiness.of(bits | ((s & HUP_SEEN) != 0 ? Readiness.HUP : 0));
        }
        try {
            return take(dir);
        } catch (IOException shutdown) {
            return Readiness.EMPTY;
        }
    }

    /**
     * Detaches the stream's waiters under the lock and gives each its outcome there, so that
     * a waiter that gives up afterwards ({@link #remove} returns false) already finds what it
     * was handed and can put it back; returns the detached chain for {@link #fire}.
     */
    private Node detach(int dir, Readiness result, IOException error) {
        Node head = head(dir);
        if (head != null) {
            lists[dir] = null;
            lists[2 + dir] = null;
        }
        STATE.getAndBitwiseAnd(this, (long) ~waitFlag(dir));
        for (Node n = head; n != null; n = n.next) {
            n.linked = false; // remove() leaves it alone from now on
            n.result = result;
            n.error = error;
        }
        return head;
    }

    /** Wakes a detached chain, outside the lock (a future's callbacks may run here). */
    private static void fire(Node head) {
        for (Node n = head; n != null; ) {
            Node next = n.next; // stable: the chain is detached, and nothing links a node twice
            n.next = null;
            n.prev = null;
            n.fire();
            n = next;
        }
    }

    /** Calls {@code w}, if any; returns whether there was one. */
    private boolean callWaker(Waker w) {
        if (w == null) {
            return false;
        }
        try {
            w.wake();
        } catch (Throwable t) {
            Poller p = poller;
            if (p != null) {
                p.wakerFailed(t);
            }
        }
        return true;
    }

    /**
     * Makes sure the kernel reports this descriptor's writability, before a use of the write
     * stream. The first call adds {@code EPOLLOUT} and seeds the stream with the current
     * writability; later calls cost one volatile read.
     *
     * @throws IOException if deregistered or the reactor closed, or the kernel refuses
     */
    public void wantWrite() throws IOException {
        if (writeInterest) {
            return;
        }
        Poller p = poller;
        if (p == null) {
            if (isShutdown()) {
                throw failed();
            }
            return;
        }
        p.addWriteInterest(this);
    }

    /**
     * Returns the stream's pending readiness and consumes it (HUP stays, sticky). In retained
     * mode it only looks.
     *
     * @throws IOException if deregistered or the reactor closed
     */
    public Readiness take(int dir) throws IOException {
        int sh = shift(dir);
        for (;;) {
            long s = (long) STATE.getVolatile(this);
            if ((s & SHUTDOWN) != 0) {
                throw failed();
            }
            int bits = (int) ((s >>> sh) & STREAM);
            if ((s & HUP_SEEN) != 0) {
                bits |= Readiness.HUP;
            }
            if (bits == 0) {
                return Readiness.EMPTY;
            }
            if (retained) {
                return Readiness.of(bits);
            }
            long next = s & ~((long) STREAM << sh);
            if ((bits & Readiness.HUP) != 0) {
                next |= HUP_SEEN;
            }
            if (STATE.compareAndSet(this, s, next)) {
                return Readiness.of(bits);
            }
        }
    }

    /** Puts bits back as pending (a waiter that received them could not return them). */
    private void restore(int dir, Readiness r) {
        if (!r.isEmpty() && !retained) { // retained: nothing was taken
            STATE.getAndBitwiseOr(this, (long) ((r.bits() & (dir == READ ? READ_BITS : WRITE_BITS)) << shift(dir)));
        }
    }

    /**
     * The seed's poll: take, or register {@code waker} (replacing the stream's previous one)
     * and take again. No lock: see "Waiters" above.
     */
    public Readiness poll(int dir, Waker waker) throws IOException {
        Readiness r = take(dir);
        if (!r.isEmpty()) {
            return r;
        }
        VarHandle slot = waker(dir);
        slot.setVolatile(this, waker);
        r = take(dir); // also throws if shut down meanwhile (shutdown claims the waker after setting SHUTDOWN)
        if (!r.isEmpty()) {
            slot.compareAndSet(this, waker, (Waker) null); // not needed any more: no spurious call
        }
        return r;
    }

    /**
     * Parks the calling thread until the stream has readiness, {@code nanos} pass
     * ({@link Deadline#FOREVER}: no limit; returns EMPTY), or it is interrupted.
     */
    public Readiness await(int dir, long nanos) throws IOException, InterruptedException {
        Readiness r = take(dir);
        if (!r.isEmpty() || nanos == 0) {
            return r;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Node node = new Node(Thread.currentThread(), null);
        enqueue(dir, node);
        boolean returned = false;
        try {
            r = take(dir);
            if (!r.isEmpty()) {
                if (!remove(dir, node)) {
                    restore(dir, node.result); // it fired too: keep that event for the next taker
                }
                returned = true;
                return r;
            }
            long start = System.nanoTime();
            for (;;) {
                if (node.fired) {
                    returned = true;
                    if (node.error != null) {
                        throw new ClosedException(node.error.getMessage());
                    }
                    return node.result;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long left = Deadline.remaining(start, nanos);
                if (left == 0) {
                    return Readiness.EMPTY;
                }
                if (nanos == Deadline.FOREVER) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, left);
                }
            }
        } finally {
            if (!returned && !remove(dir, node) && node.error == null) {
                restore(dir, node.result); // fired while we gave up: keep the event
            }
        }
    }

    /** A future completed with the stream's next readiness; cancelling it removes the waiter. */
    public CompletableFuture<Readiness> future(int dir) {
        ReadinessFuture f = new ReadinessFuture(this, dir);
        try {
            Readiness r = take(dir);
            if (!r.isEmpty()) {
                f.complete(r);
                return f;
            }
            enqueue(dir, f.node);
            r = take(dir);
            if (!r.isEmpty()) {
                if (remove(dir, f.node)) {
                    f.complete(r);
                } else {
                    restore(dir, r); // the dispatcher completed it meanwhile
                }
            }
        } catch (IOException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    private void enqueue(int dir, Node node) throws IOException {
        synchronized (this) {
            if (((long) STATE.getVolatile(this) & SHUTDOWN) != 0) {
                throw failed();
            }
            if (lists == null) {
                lists = new Node[4];
            }
            Node tail = lists[2 + dir];
            node.prev = tail;
            if (tail == null) {
                lists[dir] = node;
            } else {
                tail.next = node;
            }
            lists[2 + dir] = node;
            node.linked = true;
            STATE.getAndBitwiseOr(this, (long) waitFlag(dir));
        }
    }

    /** @return true if the node was still waiting (and is now removed), false if it had fired */
    boolean remove(int dir, Node node) {
        synchronized (this) {
            if (!node.linked) {
                return false;
            }
            if (node.prev == null) {
                lists[dir] = node.next; // linked: the lists exist
            } else {
                node.prev.next = node.next;
            }
            if (node.next == null) {
                lists[2 + dir] = node.prev;
            } else {
                node.next.prev = node.prev;
            }
            node.prev = null;
            node.next = null;
            node.linked = false;
            if (lists[dir] == null) {
                STATE.getAndBitwiseAnd(this, (long) ~waitFlag(dir));
            }
            return true;
        }
    }

    /** Ends both streams: every waiter, now and later, gets an IOException with {@code reason}'s message. */
    public void shutdown(IOException reason) {
        Node readers;
        Node writers;
        Waker readWaker;
        Waker writeWaker;
        synchronized (this) {
            if (((long) STATE.getVolatile(this) & SHUTDOWN) != 0) {
                return;
            }
            failure = reason;
            STATE.getAndBitwiseOr(this, (long) SHUTDOWN);
            readers = detach(READ, Readiness.EMPTY, reason);
            writers = detach(WRITE, Readiness.EMPTY, reason);
        }
        readWaker = claimWaker(READ);   // after SHUTDOWN is set: a poll either sees it or is seen here
        writeWaker = claimWaker(WRITE);
        fire(readers);
        fire(writers);
        callWaker(readWaker);
        callWaker(writeWaker);
    }

    public boolean isShutdown() {
        return ((long) STATE.getVolatile(this) & SHUTDOWN) != 0;
    }

    private IOException failed() {
        IOException f = failure;
        return new ClosedException(f != null ? f.getMessage() : "the registration was shut down");
    }

    /** One waiting thread or future. */
    static final class Node {
        final Thread thread;
        final ReadinessFuture future;
        Node prev;
        Node next;
        boolean linked;   // guarded by the ScheduledIo's lock
        volatile boolean fired;
        volatile Readiness result = Readiness.EMPTY;
        volatile IOException error;

        Node(Thread thread, ReadinessFuture future) {
            this.thread = thread;
            this.future = future;
        }

        /** Signals the outcome {@link #detach} gave it. */
        void fire() {
            fired = true;
            if (thread != null) {
                LockSupport.unpark(thread);
            } else if (error != null) {
                future.completeExceptionally(new ClosedException(error.getMessage()));
            } else {
                future.complete(result);
            }
        }
    }

    /** A readiness future; cancelling it takes its waiter out, so cancelled waiters never pile up. */
    static final class ReadinessFuture extends CompletableFuture<Readiness> {
        private final ScheduledIo io;
        private final int dir;
        final Node node;

        ReadinessFuture(ScheduledIo io, int dir) {
            this.io = io;
            this.dir = dir;
            this.node = new Node(null, this);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (!io.remove(dir, node) && cancelled && node.error == null) {
                io.restore(dir, node.result); // handed readiness that the cancel then refused: keep it
            }
            return cancelled;
        }
    }

    /** How many threads and futures wait on {@code dir} (for tests and toString). */
    public int waiters(int dir) {
        synchronized (this) {
            int n = 0;
            for (Node x = head(dir); x != null; x = x.next) {
                n++;
            }
            return n;
        }
    }

    @Override
    public String toString() {
        long s = (long) STATE.getVolatile(this);
        return "ScheduledIo[fd=" + fd + ", read=" + readiness(s, READ) + ", write="
                + readiness(s, WRITE) + ((s & SHUTDOWN) != 0 ? ", shut down" : "") + "]";
    }
}
