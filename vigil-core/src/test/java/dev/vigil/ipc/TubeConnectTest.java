package dev.vigil.ipc;

import dev.vigil.ErrnoException;
import dev.vigil.testing.DescriptorLeakGuard;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Tube#connect} to a listener whose backlog is full: the caller waits without holding
 * a carrier, an interrupt ends the wait, a timeout bounds it, and room made by an accept
 * lets it through. Every connect under test runs on a thread of its own, so that a connect
 * that cannot be ended still ends when the listener closes, and the test never hangs.
 */
class TubeConnectTest {
    @TempDir
    Path dir;

    /**
     * A listener that accepts nobody, its backlog filled with connections nobody will
     * accept: the next connect finds no room. Closing it closes those connections and the
     * listener, which makes any connect still waiting fail ({@code ENOENT} or
     * {@code ECONNREFUSED}, in the kernel's connect too).
     */
    static final class FullListener implements AutoCloseable {
        final TubeListener listener;
        private final List<RawFd> queued = new ArrayList<>();

        FullListener(Path path) throws Exception {
            listener = TubeListener.bind(path);
            try {
                for (;;) {
                    int fd = TestNative.connectSeqpacketNoWait(path.toString());
                    if (fd < 0) {
                        return; // EAGAIN: the backlog is full
                    }
                    queued.add(new RawFd(fd));
                    if (queued.size() > 100_000) {
                        fail("the backlog of " + path + " never filled");
                    }
                }
            } catch (Throwable t) {
                close();
                throw t;
            }
        }

        Path path() {
            return listener.path();
        }

        @Override
        public void close() {
            listener.close();
            queued.forEach(RawFd::close);
        }
    }

    @FunctionalInterface
    interface Connect {
        Tube connect() throws Exception;
    }

    /**
     * Starts {@code connect} on a thread of its own. Its value is the Tube; an
     * InterruptedException must come with the interrupt status cleared, as it says, or the
     * outcome is an AssertionError.
     */
    private static Worker start(boolean virtual, Connect connect) throws InterruptedException {
        return Worker.start(virtual, () -> {
            try {
                return connect.connect();
            } catch (InterruptedException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new AssertionError("InterruptedException with the interrupt status still set", e);
                }
                throw e;
            }
        });
    }

    /** Ends the connect's thread (closing the listener ends a connect that is still waiting) and closes its Tube. */
    private static void finish(FullListener full, Worker connecting) throws Exception {
        full.close();
        if (connecting.outcome() instanceof Tube tube) {
            tube.close();
        }
    }

    private void interruptEndsAConnectWaitingForRoom(boolean virtual) throws Exception {
        try (FullListener full = new FullListener(dir.resolve("full.sock"))) {
            Map<Integer, String> before = DescriptorLeakGuard.snapshot();
            Worker t = start(virtual, () -> Tube.connect(full.path()));
            try {
                t.awaitParked(); // waiting for room, not in connect(2)
                t.interrupt();
                assertInstanceOf(InterruptedException.class, t.outcome());
                t.thread().join();
                assertEquals(before, DescriptorLeakGuard.snapshot(), "the connect's socket was closed");
            } finally {
                finish(full, t);
            }
        }
    }

    @Test
    void interruptEndsAPlatformThreadsConnectToAFullBacklog() throws Exception {
        interruptEndsAConnectWaitingForRoom(false);
    }

    @Test
    void interruptEndsAVirtualThreadsConnectToAFullBacklog() throws Exception {
        interruptEndsAConnectWaitingForRoom(true);
    }

    @Test
    void aVirtualThreadWaitingForRoomParksAndConnectsOnceTheListenerAccepts() throws Exception {
        try (FullListener full = new FullListener(dir.resolve("full.sock"))) {
            Worker t = start(true, () -> Tube.connect(full.path()));
            try {
                t.awaitParked(); // off its carrier, not held in connect(2)
                full.listener.accept().close(); // makes room for one
                Tube tube = assertInstanceOf(Tube.class, t.outcome());
                assertTrue(TubeTest.isBlocking(tube.rawDescriptor()), "a connected Tube is in blocking mode");
                assertTrue(TubeTest.isCloseOnExec(tube.rawDescriptor()));
                assertEquals(TestNative.getpid(), tube.peerCredentials().pid());
            } finally {
                finish(full, t);
            }
        }
    }

    private void aTimeoutEndsAConnectToAFullBacklog(boolean virtual, Duration timeout) throws Exception {
        try (FullListener full = new FullListener(dir.resolve("full.sock"))) {
            Map<Integer, String> before = DescriptorLeakGuard.snapshot();
            Worker t = start(virtual, () -> Tube.connect(full.path(), timeout, c -> true));
            try {
                SocketTimeoutException x = assertInstanceOf(SocketTimeoutException.class, t.outcome());
                assertTrue(x.getMessage().contains(full.path().toString()) && x.getMessage().contains(timeout.toString()),
                        x.getMessage());
                t.thread().join();
                assertEquals(before, DescriptorLeakGuard.snapshot(), "the connect's socket was closed");
            } finally {
                finish(full, t);
            }
        }
    }

    @Test
    void aConnectWithATimeoutToAFullBacklogEndsWithSocketTimeoutException() throws Exception {
        aTimeoutEndsAConnectToAFullBacklog(false, Duration.ofMillis(20));
        aTimeoutEndsAConnectToAFullBacklog(true, Duration.ofMillis(20));
    }

    @Test
    void aConnectWithATimeoutOfZeroTriesOnce() throws Exception {
        aTimeoutEndsAConnectToAFullBacklog(false, Duration.ZERO);
        try (TubeListener listener = TubeListener.bind(dir.resolve("room.sock"));
             Tube tube = Tube.connect(listener.path(), Duration.ZERO);
             Tube accepted = listener.accept()) {
            tube.send(TubeTest.utf8("in"));
            try (Tube.Message m = accepted.receive()) {
                assertEquals("in", TubeTest.text(m));
            }
        }
    }

    @Test
    void aConnectWaitingForRoomFailsWhenTheListenerCloses() throws Exception {
        try (FullListener full = new FullListener(dir.resolve("full.sock"))) {
            Worker t = start(false, () -> Tube.connect(full.path(), Duration.ofSeconds(60)));
            try {
                t.awaitParked();
                full.close();
                ErrnoException x = assertInstanceOf(ErrnoException.class, t.outcome());
                // ENOENT once the listener's file is gone; ECONNREFUSED where a dead listener's file stays
                assertTrue(x.errnoName().equals("ENOENT") || x.errnoName().equals("ECONNREFUSED"), x.getMessage());
            } finally {
                finish(full, t);
            }
        }
    }

    @Test
    void anInterruptedThreadDoesNotConnect() throws Exception {
        try (TubeListener listener = TubeListener.bind(dir.resolve("room.sock"))) {
            Map<Integer, String> before = DescriptorLeakGuard.snapshot();
            Thread.currentThread().interrupt();
            try {
                assertThrows(InterruptedException.class, () -> Tube.connect(listener.path()));
                assertFalse(Thread.currentThread().isInterrupted());
            } finally {
                Thread.interrupted();
            }
            assertEquals(before, DescriptorLeakGuard.snapshot());
        }
    }
}
