package dev.vigil.io;

import dev.vigil.internal.Descriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ScatteringByteChannel;
import java.util.concurrent.CompletableFuture;

/**
 * The read end of a {@link Pipe}. {@link #read(ByteBuffer)} waits for at least one byte and
 * returns -1 once every write end is closed and the pipe is empty. See {@link Pipe} for the
 * threads and {@code DescriptorChannel}'s rules on interrupts and close.
 */
public final class PipeSource extends DescriptorChannel implements ScatteringByteChannel {
    PipeSource(Descriptor fd) throws IOException {
        super(fd, "PipeSource", false);
    }

    /**
     * Reads at least one byte into {@code dst}, waiting for it (a virtual thread parks).
     *
     * @return the count read (0 only if {@code dst} is full), or -1 at end of stream
     * @throws java.io.InterruptedIOException if interrupted while waiting (status kept, still usable)
     * @throws dev.vigil.ClosedException      if this end is closed, before or during the wait
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        return readSome(dst);
    }

    /** Fills the buffers in order: waits for the first byte, then takes what is there without waiting. */
    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return readScattering(dsts, offset, length);
    }

    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
        return readScattering(dsts, 0, dsts.length);
    }

    /** Reads what is there now without waiting: the count, 0 if nothing, -1 at end of stream. */
    public int tryRead(ByteBuffer dst) throws IOException {
        return tryReadSome(dst);
    }

    /** {@link #read(ByteBuffer)} without a waiting thread: completes with the count, or -1. */
    public CompletableFuture<Integer> readAsync(ByteBuffer dst) {
        return readSomeAsync(dst);
    }
}
