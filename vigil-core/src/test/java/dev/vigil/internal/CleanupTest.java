package dev.vigil.internal;

import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.text.MessageFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Cleanup}: when an owner becomes unreachable, the cleaner closes every descriptor it
 * watched that is still open, counts and logs each one, and leaves alone the ones the owner
 * closed or gave up (taken by a caller). A descriptor put in later is watched once it keeps
 * the watch.
 *
 * <p>Each owner is made and dropped inside a helper method, so that no local variable of
 * the test keeps it reachable, and the test then runs the collector until the cleaner has
 * acted (a bounded wait for the collector, never a proof that a thread blocked).
 */
class CleanupTest {
    /** Names this test's owners in the cleaner's log, apart from any other garbage's. */
    private final String what = "CleanupTest owner " + ThreadLocalRandom.current().nextLong();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Logger log = Logger.getLogger("dev.vigil");
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String text = r.getParameters() == null ? r.getMessage() : MessageFormat.format(r.getMessage(), r.getParameters());
            if (r.getLevel() == Level.WARNING && text.contains(what)) {
                warnings.add(text);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        log.addHandler(handler);
    }

    @AfterEach
    void stopListening() {
        log.removeHandler(handler);
    }

    private static Descriptor newEventfd() {
        return Descriptor.adoptNew(TestNative.eventfd(0, TestNative.EFD_CLOEXEC), "CleanupTest eventfd");
    }

    /** Runs the collector until {@code done}, for up to about 10 s. */
    private static void collectUntil(BooleanSupplier done) throws InterruptedException {
        for (int i = 0; i < 1000 && !done.getAsBoolean(); i++) {
            System.gc();
            Thread.sleep(10); // for the collector and the cleaner thread
        }
    }

    /** Runs the collector until the cleaner has closed {@code d} and logged it (it logs after the close). */
    private void collectUntilCleaned(Descriptor d) throws InterruptedException {
        collectUntil(() -> d.isClosed() && warnings.stream().anyMatch(w -> w.contains("(fd " + d.number() + ")")));
    }

    /** An owner, watching {@code d}, dropped on return. */
    private void abandonAnOwnerOf(Descriptor d) {
        Object owner = new Object();
        Cleanup.watch(owner, d, what);
    }

    @Test
    void theDescriptorOfAnAbandonedOwnerIsClosedCountedAndLogged() throws Exception {
        long before = Cleanup.unclosedCount();
        Descriptor d = newEventfd();
        int number = d.number();
        abandonAnOwnerOf(d);
        try {
            collectUntilCleaned(d);
            assertTrue(d.isClosed(), "the cleaner never closed the abandoned owner's descriptor");
            assertFalse(d.isGivenUp());
            assertTrue(Cleanup.unclosedCount() > before, "the close was not counted");
            assertEquals(1, warnings.size(), "one warning per descriptor closed: " + warnings);
            assertTrue(warnings.get(0).contains("fd " + number), warnings.get(0));
        } finally {
            d.close();
        }
    }

    @Test
    void anOwnerThatStillHoldsItsDescriptorIsLeftAlone() throws Exception {
        Object owner = new Object();
        Descriptor d = newEventfd();
        try {
            Cleanup.watch(owner, d, what);
            Descriptor marker = newEventfd(); // proves the cleaner has run meanwhile
            abandonAnOwnerOf(marker);
            collectUntilCleaned(marker);
            assertTrue(marker.isClosed(), "the cleaner never ran");
            assertFalse(d.isClosed(), "the cleaner closed a descriptor whose owner is still reachable");
        } finally {
            d.close();
            Reference.reachabilityFence(owner);
        }
    }

    /** The three descriptors of {@link #onlyWhatTheOwnerLeftOpenIsClosed}; the owner is dropped on return. */
    private record Three(Descriptor closedByOwner, int takenNumber, long takenId, Descriptor leftOpen) {}

    private Three abandonAnOwnerOfThree() throws Exception {
        Object owner = new Object();
        Descriptor closed = newEventfd();
        Descriptor taken = newEventfd();
        Descriptor open = newEventfd();
        Cleanup.watchAll(owner, new Descriptor[] {closed, taken, open}, what);
        closed.close();                 // the owner closed this one itself
        long id = ProcFs.fdinfoField(taken.number(), "eventfd-id", 10);
        int number = taken.giveUp();   // and a caller took this one
        return new Three(closed, number, id, open);
    }

    @Test
    void onlyWhatTheOwnerLeftOpenIsClosed() throws Exception {
        Three three = abandonAnOwnerOfThree();
        try {
            collectUntilCleaned(three.leftOpen());
            assertTrue(three.leftOpen().isClosed(), "the cleaner never closed the descriptor left open");
            assertEquals(List.of(what + " (fd " + three.leftOpen().number()
                    + ") became unreachable without close(); the cleaner closed it"), warnings,
                    "only the descriptor left open is reported");
            assertEquals(three.takenId(), ProcFs.fdinfoField(three.takenNumber(), "eventfd-id", 10),
                    "the number a caller took is still open, on the same eventfd");
        } finally {
            TestNative.close(three.takenNumber());
            three.leftOpen().close();
        }
    }

    /** An owner that watches an array, closes its first descriptor and puts {@code later} in its place. */
    private void abandonAnOwnerThatReplacedItsDescriptorWith(Descriptor later) {
        Object owner = new Object();
        Descriptor first = newEventfd();
        Descriptor[] all = {first};
        Object watch = Cleanup.watchAll(owner, all, what);
        first.close();
        all[0] = later;
        Cleanup.keep(later, watch);
    }

    @Test
    void aDescriptorPutInLaterIsClosedOnceItKeepsTheWatch() throws Exception {
        Descriptor later = newEventfd();
        abandonAnOwnerThatReplacedItsDescriptorWith(later);
        try {
            collectUntilCleaned(later);
            assertTrue(later.isClosed(), "the descriptor put in later was never closed: nothing kept the watch");
            assertEquals(1, warnings.size(), String.valueOf(warnings));
        } finally {
            later.close();
        }
    }
}
