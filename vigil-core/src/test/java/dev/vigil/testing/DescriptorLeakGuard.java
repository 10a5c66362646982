package dev.vigil.testing;

import dev.vigil.internal.Parker;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fails any test that leaves a descriptor open: compares {@code /proc/self/fd} before and
 * after every test of the suite (registered for all tests through the service loader and
 * JUnit's extension autodetection) and names each leaked number and what it refers to.
 *
 * <p>The process-wide default reactor (an epoll and an eventfd that live as long as the
 * process) is started before the first snapshot, so the test that happens to use it first
 * is not blamed for it.
 *
 * <p>Regular files are ignored: the class loader opens jar files lazily while tests run.
 * So are {@code /dev/random} and {@code /dev/urandom}, which the JDK's {@code SecureRandom}
 * opens once and keeps for the life of the process.
 * Workers the test left running ({@link Worker}) are ended first.
 * Idle wake descriptors of the wait pool are closed first ({@link Parker#trimPool()}); a
 * short grace period lets threads that a test has already told to stop leave the kernel.
 */
public final class DescriptorLeakGuard implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DescriptorLeakGuard.class);

    @Override
    public void beforeEach(ExtensionContext context) throws java.io.IOException {
        dev.vigil.reactor.Reactor.defaultHandle();
        Parker.trimPool();
        context.getStore(NS).put("before", snapshot());
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = context.getStore(NS).get("before", Map.class);
        Worker.endAll(); // a failed test's workers first: they may hold descriptors
        Map<Integer, String> leaked = Map.of();
        for (int attempt = 0; attempt < 50; attempt++) {
            Parker.trimPool();
            leaked = difference(before, snapshot());
            if (leaked.isEmpty()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("descriptors leaked by " + context.getDisplayName() + ": " + leaked);
    }

    private static Map<Integer, String> difference(Map<Integer, String> before, Map<Integer, String> after) {
        Map<Integer, String> leaked = new TreeMap<>();
        after.forEach((fd, what) -> {
            if (!what.equals(before.get(fd))) {
                leaked.put(fd, what);
            }
        });
        return leaked;
    }

    /** Open descriptors that are not regular files: number to link target. */
    public static Map<Integer, String> snapshot() {
        Map<Integer, String> fds = new TreeMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    boolean jdkRandom = target.equals("/dev/random") || target.equals("/dev/urandom");
                    if (!jdkRandom && (!target.startsWith("/") || target.startsWith("/dev/") || target.startsWith("/memfd:"))) {
                        fds.put(Integer.parseInt(p.getFileName().toString()), target);
                    }
                } catch (IOException gone) {
                    // the descriptor used to list the directory itself, or one closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
        return fds;
    }
}
