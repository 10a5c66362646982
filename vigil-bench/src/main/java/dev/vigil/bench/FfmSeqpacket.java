package dev.vigil.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * C's seqpacket calls from Java through bare FFM, without vigil: {@code socketpair},
 * {@code sendmsg}, {@code recvmsg}, {@code eventfd} and {@code close} through libc, and one
 * thread's preallocated message headers ({@link Side}). The diagnostic peers of
 * {@link TubeSuite} and {@link TubeCost} are made of these. Errors become
 * {@link IOException}s with the call's result; nothing here is interruptible.
 */
final class FfmSeqpacket {
    private FfmSeqpacket() {}

    static final int MESSAGE = TubeSuite.MESSAGE;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKETPAIR = handle("socketpair", FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle SENDMSG = handle("sendmsg", FunctionDescriptor.of(
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECVMSG = handle("recvmsg", FunctionDescriptor.of(
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle EVENTFD = handle("eventfd", FunctionDescriptor.of(
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    // x86_64/aarch64 (LP64) offsets of struct msghdr and struct cmsghdr
    private static final long MSG_IOV = 16, MSG_IOVLEN = 24, MSG_CONTROL = 32, MSG_CONTROLLEN = 40;
    private static final long CONTROL_SPACE = 24; // CMSG_SPACE(sizeof(int))

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd);
    }

    /** A close-on-exec {@code socketpair(AF_UNIX, SOCK_SEQPACKET)}: its two numbers. */
    static int[] socketpair() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sv = arena.allocate(8, 4);
            int r = (int) SOCKETPAIR.invokeExact(1, 5 | 0x80000, 0, sv);
            if (r != 0) {
                throw new IOException("socketpair returned " + r);
            }
            return new int[] {sv.get(ValueLayout.JAVA_INT, 0), sv.get(ValueLayout.JAVA_INT, 4)};
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** A close-on-exec eventfd, as the C reference attaches. */
    static int eventfd() throws IOException {
        try {
            int fd = (int) EVENTFD.invokeExact(0, 0x80000);
            if (fd < 0) {
                throw new IOException("eventfd returned " + fd);
            }
            return fd;
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    static void close(int fd) {
        try {
            int r = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * One thread's send and receive headers: a 64-byte message, with descriptor
     * {@code attached} on every send if it is not negative. A receive closes the descriptor
     * that came with the message, as the C reference does.
     */
    static final class Side {
        final MemorySegment sendHeader;
        final MemorySegment receiveHeader;
        final MemorySegment receiveControl;

        Side(Arena arena, int attached) {
            sendHeader = arena.allocate(56, 8);
            receiveHeader = arena.allocate(56, 8);
            MemorySegment sendControl = arena.allocate(CONTROL_SPACE, 8);
            receiveControl = arena.allocate(CONTROL_SPACE, 8);
            MemorySegment sendIov = arena.allocate(16, 8);
            MemorySegment receiveIov = arena.allocate(16, 8);
            MemorySegment sendData = arena.allocate(MESSAGE);
            MemorySegment receiveData = arena.allocate(MESSAGE);
            sendData.fill((byte) 'x');
            sendIov.set(ValueLayout.ADDRESS, 0, sendData);
            sendIov.set(ValueLayout.JAVA_LONG, 8, MESSAGE);
            receiveIov.set(ValueLayout.ADDRESS, 0, receiveData);
            receiveIov.set(ValueLayout.JAVA_LONG, 8, MESSAGE);
            sendHeader.set(ValueLayout.ADDRESS, MSG_IOV, sendIov);
            sendHeader.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1);
            receiveHeader.set(ValueLayout.ADDRESS, MSG_IOV, receiveIov);
            receiveHeader.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1);
            receiveHeader.set(ValueLayout.ADDRESS, MSG_CONTROL, receiveControl);
            if (attached >= 0) {
                sendControl.set(ValueLayout.JAVA_LONG, 0, 20);   // CMSG_LEN(sizeof(int))
                sendControl.set(ValueLayout.JAVA_INT, 8, 1);     // SOL_SOCKET
                sendControl.set(ValueLayout.JAVA_INT, 12, 1);    // SCM_RIGHTS
                sendControl.set(ValueLayout.JAVA_INT, 16, attached);
                sendHeader.set(ValueLayout.ADDRESS, MSG_CONTROL, sendControl);
                sendHeader.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, CONTROL_SPACE);
            }
        }

        void send(int fd) throws IOException {
            long n;
            try {
                n = (long) SENDMSG.invokeExact(fd, sendHeader, MSG_NOSIGNAL);
            } catch (Throwable t) {
                throw new IOException(t);
            }
            if (n != MESSAGE) throw new IOException("sendmsg returned " + n);
        }

        void receive(int fd) throws IOException {
            receiveHeader.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, CONTROL_SPACE);
            long n;
            try {
                n = (long) RECVMSG.invokeExact(fd, receiveHeader, MSG_CMSG_CLOEXEC);
            } catch (Throwable t) {
                throw new IOException(t);
            }
            if (n != MESSAGE) throw new IOException("recvmsg returned " + n);
            if (receiveHeader.get(ValueLayout.JAVA_LONG, MSG_CONTROLLEN) >= 20) {
                close(receiveControl.get(ValueLayout.JAVA_INT, 16));
            }
        }
    }
}
