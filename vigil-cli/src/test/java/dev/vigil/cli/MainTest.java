package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Command dispatch and option errors; nothing here measures. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int vigil(String... args) {
        return Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noArgumentsAndHelpPrintTheUsageListingEveryCommandAndOption() {
        for (String[] args : List.of(new String[0], new String[] {"help"}, new String[] {"--help"})) {
            out.reset();
            assertEquals(0, vigil(args));
            assertTrue(out().contains("ping"), out());
            assertTrue(out().contains("--seconds"), out());
            assertTrue(out().contains("--warmup"), out());
        }
    }

    @Test
    void theUsageNamesTheLauncherCommandsAndThisProgramPointsToTheLauncherForThem() {
        assertEquals(0, vigil("help"));
        assertTrue(out().contains("  bench  (./vigil launcher only) compare vigil with C and the JDK: ./vigil bench help"), out());
        assertTrue(out().contains("  test   (./vigil launcher only)"), out());
        for (String command : List.of("bench", "test")) {
            err.reset();
            assertEquals(2, vigil(command, "event"));
            assertEquals("vigil: '" + command + "' is run by the ./vigil launcher script at the repository root: ./vigil "
                    + command + " ...\n", err());
        }
    }

    @Test
    void anUnknownCommandPrintsTheUsageOnStderrAndExits2() {
        assertEquals(2, vigil("bogus"));
        assertTrue(err().startsWith("vigil: unknown command 'bogus'\n"), err());
        assertTrue(err().contains("usage: vigil"), err());
        assertEquals("", out());
    }

    @Test
    void badPingOptionsAreUsageErrorsWithExit2() {
        List<List<String>> bad = List.of(List.of("--seconds", "x"), List.of("--seconds", "-1"),
                List.of("--seconds", "0"), List.of("--warmup=-1"), List.of("--sekonds", "1"),
                List.of("--seconds"), List.of("extra"), List.of("--seconds", "1e30"));
        for (List<String> options : bad) {
            err.reset();
            String[] args = new String[options.size() + 1];
            args[0] = "ping";
            for (int i = 0; i < options.size(); i++) {
                args[i + 1] = options.get(i);
            }
            assertEquals(2, vigil(args), options.toString());
            assertTrue(err().startsWith("vigil ping: "), err());
            assertEquals(1, err().lines().takeWhile(line -> !line.isEmpty()).count(), "one line of error: " + err());
            assertTrue(err().contains("vigil ping [--seconds N]"), err());
        }
    }

    @Test
    void pingAcceptsBothOptionForms() throws UsageException {
        Options options = Options.parse(List.of("--seconds", "2.5", "--warmup=0"), java.util.Set.of("--seconds", "--warmup"));
        assertEquals(java.time.Duration.ofMillis(2500), options.seconds("--seconds", null, false));
        assertEquals(java.time.Duration.ZERO, options.seconds("--warmup", null, true));
    }

    @Test
    void microsecondsHaveOneDecimal() {
        assertEquals("71.2", Measurement.micros(71_234));
        assertEquals("1,234.6", Measurement.micros(1_234_567));
    }
}
