package dev.vigil.internal;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Poll;
import dev.vigil.internal.linux.Unistd;

import java.io.IOException;

/**
 * The one wait loop for "try without blocking, otherwise block until the descriptor is
 * ready (readable by default), then try again": used by Event and WaitContext waits, Tube
 * sends (and receives that cannot block in {@code recvmsg}) and TubeListener accepts.
 *
 * <p>It keeps the caller's deadline across every early return of the kernel (EINTR, a
 * spurious wake, a count taken by another process), honours interrupts
 * ({@link InterruptedException}, status cleared, nothing consumed) and ends with
 * {@link ClosedException} when the object is closed during the wait.
 *
 * <p>Platform threads block in {@code ppoll} through a borrowed {@link Parker}. Virtual
 * threads must not hold their carrier in the kernel: they park, and the default reactor
 * ({@link Poller#defaultPoller()}) unparks them when the descriptor becomes ready.
 */
public final class Waiting {
    private Waiting() {}

    /**
     * What an {@link Attempt} returns when it must wait, and a wait returns once its time has
     * passed. No attempt has it as a result: they return counts, numbers and lengths, and an
     * eventfd count is never {@code 2^64 - 1}.
     */
    public static final long NOT_YET = -1;

    /** The events of a wait for reading, and for writing ({@code ppoll}'s, for the layers above {@code internal.linux}). */
    public static final short READABLE = Poll.POLLIN;
    public static final short WRITABLE = Poll.POLLOUT;

    /** One non-blocking try: its result when done, {@link #NOT_YET} when it must wait. */
    @FunctionalInterface
    public interface Attempt {
        long tryOnce(Native.Scratch s, int raw) throws IOException;
    }

    /**
     * Waits up to {@code total} ns ({@link Deadline#FOREVER} for no limit) for
     * {@code attempt} to succeed on {@code fd}, which is readable when it may.
     *
     * @return the attempt's result, or {@link #NOT_YET} once the time has passed
     */
    public static long await(Descriptor fd, WaitSlot slot, Object through, long total, Attempt attempt, String what)
            throws IOException, InterruptedException {
        return await(fd, slot, through, total, attempt, what, Poll.POLLIN);
    }

    /** {@link #await} waiting for {@code events} ({@code Poll.POLLIN}, {@code Poll.POLLOUT}) between attempts. */
    public static long await(Descriptor fd, WaitSlot slot, Object through, long total, Attempt attempt, String what,
                             short events) throws IOException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        slot.claim(Thread.currentThread(), through);
        try {
            return awaitClaimed(fd, slot, total, attempt, what, events);
        } finally {
            slot.unclaim();
        }
    }

    /**
     * {@link #await} for a caller that has claimed {@code slot} itself, because it must
     * still use what the attempt produced (a batch buffer) before another waiter may start.
     */
    public static long awaitClaimed(Descriptor fd, WaitSlot slot, long total, Attempt attempt, String what)
            throws IOException, InterruptedException {
        return awaitClaimed(fd, slot, total, attempt, what, Poll.POLLIN);
    }

    /** {@link #awaitClaimed} waiting for {@code events} between attempts. */
    public static long awaitClaimed(Descriptor fd, WaitSlot slot, long total, Attempt attempt, String what,
                                    short events) throws IOException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            long result = attempt.tryOnce(s, raw);
            if (result != NOT_YET || total == 0) {
                return result;
            }
            long start = System.nanoTime();
            return Thread.currentThread().isVirtual()
                    ? awaitParked(fd, slot, s, raw, start, total, attempt, what, events)
                    : awaitPolling(fd, slot, s, raw, start, total, attempt, what, events);
        } finally {
            fd.release();
        }
    }

    /** The attempt of {@link #awaitReady}: the descriptor reported ready, which is all it waits for. */
    private static final Attempt READY = (s, raw) -> 0;

    /**
     * Blocks a platform thread until {@code fd} reports {@code events} (or an error or
     * hang-up), without trying anything first: for a caller whose own call has just met
     * {@code EAGAIN} and which will make it again itself. The same loop as {@link #await}, so
     * the same endings: {@link InterruptedException} (status cleared), and
     * {@link ClosedException} when the owner is closed, which wakes it through {@code slot}.
     */
    public static void awaitReady(Descriptor fd, WaitSlot slot, Object through, short events, String what)
            throws IOException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        slot.claim(Thread.currentThread(), through);
        try {
            int raw = fd.acquire();
            try {
                awaitPolling(fd, slot, Native.Scratch.get(), raw, System.nanoTime(), Deadline.FOREVER, READY, what, events);
            } finally {
                fd.release();
            }
        } finally {
            slot.unclaim();
        }
    }

    private static long awaitPolling(Descriptor fd, WaitSlot slot, Native.Scratch s, int raw, long start, long total,
                                     Attempt attempt, String what, short events)
            throws IOException, InterruptedException {
        Parker parker = Parker.borrow();
        slot.publish(parker); // before the closed check below: see WaitSlot
        try {
            for (;;) {
                if (fd.isClosed()) {
                    throw closedDuringWait(what);
                }
                long left = Deadline.remaining(start, total);
                if (left == 0) {
                    return NOT_YET;
                }
                int revents = parker.poll(s, fd, raw, events, left);
                endIfClosedOrInterrupted(fd, Thread.currentThread().isInterrupted(), what);
                if (revents > 0) {
                    long result = attempt.tryOnce(s, raw);
                    if (result != NOT_YET) {
                        return result;
                    }
                    if ((revents & (Poll.POLLERR | Poll.POLLNVAL)) != 0) {
                        throw new ErrnoException("ppoll on " + what + " reported an error", Errno.EIO);
                    }
                    // someone else (another process) took it first: wait again
                }
            }
        } finally {
            slot.publish((Parker) null);
            parker.giveBack();
        }
    }

    /**
     * A virtual thread parks through the default reactor: the descriptor is registered
     * (edge-triggered) for the length of this wait, while the waiter holds the number, and
     * every edge is followed by another attempt. {@code close()} shuts the published
     * registration down, which ends the park.
     */
    private static long awaitParked(Descriptor fd, WaitSlot slot, Native.Scratch s, int raw, long start, long total,
                                    Attempt attempt, String what, short events)
            throws IOException, InterruptedException {
        // Before parking, once: let a thread that is runnable on this CPU run first (the peer
        // that will signal is often one, woken by this thread's own last signal), then try
        // again. A park costs a registration, a reactor wake-up and a carrier hand-off; a
        // sched_yield with nothing else to run is one short system call.
        Unistd.schedYield();
        long early = attempt.tryOnce(s, raw);
        if (early != NOT_YET) {
            return early;
        }
        Poller poller = Poller.defaultPoller();
        ScheduledIo io = new ScheduledIo();
        int stream = events == Poll.POLLOUT ? ScheduledIo.WRITE : ScheduledIo.READ;
        // Only the stream waited for: EPOLLOUT on an always-writable eventfd would add an event per read.
        poller.addForWait(io, raw, stream == ScheduledIo.WRITE ? Poller.WRITE_STREAM : Poller.READ_STREAM);
        slot.publish(io);    // before the closed check below: see WaitSlot
        try {
            for (;;) {
                long result = attempt.tryOnce(s, raw);
                if (result != NOT_YET) {
                    return result;
                }
                if (fd.isClosed()) {
                    throw closedDuringWait(what);
                }
                long left = Deadline.remaining(start, total);
                if (left == 0) {
                    return NOT_YET;
                }
                io.await(stream, left); // an edge, the timeout, close (ClosedException) or an interrupt
            }
        } catch (InterruptedException e) {
            throw closeWinsOver(e, fd, what);
        } catch (ClosedException e) {
            throw fd.isClosed() ? closedDuringWait(what) : e;
        } finally {
            slot.publish((ScheduledIo) null);
            poller.remove(io);
        }
    }

    /**
     * An interrupt that ended a wait after the object was closed: the close wins, as in
     * {@link #endIfClosedOrInterrupted}, and the interrupt status stays set.
     */
    private static InterruptedException closeWinsOver(InterruptedException interrupted, Descriptor fd, String what)
            throws ClosedException {
        if (fd.isClosed()) {
            Thread.currentThread().interrupt();
            throw closedDuringWait(what);
        }
        return interrupted;
    }

    /** The exception of a wait that the object's {@code close()} ended. */
    public static ClosedException closedDuringWait(String what) {
        return new ClosedException(what + " was closed while a thread waited on it");
    }

    /**
     * After a blocking call that consumed nothing: close wins over an interrupt, and an
     * interrupt ends the wait with its status cleared; otherwise the caller goes on.
     */
    public static void endIfClosedOrInterrupted(Descriptor fd, boolean interrupted, String what)
            throws ClosedException, InterruptedException {
        if (fd.isClosed()) {
            throw closedDuringWait(what);
        }
        if (interrupted) {
            Thread.interrupted();
            throw new InterruptedException();
        }
    }
}
