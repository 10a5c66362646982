package dev.vigil.internal;

import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Unistd;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The kernel side of vigil's byte streams: descriptors in non-blocking mode, read and
 * written one call at a time into the caller's buffers (direct or heap: no copy either way).
 * The public classes wait through an {@code AsyncFd} when a call would block.
 */
public final class ByteStreams {
    private ByteStreams() {}

    /** {@link #read} at end of stream. */
    public static final int END = -1;
    /** {@link #read} and {@link #write} when the call would block ({@code EAGAIN}). */
    public static final int WOULD_BLOCK = -2;

    private static final Calls.BufferCall READ = (s, raw, b) -> Unistd.readNonBlocking(s, raw, MemorySegment.ofBuffer(b));
    private static final Calls.BufferCall SEND = (s, raw, b) -> Unistd.sendNonBlocking(s, raw, MemorySegment.ofBuffer(b));
    private static final Calls.BufferCall WRITE = (s, raw, b) -> Unistd.writeNonBlocking(s, raw, MemorySegment.ofBuffer(b));

    /** A new pipe, {@code [read end, write end]}, both non-blocking and close-on-exec. */
    public static int[] pipe() throws ErrnoException {
        Native.Scratch s = Native.Scratch.get();
        MemorySegment fds = s.word; // two ints
        if (Unistd.pipe2(s, fds, Unistd.O_NONBLOCK | Unistd.O_CLOEXEC) != 0) {
            throw Calls.failure(s, "pipe2");
        }
        return new int[] {fds.get(Native.C_INT, 0), fds.get(Native.C_INT, 4)};
    }

    /**
     * One read into {@code dst}'s remaining space, advancing its position.
     *
     * @return the count read, {@link #END} at end of stream, or {@link #WOULD_BLOCK}
     */
    public static int read(Descriptor fd, ByteBuffer dst, String what) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            long n = Calls.tryNow(s, raw, READ, dst, what);
            if (n == Waiting.NOT_YET) {
                return WOULD_BLOCK;
            }
            if (n == 0) {
                return END;
            }
            dst.position(dst.position() + (int) n);
            return (int) n;
        } finally {
            fd.release();
        }
    }

    /**
     * One write of {@code src}'s remaining bytes (or as many as fit), advancing its position;
     * {@code socket}: with {@code send(MSG_NOSIGNAL)}.
     *
     * @return the count written, or {@link #WOULD_BLOCK}
     */
    public static int write(Descriptor fd, ByteBuffer src, boolean socket, String what) throws IOException {
        int raw = fd.acquire();
        try {
            Native.Scratch s = Native.Scratch.get();
            // A socket is written with send(MSG_NOSIGNAL): a closed peer is EPIPE, never SIGPIPE.
            long n = Calls.tryNow(s, raw, socket ? SEND : WRITE, src, what);
            if (n == Waiting.NOT_YET) {
                return WOULD_BLOCK;
            }
            src.position(src.position() + (int) n);
            return (int) n;
        } finally {
            fd.release();
        }
    }
}
