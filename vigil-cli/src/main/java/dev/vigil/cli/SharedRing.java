package dev.vigil.cli;

import dev.vigil.Event;
import dev.vigil.RawDescriptor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A single-producer, single-consumer ring of fixed-size records in shared memory: a
 * {@code memfd_create} file mapped as a {@link MemorySegment} by both processes of
 * {@code vigil demo}. Two {@link Event}s are its doorbells: the producer rings
 * {@code dataReady} when the consumer sleeps on an empty ring, the consumer rings
 * {@code spaceReady} when the producer sleeps on a full one.
 *
 * <h2>Layout</h2>
 * <pre>
 *   offset    0  head              records consumed (written by the consumer)
 *   offset   64  tail              records published (written by the producer)
 *   offset  128  consumer waiting  1 while the consumer may be asleep on dataReady
 *   offset  192  producer waiting  1 while the producer may be asleep on spaceReady
 *   offset  256  command           set by the parent before a doorbell to end the ping-pong phase
 *   offset 4096  SLOTS records of RECORD bytes: [0] stamp (System.nanoTime), [8] sequence number
 * </pre>
 * Counters only grow; a record's slot is {@code index % SLOTS}. Each counter sits on a cache
 * line of its own.
 *
 * <h2>Why no wake-up is lost</h2>
 * Sleeping is a Dekker pair on volatile (sequentially consistent) accesses: the consumer
 * sets "waiting", then re-reads the tail before it sleeps; the producer publishes the tail,
 * then reads "waiting". So either the consumer sees the new record, or the producer sees it
 * waiting and rings. The same holds for a full ring the other way round. A ring that finds
 * nobody asleep leaves a count in the Event, which only causes one extra empty check later.
 * {@link System#nanoTime()} reads {@code CLOCK_MONOTONIC}, which both processes share, so a
 * record's stamp gives its one-way latency in the consumer.
 */
final class SharedRing implements RawDescriptor, AutoCloseable {
    static final int SLOTS = 1024;
    static final int RECORD = 64;
    /** The sequence number of the record that ends the exchange. */
    static final long END = -1;

    private static final long HEAD = 0;
    private static final long TAIL = 64;
    private static final long CONSUMER_WAITING = 128;
    private static final long PRODUCER_WAITING = 192;
    private static final long COMMAND = 256;
    private static final long DATA = 4096;
    static final long SIZE = DATA + (long) SLOTS * RECORD;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MEMFD_CREATE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("memfd_create").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final int MFD_CLOEXEC = 1;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    private boolean closed;

    private SharedRing(int fd) throws IOException {
        this.fd = fd;
        try (FileChannel channel = FileChannel.open(Path.of("/proc/self/fd/" + fd),
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE, arena); // extends the file to SIZE
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** A new, zeroed ring in a new close-on-exec memfd. */
    static SharedRing create() throws IOException {
        int fd;
        try (Arena a = Arena.ofConfined()) {
            fd = (int) MEMFD_CREATE.invokeExact(a.allocateFrom("vigil-demo-ring"), MFD_CLOEXEC);
        } catch (Throwable t) {
            throw new IOException("memfd_create failed", t);
        }
        if (fd < 0) {
            throw new IOException("memfd_create failed");
        }
        try {
            return new SharedRing(fd);
        } catch (IOException | RuntimeException e) {
            closeFd(fd);
            throw e;
        }
    }

    /** Maps a ring received from the other process; takes ownership of {@code fd}. */
    static SharedRing open(int fd) throws IOException {
        try {
            return new SharedRing(fd);
        } catch (IOException | RuntimeException e) {
            closeFd(fd);
            throw e;
        }
    }

    @Override
    public int rawDescriptor() {
        return fd;
    }

    /**
     * Producer: appends one record, sleeping on {@code spaceReady} while the ring is full and
     * ringing {@code dataReady} if the consumer sleeps.
     */
    void publish(long stamp, long sequence, Event dataReady, Event spaceReady) throws IOException, InterruptedException {
        long tail = (long) LONG.getOpaque(memory, TAIL); // only this side writes it
        while (tail - (long) LONG.getAcquire(memory, HEAD) == SLOTS) {
            LONG.setVolatile(memory, PRODUCER_WAITING, 1L);
            if (tail - (long) LONG.getVolatile(memory, HEAD) == SLOTS) {
                spaceReady.await();
            }
            LONG.setVolatile(memory, PRODUCER_WAITING, 0L);
        }
        long slot = DATA + (tail % SLOTS) * RECORD;
        memory.set(ValueLayout.JAVA_LONG, slot, stamp);
        memory.set(ValueLayout.JAVA_LONG, slot + 8, sequence);
        LONG.setVolatile(memory, TAIL, tail + 1); // publishes the record (release) and orders the check below
        if ((long) LONG.getVolatile(memory, CONSUMER_WAITING) != 0) {
            dataReady.signal();
        }
    }

    /**
     * Consumer: takes the next record into {@code into} ([0] stamp, [1] sequence), sleeping
     * on {@code dataReady} while the ring is empty and ringing {@code spaceReady} if the
     * producer sleeps.
     */
    void take(long[] into, Event dataReady, Event spaceReady) throws IOException, InterruptedException {
        long head = (long) LONG.getOpaque(memory, HEAD); // only this side writes it
        while ((long) LONG.getAcquire(memory, TAIL) == head) {
            LONG.setVolatile(memory, CONSUMER_WAITING, 1L);
            if ((long) LONG.getVolatile(memory, TAIL) == head) {
                dataReady.await();
            }
            LONG.setVolatile(memory, CONSUMER_WAITING, 0L);
        }
        long slot = DATA + (head % SLOTS) * RECORD;
        into[0] = memory.get(ValueLayout.JAVA_LONG, slot);
        into[1] = memory.get(ValueLayout.JAVA_LONG, slot + 8);
        LONG.setVolatile(memory, HEAD, head + 1); // frees the slot (release) and orders the check below
        if ((long) LONG.getVolatile(memory, PRODUCER_WAITING) != 0) {
            spaceReady.signal();
        }
    }

    /** Sets the command word (volatile), read by the other process after its next doorbell. */
    void setCommand(long command) {
        LONG.setVolatile(memory, COMMAND, command);
    }

    long command() {
        return (long) LONG.getVolatile(memory, COMMAND);
    }

    /** Unmaps the ring and closes its descriptor (the other process keeps its own). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
            closeFd(fd);
        }
    }

    private static void closeFd(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("close failed", t);
        }
    }
}
