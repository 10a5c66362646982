package dev.vigil.internal;

import dev.vigil.testing.Spin;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The number-to-owner registry behind Descriptor: paged slots, and a map past the pages. */
class OwnerTableTest {

    @Test
    void putGetRemoveWithinAPageAcrossPagesAndBeyondThem() {
        OwnerTable<String> table = new OwnerTable<>();
        int[] numbers = {0, 1, 1023, 1024, 5000, OwnerTable.PAGED - 1, OwnerTable.PAGED, Integer.MAX_VALUE};
        for (int n : numbers) {
            assertNull(table.get(n));
            assertNull(table.putIfAbsent(n, "a" + n));
            assertEquals("a" + n, table.putIfAbsent(n, "b" + n), "putIfAbsent must not replace an entry");
            assertEquals("a" + n, table.get(n));
        }
        assertEquals(numbers.length, table.size());
        for (int n : numbers) {
            String owner = table.get(n);
            table.remove(n, "someone else");
            assertSame(owner, table.get(n), "remove of another owner must leave the entry");
            String replacement = "c" + n;
            table.put(n, replacement);
            assertSame(replacement, table.get(n), "put replaces");
            table.remove(n, new String(replacement)); // an equal owner is not the owner: identity counts
            assertSame(replacement, table.get(n));
            String next = "d" + n;
            assertFalse(table.replace(n, new String(replacement), next), "replace compares by identity");
            assertTrue(table.replace(n, replacement, next));
            assertSame(next, table.get(n));
            table.remove(n, next);
            assertNull(table.get(n));
        }
        assertEquals(0, table.size());
    }

    @Test
    void negativeNumbersAreRefused() {
        OwnerTable<String> table = new OwnerTable<>();
        assertThrows(IllegalArgumentException.class, () -> table.put(-1, "x"));
        assertThrows(IllegalArgumentException.class, () -> table.putIfAbsent(-5, "x"));
        assertNull(table.get(-1));
        table.remove(-1, "x"); // nothing to remove, and no exception
    }

    /**
     * Racers claim numbers in a fresh table every round, all starting together, so that the
     * first claim into a page also races the creation of that page. Each round every racer
     * claims one shared number and one number of its own in the same page (half of them the
     * own number first). Exactly one racer may win the shared number, and every racer's own
     * claim must succeed and be found afterwards: a claim written into a page that lost the
     * creation race would be missing from the table. Now and then the numbers lie past the
     * pages, where the map takes them.
     */
    @Test
    void racingClaimsInAFreshTableHaveExactlyOneWinnerAndLoseNoEntry() throws Exception {
        int racers = 4;          // this thread and three partners
        int rounds = 20_000;
        int pageSize = 1024;     // OwnerTable's page: the own numbers stay in the shared number's page
        AtomicInteger posted = new AtomicInteger(-1);
        AtomicInteger arrived = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        @SuppressWarnings("unchecked")
        OwnerTable<Integer>[] table = new OwnerTable[1];
        int[] base = new int[1];
        boolean[] wonShared = new boolean[racers];
        Integer[] ownBefore = new Integer[racers];
        List<Thread> partners = new ArrayList<>();
        for (int t = 1; t < racers; t++) {
            int me = t;
            partners.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int round = 0; round < rounds; round++) {
                        for (int spins = 0; posted.get() < round; spins++) {
                            if (stop.get()) {
                                return;
                            }
                            Spin.pause(spins);
                        }
                        Spin.times((round * (me + 1)) % 32); // shifts the start a little, differently each round
                        claim(table[0], base[0], me, round, wonShared, ownBefore);
                        arrived.incrementAndGet(); // publishes this racer's results
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        try {
            for (int round = 0; round < rounds; round++) {
                OwnerTable<Integer> fresh = new OwnerTable<>();
                int number = round % 8 == 7
                        ? OwnerTable.PAGED + round
                        : (round % pageSize) * pageSize + (round * 37) % (pageSize - racers);
                table[0] = fresh;
                base[0] = number;
                java.util.Arrays.fill(wonShared, false);
                java.util.Arrays.fill(ownBefore, null);
                posted.set(round); // publishes the table, the number and the cleared results
                claim(fresh, number, 0, round, wonShared, ownBefore);
                for (int spins = 0; arrived.get() < (round + 1) * (racers - 1); spins++) {
                    if (!failures.isEmpty()) {
                        throw new AssertionError("round " + round + ": a racing thread failed", failures.peek());
                    }
                    Spin.pause(spins);
                }
                int winner = -1;
                for (int r = 0; r < racers; r++) {
                    if (wonShared[r]) {
                        assertEquals(-1, winner, "round " + round + ": racers " + winner + " and " + r + " both won " + number);
                        winner = r;
                    }
                    assertNull(ownBefore[r], "round " + round + ": racer " + r + "'s own number was already taken");
                    assertEquals(r, fresh.get(number + 1 + r), "round " + round + ": racer " + r + "'s claim was lost");
                }
                assertTrue(winner >= 0, "round " + round + ": nobody won " + number);
                assertEquals(winner, fresh.get(number), "round " + round + ": the shared number's entry is not the winner's");
                assertEquals(racers + 1, fresh.size(), "round " + round);
            }
        } finally {
            stop.set(true);
            for (Thread t : partners) {
                t.join();
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("a racing thread failed", failures.peek());
        }
    }

    /** One racer's claims for a round: the shared number and its own, in an order that alternates. */
    private static void claim(OwnerTable<Integer> table, int number, int me, int round, boolean[] wonShared, Integer[] ownBefore) {
        if (((round + me) & 1) == 0) {
            ownBefore[me] = table.putIfAbsent(number + 1 + me, me);
            wonShared[me] = table.putIfAbsent(number, me) == null;
        } else {
            wonShared[me] = table.putIfAbsent(number, me) == null;
            ownBefore[me] = table.putIfAbsent(number + 1 + me, me);
        }
    }

}
