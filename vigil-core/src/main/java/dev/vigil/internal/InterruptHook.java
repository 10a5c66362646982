package dev.vigil.internal;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.spi.AbstractInterruptibleChannel;

/**
 * Connects {@link Thread#interrupt()} to a thread blocked in a system call, through the
 * JDK's public {@link AbstractInterruptibleChannel} protocol: between {@link #arm} and
 * {@link #disarm} this hook is the thread's blocker, so {@code Thread.interrupt()} calls
 * {@link #implCloseChannel()}, which tells the armed {@link Target} to end the call (write a
 * wake descriptor, kick a blocking read). One hook per thread; an interrupt closes it, and
 * {@link #current()} then makes a new one, so only interrupts allocate.
 */
public final class InterruptHook extends AbstractInterruptibleChannel {
    /**
     * What an interrupt does to end the blocked call. Runs on the interrupting thread; it
     * must not wait for anything but the blocked thread leaving its call.
     */
    public interface Target {
        void interrupted();
    }

    private static final ThreadLocal<InterruptHook> CURRENT = ThreadLocal.withInitial(InterruptHook::new);

    /**
     * Plain, not volatile: written before {@code begin()}, which takes the thread's interrupt
     * lock ({@code blockedOn}). An interrupting thread finds this hook as the blocker under
     * that same lock and reads the field afterwards (JDK 25 closes the channel, and so calls
     * {@link #implCloseChannel()}, just after releasing it), so the write happens before the
     * read. A read that comes after {@link #disarm()} may see the target or null: either is
     * harmless, because every target ignores a call once its wait is over. This saves two
     * fences per wait.
     */
    private Target target;

    private InterruptHook() {}

    /** This thread's hook, ready to arm. */
    public static InterruptHook current() {
        InterruptHook h = CURRENT.get();
        if (!h.isOpen()) { // used up by an earlier interrupt
            h = new InterruptHook();
            CURRENT.set(h);
        }
        return h;
    }

    /** From now until {@link #disarm()}, an interrupt calls {@code t.interrupted()} (at once if already interrupted). */
    public void arm(Target t) {
        target = t;
        begin();
    }

    /**
     * Ends the armed period. After this returns no interrupt reaches the target.
     *
     * @return true if the thread was interrupted while armed (its interrupt status is still set)
     */
    public boolean disarm() {
        try {
            end(true);
            return false;
        } catch (ClosedByInterruptException e) {
            return true;
        } catch (IOException e) {
            return !isOpen();
        } finally {
            target = null;
        }
    }

    @Override
    protected void implCloseChannel() {
        Target t = target;
        if (t != null) {
            t.interrupted();
        }
    }
}
