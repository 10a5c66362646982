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
 * {@link #close()} closes the Tube (the child exits on end-of-stream), reaps the child,
 * killing it if it does not exit within 30 s, and removes the directory.
 */
final class DemoSession implements AutoCloseable {
    private final Path directory;
    private final TubeListener listener;
    private final Process child;
    private final Tube tube;
    private final Event ping;
    private final Event pong;
    private final SharedRing ring;

    private DemoSession(Path directory, TubeListener listener, Process child, Tube tube, Event ping, Event pong,
                        SharedRing ring) {
        this.directory = directory;
        this.listener = listener;
        this.child = child;
        this.tube = tube;
        this.ping = ping;
        this.pong = pong;
        this.ring = ring;
    }

    static DemoSession start(PrintStream err) throws IOException, InterruptedException {
        Path directory = Files.createTempDirectory("vigil-demo");
        TubeListener listener = null;
        Process child = null;
        Tube tube = null;
        Event ping = null;
        Event pong = null;
        SharedRing ring = null;
        try {
            listener = TubeListener.bind(directory.resolve("demo.sock"));
            child = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"),
                    DemoChild.class.getName(), listener.path().toString()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            err.printf("child process %d, meeting at %s%n", child.pid(), listener.path());
            tube = listener.accept();
            ping = new Event();
            pong = new Event();
            ring = SharedRing.create();
            tube.send(DemoCommand.HELLO.getBytes(StandardCharsets.UTF_8), ping, pong, ring);
            expect(tube, DemoCommand.READY);
            return new DemoSession(directory, listener, child, tube, ping, pong, ring);
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeAll(directory, listener, child, tube, ping, pong, ring);
            throw e;
        }
    }

    Event ping() {
        return ping;
    }

    Event pong() {
        return pong;
    }

    SharedRing ring() {
        return ring;
    }

    /** One doorbell round trip: signal {@code ping}, wait for the child's {@code pong}; returns its nanoseconds. */
    long roundTrip() throws IOException, InterruptedException {
        long before = System.nanoTime();
        ping.signal();
        pong.await();
        return System.nanoTime() - before;
    }

    /** Ends the child's ping-pong loop; it then consumes the ring. */
    void endPingPong() throws IOException {
        ring.setCommand(DemoCommand.END_PING_PONG);
        ping.signal();
    }

    /**
     * Publishes the end record and returns the child's summary of the ring latencies.
     */
    Latencies.Summary finishRing() throws IOException, InterruptedException {
        ring.publish(System.nanoTime(), SharedRing.END, ping, pong);
        String[] f = expect(tube, DemoCommand.RING_RESULT).split(" ");
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
     * Closes the Tube, reaps the child and removes the directory.
     *
     * @throws IOException if the child did not exit with status 0
     */
    @Override
    public void close() throws IOException, InterruptedException {
        tube.close(); // the child sees end-of-stream and exits
        boolean exited = child.waitFor(30, TimeUnit.SECONDS);
        closeAll(directory, listener, child, null, ping, pong, ring);
        if (!exited) {
            throw new IOException("the child process " + child.pid() + " did not exit within 30 s; it was killed");
        }
        if (child.exitValue() != 0) {
            throw new IOException("the child process exited with status " + child.exitValue());
        }
    }

    private static void closeAll(Path directory, TubeListener listener, Process child, Tube tube, Event ping,
                                 Event pong, SharedRing ring) throws IOException, InterruptedException {
        if (tube != null) tube.close();
        if (ping != null) ping.close();
        if (pong != null) pong.close();
        if (ring != null) ring.close();
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (listener != null) listener.close();
        Files.deleteIfExists(directory.resolve("demo.sock"));
        Files.deleteIfExists(directory);
    }
}
