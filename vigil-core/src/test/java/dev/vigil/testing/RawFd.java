package dev.vigil.testing;

import dev.vigil.RawDescriptor;

/** A plain descriptor number owned by a test, closed by {@link #close()}. */
public final class RawFd implements RawDescriptor, AutoCloseable {
    private final int fd;
    private boolean closed;

    public RawFd(int fd) {
        this.fd = fd;
    }

    /** Read end, write end. */
    public static RawFd[] pipe() {
        int[] p = TestNative.pipe();
        return new RawFd[] {new RawFd(p[0]), new RawFd(p[1])};
    }

    /** A connected AF_UNIX stream socket pair. */
    public static RawFd[] socketPair() {
        int[] p = TestNative.socketpair(1);
        return new RawFd[] {new RawFd(p[0]), new RawFd(p[1])};
    }

    @Override
    public int rawDescriptor() {
        return fd;
    }

    public void write(long value) {
        if (TestNative.writeLong(fd, value) != 8) throw new AssertionError("write failed on fd " + fd);
    }

    public long read() {
        return TestNative.readLong(fd);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            TestNative.close(fd);
        }
    }

    @Override
    public String toString() {
        return "RawFd[" + fd + "]";
    }
}
