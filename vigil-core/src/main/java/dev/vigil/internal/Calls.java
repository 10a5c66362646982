package dev.vigil.internal;

import dev.vigil.ErrnoException;
import dev.vigil.internal.linux.Errno;
import dev.vigil.internal.linux.Native;

import java.nio.ByteBuffer;

/**
 * errno handled once: the one loop that makes a non-blocking call again after {@code EINTR},
 * and the one way a failed call becomes an {@link ErrnoException}.
 */
public final class Calls {
    private Calls() {}

    /** One system call on descriptor {@code raw}: its raw result, errno in the scratch's call state after a failure. */
    @FunctionalInterface
    public interface Syscall {
        long call(Native.Scratch s, int raw);
    }

    /**
     * Makes {@code call} on a descriptor that never blocks, again while it fails with
     * {@code EINTR} (and with {@code alsoRetry}, if not 0).
     *
     * @return its result, or {@link Waiting#NOT_YET} if it would block ({@code EAGAIN})
     * @throws ErrnoException any other failure, naming {@code what}
     */
    public static long tryNow(Native.Scratch s, int raw, Syscall call, String what, int alsoRetry) throws ErrnoException {
        for (;;) {
            long r = call.call(s, raw);
            if (r >= 0) {
                return r;
            }
            int errno = Native.errno(s);
            if (errno == Errno.EAGAIN) {
                return Waiting.NOT_YET;
            }
            if (errno != Errno.EINTR && (alsoRetry == 0 || errno != alsoRetry)) {
                throw new ErrnoException(what, errno);
            }
        }
    }

    /** {@link #tryNow(Native.Scratch, int, Syscall, String, int)} retrying {@code EINTR} only. */
    public static long tryNow(Native.Scratch s, int raw, Syscall call, String what) throws ErrnoException {
        return tryNow(s, raw, call, what, 0);
    }

    /**
     * One system call on descriptor {@code raw} with the caller's buffer, for calls whose
     * buffer changes per call. It makes the buffer's segment itself, so that the segment
     * never leaves the one compiled method and costs no allocation.
     */
    @FunctionalInterface
    public interface BufferCall {
        long call(Native.Scratch s, int raw, ByteBuffer buffer);
    }

    /**
     * {@link #tryNow(Native.Scratch, int, Syscall, String)} for a call given {@code buffer}:
     * with a method reference for {@code call}, nothing is made per call.
     */
    public static long tryNow(Native.Scratch s, int raw, BufferCall call, ByteBuffer buffer, String what) throws ErrnoException {
        for (;;) {
            long r = call.call(s, raw, buffer);
            if (r >= 0) {
                return r;
            }
            int errno = Native.errno(s);
            if (errno == Errno.EAGAIN) {
                return Waiting.NOT_YET;
            }
            if (errno != Errno.EINTR) {
                throw new ErrnoException(what, errno);
            }
        }
    }

    /** The failure of the call just made (errno in {@code s}), as the exception naming {@code what}. */
    public static ErrnoException failure(Native.Scratch s, String what) {
        return new ErrnoException(what, Native.errno(s));
    }
}
