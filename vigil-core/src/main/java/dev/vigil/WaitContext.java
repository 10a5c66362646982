package dev.vigil;

import dev.vigil.internal.Cleanup;
import dev.vigil.internal.Deadline;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.EpollEvents;
import dev.vigil.internal.EpollSet;
import dev.vigil.internal.Owned;
import dev.vigil.internal.WaitSlot;
import dev.vigil.internal.Waiting;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Waits on many descriptors at once (Events, pipes, sockets, timers, other WaitContexts:
 * any {@link RawDescriptor}) and says which are readable, writable or hung up, each named by
 * a token of the caller's own type.
 *
 * <pre>{@code
 * enum Source { SHUTDOWN, DOORBELL }
 * try (WaitContext<Source> ctx = WaitContext.buildWith(List.of(
 *         new WaitContext.Trigger<>(shutdown, Source.SHUTDOWN),
 *         new WaitContext.Trigger<>(doorbell, Source.DOORBELL)))) {
 *     for (TriggeredEvent<Source> e : ctx.await()) {
 *         switch (e.token()) {
 *             case SHUTDOWN -> { return; }
 *             case DOORBELL -> { doorbell.reset(); drainRing(); }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <h2>Semantics</h2>
 * Level-triggered, as in crosvm: a descriptor is reported by every wait for as long as it is
 * ready, until the caller consumes what made it ready. Hang-up and errors are reported
 * whatever the {@link EventType}, so {@link EventType#NONE} silences a descriptor without
 * losing its hang-up. When more descriptors are ready than one batch holds
 * ({@link #DEFAULT_BATCH}, or the constructor's), each wait returns one batch; the kernel
 * moves the ones it returned to the back of its ready list, so successive waits report all
 * of them and none starves.
 *
 * <h2>Tokens</h2>
 * The kernel stores, for each descriptor, an index into this context's token table and a
 * generation, never the descriptor number or the token. A descriptor deleted, or closed and
 * its number reused, is never reported with another descriptor's token: an event whose
 * generation no longer matches is dropped.
 *
 * <h2>Threads</h2>
 * One thread waits at a time (a second concurrent waiter gets
 * {@link IllegalStateException}). {@link #add}, {@link #modify} and {@link #delete} are
 * safe from any thread at any time, also while another thread waits; a wait in progress
 * sees a change from its next batch on, and a wait that starts after {@code delete}
 * returns never reports the deleted descriptor. Waits are interruptible, and
 * {@link #close()} ends a wait in progress with {@link ClosedException}.
 *
 * <h2>Descriptors closed while registered</h2>
 * Delete a descriptor before closing it. If it is closed first, the kernel forgets it once
 * the last descriptor for that file is closed and vigil forgets its token on the next
 * {@code add} of the number; but while a duplicate keeps the file open, the kernel keeps
 * reporting it: vigil drops those events (their generation is stale), yet each still wakes
 * the waiter.
 *
 * <p>A WaitContext is itself a {@link RawDescriptor} (its epoll descriptor, readable when
 * any member is ready), so contexts nest.
 *
 * @param <T> the token type
 */
public final class WaitContext<T> implements RawDescriptor, AutoCloseable, Owned {
    /** The default number of events one wait can return. */
    public static final int DEFAULT_BATCH = 64;

    /** A descriptor and the token that names it in {@link #buildWith} and {@link #addMany}. */
    public record Trigger<T>(RawDescriptor descriptor, T token) {
        public Trigger {
            Objects.requireNonNull(descriptor, "descriptor must not be null");
            Objects.requireNonNull(token, "token must not be null: use any non-null object");
        }
    }

    /**
     * Receives the events of one wait without allocating: see
     * {@link #awaitEach(Duration, Visitor)}.
     */
    @FunctionalInterface
    public interface Visitor<T> {
        void accept(T token, boolean isReadable, boolean isWritable, boolean isHungup);
    }

    /** An immutable member; replaced whole on modify, so a waiter never sees half of one. */
    private record Entry<T>(int fd, int index, T token, EventType type, int generation) implements EpollSet.Member {
    }

    /** The members and the kernel's batch (level-triggered; a stale member is forgotten when its number is added again). */
    private final EpollSet<Entry<T>> set;
    private final Descriptor epfd;
    private final WaitSlot slot = new WaitSlot("WaitContext");
    private final Waiting.Attempt fetch;
    /** Guards the set's changes, and keeps its table in step with the kernel's interest list. */
    private final Object lock = new Object();

    /** An empty context returning up to {@link #DEFAULT_BATCH} events per wait. */
    public WaitContext() throws IOException {
        this(DEFAULT_BATCH);
    }

    /**
     * An empty context returning up to {@code batch} events per wait.
     *
     * @throws IllegalArgumentException if batch is not between 1 and 65,536
     */
    @SuppressWarnings("unchecked")
    public WaitContext(int batch) throws IOException {
        if (batch < 1 || batch > 65_536) {
            throw new IllegalArgumentException("batch must be between 1 and 65536, got " + batch);
        }
        this.set = new EpollSet<>("WaitContext", batch, true);
        this.epfd = set.descriptor();
        this.fetch = set::pollLive;
        Cleanup.watch(this, epfd, "WaitContext");
    }

    /**
     * A context holding {@code triggers}, each added for {@link EventType#READ}. If any
     * cannot be added, the context is closed and the error thrown.
     */
    public static <T> WaitContext<T> buildWith(List<Trigger<T>> triggers) throws IOException {
        Objects.requireNonNull(triggers, "triggers must not be null");
        WaitContext<T> ctx = new WaitContext<>();
        try {
            ctx.addMany(triggers);
            return ctx;
        } catch (IOException | RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    /** Adds {@code descriptor} for {@link EventType#READ}. */
    public void add(RawDescriptor descriptor, T token) throws IOException {
        addForEvent(descriptor, EventType.READ, token);
    }

    /**
     * Adds every trigger for {@link EventType#READ}, all or none: if one fails, those
     * already added by this call are deleted again and the error is thrown.
     */
    public void addMany(List<Trigger<T>> triggers) throws IOException {
        Objects.requireNonNull(triggers, "triggers must not be null");
        List<RawDescriptor> added = new ArrayList<>(triggers.size());
        try {
            for (Trigger<T> t : triggers) {
                Objects.requireNonNull(t, "a trigger must not be null");
                add(t.descriptor(), t.token());
                added.add(t.descriptor());
            }
        } catch (IOException | RuntimeException e) {
            for (RawDescriptor d : added) {
                try {
                    delete(d);
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Adds {@code descriptor}, reported for {@code type} with {@code token}.
     *
     * @throws IllegalArgumentException if the descriptor is already in this context, or is
     *                                  this context itself
     * @throws ClosedException          if the descriptor or this context is closed
     * @throws ErrnoException           if the kernel refuses it (EPERM for a regular file)
     */
    public void addForEvent(RawDescriptor descriptor, EventType type, T token) throws IOException {
        Objects.requireNonNull(type, "type must not be null");
        Objects.requireNonNull(token, "token must not be null: use any non-null object");
        underLock(descriptor, (fd, raw) -> {
            if (fd == raw) {
                throw new IllegalArgumentException("a WaitContext cannot contain itself");
            }
            if (set.add(fd, interest(type), (index, generation) -> new Entry<>(fd, index, token, type, generation)) == null) {
                throw new IllegalArgumentException(descriptor + " (fd " + fd + ") is already in this WaitContext;"
                        + " use modify() to change its token or type");
            }
            return null;
        });
    }

    /**
     * Changes the token and type of a descriptor already in this context.
     *
     * @throws IllegalArgumentException if it is not in this context
     */
    public void modify(RawDescriptor descriptor, EventType type, T token) throws IOException {
        Objects.requireNonNull(type, "type must not be null");
        Objects.requireNonNull(token, "token must not be null: use any non-null object");
        underLock(descriptor, (fd, raw) -> {
            Entry<T> current = set.member(fd);
            if (current == null) {
                throw notHere(descriptor, fd);
            }
            if (!set.modify(new Entry<>(fd, current.index(), token, type, current.generation()), interest(type))) {
                set.remove(current); // its file was closed without delete()
                throw notHere(descriptor, fd);
            }
            return null;
        });
    }

    /**
     * Removes a descriptor. No wait that starts after this returns reports it.
     *
     * @return true if it was in this context; false (and nothing happens) if it was not
     */
    public boolean delete(RawDescriptor descriptor) throws IOException {
        return underLock(descriptor, (fd, raw) -> {
            Entry<T> current = set.member(fd);
            if (current == null) {
                return false;
            }
            set.remove(current);
            return true;
        });
    }

    /** How many descriptors this context holds. */
    public int size() {
        synchronized (lock) {
            return set.size();
        }
    }

    /**
     * Blocks until at least one descriptor is ready and returns those ready (at most one
     * batch).
     *
     * @throws InterruptedException  if interrupted while waiting
     * @throws ClosedException       if this context is closed, before or during the wait
     * @throws IllegalStateException if another thread is already waiting on this context
     */
    public List<TriggeredEvent<T>> await() throws IOException, InterruptedException {
        return collect(Deadline.FOREVER);
    }

    /**
     * Like {@link #await()}, but returns an empty list once {@code timeout} has passed with
     * nothing ready (never earlier). {@link Duration#ZERO} checks without blocking.
     */
    public List<TriggeredEvent<T>> await(Duration timeout) throws IOException, InterruptedException {
        return collect(Deadline.toNanos(timeout));
    }

    private List<TriggeredEvent<T>> collect(long nanos) throws IOException, InterruptedException {
        List<TriggeredEvent<T>> out = new ArrayList<>();
        awaitNanos(nanos, (token, r, w, h) -> out.add(new TriggeredEvent<>(token, r, w, h)));
        return out;
    }

    /**
     * The allocation-free form of {@link #await(Duration)}: waits like it, then calls
     * {@code visitor} once per ready descriptor, on this thread, before returning. The
     * visitor may call {@link #add}, {@link #modify} and {@link #delete}, but not wait on
     * this context.
     *
     * @param timeout how long to wait; {@code null} waits without limit
     * @return how many events were passed to the visitor (0 after a timeout)
     */
    public int awaitEach(Duration timeout, Visitor<? super T> visitor) throws IOException, InterruptedException {
        Objects.requireNonNull(visitor, "visitor must not be null");
        return awaitNanos(timeout == null ? Deadline.FOREVER : Deadline.toNanos(timeout), visitor);
    }

    private int awaitNanos(long nanos, Visitor<? super T> visitor) throws IOException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        slot.claim(Thread.currentThread(), this);
        try {
            long n = Waiting.awaitClaimed(epfd, slot, nanos, fetch, "WaitContext");
            return n == Waiting.NOT_YET ? 0 : deliver((int) n, visitor);
        } finally {
            slot.unclaim();
        }
    }

    /** Hands the {@code n} events of the set's batch to {@code visitor}, skipping stale ones. */
    private int deliver(int n, Visitor<? super T> visitor) {
        Object[] table = set.snapshot();
        int delivered = 0;
        for (int i = 0; i < n; i++) {
            Entry<T> e = set.member(table, i);
            if (e != null) {
                int ev = set.events(i);
                visitor.accept(e.token(), EpollEvents.isReadable(ev), EpollEvents.isWritable(ev), EpollEvents.isHungup(ev));
                delivered++;
            }
        }
        return delivered;
    }

    /** {@link EventType} as epoll interest, through the one mapping ({@link EpollEvents}). */
    private static int interest(EventType type) {
        return switch (type) {
            case NONE -> EpollEvents.interest(false, false);
            case READ -> EpollEvents.interest(true, false);
            case WRITE -> EpollEvents.interest(false, true);
            case READ_WRITE -> EpollEvents.interest(true, true);
        };
    }

    /** A change to the interest list, given the member's number and the epoll descriptor's. */
    @FunctionalInterface
    private interface Control<R> {
        R apply(int fd, int raw) throws IOException;
    }

    /**
     * Runs {@code control} under the lock with both numbers held: this context's epoll
     * descriptor, and, for a vigil object, the member's use count, so a concurrent
     * {@code close()} of the member cannot free its number (and a reused number cannot be
     * added, changed or removed in its place) before the {@code epoll_ctl} is made.
     */
    private <R> R underLock(RawDescriptor descriptor, Control<R> control) throws IOException {
        Descriptor member = Owned.descriptorOf(Objects.requireNonNull(descriptor, "descriptor must not be null"));
        int fd = Owned.holdNumber(descriptor, member);
        try {
            synchronized (lock) {
                int raw = epfd.acquire();
                try {
                    return control.apply(fd, raw);
                } finally {
                    epfd.release();
                }
            }
        } finally {
            if (member != null) {
                member.release();
            }
        }
    }

    private static IllegalArgumentException notHere(RawDescriptor descriptor, int fd) {
        return new IllegalArgumentException(descriptor + " (fd " + fd + ") is not in this WaitContext; add() it first");
    }

    /** @hidden */
    @Override
    public Descriptor ownedDescriptor() {
        return epfd;
    }

    /**
     * The epoll descriptor, readable while any member is ready: add it to another context
     * to nest this one.
     *
     * @throws IllegalStateException if this context is closed
     */
    @Override
    public int rawDescriptor() {
        return epfd.openNumber();
    }

    /**
     * Closes the epoll descriptor (not the members). A wait in progress ends with
     * {@link ClosedException}. Calling close again does nothing.
     */
    @Override
    public void close() {
        if (epfd.close()) {
            slot.wake(this);
        }
    }

    @Override
    public String toString() {
        return "WaitContext[" + epfd + ", " + size() + " descriptors" + (slot.isClaimed() ? ", awaited" : "") + "]";
    }
}
