package dev.vigil.cli;

import dev.vigil.Event;
import dev.vigil.ipc.Tube;
import dev.vigil.ipc.TubeListener;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The parent's side of a {@link DemoChild}: a listener in a fresh private directory, the
 * child JVM (same class path), the Tube to it, the two doorbell Events and the shared ring.
 * Used by {@code vigil demo} and {@code vigil ping --processes}.
 *
 * <p>{@link #start} returns once the child holds its copies of both Events and the ring.
 * After {@link #finishRing()}, {@link #close()} closes the Tube (the child exits on
 * end-of-stream), reaps the child, killing it if it does not exit within 30 s, and removes
 * the directory. Closing earlier abandons the session: the child is killed at once.
 *
 * <h2>A child that dies</h2>
 * This process holds its own copies of the Events, so the child's death alone wakes none of
 * its waits. A callback on the child's exit therefore closes the listener and both Events
 * unless the session is already closing: a wait in {@code accept}, on {@code pong} or for
 * space in the ring ends with a {@link dev.vigil.ClosedException}, and a wait on the Tube
 * sees end-of-stream anyway. Every method here turns such a failure, once the child is
 * known to have exited, into an IOException that names the child and its exit status.
 */
final class DemoSession implements AutoCloseable {
    private static final String SOCKET = "demo.sock";
    /** How long a graceful close waits for the child to exit after end-of-stream. */
    private static final long EXIT_SECONDS = 30;
    /** How long to wait for a killed child to be reaped. */
    private static final long KILL_SECONDS = 10;
    /**
     * How long a failed call waits for the child's exit before reporting the failure as it
     * is: end-of-stream on the Tube can arrive a moment before the child is reaped.
     */
    private static final long DEATH_SECONDS = 2;

    private final Path directory;
    private TubeListener listener;
    private Event ping;
    private Event pong;
    private SharedRing ring;
    private Process child;
    private Tube tube;
    /** Set by {@link #close()}; from then on the child's exit is expected. */
    private volatile boolean closing;
    /** Set by {@link #finishRing()}: the child has done its part and may exit by itself. */
    private boolean finished;

    private DemoSession(Path directory) {
        this.directory = directory;
    }

    static DemoSession start(PrintStream err) throws IOException, InterruptedException {
        DemoSession session = new DemoSession(Files.createTempDirectory("vigil-demo"));
        try {
            session.meetChild(err);
            return session;
        } catch (IOException | InterruptedException | RuntimeException e) {
            try {
                session.close();
            } catch (IOException | InterruptedException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Starts the child and hands it the Events and the ring. */
    private void meetChild(PrintStream err) throws IOException, InterruptedException {
        // Everything the exit callback closes exists before the child does.
        listener = TubeListener.bind(directory.resolve(SOCKET));
        ping = new Event();
        pong = new Event();
        ring = SharedRing.create();
        child = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                DemoChild.class.getName(), listener.path().toString()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        child.onExit().thenRun(this::childExited);
        err.printf("child process %d, meeting at %s%n", child.pid(), listener.path());
        try {
            tube = listener.accept();
            tube.send(DemoCommand.HELLO.getBytes(StandardCharsets.UTF_8), ping, pong, ring);
            expect(tube, DemoCommand.READY);
        } catch (IOException e) {
            throw explained(e);
        }
    }

    /** Runs on the child's exit: unless that was expected, wakes every wait of this process on it. */
    private void childExited() {
        if (!closing) {
            listener.close();
            ping.close();
            pong.close();
        }
    }

    /** One doorbell round trip: signal {@code ping}, wait for the child's {@code pong}; returns its nanoseconds. */
    long roundTrip() throws IOException, InterruptedException {
        try {
            long before = System.nanoTime();
            ping.signal();
            pong.await();
            return System.nanoTime() - before;
        } catch (IOException e) {
            throw explained(e);
        }
    }

    /** Ends the child's ping-pong loop; it then consumes the ring. */
    void endPingPong() throws IOException, InterruptedException {
        try {
            ring.setCommand(DemoCommand.END_PING_PONG);
            ping.signal();
        } catch (IOException e) {
            throw explained(e);
        }
    }

    /** Appends one record to the ring, waiting while it is full. */
    void publish(long stamp, long sequence) throws IOException, InterruptedException {
        try {
            ring.publish(stamp, sequence, ping, pong);
        } catch (IOException e) {
            throw explained(e);
        }
    }

    /**
     * Publishes the end record and returns the child's summary of the ring latencies.
     */
    Latencies.Summary finishRing() throws IOException, InterruptedException {
        String[] f;
        try {
            ring.publish(System.nanoTime(), SharedRing.END, ping, pong);
            f = expect(tube, DemoCommand.RING_RESULT).split(" ");
        } catch (IOException e) {
            throw explained(e);
        }
        finished = true;
        return new Latencies.Summary(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]));
    }

    /** Receives one message and checks that it is {@code word} or starts with it; returns its text. */
    private static String expect(Tube tube, String word) throws IOException, InterruptedException {
        try (Tube.Message m = tube.receive()) {
            String text = new String(m.bytes(), StandardCharsets.UTF_8);
            if (!text.equals(word) && !text.startsWith(word + " ")) {
                throw new IOException("the child sent \"" + text + "\" where \"" + word + "\" was expected");
            }
            return text;
        }
    }

    /**
     * {@code failure}, or, if the child has exited (waiting briefly for that), an exception
     * that says so, with {@code failure} as its cause.
     */
    private IOException explained(IOException failure) throws InterruptedException {
        if (child == null || !child.waitFor(DEATH_SECONDS, TimeUnit.SECONDS)) {
            return failure;
        }
        int status = child.exitValue();
        String signal = status > 128 && status < 128 + 65 ? " (killed by signal " + (status - 128) + ")" : "";
        return new IOException("the child process " + child.pid() + " exited early, with status " + status + signal,
                failure);
    }

    /**
     * Reaps the child and releases everything. After {@link #finishRing()}: closes the Tube,
     * on which the child exits, and waits up to 30 s for it. Before: kills the child at once,
     * since whatever ended the session early is already being reported.
     *
     * @throws IOException if the session finished but the child did not exit with status 0
     */
    @Override
    public void close() throws IOException, InterruptedException {
        closing = true;
        boolean exitedInTime = true;
        try {
            if (tube != null) {
                tube.close(); // a child that finished sees end-of-stream and exits
            }
            if (child != null) {
                if (finished) {
                    exitedInTime = child.waitFor(EXIT_SECONDS, TimeUnit.SECONDS);
                }
                if (child.isAlive()) {
                    child.destroyForcibly().waitFor(KILL_SECONDS, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (ping != null) ping.close();
            if (pong != null) pong.close();
            if (ring != null) ring.close();
            if (listener != null) listener.close();
            Files.deleteIfExists(directory.resolve(SOCKET));
            Files.deleteIfExists(directory);
        }
        if (!finished) {
            return;
        }
        if (!exitedInTime) {
            throw new IOException("the child process " + child.pid() + " did not exit within " + EXIT_SECONDS
                    + " s; it was killed");
        }
        if (child.exitValue() != 0) {
            throw new IOException("the child process " + child.pid() + " exited with status " + child.exitValue());
        }
    }
}
