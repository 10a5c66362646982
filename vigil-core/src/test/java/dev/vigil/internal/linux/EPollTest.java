package dev.vigil.internal.linux;

import dev.vigil.Event;
import dev.vigil.testing.TestNative;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pins the binding's assumptions about the kernel ABI where they are relied upon. */
class EPollTest {

    @Test
    void epollCloexecIsOCloexec() {
        assertEquals(0x80000, EPoll.EPOLL_CLOEXEC);
        assertEquals(EventFd.EFD_CLOEXEC, EPoll.EPOLL_CLOEXEC);
    }

    @Test
    void epollEventLayoutMatchesTheArchitecture() {
        String arch = System.getProperty("os.arch");
        long expected = arch.equals("amd64") || arch.equals("x86_64") ? 12 : 16;
        assertEquals(expected, EPoll.EVENT_SIZE);
    }

    @Test
    void dataWrittenThroughTheLayoutComesBackFromTheKernel() throws Exception {
        Native.Scratch s = Native.Scratch.get();
        int ep = EPoll.create1(s, EPoll.EPOLL_CLOEXEC);
        assertTrue(ep >= 0);
        try (Event e = new Event(); Arena arena = Arena.ofConfined()) {
            assertEquals(1, TestNative.fcntl(ep, TestNative.F_GETFD) & 1, "epoll descriptor must be close-on-exec");
            MemorySegment ev = arena.allocate(EPoll.EVENT);
            long token = 0x1234_5678_9abc_def0L;
            EPoll.set(ev, 0, EPoll.EPOLLIN, token);
            assertEquals(0, EPoll.ctl(s, ep, EPoll.EPOLL_CTL_ADD, e.rawDescriptor(), ev));
            MemorySegment out = arena.allocate(EPoll.EVENT_SIZE * 4, 8);
            assertEquals(0, EPoll.await(s, ep, out, 4, 0));
            e.signal();
            assertEquals(1, EPoll.await(s, ep, out, 4, 1000));
            assertEquals(EPoll.EPOLLIN, EPoll.events(out, 0));
            assertEquals(token, EPoll.data(out, 0));
            if (EPoll.hasPwait2()) {
                Poll.setTimespec(s.timespec, 1_000_000);
                assertEquals(1, EPoll.awaitNanos(s, ep, out, 4, s.timespec));
                assertEquals(token, EPoll.data(out, 0));
            }
            assertEquals(0, EPoll.ctl(s, ep, EPoll.EPOLL_CTL_DEL, e.rawDescriptor(), MemorySegment.NULL));
        } finally {
            TestNative.close(ep);
        }
    }
}
