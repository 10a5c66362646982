package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import dev.vigil.internal.Descriptor;
import dev.vigil.internal.ReceivedDescriptors;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The one kind of {@link Tube.Message}: what a {@link Tube} receive returns. */
final class ReceivedMessage implements Tube.Message {
    /** {@link #closed}, which {@link ReceivedDescriptors} reads and sets as it hands descriptors out. */
    private static final VarHandle CLOSED = ReceivedDescriptors.closedFlag(MethodHandles.lookup());
    private final byte[] bytes;
    /** Shared with the cleaner's {@link #watch} (null when there are none); see {@link ReceivedDescriptors}. */
    private final Descriptor[] descriptors;
    private final Object watch;
    private volatile boolean closed;

    ReceivedMessage(byte[] bytes, Descriptor[] descriptors) {
        this.bytes = bytes;
        this.descriptors = descriptors;
        this.watch = ReceivedDescriptors.watch(this, descriptors);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public int descriptorCount() {
        return descriptors.length;
    }

    @Override
    public Event event(int i) throws IOException {
        return ReceivedDescriptors.takeAs(this, CLOSED, descriptors, i, watch, Event::fromRawDescriptor);
    }

    @Override
    public int takeDescriptor(int i) throws ClosedException {
        return ReceivedDescriptors.take(this, CLOSED, descriptors, i);
    }

    @Override
    public void close() {
        ReceivedDescriptors.close(this, CLOSED, descriptors);
    }

    @Override
    public String toString() {
        int left = ReceivedDescriptors.notTaken(descriptors);
        return "Tube.Message[" + bytes.length + " bytes, " + descriptors.length + " descriptors"
                + (closed ? ", closed" : left < descriptors.length ? ", " + left + " not taken" : "") + "]";
    }
}
