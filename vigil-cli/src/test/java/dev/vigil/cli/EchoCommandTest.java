package dev.vigil.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EchoCommandTest {
    private static final Pattern LISTENING = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");

    @Test
    void itEchoesWhatAClientSendsAndSaysHowMuchAtTheEnd() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> Main.run(
                List.of("echo", "--port", "0", "--seconds", "3"),
                new PrintStream(out, true, StandardCharsets.UTF_8), errStream));
        int port = -1;
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); port < 0; ) {
            String text;
            synchronized (err) {
                text = err.toString(StandardCharsets.UTF_8);
            }
            Matcher m = LISTENING.matcher(text);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            } else {
                assertTrue(System.nanoTime() < deadline && !status.isDone(), "the server never said where it listens: " + text);
                Thread.onSpinWait();
            }
        }
        byte[] hello = "hello, echo".getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream o = s.getOutputStream();
            o.write(hello);
            InputStream i = s.getInputStream();
            assertArrayEquals(hello, i.readNBytes(hello.length));
        }
        assertEquals(0, status.get(60, TimeUnit.SECONDS));
        String summary = out.toString(StandardCharsets.UTF_8);
        assertTrue(summary.contains("served 1 connections, echoed 11 bytes"), summary);
    }
}
