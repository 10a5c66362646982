package dev.vigil.ipc;

import dev.vigil.ErrnoException;
import dev.vigil.testing.TestNative;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link TubeDescriptorLimitTest}: meets a Tube at its process's
 * descriptor limit, as the first use of {@link Tube.PeerCredentials#sameUser()} in the
 * process.
 *
 * <p>{@code DescriptorLimitMain DIR bind}: with one free descriptor number, binds a
 * listener; then, with none, binds another. {@code DescriptorLimitMain DIR connect}: with
 * no free number, connects to a listener bound beforehand; then, with one, connects again.
 * Prints one line per step: {@code bound}/{@code connected}, or the exception (with its
 * errno name for an {@link ErrnoException}).
 *
 * <p>Everything those steps load is loaded before the table is filled (a class file needs
 * a descriptor to be read), without learning the user id, so the steps are still the
 * process's first to need it. The soft {@code RLIMIT_NOFILE} is lowered to a little above
 * the numbers in use, so that filling the table takes few opens.
 */
public final class DescriptorLimitMain {
    private DescriptorLimitMain() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String scenario = args[1];
        warmUp(dir);
        try (TubeListener meet = TubeListener.bind(dir.resolve("meet.sock"), c -> true)) {
            long[] limit = TestNative.noFileLimit();
            List<Integer> held = new ArrayList<>();
            TestNative.setNoFileLimit(highestOpenNumber() + 33, limit[1]);
            try {
                if (scenario.equals("bind")) {
                    leaveFree(held, 1);
                    System.out.println("bind with 1 free: " + outcome(() -> TubeListener.bind(dir.resolve("one.sock")), "bound"));
                    leaveFree(held, 0);
                    System.out.println("bind with 0 free: " + outcome(() -> TubeListener.bind(dir.resolve("none.sock")), "bound"));
                } else {
                    leaveFree(held, 0);
                    System.out.println("connect with 0 free: " + outcome(() -> Tube.connect(meet.path()), "connected"));
                    leaveFree(held, 1);
                    System.out.println("connect with 1 free: " + outcome(() -> Tube.connect(meet.path()), "connected"));
                }
            } finally {
                for (int fd : held) {
                    TestNative.close(fd);
                }
                TestNative.setNoFileLimit(limit[0], limit[1]);
            }
        }
        System.out.flush();
    }

    private interface Step {
        AutoCloseable run() throws Exception;
    }

    /** What the step did: {@code success} (its result closed again), or the exception it threw. */
    private static String outcome(Step step, String success) {
        try (AutoCloseable made = step.run()) {
            return success;
        } catch (ErrnoException e) {
            return "ErrnoException " + e.errnoName();
        } catch (Throwable t) {
            return t.toString();
        }
    }

    /** Loads and initializes what the steps use (binding, connecting, failing), without learning the user id. */
    private static void warmUp(Path dir) throws Exception {
        try (TubeListener warm = TubeListener.bind(dir.resolve("warm.sock"), c -> true);
             Tube connected = Tube.connect(warm.path(), c -> true);
             Tube accepted = warm.accept()) {
            connected.send(new byte[] {1});
            accepted.receive().close();
        }
        try (Tube.Pair pair = Tube.pair()) {
            pair.first().peerCredentials();
        }
        try {
            Tube.connect(dir.resolve("nobody.sock"), c -> true).close();
        } catch (ErrnoException expected) {
            // ENOENT: the error path is loaded too
        }
        new ErrnoException("warm-up", TestNative.EMFILE).getMessage();
        new IllegalStateException("warm-up", new IOException()).toString();
        outcome(() -> () -> { }, "");
        TestNative.close(TestNative.tryOpen("/dev/null"));
        new ArrayList<>(List.of(1)).removeLast();
    }

    private static int highestOpenNumber() throws IOException {
        int highest = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : fds) {
                highest = Math.max(highest, Integer.parseInt(p.getFileName().toString()));
            }
        }
        return highest;
    }

    /** Takes every free number below the limit, then gives back {@code free} of them. */
    private static void leaveFree(List<Integer> held, int free) {
        for (;;) {
            int fd = TestNative.tryOpen("/dev/null");
            if (fd < 0) {
                if (-fd != TestNative.EMFILE) {
                    throw new IllegalStateException("open failed with errno " + -fd);
                }
                break;
            }
            held.add(fd);
        }
        for (int i = 0; i < free; i++) {
            TestNative.close(held.removeLast());
        }
    }
}
