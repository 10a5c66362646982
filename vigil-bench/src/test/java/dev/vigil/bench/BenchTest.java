package dev.vigil.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line of {@code ./vigil bench}: suites, help and usage errors; nothing here measures. */
class BenchTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int bench(String... args) {
        return Bench.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEverySuiteWithItsOptions() {
        assertEquals(0, bench("help"));
        for (String suite : List.of("event", "waitcontext", "tube", "processes", "wake", "dispatch")) {
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("./vigil bench " + suite + " [options]"), suite);
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--iterations 200000"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--timeout 60"));
    }

    @Test
    void noSuiteOrAnUnknownOneIsAUsageError() {
        assertEquals(2, bench());
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("usage: ./vigil bench <suite>"));
        for (String[] args : List.of(new String[] {"bogus"}, new String[] {"help", "bogus"})) {
            err.reset();
            assertEquals(2, bench(args));
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("vigil bench: unknown suite 'bogus'\n"));
        }
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpOfOneSuiteListsItsOptionsOnly() {
        assertEquals(0, bench("help", "tube"));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("./vigil bench tube [options]: "), text);
        assertTrue(text.contains("  --fds 0,1 "), text);
        assertTrue(!text.contains("--iterations"), text);
    }

    @Test
    void anOptionTheSuiteDoesNotTakeIsAUsageErrorWithTheSuitesUsage() {
        assertEquals(2, bench("dispatch", "--trips", "10"));
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("vigil bench dispatch: unknown option --trips;"), text);
        assertTrue(text.contains("./vigil bench dispatch [options]"), text);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everySuiteHasADistinctName() {
        assertEquals(Bench.SUITES.size(), Bench.SUITES.stream().map(s -> s.name()).distinct().count());
    }
}
