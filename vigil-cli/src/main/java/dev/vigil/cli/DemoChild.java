package dev.vigil.cli;

import dev.vigil.Event;
import dev.vigil.ipc.Tube;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The child process of {@code vigil demo} (see {@link DemoCommand}), started by the parent
 * from the same class path: {@code DemoChild SOCKET_PATH}.
 *
 * <ol>
 *   <li>Connects to the parent's listener and receives {@code "vigil-demo"} with three
 *       descriptors: the doorbell {@code ping} (parent to child, also "data ready"), the
 *       doorbell {@code pong} (child to parent, also "space ready") and the ring's memfd.
 *       Answers {@code "ready"}.</li>
 *   <li>Doorbell ping-pong: waits for {@code ping}, answers with {@code pong}, until the
 *       ring's command word says {@link DemoCommand#END_PING_PONG}.</li>
 *   <li>Ring: consumes records until the one numbered {@link SharedRing#END}, recording each
 *       record's one-way latency, and sends the summary back over the Tube.</li>
 *   <li>Exits 0 once the parent closes the Tube.</li>
 * </ol>
 * Any failure is printed to stderr and exits 1; the parent notices the exit and stops
 * waiting (see {@link DemoSession}).
 */
public final class DemoChild {
    private DemoChild() {}

    public static void main(String[] args) {
        try {
            run(Path.of(args[0]));
            System.exit(0);
        } catch (Exception e) {
            System.err.println("vigil demo (child): " + e);
            System.exit(1);
        }
    }

    private static void run(Path socket) throws Exception {
        try (Tube tube = Tube.connect(socket)) {
            Event ping;
            Event pong;
            SharedRing ring;
            try (Tube.Message hello = tube.receive()) {
                String text = new String(hello.bytes(), StandardCharsets.UTF_8);
                if (!text.equals(DemoCommand.HELLO) || hello.descriptorCount() != 3) {
                    throw new IllegalStateException("unexpected first message: " + hello);
                }
                ping = hello.event(0);
                pong = hello.event(1);
                ring = SharedRing.open(hello.takeDescriptor(2));
            }
            try (ping; pong; ring) {
                tube.send(DemoCommand.READY.getBytes(StandardCharsets.UTF_8));
                for (;;) {
                    ping.await();
                    if (ring.command() == DemoCommand.END_PING_PONG) {
                        break;
                    }
                    pong.signal();
                }
                Latencies latencies = new Latencies();
                long[] record = new long[2];
                for (;;) {
                    ring.take(record, ping, pong);
                    if (record[1] == SharedRing.END) {
                        break;
                    }
                    latencies.record(System.nanoTime() - record[0]);
                }
                Latencies.Summary s = latencies.summary();
                tube.send(String.format(Locale.ROOT, "%s %d %d %d %d %d %d", DemoCommand.RING_RESULT,
                        s.count(), s.p50(), s.p90(), s.p99(), s.p999(), s.max()).getBytes(StandardCharsets.UTF_8));
            }
            try {
                tube.receive().close();
                throw new IllegalStateException("unexpected message after the results");
            } catch (EOFException done) {
                // the parent closed the Tube: the demo is over
            }
        }
    }
}
