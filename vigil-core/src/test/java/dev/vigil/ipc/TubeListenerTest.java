package dev.vigil.ipc;

import dev.vigil.ClosedException;
import dev.vigil.ErrnoException;
import dev.vigil.TriggeredEvent;
import dev.vigil.WaitContext;
import dev.vigil.testing.PythonPeer;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static dev.vigil.ipc.TubeTest.text;
import static dev.vigil.ipc.TubeTest.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** SPEC §2 {@code TubeListener}, §4: meeting at a path, mode 0600, stale sockets, peer credentials. */
class TubeListenerTest {
    private static final String PEER = "/interop/tube_peer.py";
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Leaves a socket file at {@code path} that nobody listens on, as a crashed process does. */
    private static void leaveStaleSocket(Path path) throws Exception {
        Process p = new ProcessBuilder("python3", "-c",
                "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.bind(sys.argv[1])",
                path.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aPeerThatConnectsByPathIsAccepted() throws Exception {
        Path path = dir.resolve("meet.sock");
        try (TubeListener listener = TubeListener.bind(path);
             Tube client = Tube.connect(path);
             Tube server = listener.accept()) {
            client.send(utf8("hello"));
            try (Tube.Message m = server.receive()) {
                assertEquals("hello", text(m));
            }
            server.send(utf8("welcome"));
            try (Tube.Message m = client.receive()) {
                assertEquals("welcome", text(m));
            }
            assertEquals(TestNative.getpid(), server.peerCredentials().pid());
            assertEquals(TestNative.getpid(), client.peerCredentials().pid());
            assertEquals(0, listener.rejectedCount());
            assertEquals(path.toAbsolutePath(), listener.path());
        }
    }

    @Test
    void theSocketFileIsMode0600AndCloseRemovesIt() throws Exception {
        Path path = dir.resolve("mode.sock");
        TubeListener listener = TubeListener.bind(path);
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)));
            assertEquals(List.of("mode.sock"), names(dir), "nothing of the private staging directory is left");
            assertTrue(TubeTest.isCloseOnExec(listener.rawDescriptor()));
        } finally {
            listener.close();
        }
        assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of(), names(dir));
    }

    @Test
    void theSocketFileIsASocketOfExactlyMode0600() throws Exception {
        // bind(2) alone would give 0777 & ~umask; vigil narrows it before the name appears.
        Path path = dir.resolve("umask.sock");
        try (TubeListener ignored = TubeListener.bind(path)) {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            assertEquals(0140600, mode, Integer.toOctalString(mode));
        }
    }

    @Test
    void bindRefusesToReplaceARegularFileADirectoryOrALink() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "precious");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        for (Path p : List.of(file, sub, link)) {
            FileAlreadyExistsException x = assertThrows(FileAlreadyExistsException.class, () -> TubeListener.bind(p));
            assertTrue(x.getMessage().contains("not a socket"), x.getMessage());
        }
        assertEquals("precious", Files.readString(file));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(List.of("file", "link", "sub"), names(dir));
    }

    @Test
    void bindReplacesAStaleSocket() throws Exception {
        Path path = dir.resolve("stale.sock");
        leaveStaleSocket(path);
        assertThrows(ErrnoException.class, () -> Tube.connect(path));
        try (TubeListener listener = TubeListener.bind(path);
             Tube client = Tube.connect(path);
             Tube server = listener.accept()) {
            client.send(utf8("fresh"));
            try (Tube.Message m = server.receive()) {
                assertEquals("fresh", text(m));
            }
        }
    }

    @Test
    void bindRefusesToReplaceALiveListener() throws Exception {
        Path path = dir.resolve("live.sock");
        try (TubeListener first = TubeListener.bind(path)) {
            FileAlreadyExistsException x = assertThrows(FileAlreadyExistsException.class, () -> TubeListener.bind(path));
            assertTrue(x.getMessage().contains("live listener"), x.getMessage());
            // the probe's connection reaches the first listener; it is an ordinary peer that left
            try (Tube probe = first.accept()) {
                assertThrows(java.io.EOFException.class, probe::receive);
            }
            try (Tube client = Tube.connect(path); Tube server = first.accept()) {
                client.send(utf8("still mine"));
                try (Tube.Message m = server.receive()) {
                    assertEquals("still mine", text(m));
                }
            }
        }
    }

    @Test
    void closeLeavesAFileThatIsNoLongerItsOwn() throws Exception {
        Path path = dir.resolve("moved.sock");
        try (TubeListener listener = TubeListener.bind(path)) { // the second close does nothing
            Files.delete(path);
            Files.writeString(path, "someone else's");
            listener.close();
            assertEquals("someone else's", Files.readString(path));
        }
    }

    @Test
    void closeLeavesASocketThatReplacedItsOwnWithAnotherInode() throws Exception {
        Path path = dir.resolve("taken.sock");
        try (TubeListener ours = TubeListener.bind(path); TubeListener theirs = TubeListener.bind(dir.resolve("theirs.sock"))) {
            Object ownKey = fileKey(path);
            Files.move(theirs.path(), path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            assertNotEquals(ownKey, fileKey(path), "another inode (device and number) is at the path now");
            ours.close();
            assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "their socket was left alone");
            try (Tube peer = Tube.connect(path); Tube accepted = theirs.accept()) {
                peer.send(utf8("still theirs"));
                try (Tube.Message m = accepted.receive()) {
                    assertEquals("still theirs", text(m));
                }
            }
        }
    }

    @Test
    void aPeerWaitingInConnectWhenTheListenerClosesFindsThePathAlreadyGone() throws Exception {
        // close() removes the file while the socket still listens (so its inode cannot be
        // reused meanwhile), then closes it. The peer, woken only by that close, looks the
        // path up again: nothing is there, never a dead socket's file (ECONNREFUSED). Were
        // the socket closed first, the peer would mostly win the race to the file; the
        // rounds make that certain to show.
        for (int round = 0; round < 20; round++) {
            assertEquals(-TestNative.ENOENT, connectWhileTheListenerCloses(dir.resolve("full.sock")),
                    "minus the errno of the peer's connect, round " + round);
        }
    }

    /** What a connect(2) blocked on a full backlog returns when the listener closes: the number, or minus the errno. */
    private static int connectWhileTheListenerCloses(Path path) throws Exception {
        try (TubeConnectTest.FullListener full = new TubeConnectTest.FullListener(path)) {
            Worker peer = Worker.platform(() -> TestNative.connectSeqpacketBlocking(path.toString()));
            try {
                peer.awaitBlockedIn("connect");
                full.listener.close();
                return (Integer) peer.value();
            } finally {
                full.close(); // ends the peer's connect if the listener's close did not
                if (peer.outcome() instanceof Integer fd && fd >= 0) {
                    TestNative.close(fd);
                }
            }
        }
    }

    private static Object fileKey(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    @Test
    void connectWhereNobodyListensIsAnError() throws Exception {
        ErrnoException missing = assertThrows(ErrnoException.class, () -> Tube.connect(dir.resolve("nobody.sock")));
        assertEquals("ENOENT", missing.errnoName());
        Path stale = dir.resolve("stale.sock");
        leaveStaleSocket(stale);
        ErrnoException refused = assertThrows(ErrnoException.class, () -> Tube.connect(stale));
        assertEquals("ECONNREFUSED", refused.errnoName());
        ErrnoException missingWithTimeout = assertThrows(ErrnoException.class,
                () -> Tube.connect(dir.resolve("nobody.sock"), Duration.ofSeconds(60)));
        assertEquals("ENOENT", missingWithTimeout.errnoName());
        ErrnoException refusedWithTimeout = assertThrows(ErrnoException.class, () -> Tube.connect(stale, Duration.ofSeconds(60)));
        assertEquals("ECONNREFUSED", refusedWithTimeout.errnoName());
    }

    @Test
    void aPathTooLongForASocketAddressIsRejected() {
        Path longPath = dir.resolve("x".repeat(120));
        assertThrows(IllegalArgumentException.class, () -> TubeListener.bind(longPath));
        assertThrows(IllegalArgumentException.class, () -> Tube.connect(longPath));
    }

    @Test
    void closeEndsABlockedAccept() throws Exception {
        TubeListener listener = TubeListener.bind(dir.resolve("close.sock"));
        Worker r = Worker.platform(listener::accept);
        r.awaitBlockedIn("ppoll");
        listener.close();
        assertInstanceOf(ClosedException.class, r.failure());
        assertThrows(ClosedException.class, listener::accept);
        assertThrows(IllegalStateException.class, listener::rawDescriptor);
    }

    @Test
    void acceptOnAVirtualThreadWaitsForAPeer() throws Exception {
        Path path = dir.resolve("virtual.sock");
        try (TubeListener listener = TubeListener.bind(path)) {
            Worker server = Worker.virtual(() -> {
                try (Tube accepted = listener.accept(); Tube.Message m = accepted.receive()) {
                    return text(m);
                }
            });
            server.awaitParked(); // in accept: no peer has connected yet
            try (Tube client = Tube.connect(path)) {
                client.send(utf8("from afar"));
                assertEquals("from afar", server.value());
            }
        }
    }

    @Test
    void aListenerIsReadableInAWaitContextWhileAPeerWaits() throws Exception {
        Path path = dir.resolve("ctx.sock");
        try (TubeListener listener = TubeListener.bind(path); WaitContext<String> ctx = new WaitContext<>()) {
            ctx.add(listener, "listener");
            assertTrue(ctx.await(Duration.ZERO).isEmpty());
            try (Tube client = Tube.connect(path)) {
                List<TriggeredEvent<String>> ready = ctx.await(Duration.ofSeconds(30));
                assertEquals("listener", ready.get(0).token());
                assertTrue(ready.get(0).isReadable());
                listener.accept().close();
                assertTrue(ctx.await(Duration.ZERO).isEmpty());
            }
            ctx.delete(listener);
        }
    }

    // --- other users (needs root to become another user) ---------------------------------

    /** A directory that another user can reach (the JUnit one is 0700); removed afterwards. */
    private static Path sharedDirectory(String mode) throws IOException {
        Path shared = Files.createTempDirectory("vigil-shared");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString(mode));
        return shared;
    }

    private static void removeTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    @Test
    void acceptClosesAndCountsAPeerOfAnotherUser() throws Exception {
        assumeTrue(dev.vigil.internal.SeqpacketSocket.currentUid() == 0, "needs root to run a peer as another user");
        Path shared = sharedDirectory("rwx--x--x");
        try {
            Path path = shared.resolve("guarded.sock");
            try (TubeListener listener = TubeListener.bind(path)) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-")); // widen the file only
                try (PythonPeer stranger = new PythonPeer(PEER, "connect", path.toString(), String.valueOf(NOBODY))) {
                    assertEquals("connected", stranger.readLine());
                    try (Tube friend = Tube.connect(path); Tube accepted = listener.accept()) {
                        assertEquals(1, listener.rejectedCount());
                        assertEquals(TestNative.getpid(), accepted.peerCredentials().pid(), "the stranger was skipped");
                        friend.send(utf8("hi"));
                        try (Tube.Message m = accepted.receive()) {
                            assertEquals("hi", text(m));
                        }
                    }
                    assertEquals("eof", stranger.ask("recv"), "the refused peer was closed");
                }
                assertEquals("TubeListener[" + path + ", fd=" + listener.rawDescriptor() + ", rejected 1]", listener.toString());
            }
        } finally {
            removeTree(shared);
        }
    }

    @Test
    void aDeliberatelyWidenedListenerAdmitsAnotherUser() throws Exception {
        assumeTrue(dev.vigil.internal.SeqpacketSocket.currentUid() == 0, "needs root to run a peer as another user");
        Path shared = sharedDirectory("rwx--x--x");
        try {
            Path path = shared.resolve("open.sock");
            try (TubeListener listener = TubeListener.bind(path, c -> c.uid() == NOBODY || c.uid() == dev.vigil.internal.SeqpacketSocket.currentUid())) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
                try (PythonPeer stranger = new PythonPeer(PEER, "connect", path.toString(), String.valueOf(NOBODY));
                     Tube accepted = listener.accept()) {
                    assertEquals("connected", stranger.readLine());
                    assertEquals(NOBODY, accepted.peerCredentials().uid());
                    assertEquals(stranger.pid(), accepted.peerCredentials().pid());
                    assertEquals(0, listener.rejectedCount());
                }
            }
        } finally {
            removeTree(shared);
        }
    }

    @Test
    void connectRefusesAListenerOfAnotherUserUnlessAskedTo() throws Exception {
        assumeTrue(dev.vigil.internal.SeqpacketSocket.currentUid() == 0, "needs root to run a peer as another user");
        Path shared = sharedDirectory("rwxrwxrwx");
        try {
            Path path = shared.resolve("theirs.sock");
            try (PythonPeer theirs = new PythonPeer(PEER, "listen", path.toString(), String.valueOf(NOBODY))) {
                assertEquals("listening", theirs.readLine());
                IOException x = assertThrows(IOException.class, () -> Tube.connect(path));
                assertTrue(x.getMessage().contains("uid " + NOBODY), x.getMessage());
                assertEquals("connected", theirs.readLine(), "the refused connection was made, then closed");
                assertEquals("eof", theirs.ask("recv"));
            }
            try (PythonPeer theirs = new PythonPeer(PEER, "listen", path.toString(), String.valueOf(NOBODY))) {
                assertEquals("listening", theirs.readLine());
                try (Tube t = Tube.connect(path, c -> c.uid() == NOBODY)) {
                    assertEquals("connected", theirs.readLine());
                    t.send(utf8("hello-nobody"));
                    assertEquals("msg hello-nobody 0", theirs.ask("recv"));
                }
            }
        } finally {
            removeTree(shared);
        }
    }
}
