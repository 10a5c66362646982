package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vigil demo} end to end, briefly: a child JVM, two Events, a ring; nothing here judges speed. */
class DemoCommandTest {
    @Test
    void theDemoRunsBothPhasesAgainstAChildProcessAndReapsIt() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long childrenBefore = ProcessHandle.current().children().count();
        int status = Main.run(List.of("demo", "--seconds", "0.3"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertTrue(text.contains("doorbell ping-pong"), text);
        assertTrue(text.contains("shared-memory ring"), text);
        assertEquals(2, text.split("p99\\.9", -1).length - 1, text);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("child process"), err.toString(StandardCharsets.UTF_8));
        assertEquals(childrenBefore, ProcessHandle.current().children().count(), "the child was reaped");
    }

    @Test
    void pingAcrossProcessesMeasuresTheCrossProcessRoundTrip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long childrenBefore = ProcessHandle.current().children().count();
        int status = Main.run(List.of("ping", "--processes", "--seconds", "0.2", "--warmup", "0"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("across two processes"), err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("p99.9"), out.toString(StandardCharsets.UTF_8));
        assertEquals(childrenBefore, ProcessHandle.current().children().count(), "the child was reaped");
    }

    @Test
    void aFlagGivenAValueIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, Main.run(List.of("ping", "--processes=yes"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--processes takes no value"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badDemoOptionsAreUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(List.of("demo", "--seconds", "0"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        String text = err.toString(StandardCharsets.UTF_8);
        // Main prints the command's own complaint, then that command's usage
        assertTrue(text.contains("vigil demo: --seconds must be more than 0, got '0'"), text);
        assertTrue(text.contains("vigil demo [--seconds N]"), text);
    }
}
