package dev.vigil.ipc;

import dev.vigil.Event;
import dev.vigil.EventWaitResult;
import dev.vigil.testing.PythonPeer;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.vigil.ipc.TubeTest.text;
import static dev.vigil.ipc.TubeTest.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 5 "Interop tests": Events passed both ways over a listener path and signalled both
 * ways, with a python3 peer ({@code socket.send_fds}/{@code recv_fds}, {@code os.eventfd})
 * and with a second JVM running vigil; a peer that dies mid-conversation is end-of-stream.
 */
class TubeInteropTest {
    private static final String PEER = "/interop/tube_peer.py";

    @TempDir
    Path dir;

    @Test
    void eventsTravelBothWaysWithAPythonPeerAndAreSignalledBothWays() throws Exception {
        Path path = dir.resolve("py.sock");
        try (TubeListener listener = TubeListener.bind(path);
             PythonPeer py = new PythonPeer(PEER, "connect", path.toString());
             Tube tube = listener.accept();
             Event ours = new Event()) {
            assertEquals("connected", py.readLine());
            assertEquals(py.pid(), tube.peerCredentials().pid());
            String[] cred = py.ask("cred").split(" ");             // SO_PEERCRED seen from Python
            assertEquals(String.valueOf(ProcessHandle.current().pid()), cred[0]);
            assertEquals(String.valueOf(dev.vigil.internal.SeqpacketSocket.currentUid()), cred[1]);

            tube.send(utf8("hello"), ours);                       // Java -> Python: an Event
            assertEquals("msg hello 1", py.ask("recv"));
            assertEquals("ok", py.ask("send back"));              // Python -> Java: an eventfd
            try (Tube.Message m = tube.receive(); Event theirs = m.event(0)) {
                assertEquals("back", text(m));

                ours.writeCount(3);                               // Java signals, Python reads
                assertEquals("3", py.ask("read 0"));
                assertEquals("ok", py.ask("write 0 4"));          // Python signals Java's Event
                assertEquals(4, ours.readCount());

                assertEquals("ok", py.ask("ownwrite 0 9"));       // Python signals its own eventfd
                assertEquals(9, theirs.readCount());
                theirs.writeCount(2);                             // Java signals Python's eventfd
                assertEquals("2", py.ask("ownread 0"));

                Worker waiter = Worker.platform(() -> theirs.await(Duration.ofSeconds(30)));
                waiter.awaitBlockedIn("ppoll");
                assertEquals("ok", py.ask("ownwrite 0 1"));       // wakes a blocked Java waiter
                assertEquals(EventWaitResult.SIGNALED, waiter.value());
            }
        }
    }

    @Test
    void pythonSeesEndOfStreamWhenJavaCloses() throws Exception {
        Path path = dir.resolve("py-eof.sock");
        try (TubeListener listener = TubeListener.bind(path);
             PythonPeer py = new PythonPeer(PEER, "connect", path.toString())) {
            assertEquals("connected", py.readLine());
            listener.accept().close();
            assertEquals("eof", py.ask("recv"));
        }
    }

    @Test
    void aPythonPeerThatDiesMidConversationIsEndOfStreamAndNothingLeaks() throws Exception {
        Path path = dir.resolve("py-die.sock");
        try (TubeListener listener = TubeListener.bind(path);
             PythonPeer py = new PythonPeer(PEER, "connect", path.toString());
             Tube tube = listener.accept();
             Event ours = new Event()) {
            assertEquals("connected", py.readLine());
            tube.send(utf8("take-this"), ours, ours);
            assertEquals("msg take-this 2", py.ask("recv"));
            assertEquals("ok", py.ask("send mine"));
            try (Tube.Message first = tube.receive()) {      // the message sent before dying
                assertEquals(1, first.descriptorCount());
            }
            Worker blocked = Worker.platform(tube::receive);  // blocks until the peer dies
            blocked.awaitBlockedIn("recvmsg", "ppoll");
            py.send("die");
            assertInstanceOf(EOFException.class, blocked.failure());
            assertThrows(dev.vigil.ErrnoException.class, () -> tube.send(utf8("anyone?")));
        }
    }

    @Test
    void eventsTravelBothWaysWithASecondJvm() throws Exception {
        Path path = dir.resolve("jvm.sock");
        try (TubeListener listener = TubeListener.bind(path)) {
            Process child = startJvm(path);
            try (BufferedReader out = child.inputReader(StandardCharsets.UTF_8);
                 Tube tube = listener.accept();
                 Event ours = new Event()) {
                assertEquals("connected", out.readLine());
                assertEquals(child.pid(), tube.peerCredentials().pid());
                tube.send(utf8("ping"), ours);
                assertEquals("received ping 1", out.readLine());
                try (Tube.Message pong = tube.receive(); Event theirs = pong.event(0)) {
                    assertEquals("pong", text(pong));
                    ours.signal();                                // Java here -> the child's await
                    assertEquals("signalled", out.readLine());
                    assertEquals(EventWaitResult.SIGNALED, theirs.await(Duration.ofSeconds(60))); // child -> here
                }
                tube.close();
                assertEquals("eof", out.readLine());
                assertTrue(child.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, child.exitValue());
            } finally {
                reap(child);
            }
        }
    }

    @Test
    void aSecondJvmThatDiesMidConversationIsEndOfStreamAndNothingLeaks() throws Exception {
        Path path = dir.resolve("jvm-die.sock");
        try (TubeListener listener = TubeListener.bind(path)) {
            Process child = startJvm(path, "die");
            try (BufferedReader out = child.inputReader(StandardCharsets.UTF_8);
                 Tube tube = listener.accept();
                 Event ours = new Event()) {
                assertEquals("connected", out.readLine());
                tube.send(utf8("ping"), ours);
                assertEquals("received ping 1", out.readLine());
                assertThrows(EOFException.class, tube::receive);
                assertTrue(child.waitFor(60, TimeUnit.SECONDS));
                assertEquals(9, child.exitValue());
            } finally {
                reap(child);
            }
        }
    }

    private static Process startJvm(Path path, String... extra) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), TubePeerMain.class.getName(), path.toString()));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static void reap(Process child) throws Exception {
        if (!child.waitFor(30, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        child.getOutputStream().close();
        child.getInputStream().close();
        child.getErrorStream().close();
    }
}
