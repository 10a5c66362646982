package dev.vigil.testing;

import dev.vigil.io.AsyncFd;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Descriptors that tests make with their own FFM calls, as a user of {@code AsyncFd} would:
 * a timerfd and an inotify instance, both non-blocking, and a read that says would-block.
 */
public final class KernelFds {
    private KernelFds() {}

    private static final Linker L = Linker.nativeLinker();
    private static final MemoryLayout STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO = STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle READ = L.downcallHandle(L.defaultLookup().find("read").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), Linker.Option.captureCallState("errno"));
    private static final MethodHandle TIMERFD_CREATE = h("timerfd_create", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle TIMERFD_SETTIME = h("timerfd_settime",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle INOTIFY_INIT1 = h("inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle INOTIFY_ADD_WATCH = h("inotify_add_watch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final int CLOCK_MONOTONIC = 1;
    private static final int NONBLOCK = 0x800;   // TFD_NONBLOCK, IN_NONBLOCK
    private static final int CLOEXEC = 0x80000;  // TFD_CLOEXEC, IN_CLOEXEC
    private static final int EAGAIN = 11;
    /** inotify: a file was created in a watched directory. */
    public static final int IN_CREATE = 0x100;

    private static MethodHandle h(String name, FunctionDescriptor fd) {
        return L.downcallHandle(L.defaultLookup().find(name).orElseThrow(), fd);
    }

    /** A non-blocking timerfd that first expires after {@code nanos}, then every {@code nanos}. */
    public static RawFd timerfd(long nanos) {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) TIMERFD_CREATE.invokeExact(CLOCK_MONOTONIC, NONBLOCK | CLOEXEC);
            if (fd < 0) {
                throw new AssertionError("timerfd_create failed");
            }
            MemorySegment spec = a.allocate(32); // struct itimerspec: interval, value
            spec.set(JAVA_LONG, 0, nanos / 1_000_000_000L);
            spec.set(JAVA_LONG, 8, nanos % 1_000_000_000L);
            spec.set(JAVA_LONG, 16, nanos / 1_000_000_000L);
            spec.set(JAVA_LONG, 24, nanos % 1_000_000_000L);
            if ((int) TIMERFD_SETTIME.invokeExact(fd, 0, spec, MemorySegment.NULL) != 0) {
                throw new AssertionError("timerfd_settime failed");
            }
            return new RawFd(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A non-blocking inotify instance watching {@code dir} for {@code mask}. */
    public static RawFd inotify(Path dir, int mask) {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) INOTIFY_INIT1.invokeExact(NONBLOCK | CLOEXEC);
            if (fd < 0) {
                throw new AssertionError("inotify_init1 failed");
            }
            MemorySegment path = a.allocateFrom(dir.toString(), StandardCharsets.UTF_8);
            if ((int) INOTIFY_ADD_WATCH.invokeExact(fd, path, mask) < 0) {
                throw new AssertionError("inotify_add_watch failed");
            }
            return new RawFd(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * One {@code read} of up to {@code max} bytes, as an {@code AsyncFd} call: the bytes read,
     * or {@link AsyncFd#wouldBlock()} on {@code EAGAIN}.
     */
    public static byte[] read(RawFd fd, int max) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(STATE);
            MemorySegment buf = a.allocate(max);
            long n = (long) READ.invokeExact(state, fd.rawDescriptor(), buf, (long) max);
            if (n < 0) {
                int errno = state.get(JAVA_INT, ERRNO);
                if (errno == EAGAIN) {
                    throw AsyncFd.wouldBlock();
                }
                throw new IOException("read failed, errno " + errno);
            }
            return buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** A timerfd's expirations since the last read (its 8-byte count), or would-block. */
    public static long expirations(RawFd timer) throws IOException {
        byte[] b = read(timer, 8);
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).getLong();
    }
}
