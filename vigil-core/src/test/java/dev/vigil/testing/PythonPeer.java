package dev.vigil.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@code python3} child process running a script from the test resources, spoken to one
 * line at a time. {@link #close()} ends it and closes every pipe, so nothing leaks.
 *
 * <p>A read from a pipe cannot be interrupted, so JUnit's timeout would not end a test stuck
 * in {@link #readLine()}. Instead each read has its own limit: when no line has come after
 * {@link #READ_LIMIT_SECONDS}, the peer is killed, which closes its end of the pipe and ends
 * the read, and the read fails the test.
 */
public final class PythonPeer implements AutoCloseable {
    /** The longest a single {@link #readLine()} may wait for the peer. */
    public static final long READ_LIMIT_SECONDS = 60;

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Path script;

    public PythonPeer(String resource, String... args) throws IOException {
        script = Files.createTempFile("vigil-peer", ".py");
        try (var src = PythonPeer.class.getResourceAsStream(resource)) {
            if (src == null) throw new IOException("no test resource " + resource);
            Files.write(script, src.readAllBytes());
        }
        List<String> command = new ArrayList<>(List.of("python3", script.toString()));
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    public long pid() {
        return process.pid();
    }

    public String readLine() throws IOException {
        AtomicBoolean killed = new AtomicBoolean();
        Thread watchdog = Thread.ofVirtual().name("python-peer-watchdog").start(() -> {
            try {
                if (!process.waitFor(READ_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                    killed.set(true);
                    process.destroyForcibly();
                }
            } catch (InterruptedException readEnded) {
                // the line came (or the read failed) in time
            }
        });
        String line;
        try {
            line = out.readLine();
        } finally {
            watchdog.interrupt();
            try {
                watchdog.join(); // after this, killed is final
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (killed.get()) {
            throw new AssertionError("the python peer sent no line within " + READ_LIMIT_SECONDS + " s and was killed");
        }
        if (line == null) throw new IOException("the python peer exited (status " + exitCode() + ")");
        return line;
    }

    public void send(String line) throws IOException {
        in.write(line + "\n");
        in.flush();
    }

    public String ask(String line) throws IOException {
        send(line);
        return readLine();
    }

    private String exitCode() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            try {
                send("quit");
            } catch (IOException ignored) {
                // already gone
            }
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                in.close();
            } catch (IOException unflushed) {
                // the peer died with "quit" still buffered: nothing to deliver it to
            }
            out.close();
            process.getErrorStream().close();
            Files.deleteIfExists(script);
        }
    }
}
