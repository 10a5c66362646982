package dev.vigil.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * An eventfd used from Java exactly as the C reference uses it: one blocking {@code read(2)}
 * per wait, one {@code write(2)} per signal, through FFM downcalls that capture errno, and
 * nothing else. {@link EventSuite} runs it as a diagnostic peer: its distance to C is what the
 * JVM and FFM cost; vigil's distance to it is what vigil's own machinery costs (the
 * interruptible {@code ppoll}, the close-safety and one-reader checks).
 *
 * <p>A wait cannot be interrupted and ignores close: fine for a benchmark, not for a library.
 *
 * <pre>
 * int eventfd(unsigned int initval, int flags);
 * ssize_t read(int fd, void *buf, size_t count);
 * ssize_t write(int fd, const void *buf, size_t count);
 * </pre>
 */
final class PlainEventFd implements AutoCloseable {
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EINTR = 4;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle EVENTFD = downcall("eventfd",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = downcall("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, CAPTURE_ERRNO);
    }

    /**
     * The native memory of one thread's calls: the errno capture and the 8-byte counter
     * buffer. Each thread needs its own, so nothing is shared and nothing is allocated per call.
     */
    static final class Buffers {
        final MemorySegment callState;
        final MemorySegment word;

        Buffers(Arena arena) {
            callState = arena.allocate(CALL_STATE);
            word = arena.allocate(ValueLayout.JAVA_LONG);
        }

        int errno() {
            return callState.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
        }
    }

    private final int fd;
    private final boolean owned;

    /** Uses a number owned elsewhere (an Event's): {@link #close()} leaves it open. */
    PlainEventFd(int fd) {
        this.fd = fd;
        this.owned = false;
    }

    PlainEventFd(Buffers b) throws IOException {
        owned = true;
        try {
            fd = (int) EVENTFD.invokeExact(b.callState, 0, EFD_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (fd < 0) {
            throw new IOException("eventfd failed, errno " + b.errno());
        }
    }

    /** {@code write(fd, &1, 8)}, retried on {@code EINTR} like the C program. */
    void signal(Buffers b) throws IOException {
        b.word.set(ValueLayout.JAVA_LONG, 0, 1L);
        long r;
        do {
            try {
                r = (long) WRITE.invokeExact(b.callState, fd, b.word, 8L);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        } while (r < 0 && b.errno() == EINTR);
        if (r != 8) {
            throw new IOException("eventfd write failed, errno " + b.errno());
        }
    }

    /** {@link #await}, returning the count read. */
    long awaitCount(Buffers b) throws IOException {
        await(b);
        return b.word.get(ValueLayout.JAVA_LONG, 0);
    }

    /** {@code read(fd, &count, 8)}: blocks until the counter is non-zero; retried on {@code EINTR}. */
    void await(Buffers b) throws IOException {
        long r;
        do {
            try {
                r = (long) READ.invokeExact(b.callState, fd, b.word, 8L);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        } while (r < 0 && b.errno() == EINTR);
        if (r != 8) {
            throw new IOException("eventfd read failed, errno " + b.errno());
        }
    }

    /**
     * The same two calls straight to the kernel: {@code syscall(2)} with the number bound,
     * through vigil's binding layer alone ({@code Unistd}, as vigil's own hot path calls them),
     * none of vigil's bookkeeping. For the diagnostic floor of a JVM that skips glibc's
     * wrappers, as vigil does.
     */
    static final class Direct {
        private final dev.vigil.internal.linux.Native.Scratch scratch = dev.vigil.internal.linux.Native.Scratch.get();
        private final MemorySegment one = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG);
        private final MemorySegment got = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG);

        /** For the calling thread only (it uses that thread's scratch memory). */
        Direct() {
            one.set(ValueLayout.JAVA_LONG, 0, 1L);
        }

        void signal(int fd) throws IOException {
            transfer(true, fd, one);
        }

        long await(int fd) throws IOException {
            transfer(false, fd, got);
            return got.get(ValueLayout.JAVA_LONG, 0);
        }

        /** One 8-byte {@code write} or {@code read}, retried on {@code EINTR} like the C program. */
        private void transfer(boolean write, int fd, MemorySegment word) throws IOException {
            long r;
            do {
                r = write ? dev.vigil.internal.linux.Unistd.write(scratch, fd, word, 8)
                        : dev.vigil.internal.linux.Unistd.read(scratch, fd, word, 8);
            } while (r < 0 && dev.vigil.internal.linux.Native.errno(scratch) == EINTR);
            if (r != 8) {
                throw new IOException("eventfd " + (write ? "write" : "read") + " failed, errno "
                        + dev.vigil.internal.linux.Native.errno(scratch));
            }
        }
    }

    @Override
    public void close() {
        if (!owned) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            int unused = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
