package dev.vigil.internal;

import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.EventFd;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Unistd;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * The kernel side of an Event: making an eventfd, and reading, waiting on and writing its
 * counter. {@code dev.vigil.Event} states the contract and keeps the one-reader policy; the
 * calls and their errno live here.
 *
 * <h2>Ending a blocked call</h2>
 * An untimed read and every write are one plain system call, as C makes them, made through
 * {@link Kick#call}: an interrupt or a close ends it with a signal to the blocked thread.
 * Nothing is ever written into the counter to end a call: every holder of the eventfd, in this
 * process or another, shares it.
 */
public final class EventCounter {
    private EventCounter() {}

    /** The largest value the kernel's counter holds: {@code 0xfffffffffffffffe}. */
    public static final long MAX_COUNT = EventFd.MAX_COUNT;

    /** Per thread: the slot of its writes (a thread makes one write at a time). */
    private static final ThreadLocal<WaitSlot> WRITER = ThreadLocal.withInitial(() -> new WaitSlot("Event"));

    private static final Calls.Syscall READ = (s, raw) -> Unistd.read(s, raw, s.word, 8);
    private static final Calls.Syscall READ_NO_WAIT = (s, raw) -> Unistd.readNoWait(s, raw, s.iovec);
    private static final Calls.Syscall WRITE = (s, raw) -> Unistd.write(s, raw, s.word, 8);
    /** One non-blocking read: the count taken, or {@link Waiting#NOT_YET} if there was none. */
    public static final Waiting.Attempt READ_NOW = EventCounter::tryRead;
    private static final Waiting.Attempt HAS_ROOM = (s, raw) -> Poll.now(s, raw, Poll.POLLOUT) != 0 ? 1 : Waiting.NOT_YET;

    /** A new blocking, close-on-exec eventfd with a zero counter. */
    public static int create() throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        int number = EventFd.eventfd(s, 0, EventFd.EFD_CLOEXEC);
        if (number < 0) {
            throw Calls.failure(s, "eventfd");
        }
        return number;
    }

    /** Whether {@code fd} is open in this process, as the kernel says ({@code fcntl(F_GETFD)}). */
    public static boolean isOpen(int fd) throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        if (Unistd.fcntl(s, fd, Unistd.F_GETFD, 0) >= 0) {
            return true;
        }
        int errno = Native.errno(s);
        if (errno == Errno.EBADF) {
            return false;
        }
        throw Calls.failure(s, "fcntl(F_GETFD)");
    }

    /** Takes the count without blocking, if there is one. */
    public static void reset(Descriptor fd) throws IOException {
        int raw = fd.acquire();
        try {
            tryRead(Native.Scratch.get(), raw);
        } finally {
            fd.release();
        }
    }

    /** @return the count read, or {@link Waiting#NOT_YET} if there was none */
    private static long tryRead(Native.Scratch s, int raw) throws IOException {
        return Calls.tryNow(s, raw, READ_NO_WAIT, "eventfd read") == Waiting.NOT_YET
                ? Waiting.NOT_YET
                : s.word.get(Native.C_LONG, 0);
    }

    /**
     * The untimed wait of a platform thread that holds {@code slot}: one blocking
     * {@code read(2)}, the same system call C makes, after a look at the thread's signal mask.
     * A thread that has the kick signal blocked polls beside a private wake descriptor
     * instead ({@link Waiting}), and so does a read that finds the shared description made
     * non-blocking by another process.
     *
     * @return the count taken (an interrupt that came after the read won stays set)
     */
    public static long readBlocking(Descriptor fd, WaitSlot slot) throws IOException, InterruptedException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            int tid = Kick.kickableThreadId();
            long r = tid < 0 ? Waiting.NOT_YET : slot.kick.callUntilDone(s, tid, fd, raw, READ, true, "Event", "eventfd read");
            return r != Waiting.NOT_YET ? s.word.get(Native.C_LONG, 0) : Waiting.awaitClaimed(fd, slot, Deadline.FOREVER, READ_NOW, "Event");
        } finally {
            fd.release();
        }
    }

    /**
     * Adds {@code n} to the counter of {@code fd}, written through {@code through}. A signal
     * ({@code isSignal}) first asks whether the counter has room for one and returns without
     * writing if it has not (it is already signalled); a count waits for room. Either way the
     * write is a call that an interrupt or a close can end ({@link Kick#callUnmasked}):
     * the writer's own slot is published in {@code writers} first, so that close finds it.
     *
     * @throws InterruptedIOException if a count was interrupted; nothing was written and the
     *                                interrupt status stays set
     */
    public static void write(Descriptor fd, Callers writers, Object through, long n, boolean isSignal)
            throws IOException {
        WaitSlot me = WRITER.get();
        me.claim(Thread.currentThread(), through);
        int where = writers.add(me); // before the closed checks below: see WaitSlot
        int raw;
        try {
            raw = fd.acquire();
        } catch (IOException | RuntimeException closed) {
            writers.remove(where, me);
            me.unclaim();
            throw closed;
        }
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
                        awaitRoom(fd, me);
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
                if (r == Kick.NOT_CALLED) {
                    continue; // a kick meant for an earlier call
                }
                int errno = Native.errno(s);
                if (errno == Errno.EAGAIN) {
                    // another process made the shared description non-blocking: the counter had no room
                    if (isSignal) {
                        return;
                    }
                    awaitRoom(fd, me);
                } else if (errno != Errno.EINTR) {
                    throw Calls.failure(s, "eventfd write");
                }
                // EINTR: an interrupt of a signal (it checks the room again and returns), or another signal
            }
        } finally {
            writers.remove(where, me);
            me.unclaim();
            fd.release();
        }
    }

    /** Waits (polls, or parks a virtual thread) until the counter has room for one. */
    private static void awaitRoom(Descriptor fd, WaitSlot me) throws IOException {
        try {
            Waiting.awaitClaimed(fd, me, Deadline.FOREVER, HAS_ROOM, "Event", Poll.POLLOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interruptedWrite();
        }
    }

    /** The exception of a count whose wait for room was interrupted. */
    public static InterruptedIOException interruptedWrite() {
        return new InterruptedIOException("interrupted while waiting for room in the Event's counter;"
                + " nothing was written");
    }
}
