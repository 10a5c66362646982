package dev.vigil.ipc;

import dev.vigil.Event;
import dev.vigil.EventWaitResult;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The second JVM of {@link TubeInteropTest}: vigil on both sides of a Tube.
 *
 * <p>{@code TubePeerMain PATH}: connects to the listener at PATH, receives "ping" with an
 * Event, answers "pong" with an Event of its own, waits for the first Event, signals its
 * own, then expects end-of-stream. Reports each step on stdout; exits 0 when all went as
 * expected. {@code TubePeerMain PATH die}: receives "ping", then halts without closing
 * anything, mid-conversation.
 *
 * <p>The wait for the test's signal is bounded: if it never comes, the child reports
 * "await timed out" and exits with status 3, which closes its stdout and so also ends the
 * test's (uninterruptible) read of that stream.
 */
public final class TubePeerMain {
    private static final Duration AWAIT_LIMIT = Duration.ofSeconds(60);

    private TubePeerMain() {}

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        boolean die = args.length > 1 && args[1].equals("die");
        try (Tube tube = Tube.connect(path)) {
            System.out.println("connected");
            try (Tube.Message ping = tube.receive(); Event theirs = ping.event(0); Event mine = new Event()) {
                System.out.println("received " + new String(ping.bytes(), StandardCharsets.UTF_8) + " " + ping.descriptorCount());
                if (die) {
                    Runtime.getRuntime().halt(9);
                }
                tube.send("pong".getBytes(StandardCharsets.UTF_8), mine);
                if (theirs.await(AWAIT_LIMIT) != EventWaitResult.SIGNALED) {
                    System.out.println("await timed out");
                    System.exit(3);
                }
                System.out.println("signalled");
                mine.signal();
            }
            try {
                tube.receive().close();
                System.out.println("unexpected message");
                System.exit(2);
            } catch (EOFException expected) {
                System.out.println("eof");
            }
        }
    }
}
