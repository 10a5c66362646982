package dev.vigil.internal;

import dev.vigil.internal.linux.EPoll;
import dev.vigil.reactor.Readiness;

/**
 * The one mapping between what vigil waits for and epoll's flags, both ways, for
 * {@code WaitContext} (level-triggered) and the reactor ({@link Poller}, edge-triggered).
 *
 * <h2>Interest</h2>
 * Reading asks for {@code EPOLLIN} and {@code EPOLLRDHUP} (so a peer that shut down writing
 * is seen even by a reader that is not draining), writing for {@code EPOLLOUT}. The kernel
 * reports {@code EPOLLHUP} and {@code EPOLLERR} whatever was asked. Priority data
 * ({@code EPOLLPRI}) is asked for by the reactor only: reading ordinary data never clears it,
 * so a level-triggered wait would report it forever.
 *
 * <h2>Readiness</h2>
 * One predicate per kernel case, below. A {@code TriggeredEvent}'s {@code isHungup} is
 * {@link #isReadClosed} or {@link #isError}: anything after which the descriptor can no longer
 * be used as before, which a loop that waits only for reading must still see. A reactor
 * {@link Readiness} keeps the two apart ({@code isHup}, {@code isError}) and adds
 * {@code isPriority}.
 */
public final class EpollEvents {
    private EpollEvents() {}

    /** Interest for reading, writing, both or neither (hang-up and errors are always reported). */
    public static int interest(boolean read, boolean write) {
        return (read ? EPoll.EPOLLIN | EPoll.EPOLLRDHUP : 0) | (write ? EPoll.EPOLLOUT : 0);
    }

    /** The reactor's interest: edge-triggered, with priority data on the read stream. */
    public static int edgeInterest(boolean read, boolean write) {
        return interest(read, write) | (read ? EPoll.EPOLLPRI : 0) | EPoll.EPOLLET;
    }

    /** Data to read, end-of-file to read, or a listening socket's pending connection. */
    public static boolean isReadable(int ev) {
        return (ev & EPoll.EPOLLIN) != 0;
    }

    /** Room to write. */
    public static boolean isWritable(int ev) {
        return (ev & EPoll.EPOLLOUT) != 0;
    }

    /** Nothing more will arrive: a pipe whose write end closed, a socket whose peer closed or shut down writing. */
    public static boolean isReadClosed(int ev) {
        return (ev & (EPoll.EPOLLHUP | EPoll.EPOLLRDHUP)) != 0;
    }

    /** An error is pending: a pipe whose read end closed (for its writer), a socket error. */
    public static boolean isError(int ev) {
        return (ev & EPoll.EPOLLERR) != 0;
    }

    /** Priority or out-of-band data. */
    public static boolean isPriority(int ev) {
        return (ev & EPoll.EPOLLPRI) != 0;
    }

    /** A {@code TriggeredEvent}'s {@code isHungup}. */
    public static boolean isHungup(int ev) {
        return isReadClosed(ev) || isError(ev);
    }

    /** A reactor {@link Readiness}'s bits. */
    public static int readiness(int ev) {
        int bits = 0;
        if (isReadable(ev)) bits |= Readiness.READABLE;
        if (isWritable(ev)) bits |= Readiness.WRITABLE;
        if (isReadClosed(ev)) bits |= Readiness.HUP;
        if (isError(ev)) bits |= Readiness.ERROR;
        if (isPriority(ev)) bits |= Readiness.PRIORITY;
        return bits;
    }
}
