package dev.vigil.internal;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** FdMap agrees with a HashMap through long random runs of puts and removes (dense and sparse numbers). */
class FdMapTest {
    @Test
    void agreesWithAHashMapOverRandomPutsAndRemoves() {
        for (int range : new int[] {8, 100, 5_000, 1 << 24}) {
            Random random = new Random(range);
            FdMap<String> map = new FdMap<>();
            Map<Integer, String> model = new HashMap<>();
            for (int step = 0; step < 200_000; step++) {
                int fd = random.nextInt(range);
                switch (random.nextInt(4)) {
                    case 0, 1 -> assertEquals(model.put(fd, "v" + step), map.put(fd, "v" + step), "put " + fd);
                    case 2 -> assertEquals(model.remove(fd), map.remove(fd), "remove " + fd);
                    default -> assertEquals(model.get(fd), map.get(fd), "get " + fd);
                }
                assertEquals(model.size(), map.size());
            }
            for (Map.Entry<Integer, String> e : model.entrySet()) {
                assertEquals(e.getValue(), map.get(e.getKey()));
            }
        }
    }

    @Test
    void removeWithAnExpectedValueRemovesOnlyThatValue() {
        FdMap<String> map = new FdMap<>();
        String a = "a";
        map.put(3, a);
        assertNull(map.remove(3, "other"));
        assertEquals(a, map.get(3));
        assertEquals(a, map.remove(3, a));
        assertNull(map.get(3));
    }

    @Test
    void negativeNumbersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FdMap<String>().put(-1, "x"));
    }
}
