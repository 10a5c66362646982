package dev.vigil.ipc;

import dev.vigil.Event;
import dev.vigil.RawDescriptor;
import dev.vigil.internal.Cleanup;
import dev.vigil.internal.ProcFs;
import dev.vigil.testing.DescriptorLeakGuard;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The safety net ({@link Cleanup}) for what a program drops unclosed: descriptors left in an
 * unreachable {@link Tube.Message} are closed by the cleaner and counted, and descriptors
 * the caller took, or that a close already closed, are never touched by it; abandoned Tubes
 * and WaitContexts are closed too.
 */
class MessageCleanupTest {
    private static final String EVENTFD = "anon_inode:[eventfd]";

    private static int openDescriptors() throws Exception {
        return DescriptorLeakGuard.snapshot().size();
    }

    /** Receives a message carrying {@code count} eventfds, takes {@code take} of them, and drops it. */
    private static int[] abandonAMessage(Tube.Pair pair, int count, int take, boolean close) throws Exception {
        Event[] sent = new Event[count];
        try {
            for (int i = 0; i < count; i++) {
                sent[i] = new Event();
            }
            pair.first().send(new byte[] {1}, (RawDescriptor[]) sent);
        } finally {
            for (Event e : sent) {
                if (e != null) {
                    e.close();
                }
            }
        }
        Tube.Message m = pair.second().receive();
        assertEquals(count, m.descriptorCount());
        int[] taken = new int[take];
        for (int i = 0; i < take; i++) {
            taken[i] = m.takeDescriptor(i);
        }
        if (close) {
            m.close();
        }
        return taken;
    }

    /**
     * Closes a descriptor the test took out of a message, also after a failed assertion. If
     * the cleaner wrongly closed it, the number may now be another file's: that one is left.
     */
    private static void closeTaken(int number) throws Exception {
        if (EVENTFD.equals(ProcFs.describe(number))) {
            TestNative.close(number);
        }
    }

    /** Collects until the cleaner has closed {@code expected} more objects than {@code before}. */
    private static void awaitCleaned(long before, long expected) throws InterruptedException {
        for (int i = 0; i < 500 && Cleanup.unclosedCount() < before + expected; i++) {
            System.gc();
            Thread.sleep(10);
        }
    }

    @Test
    void descriptorsLeftInAnAbandonedMessageAreClosedAndCounted() throws Exception {
        try (Tube.Pair pair = Tube.pair()) {
            int open = openDescriptors();
            long before = Cleanup.unclosedCount();
            int[] taken = abandonAMessage(pair, 3, 1, false);
            try {
                assertEquals(open + 3, openDescriptors(), "three received copies, one of them taken");
                awaitCleaned(before, 2);
                assertTrue(Cleanup.unclosedCount() >= before + 2, "the cleaner never closed the two untaken descriptors");
                assertEquals(open + 1, openDescriptors(), "only the taken descriptor may stay open");
                assertEquals(EVENTFD, ProcFs.describe(taken[0]), "the cleaner closed a descriptor the caller took");
            } finally {
                closeTaken(taken[0]);
            }
        }
    }

    /** Makes a Tube pair and a WaitContext, and drops them unclosed. */
    private static void abandonATubePairAndAWaitContext() throws Exception {
        Tube.Pair pair = Tube.pair();
        pair.first().send(new byte[] {7});
        dev.vigil.WaitContext<String> context = new dev.vigil.WaitContext<>();
        context.add(pair.second(), "second");
    }

    @Test
    void anAbandonedTubePairAndWaitContextAreClosedByTheCleaner() throws Exception {
        int open = openDescriptors();
        long before = Cleanup.unclosedCount();
        abandonATubePairAndAWaitContext();
        assertEquals(open + 3, openDescriptors(), "two socket ends and an epoll set");
        awaitCleaned(before, 3);
        assertTrue(Cleanup.unclosedCount() >= before + 3, "the cleaner never closed the Tubes and the WaitContext");
        for (int i = 0; i < 50 && openDescriptors() > open; i++) {
            Thread.sleep(10); // the count is taken just before each close
        }
        assertEquals(open, openDescriptors(), "a descriptor of the abandoned objects is still open");
    }

    @Test
    void aClosedMessageLeavesNothingForTheCleaner() throws Exception {
        try (Tube.Pair pair = Tube.pair()) {
            int open = openDescriptors();
            int[] taken = abandonAMessage(pair, 2, 1, true);
            try {
                assertEquals(open + 1, openDescriptors(), "close() closes what was not taken");
                // A second, unclosed message proves the cleaner has run since the first was dropped.
                long before = Cleanup.unclosedCount();
                abandonAMessage(pair, 1, 0, false);
                awaitCleaned(before, 1);
                assertTrue(Cleanup.unclosedCount() >= before + 1, "the cleaner never ran");
                for (int i = 0; i < 5; i++) {
                    System.gc();
                    Thread.sleep(10);
                }
                assertEquals(open + 1, openDescriptors());
                assertEquals(EVENTFD, ProcFs.describe(taken[0]), "the cleaner closed a descriptor the caller took");
            } finally {
                closeTaken(taken[0]);
            }
        }
    }
}
