package dev.vigil;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Without {@code /proc} an Event still works, and adopting a descriptor fails with the true
 * reason: whether a number is open is the kernel's answer ({@code fcntl}), and what the
 * descriptor is needs {@code /proc}, which the error names. The child JVM
 * ({@link WithoutProcMain}) runs in a mount namespace of its own with an empty tmpfs over
 * {@code /proc} (this needs the right to make one: root here; elsewhere the test is skipped).
 */
class EventWithoutProcTest {
    private static final long CHILD_LIMIT_SECONDS = 30;

    @Test
    void withoutProcAdoptionNamesProcInsteadOfCallingAnOpenEventfdNotOpen() throws Exception {
        Map<String, String> out = runWithoutProc(WithoutProcMain.class);
        String all = out.toString();
        assertEquals("absent", out.get("proc"), all);
        assertEquals("done", out.get("end"), all);
        assertEquals("SIGNALED equal same-hash", out.get("new"), "a new Event works without /proc: " + all);
        assertEquals(String.valueOf(1L << 40), out.get("large-count"), "writeCount needs no /proc: " + all);

        String eventfd = out.get("adopt-eventfd");
        assertTrue(eventfd.startsWith("java.io.IOException: ") && eventfd.contains("/proc")
                && !eventfd.contains("not open"), eventfd);
        assertEquals("true", out.get("adopt-eventfd-left-open"), "a refused descriptor stays the caller's");

        String pipe = out.get("adopt-pipe");
        assertTrue(pipe.startsWith("java.io.IOException: ") && pipe.contains("/proc"), pipe);

        String notOpen = out.get("adopt-not-open");
        assertTrue(notOpen.startsWith("java.lang.IllegalArgumentException: ") && notOpen.contains("not open"), notOpen);
    }

    /**
     * Runs {@code main} in a child JVM that sees an empty {@code /proc}; returns its
     * {@code case: outcome} lines as a map (a last line "done" as {@code end: done}).
     */
    static Map<String, String> runWithoutProc(Class<?> main) throws Exception {
        Assumptions.assumeTrue(canHideProc(), "cannot make a mount namespace with /proc hidden here (needs CAP_SYS_ADMIN and unshare)");
        Path javaHome = Path.of(System.getProperty("java.home"));
        ProcessBuilder pb = new ProcessBuilder(List.of("unshare", "--mount", "--propagation", "private", "--",
                "sh", "-c", "mount -t tmpfs none /proc && exec \"$0\" \"$@\"",
                javaHome.resolve("bin").resolve("java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), main.getName()))
                .redirectErrorStream(true);
        // The dynamic loader finds the launcher's libraries ($ORIGIN/../lib) from the program's
        // own path, which it reads from /proc/self/exe; without /proc, glibc takes it from here.
        pb.environment().put("LD_ORIGIN_PATH", javaHome.resolve("bin").toString());
        Process child = pb.start();
        try {
            child.getOutputStream().close();
            CompletableFuture<String> output = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    output.complete(new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    output.completeExceptionally(e);
                }
            });
            if (!child.waitFor(CHILD_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                fail("the child JVM without /proc did not finish within " + CHILD_LIMIT_SECONDS + " s");
            }
            String text = output.get(CHILD_LIMIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(0, child.exitValue(), "the child JVM failed:\n" + text);
            Map<String, String> lines = new TreeMap<>();
            for (String line : text.split("\n")) {
                int colon = line.indexOf(": ");
                if (line.equals("done")) {
                    lines.put("end", "done");
                } else if (colon > 0) {
                    lines.put(line.substring(0, colon), line.substring(colon + 2));
                }
            }
            return lines;
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly().waitFor(CHILD_LIMIT_SECONDS, TimeUnit.SECONDS);
            }
            child.getInputStream().close();
            child.getErrorStream().close();
        }
    }

    private static boolean canHideProc() {
        try {
            Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--",
                    "sh", "-c", "mount -t tmpfs none /proc").redirectErrorStream(true).start();
            try {
                p.getOutputStream().close();
                p.getInputStream().readAllBytes();
                return p.waitFor(CHILD_LIMIT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0;
            } finally {
                p.destroyForcibly();
                p.getInputStream().close();
                p.getErrorStream().close();
            }
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
