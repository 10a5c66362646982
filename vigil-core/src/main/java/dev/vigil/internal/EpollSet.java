package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.EPoll;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One epoll set and its members: the engine under both {@code WaitContext} (level-triggered)
 * and the reactor's {@link Poller} (edge-triggered). It owns the epoll descriptor, the token
 * table, the {@code epoll_ctl} calls, the batch the kernel fills, and the rules below; the
 * owners decide the interest ({@link EpollEvents}) and what a ready member means.
 *
 * <h2>Tokens and stale events</h2>
 * The kernel stores, with each member, a token into a {@link TokenTable}, never the descriptor
 * number: an event for a member removed since, or for a number closed and reused, resolves to
 * nothing ({@link #member(Object[], int)} returns null) and is dropped. A new member is
 * published in the table before its {@code EPOLL_CTL_ADD}, because the kernel may queue its
 * first event at once (and an edge never repeats).
 *
 * <h2>A number closed while it was a member</h2>
 * {@code epoll_ctl} names a member by its number, but the kernel keeps a member for as long as
 * its file is open, under whatever numbers. So:
 * <ul>
 *   <li>{@code EPOLL_CTL_DEL} is made only for the newest member of a number
 *       ({@link #remove}): an older one's number now names another file, which the delete
 *       would remove in its place;</li>
 *   <li>{@code ENOENT} or {@code EBADF} from a delete or a modify means the kernel already
 *       dropped the member with its file;</li>
 *   <li>an add of a number whose member is stale succeeds (the kernel forgot the old file),
 *       and the new member replaces it as the number's newest. The old one is then forgotten
 *       here ({@code forgetStale}, for a WaitContext, whose caller will never delete it), or
 *       left to its owner's {@link #remove} (a reactor registration).</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Changes ({@link #add}, {@link #modify}, {@link #remove}, {@link #removeAll}) are made under
 * the owner's lock, with the member's number held open by the caller. The wait and the
 * look-ups of its batch ({@link #poll}, {@link #member(Object[], int)}) are the one waiting
 * thread's, and lock-free.
 *
 * @param <E> the member type
 */
public final class EpollSet<E extends EpollSet.Member> {
    /** What the set needs to know of a member: the number it was added under, and its token. */
    public interface Member {
        int fd();

        int index();

        int generation();
    }

    /** Makes the member that a new token names (the token is {@code index} in {@code generation}). */
    @FunctionalInterface
    public interface Maker<E> {
        E make(int index, int generation);
    }

    private final Descriptor epfd;
    private final TokenTable<E> tokens;
    /** Number -> its newest member. */
    private final FdMap<E> byFd = new FdMap<>();
    private final boolean forgetStale;
    /** A native {@code struct epoll_event} for {@code epoll_ctl}, used under the owner's lock. */
    private final MemorySegment ctlEvent;
    /** The batch the kernel fills: the waiting thread's. */
    private final MemorySegment events;
    private final int batch;

    /**
     * @param what        how the epoll descriptor is named in messages
     * @param batch       how many events one {@link #poll} can return
     * @param forgetStale see "A number closed while it was a member"
     */
    public EpollSet(String what, int batch, boolean forgetStale) throws IOException {
        Native.Scratch s = Native.Scratch.get();
        int fd = EPoll.create1(s, EPoll.EPOLL_CLOEXEC);
        if (fd < 0) {
            throw Calls.failure(s, "epoll_create1");
        }
        this.epfd = Descriptor.adoptNew(fd, what);
        try {
            Arena arena = Arena.ofAuto();
            this.events = arena.allocate(EPoll.EVENT_SIZE * batch, 8);
            this.ctlEvent = arena.allocate(EPoll.EVENT_SIZE, 8);
        } catch (RuntimeException | OutOfMemoryError e) {
            epfd.close(); // nothing else holds the number yet
            throw e;
        }
        this.batch = batch;
        this.forgetStale = forgetStale;
        this.tokens = new TokenTable<>(16, Member::generation);
    }

    /** The epoll descriptor: its owner closes it, and it is readable while a member is ready. */
    public Descriptor descriptor() {
        return epfd;
    }

    // ---------------------------------------------------------------- changes, under the owner's lock

    /**
     * Adds {@code fd} with {@code interest}, as the member {@code maker} makes for its new token.
     *
     * @return the new member, or null if {@code fd} is already in the set (nothing changed)
     * @throws ErrnoException  if the kernel refuses it for another reason
     * @throws ClosedException if the set is closed
     */
    public E add(int fd, int interest, Maker<E> maker) throws IOException {
        int raw = epfd.acquire();
        try {
            int index = tokens.takeIndex();
            int generation = tokens.newGeneration(index);
            E member = maker.make(index, generation);
            tokens.publish(index, member); // before the add: see "Tokens and stale events"
            EPoll.set(ctlEvent, 0, interest, TokenTable.token(index, generation));
            Native.Scratch s = Native.Scratch.get();
            if (EPoll.ctl(s, raw, EPoll.EPOLL_CTL_ADD, fd, ctlEvent) < 0) {
                int errno = Native.errno(s);
                tokens.clear(index);
                tokens.giveBack(index);
                if (errno == Errno.EEXIST) {
                    return null;
                }
                throw Calls.failure(s, "epoll_ctl(EPOLL_CTL_ADD, fd " + fd + ")");
            }
            E stale = byFd.put(fd, member); // the kernel accepted it: an older member's file is gone
            if (stale != null && forgetStale) {
                forget(stale);
            }
            return member;
        } finally {
            epfd.release();
        }
    }

    /**
     * Adds {@code fd} under a token of the owner's that names no member (a wake-up descriptor):
     * the owner recognises its events by {@link #token}. Use a negative token.
     */
    public void addReserved(int fd, int interest, long token) throws IOException {
        int raw = epfd.acquire();
        try {
            EPoll.set(ctlEvent, 0, interest, token);
            Native.Scratch s = Native.Scratch.get();
            if (EPoll.ctl(s, raw, EPoll.EPOLL_CTL_ADD, fd, ctlEvent) < 0) {
                throw Calls.failure(s, "epoll_ctl(EPOLL_CTL_ADD, fd " + fd + ")");
            }
        } finally {
            epfd.release();
        }
    }

    /**
     * Changes the interest of {@code member}, the newest of its number, and makes it (a new
     * object with the same number and token, or the same one) what the token names.
     *
     * @return false if the kernel had already dropped it with its file (nothing changed)
     */
    public boolean modify(E member, int interest) throws IOException {
        int raw = epfd.acquire();
        try {
            EPoll.set(ctlEvent, 0, interest, TokenTable.token(member.index(), member.generation()));
            Native.Scratch s = Native.Scratch.get();
            if (EPoll.ctl(s, raw, EPoll.EPOLL_CTL_MOD, member.fd(), ctlEvent) < 0) {
                int errno = Native.errno(s);
                if (isGoneWithItsFile(errno)) {
                    return false;
                }
                throw Calls.failure(s, "epoll_ctl(EPOLL_CTL_MOD, fd " + member.fd() + ")");
            }
            tokens.publish(member.index(), member);
            byFd.put(member.fd(), member);
            return true;
        } finally {
            epfd.release();
        }
    }

    /**
     * Takes {@code member} out: its token names nothing from now on, and if it is still the
     * newest member of its number, the kernel forgets it too. Never fails: on a closed set
     * there is nothing left to delete from.
     */
    public void remove(E member) {
        forget(member);
        if (byFd.remove(member.fd(), member) != null) {
            delete(member.fd());
        }
    }

    /**
     * {@code EPOLL_CTL_DEL} of {@code fd}, for a number the caller still holds: a member
     * already taken out of the table by {@link #removeAll} whose number is its own.
     */
    public void delete(int fd) {
        int raw;
        try {
            raw = epfd.acquire();
        } catch (ClosedException closedSet) {
            return; // the set is gone, and its members with it
        }
        try {
            // Any failure is ENOENT or EBADF (see "A number closed while it was a member"):
            // the kernel dropped the member with its file.
            EPoll.ctl(Native.Scratch.get(), raw, EPoll.EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        } finally {
            epfd.release();
        }
    }

    /** Every member, and the set emptied of them (for a close; the kernel's list goes with the descriptor). */
    public E[] removeAll(E[] type) {
        byFd.clear();
        return tokens.removeAll(type);
    }

    private void forget(E member) {
        tokens.clear(member.index());
        tokens.giveBack(member.index());
    }

    private static boolean isGoneWithItsFile(int errno) {
        return errno == Errno.ENOENT || errno == Errno.EBADF;
    }

    /** The newest member of {@code fd}, or null. Under the owner's lock. */
    public E member(int fd) {
        return byFd.get(fd);
    }

    /** How many numbers have a member. Under the owner's lock. */
    public int size() {
        return byFd.size();
    }

    // ---------------------------------------------------------------- the waiting thread's

    /**
     * One {@code epoll_wait} into the batch: {@code nanos} 0 returns at once,
     * {@link Deadline#FOREVER} waits without limit, anything else up to that long
     * (nanoseconds through {@code epoll_pwait2} where the kernel has it, else milliseconds
     * rounded up). {@code raw} is the epoll descriptor, held by the caller.
     *
     * @return how many events are in the batch; 0 after a timeout or {@code EINTR}
     */
    public int poll(Native.Scratch s, int raw, long nanos) throws ErrnoException {
        int n;
        if (nanos == 0 || nanos == Deadline.FOREVER) {
            n = EPoll.await(s, raw, events, batch, nanos == 0 ? 0 : -1);
        } else {
            n = pollTimed(s, raw, nanos);
        }
        return n < 0 ? failedPoll(s) : n;
    }

    /** A failed epoll_wait: 0 events after {@code EINTR}, else its exception. */
    private static int failedPoll(Native.Scratch s) throws ErrnoException {
        if (Native.errno(s) == Errno.EINTR) {
            return 0;
        }
        throw Calls.failure(s, "epoll_wait");
    }

    private int pollTimed(Native.Scratch s, int raw, long nanos) {
        if (EPoll.hasPwait2()) {
            Poll.setTimespec(s.timespec, nanos);
            int n = EPoll.awaitNanos(s, raw, events, batch, s.timespec);
            if (n >= 0 || Native.errno(s) != Errno.ENOSYS) {
                return n;
            }
            EPoll.pwait2Unsupported(); // libc has it, the kernel (before 5.11) does not
        }
        return EPoll.await(s, raw, events, batch, (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
    }

    /**
     * A {@link Waiting.Attempt}: a non-blocking {@link #poll}, and its event count if any of
     * them names a live member, else {@link Waiting#NOT_YET} (nothing, or only stale events).
     */
    public long pollLive(Native.Scratch s, int raw) throws ErrnoException {
        int n = EPoll.await(s, raw, events, batch, 0); // poll(s, raw, 0), one call shallower on the wait's hot path
        if (n < 0) {
            n = failedPoll(s);
        }
        Object[] table = tokens.snapshot();
        for (int i = 0; i < n; i++) {
            if (member(table, i) != null) {
                return n;
            }
        }
        return Waiting.NOT_YET;
    }

    /** The table now, for a batch of {@link #member(Object[], int)} look-ups. */
    public Object[] snapshot() {
        return tokens.snapshot();
    }

    /** The member event {@code i} of the last poll names, or null if it is stale or reserved. */
    public E member(Object[] snapshot, int i) {
        return tokens.live(snapshot, EPoll.data(events, i));
    }

    /** The token of event {@code i} of the last poll (for reserved tokens). */
    public long token(int i) {
        return EPoll.data(events, i);
    }

    /** The epoll flags of event {@code i} of the last poll, for {@link EpollEvents}. */
    public int events(int i) {
        return EPoll.events(events, i);
    }
}
