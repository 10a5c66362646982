package dev.vigil.ipc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Meeting at a path when the process is out of descriptor numbers: bind and connect need
 * only the number they keep, and running out is an {@code ErrnoException} naming
 * {@code EMFILE}. Each case runs in a child JVM ({@link DescriptorLimitMain}) whose table
 * is filled, so that this JVM keeps its numbers and the case is that process's first use
 * of the user id.
 */
class TubeDescriptorLimitTest {
    @TempDir
    Path dir;

    @Test
    void theFirstBindOfAProcessNeedsOnlyTheNumberItKeepsAndRunningOutIsEMFILE() throws Exception {
        assertEquals(List.of("bind with 1 free: bound", "bind with 0 free: ErrnoException EMFILE"), runChild("bind"));
    }

    @Test
    void theFirstConnectOfAProcessWithNoNumberLeftIsEMFILEAndOneNumberIsEnough() throws Exception {
        assertEquals(List.of("connect with 0 free: ErrnoException EMFILE", "connect with 1 free: connected"), runChild("connect"));
    }

    /** The child's report, one line per step; it must end within a minute. */
    private List<String> runChild(String scenario) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                DescriptorLimitMain.class.getName(), dir.toString(), scenario)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child did not finish within a minute");
            try (BufferedReader out = child.inputReader(StandardCharsets.UTF_8)) {
                List<String> lines = out.lines().toList();
                assertEquals(0, child.exitValue(), "child failed; it printed " + lines);
                return lines;
            }
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            child.getOutputStream().close();
            child.getInputStream().close();
            child.getErrorStream().close();
        }
    }
}
