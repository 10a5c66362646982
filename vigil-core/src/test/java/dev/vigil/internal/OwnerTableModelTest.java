package dev.vigil.internal;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ParameterGenerator;
import org.jetbrains.lincheck.datastructures.RandomProvider;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;

/**
 * The owner registry under a model checker: every interleaving of its operations (within the
 * bounds below) matches some order of the same operations on a plain map. Two numbers share
 * the first page, one has a page of its own (so two threads may make pages at once), and one
 * lies beyond the pages, in the concurrent map, which the checker takes as atomic.
 */
@Param(name = "number", gen = OwnerTableModelTest.Numbers.class)
@Param(name = "owner", gen = OwnerTableModelTest.Owners.class)
public class OwnerTableModelTest {
    /** Two numbers in page 0, one in page 1, one beyond the pages. */
    static final int[] NUMBERS = {0, 1, 1024 + 5, OwnerTable.PAGED};
    /** Two owners; the table tells owners apart by identity, and these are distinct objects. */
    static final String FIRST = "first";
    static final String SECOND = "second";

    private final OwnerTable<String> table = new OwnerTable<>();

    @Operation
    public void put(@Param(name = "number") int n, @Param(name = "owner") String owner) {
        table.put(n, owner);
    }

    @Operation
    public String putIfAbsent(@Param(name = "number") int n, @Param(name = "owner") String owner) {
        return table.putIfAbsent(n, owner);
    }

    /** Replaces {@code expected} with the other owner. */
    @Operation
    public boolean replace(@Param(name = "number") int n, @Param(name = "owner") String expected) {
        return table.replace(n, expected, other(expected));
    }

    @Operation
    public void remove(@Param(name = "number") int n, @Param(name = "owner") String owner) {
        table.remove(n, owner);
    }

    @Operation
    public String get(@Param(name = "number") int n) {
        return table.get(n);
    }

    private static String other(String owner) {
        return owner == FIRST ? SECOND : FIRST;
    }

    @Test
    void everyInterleavingMatchesAMapInSomeOrder() {
        new ModelCheckingOptions()
                .iterations(60)
                .invocationsPerIteration(150)
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(Sequential.class)
                .addGuarantee(forClasses(ConcurrentHashMap.class.getName()).allMethods().treatAsAtomic())
                .check(OwnerTableModelTest.class);
    }

    /** What the table means, one operation at a time. */
    public static final class Sequential {
        private final Map<Integer, String> map = new HashMap<>();

        public void put(int n, String owner) {
            map.put(n, owner);
        }

        public String putIfAbsent(int n, String owner) {
            return map.putIfAbsent(n, owner);
        }

        public boolean replace(int n, String expected) {
            return map.replace(n, expected, other(expected));
        }

        public void remove(int n, String owner) {
            map.remove(n, owner);
        }

        public String get(int n) {
            return map.get(n);
        }
    }

    public static final class Numbers implements ParameterGenerator<Integer> {
        private final Random random;

        public Numbers(RandomProvider randoms, String configuration) {
            random = randoms.createRandom();
        }

        @Override
        public Integer generate() {
            return NUMBERS[random.nextInt(NUMBERS.length)];
        }
    }

    public static final class Owners implements ParameterGenerator<String> {
        private final Random random;

        public Owners(RandomProvider randoms, String configuration) {
            random = randoms.createRandom();
        }

        @Override
        public String generate() {
            return random.nextBoolean() ? FIRST : SECOND;
        }
    }
}
