package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.bench.harness.Affinity;
import dev.vigil.ipc.Tube;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child JVM of {@link ProcessSuite}: {@code ProcessChild SOCKET_PATH CPU [MODE]}. Pins
 * itself to CPU (unless -1), connects, receives the Events {@code ping} and {@code pong},
 * answers {@code "ready"}, then answers every ping with a pong until a wake-up carries a
 * count other than 1 (the parent's stop). With MODE {@code raw}, it answers through bare FFM
 * {@code read}/{@code write} on the Events' numbers instead (a diagnostic without vigil);
 * with {@code direct}, through the same calls made straight to the kernel
 * ({@link PlainEventFd.Direct}).
 *
 * <p>A daemon thread waits on the Tube meanwhile: the parent never sends on it again, so the
 * wait ends only when the parent's end closes, which before the stop means the parent died;
 * the child then exits instead of waiting for ever for a ping.
 */
public final class ProcessChild {
    private ProcessChild() {}

    private static volatile boolean finished;

    public static void main(String[] args) throws Exception {
        int cpu = Integer.parseInt(args[1]);
        if (cpu >= 0) {
            Affinity.pinCurrentThread(cpu);
        }
        String mode = args.length > 2 ? args[2] : "vigil";
        try (Tube tube = Tube.connect(Path.of(args[0]));
             Tube.Message events = tube.receive();
             Event ping = events.event(0);
             Event pong = events.event(1)) {
            tube.send("ready".getBytes(StandardCharsets.UTF_8));
            Thread.ofPlatform().name("parent-watch").daemon().start(() -> watchParent(tube));
            answer(mode, ping, pong);
            finished = true;
        }
    }

    private static void answer(String mode, Event ping, Event pong) throws IOException, InterruptedException {
        switch (mode) {
            case "direct" -> {
                PlainEventFd.Direct d = new PlainEventFd.Direct();
                while (d.await(ping.rawDescriptor()) == 1) {
                    d.signal(pong.rawDescriptor());
                }
            }
            case "raw" -> {
                PlainEventFd.Buffers b = new PlainEventFd.Buffers(Arena.ofAuto());
                PlainEventFd rawPing = new PlainEventFd(ping.rawDescriptor());
                PlainEventFd rawPong = new PlainEventFd(pong.rawDescriptor());
                while (rawPing.awaitCount(b) == 1) {
                    rawPong.signal(b);
                }
            }
            default -> {
                while (ping.readCount() == 1) {
                    pong.signal();
                }
            }
        }
    }

    /** Blocks until the parent's end of the Tube closes; before the stop, that means the parent died. */
    private static void watchParent(Tube tube) {
        try {
            tube.receive().close();
        } catch (IOException | InterruptedException | RuntimeException e) {
            // end of stream, or this end closed at the finish
        }
        if (!finished) {
            System.err.println("ProcessChild: the parent process has gone; exiting");
            Runtime.getRuntime().halt(3);
        }
    }
}
