package dev.vigil;

import dev.vigil.testing.TestNative;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Run by {@link EventWithoutProcTest} in a child JVM that has no {@code /proc}: tries what an
 * Event does there and prints one {@code case: outcome} line per case.
 */
public final class WithoutProcMain {
    private WithoutProcMain() {}

    public static void main(String[] args) throws Exception {
        System.out.println("proc: " + (Files.exists(Path.of("/proc/self")) ? "present" : "absent"));
        try (Event e = new Event(); Event d = e.duplicate()) {
            e.signal();
            System.out.println("new: " + d.await(Duration.ofSeconds(5)) + (e.equals(d) ? " equal" : " unequal")
                    + (e.hashCode() == d.hashCode() ? " same-hash" : " other-hash"));
            System.out.println("large-count: " + largeCount(e));
            int copy = TestNative.dup(e.rawDescriptor());
            System.out.println("adopt-eventfd: " + adopt(copy));
            System.out.println("adopt-eventfd-left-open: " + (TestNative.fcntl(copy, TestNative.F_GETFD) >= 0));
            TestNative.close(copy);
        }
        System.out.println("adopt-not-open: " + adopt(19_999));
        int[] pipe = TestNative.pipe();
        System.out.println("adopt-pipe: " + adopt(pipe[0]));
        TestNative.close(pipe[0]);
        TestNative.close(pipe[1]);
        System.out.println("done");
    }

    /** A count of 2^40 written and read back, or the exception. */
    private static String largeCount(Event e) {
        try {
            e.writeCount(1L << 40);
            return String.valueOf(e.readCount());
        } catch (Exception x) {
            return x.getClass().getName() + ": " + x.getMessage();
        }
    }

    private static String adopt(int fd) {
        try (Event adopted = Event.fromRawDescriptor(fd)) {
            return "adopted " + adopted;
        } catch (Exception x) {
            return x.getClass().getName() + ": " + x.getMessage();
        }
    }
}
