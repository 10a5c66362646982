package dev.vigil.internal;

import dev.vigil.ClosedException;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;

/**
 * Descriptor's use count and close under a model checker: every interleaving of acquire,
 * release, close and giveUp (within the bounds below) matches some order of the same
 * operations on {@link Sequential}, the number is closed exactly once and never while a
 * user holds it, and the end of ownership is reported once, before the close.
 *
 * <p>The Descriptor closes its number through a stub that records the close, so no system
 * call runs. A thread releases only uses it acquired itself (as a caller does); the test
 * counts them per thread after {@code acquire} succeeds and before {@code release}, so a
 * count above zero means the Descriptor certainly has a user, and the stub fails if it is
 * called then.
 */
public class DescriptorModelTest {
    private static final int NUMBER = 7;
    private static final int THREADS = 3;

    /** Per thread: uses that acquire() granted and release() has not yet given back. */
    private final AtomicIntegerArray held = new AtomicIntegerArray(THREADS + 1);
    private final AtomicInteger closes = new AtomicInteger();
    private final AtomicInteger ended = new AtomicInteger();
    private final Descriptor d = new Descriptor(NUMBER, "Thing", new OwnershipEnded(), new CloseNumber());

    /** Records the end of ownership (a class, not a lambda: the model checker follows its fields). */
    private final class OwnershipEnded implements Runnable {
        @Override
        public void run() {
            ended.incrementAndGet();
        }
    }

    /** Stands in for close(2): checks when it is called. */
    private final class CloseNumber implements IntConsumer {
        @Override
        public void accept(int fd) {
            closeNumber(fd);
        }
    }

    private void closeNumber(int fd) {
        if (heldInAll() != 0) {
            throw new AssertionError("number " + fd + " closed while a user holds it");
        }
        if (ended.get() != 1) {
            throw new AssertionError("number closed before the end of ownership was reported once");
        }
        if (closes.incrementAndGet() != 1) {
            throw new AssertionError("number " + fd + " closed twice");
        }
    }

    private int heldInAll() {
        int n = 0;
        for (int t = 0; t < held.length(); t++) {
            n += held.get(t);
        }
        return n;
    }

    @Operation
    public boolean acquire(@Param(gen = ThreadIdGen.class) int thread) {
        try {
            d.acquire();
        } catch (ClosedException e) {
            return false;
        }
        held.incrementAndGet(thread);
        return true;
    }

    /** Releases one use this thread holds; false if it holds none. */
    @Operation
    public boolean release(@Param(gen = ThreadIdGen.class) int thread) {
        if (held.get(thread) == 0) {
            return false;
        }
        held.decrementAndGet(thread);
        d.release();
        return true;
    }

    @Operation
    public boolean close() {
        return d.close();
    }

    /** The number, "closed", or "in use". */
    @Operation
    public String giveUp() {
        try {
            return Integer.toString(d.giveUp());
        } catch (ClosedException e) {
            return "closed";
        } catch (IllegalStateException e) {
            return "in use";
        }
    }

    @Operation
    public boolean isClosed() {
        return d.isClosed();
    }

    /** Once the threads are done: closed once exactly when closed with no user left, unless given up. */
    @Validate
    public void closedOnceWhenClosedAndUnused() {
        boolean over = d.isClosed() && heldInAll() == 0;
        int expectedEnds = over ? 1 : 0;
        int expectedCloses = over && !d.isGivenUp() ? 1 : 0;
        if (ended.get() != expectedEnds || closes.get() != expectedCloses) {
            throw new AssertionError("closed=" + d.isClosed() + " givenUp=" + d.isGivenUp() + " held=" + heldInAll()
                    + ": ownership ended " + ended.get() + " times (expected " + expectedEnds + "), number closed "
                    + closes.get() + " times (expected " + expectedCloses + ")");
        }
    }

    @Test
    void useCountAndCloseAreLinearizableAndCloseExactlyOnce() {
        new ModelCheckingOptions()
                .iterations(40)
                .invocationsPerIteration(400)
                .threads(THREADS)
                .actorsPerThread(2)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(Sequential.class)
                .check(DescriptorModelTest.class);
    }

    /** What a Descriptor means, one operation at a time. */
    public static final class Sequential {
        private boolean closed;
        private final int[] held = new int[THREADS + 1];

        public boolean acquire(int thread) {
            if (closed) {
                return false;
            }
            held[thread]++;
            return true;
        }

        public boolean release(int thread) {
            if (held[thread] == 0) {
                return false;
            }
            held[thread]--;
            return true;
        }

        public boolean close() {
            boolean first = !closed;
            closed = true;
            return first;
        }

        public String giveUp() {
            if (closed) {
                return "closed";
            }
            for (int h : held) {
                if (h > 0) {
                    return "in use";
                }
            }
            closed = true;
            return Integer.toString(NUMBER);
        }

        public boolean isClosed() {
            return closed;
        }
    }
}
