package dev.vigil.ipc;

import dev.vigil.ErrnoException;
import dev.vigil.testing.Blocked;
import dev.vigil.testing.DescriptorLeakGuard;
import dev.vigil.testing.RawFd;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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

    /** How a connect on its own thread ended: the Tube, or what it threw, and the thread's interrupt status then. */
    record Outcome(Object result, boolean interruptStatus) {}

    @FunctionalInterface
    interface Connect {
        Tube connect() throws Exception;
    }

    /** Starts {@code connect} on a thread made by {@code builder}; the outcome completes when it ends. */
    private static Thread start(Thread.Builder builder, Connect connect, CompletableFuture<Outcome> outcome) {
        return builder.start(() -> {
            Object result;
            try {
                result = connect.connect();
            } catch (Throwable t) {
                result = t;
            }
            outcome.complete(new Outcome(result, Thread.currentThread().isInterrupted()));
        });
    }

    /** Ends the connect's thread (closing the listener ends a connect that is still waiting) and closes its Tube. */
    private static void finish(FullListener full, Thread t, CompletableFuture<Outcome> outcome) throws Exception {
        full.close();
        t.join();
        if (outcome.getNow(null) instanceof Outcome o && o.result() instanceof Tube tube) {
            tube.close();
        }
    }

    private void interruptEndsAConnectWaitingForRoom(Thread.Builder builder) throws Exception {
        try (FullListener full = new FullListener(dir.resolve("full.sock"))) {
            Map<Integer, String> before = DescriptorLeakGuard.snapshot();
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            Thread t = start(builder, () -> Tube.connect(full.path()), outcome);
            try {
                Blocked.awaitParked(t); // waiting for room, not in connect(2)
                t.interrupt();
                Outcome o = outcome.get(30, TimeUnit.SECONDS);
                assertInstanceOf(InterruptedException.class, o.result());
                assertFalse(o.interruptStatus(), "the interrupt status is cleared, as InterruptedException says");
                t.join();
                assertEquals(before, DescriptorLeakGuard.snapshot(), "the connect's socket was closed");
            } finally {
                finish(full, t, outcome);
            }
        }
    }

    @Test
    void interruptEndsAPlatformThreadsConnectToAFullBacklog() throws Exception {
        interruptEndsAConnectWaitingForRoom(Thread.ofPlatform());
    }

    @Test
    void interruptEndsAVirtualThreadsConnectToAFullBacklog() throws Exception {
        interruptEndsAConnectWaitingForRoom(Thread.ofVirtual());
    }

    @Test
    void aVirtualThreadWaitingForRoomParksAndConnectsOnceTheListenerAccepts() throws Exception {
        try (FullListener full = new FullListener(dir.resolve("full.sock"))) {
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            Thread t = start(Thread.ofVirtual(), () -> Tube.connect(full.path()), outcome);
            try {
                Blocked.awaitParked(t); // off its carrier, not held in connect(2)
                full.listener.accept().close(); // makes room for one
                Outcome o = outcome.get(30, TimeUnit.SECONDS);
                Tube tube = assertInstanceOf(Tube.class, o.result());
                assertTrue(TubeTest.isBlocking(tube.rawDescriptor()), "a connected Tube is in blocking mode");
                assertTrue(TubeTest.isCloseOnExec(tube.rawDescriptor()));
                assertEquals(TestNative.getpid(), tube.peerCredentials().pid());
            } finally {
                finish(full, t, outcome);
            }
        }
    }

    private void aTimeoutEndsAConnectToAFullBacklog(Thread.Builder builder, Duration timeout) throws Exception {
        try (FullListener full = new FullListener(dir.resolve("full.sock"))) {
            Map<Integer, String> before = DescriptorLeakGuard.snapshot();
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            Thread t = start(builder, () -> Tube.connect(full.path(), timeout, c -> true), outcome);
            try {
                Outcome o = outcome.get(30, TimeUnit.SECONDS);
                SocketTimeoutException x = assertInstanceOf(SocketTimeoutException.class, o.result());
                assertTrue(x.getMessage().contains(full.path().toString()) && x.getMessage().contains(timeout.toString()),
                        x.getMessage());
                t.join();
                assertEquals(before, DescriptorLeakGuard.snapshot(), "the connect's socket was closed");
            } finally {
                finish(full, t, outcome);
            }
        }
    }

    @Test
    void aConnectWithATimeoutToAFullBacklogEndsWithSocketTimeoutException() throws Exception {
        aTimeoutEndsAConnectToAFullBacklog(Thread.ofPlatform(), Duration.ofMillis(20));
        aTimeoutEndsAConnectToAFullBacklog(Thread.ofVirtual(), Duration.ofMillis(20));
    }

    @Test
    void aConnectWithATimeoutOfZeroTriesOnce() throws Exception {
        aTimeoutEndsAConnectToAFullBacklog(Thread.ofPlatform(), Duration.ZERO);
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
            CompletableFuture<Outcome> outcome = new CompletableFuture<>();
            Thread t = start(Thread.ofPlatform(), () -> Tube.connect(full.path(), Duration.ofSeconds(60)), outcome);
            try {
                Blocked.awaitParked(t);
                full.close();
                ErrnoException x = assertInstanceOf(ErrnoException.class, outcome.get(30, TimeUnit.SECONDS).result());
                // ENOENT once the listener's file is gone; ECONNREFUSED where a dead listener's file stays
                assertTrue(x.errnoName().equals("ENOENT") || x.errnoName().equals("ECONNREFUSED"), x.getMessage());
            } finally {
                finish(full, t, outcome);
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
