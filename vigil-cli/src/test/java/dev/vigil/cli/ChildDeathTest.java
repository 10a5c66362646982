package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vigil demo} and {@code vigil ping --processes} when the child JVM dies under them:
 * the test kills the child with SIGKILL at a chosen moment and expects the command to end
 * on its own with status 1, a one-line error naming the child, no stack trace, the child
 * reaped and the meeting directory gone. The deadline is only there to turn a hang into a
 * failure; nothing here judges speed.
 */
class ChildDeathTest {
    /** Far longer than any of these runs needs, far shorter than a phase of {@link #LONG_PHASE} seconds. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** A phase length the command could never finish before the deadline. */
    private static final String LONG_PHASE = "600";
    private static final Pattern MEETING = Pattern.compile("meeting at (\\S+)");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void theDemoEndsWhenTheChildDiesBeforeConnecting() {
        // Killed as soon as it shows up: the parent is still waiting in accept() for it.
        runAndKill(List.of("demo", "--seconds", LONG_PHASE), "vigil demo: ", "");
    }

    @Test
    void theDemoEndsWhenTheChildDiesDuringThePingPong() {
        runAndKill(List.of("demo", "--seconds", LONG_PHASE), "vigil demo: ", "doorbell ping-pong  1 s");
    }

    @Test
    void theDemoEndsWhenTheChildDiesWhileTheRingIsInUse() {
        // Three-second phases; the child dies a second into the ring. The ring then fills up
        // and the parent waits for space; had the phase ended first, it would wait for
        // results that never come.
        runAndKill(List.of("demo", "--seconds", "3"), "vigil demo: ", "shared-memory ring  1 s");
    }

    @Test
    void pingAcrossProcessesEndsWhenTheChildDies() {
        runAndKill(List.of("ping", "--processes", "--warmup", "0", "--seconds", LONG_PHASE), "vigil ping: ",
                "1/" + LONG_PHASE + " s");
    }

    /**
     * Runs the command line; once stderr contains {@code killWhen} (immediately if empty),
     * kills the child JVM; then checks how the command ended.
     */
    private void runAndKill(List<String> args, String prefix, String killWhen) {
        long childrenBefore = ProcessHandle.current().children().count();
        AtomicInteger status = new AtomicInteger(Integer.MIN_VALUE);
        Thread killer = Thread.ofPlatform().name("child-killer").start(() -> killChildWhen(killWhen));
        try {
            assertTimeoutPreemptively(DEADLINE, () -> status.set(Main.run(args,
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8))), this::err);
        } finally {
            killer.interrupt();
        }
        String err = err();
        assertEquals(1, status.get(), err);
        String last = err.lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith(prefix + "the child process "), "one line naming the child:\n" + err);
        assertTrue(last.contains("status 137"), "its exit status (SIGKILL):\n" + err);
        assertFalse(err.contains("\tat "), "no stack trace:\n" + err);
        assertEquals(childrenBefore, ProcessHandle.current().children().count(), "the child was reaped");
        Matcher meeting = MEETING.matcher(err);
        assertTrue(meeting.find(), err);
        Path socket = Path.of(meeting.group(1));
        assertFalse(Files.exists(socket.getParent()), "the meeting directory was removed: " + socket.getParent());
    }

    /** Kills the demo's child JVM once stderr contains {@code marker}. Ends quietly if interrupted. */
    private void killChildWhen(String marker) {
        try {
            ProcessHandle child = null;
            while (child == null) {
                child = demoChild().orElse(null);
                Thread.sleep(5);
            }
            while (!err().contains(marker)) {
                Thread.sleep(5);
            }
            assertNotEquals(ProcessHandle.current().pid(), child.pid());
            child.destroyForcibly();
        } catch (InterruptedException e) {
            // the command ended first (that would be a failure of its own, reported by the test)
        }
    }

    private static Optional<ProcessHandle> demoChild() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(DemoChild.class.getName()))
                        .orElse(false))
                .findFirst();
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
