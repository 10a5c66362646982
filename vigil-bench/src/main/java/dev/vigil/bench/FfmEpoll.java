package dev.vigil.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A diagnostic, not a product: the bare epoll calls made from Java through FFM, without
 * vigil, so the harnesses can show what the JVM's native calls cost by themselves.
 * x86_64 only ({@code struct epoll_event} packed: 12 bytes, data at offset 4).
 */
final class FfmEpoll implements AutoCloseable {
    static final int EPOLLIN = 0x001;
    static final int EPOLLOUT = 0x004;
    static final int EPOLLET = 1 << 31;
    static final long EVENT_SIZE = 12;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle EPOLL_CREATE1 = handle("epoll_create1",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle EPOLL_CTL = handle("epoll_ctl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle EPOLL_WAIT = handle("epoll_wait",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = handle("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = handle("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd);
    }

    final int epfd;
    final MemorySegment events;
    final MemorySegment word;
    private final MemorySegment ctl;
    final int capacity;

    FfmEpoll(int capacity) {
        this.capacity = capacity;
        Arena arena = Arena.ofAuto();
        events = arena.allocate(EVENT_SIZE * capacity, 8);
        ctl = arena.allocate(16, 8);
        word = arena.allocate(8, 8);
        try {
            epfd = (int) EPOLL_CREATE1.invokeExact(0x80000 /* EPOLL_CLOEXEC */);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (epfd < 0) {
            throw new IllegalStateException("epoll_create1 failed");
        }
    }

    void add(int fd, int interest, long data) {
        ctl.set(ValueLayout.JAVA_INT, 0, interest);
        ctl.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, data);
        int r;
        try {
            r = (int) EPOLL_CTL.invokeExact(epfd, 1 /* EPOLL_CTL_ADD */, fd, ctl);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r != 0) {
            throw new IllegalStateException("epoll_ctl ADD failed");
        }
    }

    int await(int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(epfd, events, capacity, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int eventsOf(int i) {
        return events.get(ValueLayout.JAVA_INT, i * EVENT_SIZE);
    }

    long dataOf(int i) {
        return events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * EVENT_SIZE + 4);
    }

    /** One read(2) of an eventfd's count. */
    long readEventFd(int fd) {
        try {
            return (long) READ.invokeExact(fd, word, 8L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** One write(2) of 1 to an eventfd. */
    long signalEventFd(int fd) {
        word.set(ValueLayout.JAVA_LONG, 0, 1L);
        try {
            return (long) WRITE.invokeExact(fd, word, 8L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        try {
            int r = (int) CLOSE.invokeExact(epfd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
