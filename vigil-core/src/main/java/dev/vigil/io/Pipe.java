package dev.vigil.io;

import dev.vigil.internal.ByteStreams;
import dev.vigil.internal.Descriptor;

import java.io.IOException;

/**
 * A pipe whose two ends are vigil streams (names as {@code java.nio.channels.Pipe}): bytes
 * written to the {@link #sink()} are read from the {@link #source()}. Both ends are
 * non-blocking and close-on-exec, driven by the default reactor, so a virtual thread waiting
 * on either never holds its carrier. Either end can be handed to another process (a
 * {@code Tube} carries it) or added to a {@code WaitContext}.
 *
 * <pre>{@code
 * Pipe pipe = Pipe.open();
 * try (PipeSource in = pipe.source(); PipeSink out = pipe.sink()) {
 *     out.write(ByteBuffer.wrap("hello".getBytes(UTF_8)));
 *     out.close();                          // the reader then sees end of stream
 *     ByteBuffer buf = ByteBuffer.allocate(16);
 *     while (in.read(buf) >= 0) { }
 * }
 * }</pre>
 */
public final class Pipe {
    private final PipeSource source;
    private final PipeSink sink;

    private Pipe(PipeSource source, PipeSink sink) {
        this.source = source;
        this.sink = sink;
    }

    /** A new pipe ({@code pipe2(O_NONBLOCK | O_CLOEXEC)}). Close both ends when done. */
    public static Pipe open() throws IOException {
        int[] ends = ByteStreams.pipe();
        Descriptor read = Descriptor.adoptNew(ends[0], "PipeSource");
        Descriptor write = Descriptor.adoptNew(ends[1], "PipeSink");
        PipeSource source;
        try {
            source = new PipeSource(read); // closes read if it fails
        } catch (Throwable t) {
            write.close();
            throw t;
        }
        try {
            return new Pipe(source, new PipeSink(write));
        } catch (Throwable t) {
            source.close();
            throw t;
        }
    }

    /** The read end. */
    public PipeSource source() {
        return source;
    }

    /** The write end. */
    public PipeSink sink() {
        return sink;
    }

    @Override
    public String toString() {
        return "Pipe[" + source + ", " + sink + "]";
    }
}
