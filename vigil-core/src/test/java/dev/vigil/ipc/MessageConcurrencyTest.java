package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.Event;
import dev.vigil.internal.ProcFs;
import dev.vigil.testing.DescriptorLeakGuard;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.Spin;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A received message's descriptors are handed out without a lock: whoever wins the
 * descriptor's own CAS has it. These races must never hand one number out twice, close a
 * number that was handed out, or leave one open (the leak guard checks after each test).
 */
class MessageConcurrencyTest {
    private static final int ROUNDS = 2_000;
    private static final String EVENTFD = "anon_inode:[eventfd]";

    /** Runs {@code a} and {@code b} at once on two threads, {@code rounds} times; each returns an outcome code. */
    private interface Side {
        int run(Tube.Message m) throws Exception;
    }

    /**
     * Runs {@code a} here and {@code b} on a partner thread at the same moment, once per
     * round, on a fresh message each round. Both threads spin rather than park between
     * rounds, so they start within a fraction of a microsecond of each other, and the
     * partner waits a varying number of spins first, so the races sweep every interleaving.
     */
    private static int[] race(Tube.Pair pair, RawFd[] attach, Side a, Side b) throws Exception {
        return race(pair, attach, a, b, false);
    }

    /** With {@code closedByThen}, also checks after each round that the message holds nothing open. */
    private static int[] race(Tube.Pair pair, RawFd[] attach, Side a, Side b, boolean closedByThen) throws Exception {
        int[] outcomes = new int[16];
        AtomicInteger posted = new AtomicInteger(-1);
        AtomicInteger finished = new AtomicInteger(-1);
        Tube.Message[] current = new Tube.Message[1];
        int[] other = new int[1];
        Throwable[] failure = new Throwable[1];
        Thread partner = Thread.ofPlatform().start(() -> {
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    for (int spins = 0; posted.get() < round; spins++) {
                        Spin.pause(spins);
                    }
                    Spin.times(round % 64);
                    other[0] = b.run(current[0]);
                    finished.set(round);
                }
            } catch (Throwable e) {
                failure[0] = e;
                finished.set(Integer.MAX_VALUE);
            }
        });
        try {
            for (int round = 0; round < ROUNDS; round++) {
                int open = closedByThen ? DescriptorLeakGuard.snapshot().size() : 0;
                pair.first().send(new byte[] {1}, attach);
                Tube.Message m = pair.second().receive();
                current[0] = m;
                posted.set(round); // publishes current[0]
                int mine = a.run(m);
                for (int spins = 0; finished.get() < round; spins++) {
                    Spin.pause(spins);
                }
                if (failure[0] != null) {
                    throw new AssertionError("round " + round, failure[0]);
                }
                if (closedByThen && DescriptorLeakGuard.snapshot().size() != open) {
                    throw new AssertionError("round " + round + ": the closed message left a descriptor open ("
                            + m + ", outcomes " + mine + "/" + other[0] + ")");
                }
                outcomes[mine]++;
                outcomes[8 + other[0]]++;
                m.close();
            }
        } finally {
            posted.set(Integer.MAX_VALUE);
            partner.join();
        }
        return outcomes;
    }

    /** 1: took it (and checked and closed it); 2: already taken; 3: message closed. */
    private static int take(Tube.Message m) throws java.io.IOException {
        try {
            int fd = m.takeDescriptor(0);
            String what = ProcFs.describe(fd);
            TestNative.close(fd);
            if (!EVENTFD.equals(what)) {
                throw new AssertionError("took fd " + fd + " but it was " + what);
            }
            return 1;
        } catch (IllegalStateException taken) {
            return 2;
        } catch (ClosedException closed) {
            return 3;
        }
    }

    @Test
    void twoThreadsTakingOneDescriptorNeverBothGetIt() throws Exception {
        try (Tube.Pair pair = Tube.pair(); Event e = new Event()) {
            RawFd[] attach = {new RawFd(e.rawDescriptor())};
            int[] o = race(pair, attach, MessageConcurrencyTest::take, MessageConcurrencyTest::take);
            assertEquals(ROUNDS, o[1] + o[9], "exactly one taker wins each round");
            assertEquals(ROUNDS, o[2] + o[10], "the other is told it was already taken");
        }
    }

    @Test
    void aTakeRacingCloseGetsTheDescriptorOrClosedException() throws Exception {
        try (Tube.Pair pair = Tube.pair(); Event e = new Event()) {
            RawFd[] attach = {new RawFd(e.rawDescriptor())};
            int[] o = race(pair, attach, MessageConcurrencyTest::take, m -> {
                m.close();
                return 0;
            });
            assertEquals(ROUNDS, o[1] + o[3], "a take either wins or finds the message closed");
            assertEquals(0, o[2], "close must not look like a take");
        }
    }

    @Test
    void aFailedEventRacingCloseLeavesNothingOpen() throws Exception {
        RawFd[] pipe = RawFd.pipe();
        try (Tube.Pair pair = Tube.pair()) {
            RawFd[] attach = {pipe[0]};
            int[] o = race(pair, attach, m -> {
                try {
                    m.event(0).close();
                    return 5; // a pipe is not an eventfd: this cannot happen
                } catch (IllegalArgumentException notAnEventfd) {
                    return 4; // it went back into the message, or was closed with it
                } catch (ClosedException closed) {
                    return 3;
                }
            }, m -> {
                m.close();
                return 0;
            }, true);
            assertEquals(0, o[5]);
            assertEquals(ROUNDS, o[3] + o[4]);
        } finally {
            pipe[0].close();
            pipe[1].close();
        }
    }
}
