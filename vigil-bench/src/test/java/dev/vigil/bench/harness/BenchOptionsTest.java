package dev.vigil.bench.harness;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchOptionsTest {
    private static final Defaults ROUND_TRIPS = Defaults.roundTrips(10_000, 2_000,
            new Defaults.Option("--fds", "0,1", "descriptors"), new Defaults.Option("--diagnostic", "false", "more"));
    private static final Defaults NO_PLACEMENTS = new Defaults(7, Defaults.NOT_TAKEN, 20_000, null,
            List.of(new Defaults.Option("--iterations", "200000", "waits")));

    @Test
    void defaultsApplyUntilAnOptionSaysOtherwiseInEitherForm() {
        BenchOptions o = BenchOptions.parse(List.of("--rounds", "3", "--placements=same", "--fds", "1"), ROUND_TRIPS);
        assertEquals(3, o.rounds());
        assertEquals(10_000, o.trips());
        assertEquals(2_000, o.warmup());
        assertEquals(List.of(Placement.SAME), o.placements());
        assertArrayEquals(new int[] {1}, o.integers("--fds"));
        assertEquals(false, o.flag("--diagnostic"));
        assertEquals(List.of(), o.peers());
        assertEquals(Duration.ofSeconds(60), o.timeout());
    }

    @Test
    void peersAreTrimmedAndLowerCasedAndTimeoutTakesFractions() {
        BenchOptions o = BenchOptions.parse(List.of("--peers", " Vigil ,receive()", "--timeout", "0.5"), ROUND_TRIPS);
        assertEquals(List.of("vigil", "receive()"), o.peers());
        assertEquals(Duration.ofMillis(500), o.timeout());
    }

    @Test
    void aSuiteWithoutPlacementsOrTripsRefusesThemAndRunsUnpinned() {
        BenchOptions o = BenchOptions.parse(List.of("--iterations", "5"), NO_PLACEMENTS);
        assertEquals(List.of(Placement.FREE), o.placements());
        assertEquals(Defaults.NOT_TAKEN, o.trips());
        assertEquals(5, o.integer("--iterations"));
        for (String option : List.of("--trips", "--placements", "--fds")) {
            UsageException e = assertThrows(UsageException.class, () -> BenchOptions.parse(List.of(option, "1"), NO_PLACEMENTS));
            assertTrue(e.getMessage().startsWith("unknown option " + option + "; this suite takes --rounds, --warmup,"),
                    e.getMessage());
        }
    }

    @Test
    void badValuesAreUsageErrorsNamingTheOption() {
        List<List<String>> bad = List.of(List.of("--rounds", "0"), List.of("--trips", "x"), List.of("--warmup", "-1"),
                List.of("--placements", "cross,elsewhere"), List.of("--timeout", "0"), List.of("--rounds"),
                List.of("extra"));
        for (List<String> args : bad) {
            assertThrows(UsageException.class, () -> BenchOptions.parse(args, ROUND_TRIPS), args.toString());
        }
        BenchOptions o = BenchOptions.parse(List.of("--diagnostic", "yes", "--fds", "one"), ROUND_TRIPS);
        assertThrows(UsageException.class, () -> o.flag("--diagnostic"));
        assertThrows(UsageException.class, () -> o.integers("--fds"));
    }
}
