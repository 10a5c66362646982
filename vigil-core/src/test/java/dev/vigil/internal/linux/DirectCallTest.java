package dev.vigil.internal.linux;

import dev.vigil.Event;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The calls made through {@code syscall(2)} ({@link Native#direct}) behave like libc's
 * wrappers: same results, failures as -1 with errno captured, int results intact.
 */
class DirectCallTest {

    @Test
    void theHotCallsGoStraightToTheKernelOnThisProcessor() {
        String arch = System.getProperty("os.arch");
        boolean known = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
        java.lang.invoke.MethodHandle direct = Native.direct(FunctionDescriptor.of(Native.C_LONG, Native.C_INT,
                Native.C_POINTER, Native.C_LONG), 0, 63, false);
        assertEquals(known, direct != null, "a syscall(2) handle exactly where the numbers are known (" + arch + ")");
    }

    @Test
    void failuresReturnMinusOneWithErrnoCaptured() throws Exception {
        Native.Scratch s = Native.Scratch.get();
        try (Event e = new Event()) {
            int fd = e.rawDescriptor();
            assertEquals(-1, Unistd.readNoWait(s, fd, s.iovec), "an empty eventfd has nothing to read");
            assertEquals(Errno.EAGAIN, Native.errno(s));
            assertEquals(-1, Unistd.read(s, -1, s.word, 8));
            assertEquals(Errno.EBADF, Native.errno(s));
            assertEquals(-1, Unistd.write(s, fd, s.word, 4), "an eventfd takes 8 bytes");
            assertEquals(22, Native.errno(s)); // EINVAL
        }
    }

    @Test
    void resultsComeBackWhole() throws Exception {
        Native.Scratch s = Native.Scratch.get();
        try (Event e = new Event(); Arena arena = Arena.ofConfined()) {
            int fd = e.rawDescriptor();
            s.word.set(Native.C_LONG, 0, 41L);
            assertEquals(8, Unistd.write(s, fd, s.word, 8));
            s.word.set(Native.C_LONG, 0, 0L);
            assertEquals(8, Unistd.readNoWait(s, fd, s.iovec));
            assertEquals(41L, s.word.get(Native.C_LONG, 0));
            assertEquals(Poll.POLLOUT, Poll.probe(s, fd, (short) (Poll.POLLIN | Poll.POLLOUT)),
                    "an empty eventfd is writable and not readable");
            int ep = EPoll.create1(s, EPoll.EPOLL_CLOEXEC);
            assertTrue(ep >= 0);
            try {
                MemorySegment events = arena.allocate(EPoll.EVENT_SIZE * 4, 8);
                assertEquals(0, EPoll.await(s, ep, events, 4, 0), "an empty epoll set reports nothing");
                assertEquals(-1, EPoll.await(s, -1, events, 4, 0));
                assertEquals(Errno.EBADF, Native.errno(s));
            } finally {
                assertEquals(0, Unistd.close(s, ep));
            }
        }
    }
}
