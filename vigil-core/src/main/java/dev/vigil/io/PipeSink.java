package dev.vigil.io;

import dev.vigil.internal.Descriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.concurrent.CompletableFuture;

/**
 * The write end of a {@link Pipe}. {@link #write(ByteBuffer)} waits until every byte is
 * written; once the read end is closed, a write fails with {@code EPIPE} (never a
 * {@code SIGPIPE}).
 */
public final class PipeSink extends DescriptorChannel implements GatheringByteChannel {
    PipeSink(Descriptor fd) throws IOException {
        super(fd, "PipeSink", false);
    }

    /**
     * Writes every remaining byte of {@code src}, waiting for room as often as needed.
     *
     * @return the count written: all that remained
     * @throws java.io.InterruptedIOException if interrupted while waiting (status kept, still
     *                                        usable; {@code bytesTransferred} says how many went)
     * @throws dev.vigil.ClosedException      if this end is closed, before or during the wait
     * @throws dev.vigil.ErrnoException       {@code EPIPE} once the read end is closed
     */
    @Override
    public int write(ByteBuffer src) throws IOException {
        return writeAll(src);
    }

    /** Writes the buffers in order, each whole. */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return writeGathering(srcs, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return writeGathering(srcs, 0, srcs.length);
    }

    /** Writes what fits now without waiting: the count, 0 if the pipe is full. */
    public int tryWrite(ByteBuffer src) throws IOException {
        return tryWriteSome(src);
    }

    /** {@link #write(ByteBuffer)} without a waiting thread: completes with the count once all is written. */
    public CompletableFuture<Integer> writeAsync(ByteBuffer src) {
        return writeAllAsync(src);
    }
}
