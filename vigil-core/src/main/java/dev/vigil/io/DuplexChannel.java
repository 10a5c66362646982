package dev.vigil.io;

import dev.vigil.internal.Descriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.util.concurrent.CompletableFuture;

/**
 * A stream that reads and writes (a TCP or Unix stream socket): the channel methods, each the
 * common part's, in one place.
 */
abstract class DuplexChannel extends DescriptorChannel implements ByteChannel, ScatteringByteChannel, GatheringByteChannel {
    DuplexChannel(Descriptor fd, String what) throws IOException {
        super(fd, what, true);
    }

    /**
     * Reads at least one byte into {@code dst}, waiting for it.
     *
     * @return the count read (0 only if {@code dst} is full), or -1 at end of stream
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        return readSome(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return readScattering(dsts, offset, length);
    }

    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
        return readScattering(dsts, 0, dsts.length);
    }

    /** Writes every remaining byte of {@code src}, waiting for room as often as needed. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        return writeAll(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return writeGathering(srcs, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return writeGathering(srcs, 0, srcs.length);
    }

    /** Reads what is there now without waiting: the count, 0 if nothing, -1 at end of stream. */
    public int tryRead(ByteBuffer dst) throws IOException {
        return tryReadSome(dst);
    }

    /** Writes what fits now without waiting: the count, 0 if there is no room. */
    public int tryWrite(ByteBuffer src) throws IOException {
        return tryWriteSome(src);
    }

    /** {@link #read(ByteBuffer)} without a waiting thread. */
    public CompletableFuture<Integer> readAsync(ByteBuffer dst) {
        return readSomeAsync(dst);
    }

    /** {@link #write(ByteBuffer)} without a waiting thread: completes once every byte is written. */
    public CompletableFuture<Integer> writeAsync(ByteBuffer src) {
        return writeAllAsync(src);
    }
}
