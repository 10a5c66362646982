package dev.vigil.bench;

import dev.vigil.Event;
import dev.vigil.ipc.Tube;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child JVM of {@link ProcessCompare}: {@code ProcessPeer SOCKET_PATH CPU}. Pins itself
 * to CPU (unless -1), connects, receives the Events {@code ping} and {@code pong}, answers
 * {@code "ready"}, then answers every ping with a pong until a wake-up carries a count other
 * than 1 (the parent's stop). With a third argument {@code raw}, it answers through bare FFM
 * {@code read}/{@code write} on the Events' numbers instead (a diagnostic without vigil); with
 * {@code direct}, through the same calls made straight to the kernel ({@link PlainEventFd.Direct}).
 */
public final class ProcessPeer {
    private ProcessPeer() {}

    public static void main(String[] args) throws Exception {
        int cpu = Integer.parseInt(args[1]);
        if (cpu >= 0) {
            Affinity.pinCurrentThread(cpu);
        }
        try (Tube tube = Tube.connect(Path.of(args[0]));
             Tube.Message events = tube.receive();
             Event ping = events.event(0);
             Event pong = events.event(1)) {
            tube.send("ready".getBytes(StandardCharsets.UTF_8));
            if (args.length > 2 && args[2].equals("direct")) {
                PlainEventFd.Direct d = new PlainEventFd.Direct();
                while (d.await(ping.rawDescriptor()) == 1) {
                    d.signal(pong.rawDescriptor());
                }
                return;
            }
            if (args.length > 2 && args[2].equals("raw")) {
                PlainEventFd.Buffers b = new PlainEventFd.Buffers(java.lang.foreign.Arena.ofAuto());
                PlainEventFd rawPing = new PlainEventFd(ping.rawDescriptor());
                PlainEventFd rawPong = new PlainEventFd(pong.rawDescriptor());
                while (rawPing.awaitCount(b) == 1) {
                    rawPong.signal(b);
                }
                return;
            }
            while (ping.readCount() == 1) {
                pong.signal();
            }
        }
    }
}
