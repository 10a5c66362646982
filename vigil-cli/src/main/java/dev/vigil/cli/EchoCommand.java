package dev.vigil.cli;

import dev.vigil.io.TcpListener;
import dev.vigil.io.TcpStream;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code vigil echo}: a TCP echo server built on vigil's {@link TcpListener} and
 * {@link TcpStream}, one virtual thread per connection. It prints the address it listens on,
 * serves until Ctrl-C (or {@code --seconds}), then prints how many connections it served and
 * how many bytes it echoed.
 */
final class EchoCommand implements Command {
    @Override
    public String name() {
        return "echo";
    }

    @Override
    public String summary() {
        return "run a TCP echo server on virtual threads (vigil's TcpListener and TcpStream)";
    }

    @Override
    public String usage() {
        return """
                vigil echo [--port N] [--address A] [--seconds N]
                  Echoes every byte each TCP client sends, one virtual thread per connection.
                  --port N      the port to listen on (default 7007; 0: any free port)
                  --address A   the address to listen on (default 127.0.0.1; :: or 0.0.0.0 for all)
                  --seconds N   stop after N seconds (default: run until Ctrl-C)
                """;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err)
            throws UsageException, IOException, InterruptedException {
        Options options = Options.parse(args, Set.of("--port", "--address", "--seconds"));
        if (options.help()) {
            out.print(usage());
            return 0;
        }
        int port = options.integer("--port", 7007, 0, 65535);
        InetAddress address = InetAddress.getByName(options.text("--address", "127.0.0.1"));
        Duration limit = options.seconds("--seconds", null, false);
        AtomicLong connections = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        Runnable summary = () -> out.printf(Locale.ROOT, "vigil echo: served %,d connections, echoed %,d bytes%n",
                connections.get(), bytes.get());
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress(address, port))) {
            err.println("vigil echo: listening on " + listener.localAddress());
            Thread atExit = new Thread(summary, "vigil-echo-summary"); // Ctrl-C
            Runtime.getRuntime().addShutdownHook(atExit);
            Thread acceptor = Thread.ofVirtual().name("vigil-echo-acceptor").start(() -> {
                try {
                    while (true) {
                        TcpStream client = listener.accept();
                        connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> echo(client, bytes));
                    }
                } catch (IOException closedOrFailed) {
                    // the listener was closed: the server stops
                }
            });
            if (limit == null) {
                acceptor.join();
            } else {
                Thread.sleep(limit);
            }
            Runtime.getRuntime().removeShutdownHook(atExit);
        }
        summary.run();
        return 0;
    }

    private static void echo(TcpStream client, AtomicLong bytes) {
        try (client) {
            ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
            for (int n; (n = client.read(buf.clear())) >= 0; ) {
                client.write(buf.flip());
                bytes.addAndGet(n);
            }
        } catch (IOException peerGone) {
            // a reset or a closed server: this connection ends
        }
    }
}
