package dev.vigil;

import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Pidfd;
import dev.vigil.testing.Blocked;
import dev.vigil.testing.PythonPeer;
import dev.vigil.testing.TestNative;
import dev.vigil.testing.Worker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.vigil.EventWaitResult.SIGNALED;
import static dev.vigil.EventWaitResult.TIMED_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §3 item 8 across processes: a python3 child uses vigil's eventfd with plain
 * {@code os.eventfd_read}/{@code os.eventfd_write}, and an eventfd created by Python works
 * as an Event.
 */
class EventInteropTest {
    private static final String PEER = "/interop/eventfd_peer.py";

    @Test
    void pythonChildTakesTheEventsDescriptorAndBothDirectionsWork() throws Exception {
        try (Event e = new Event();
             PythonPeer py = new PythonPeer(PEER, String.valueOf(TestNative.getpid()), String.valueOf(e.rawDescriptor()))) {
            assertEquals("ready", py.readLine());
            assertEquals("True", py.ask("blocking"), "the peer must see a blocking eventfd");

            e.writeCount(5);                          // Java -> Python
            assertEquals("5", py.ask("read"));

            assertEquals("ok", py.ask("write 7"));    // Python -> Java
            assertEquals(7, e.readCount());
            assertEquals(TIMED_OUT, e.await(Duration.ZERO));
        }
    }

    @Test
    void aSignalFromAnotherProcessWakesABlockedWaiter() throws Exception {
        try (Event e = new Event();
             PythonPeer py = new PythonPeer(PEER, String.valueOf(TestNative.getpid()), String.valueOf(e.rawDescriptor()))) {
            assertEquals("ready", py.readLine());
            Worker r = Worker.platform(() -> e.await(Duration.ofSeconds(30)));
            r.awaitBlockedIn("ppoll");
            assertEquals("ok", py.ask("write 1"));
            assertEquals(SIGNALED, r.value());
        }
    }

    @Test
    void aPythonProcessBlockedInReadIsWokenByJava() throws Exception {
        try (Event e = new Event();
             PythonPeer py = new PythonPeer(PEER, String.valueOf(TestNative.getpid()), String.valueOf(e.rawDescriptor()))) {
            assertEquals("ready", py.readLine());
            py.send("read");                          // Python blocks in read(2)
            Blocked.awaitProcessInSyscall(py.pid(), "read", 2, 8); // ... and is seen there
            e.signal();
            assertEquals("1", py.readLine());
        }
    }

    @Test
    void anEventfdCreatedByPythonWorksAsAnEvent() throws Exception {
        try (PythonPeer py = new PythonPeer(PEER, "own")) {
            String[] own = py.readLine().split(" ");
            int received = takeFrom(Integer.parseInt(own[1]), Integer.parseInt(own[2]));
            try (Event e = Event.fromRawDescriptor(received)) {
                e.writeCount(3);
                assertEquals("3", py.ask("read"));
                assertEquals("ok", py.ask("write 11"));
                assertEquals(11, e.readCount());
                assertEquals(0, TestNative.fcntl(received, TestNative.F_GETFL) & 0x800);
            }
        }
    }

    /** A close-on-exec copy of another process's descriptor, through pidfd_getfd(2). */
    private static int takeFrom(int pid, int fd) throws Exception {
        Native.Scratch s = Native.Scratch.get();
        int pidfd = (int) Pidfd.open(s, pid);
        assertTrue(pidfd >= 0, "pidfd_open failed: errno " + Native.errno(s));
        try {
            int copy = (int) Pidfd.getfd(s, pidfd, fd);
            assertTrue(copy >= 0, "pidfd_getfd failed: errno " + Native.errno(s));
            return copy;
        } finally {
            TestNative.close(pidfd);
        }
    }
}
