package dev.vigil.internal;

import dev.vigil.internal.linux.Native;
import dev.vigil.internal.linux.Socket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Descriptors in control messages ({@code SCM_RIGHTS}, {@code cmsg(3)}): the control data of
 * a send, and the walk over what a receive got. Nothing else about a socket lives here, as
 * crosvm keeps {@code sock_ctrl_msg.rs} apart from {@code tube.rs}.
 *
 * <p>A send writes one {@code SCM_RIGHTS} message and passes {@code CMSG_SPACE} of it as
 * {@code msg_controllen}. A receive offers {@code CMSG_LEN} of the descriptors it allows,
 * not {@code CMSG_SPACE}: the padding of the latter holds one more int after an odd count,
 * and the kernel would fill it. With room for exactly that many, the kernel installs no more
 * and reports the rest with {@code MSG_CTRUNC}.
 */
public final class ScmRights {
    private ScmRights() {}

    /** The most descriptors one message can carry: the kernel's {@code SCM_MAX_FD}. */
    public static final int MAX_DESCRIPTORS = Socket.SCM_MAX_FD;

    /** The message a receive with no descriptors gets, shared: it owns nothing. */
    public static final Descriptor[] NONE = new Descriptor[0];

    /** {@code CMSG_SPACE} of {@link #MAX_DESCRIPTORS} ints: room for any send or receive. */
    private static final long CAPACITY = Socket.cmsgSpace(4L * MAX_DESCRIPTORS);

    /** A control buffer with room for {@link #MAX_DESCRIPTORS}, aligned for {@code cmsghdr}. */
    static MemorySegment allocate(Arena arena) {
        return arena.allocate(CAPACITY, Socket.SIZE_T);
    }

    // --- send -------------------------------------------------------------------------

    /**
     * Writes the header of one {@code SCM_RIGHTS} message of {@code count} descriptors at the
     * start of {@code control}; the numbers follow with {@link #put}.
     *
     * @return its {@code msg_controllen}: {@code CMSG_SPACE(4 * count)}
     */
    static long begin(MemorySegment control, int count) {
        Socket.setCmsg(control, 0, Socket.cmsgLen(4L * count), Socket.SOL_SOCKET, Socket.SCM_RIGHTS);
        return Socket.cmsgSpace(4L * count);
    }

    /** Writes descriptor number {@code i} of the message {@link #begin} started. */
    static void put(MemorySegment control, int i, int number) {
        control.set(Native.C_INT, Socket.cmsgData() + 4L * i, number);
    }

    // --- receive ----------------------------------------------------------------------

    /** The {@code msg_controllen} to offer a receive of at most {@code maxDescriptors}: {@code CMSG_LEN}, 0 for none. */
    static long receiveCapacity(int maxDescriptors) {
        return maxDescriptors == 0 ? 0 : Socket.cmsgLen(4L * maxDescriptors);
    }

    /** True if the kernel dropped descriptors for want of room ({@code MSG_CTRUNC}), or of numbers in this process. */
    static boolean isTruncated(int msgFlags) {
        return (msgFlags & Socket.MSG_CTRUNC) != 0;
    }

    /**
     * Takes ownership of every descriptor in the {@code SCM_RIGHTS} messages of the first
     * {@code length} bytes of {@code control}, in order; {@link #NONE} if there are none.
     * Each must then be closed or handed on: the kernel installed them in this process.
     */
    static Descriptor[] adopt(MemorySegment control, long length, String what) {
        int count = length == 0 ? 0 : walk(control, length, null, what);
        if (count == 0) {
            return NONE;
        }
        Descriptor[] owned = new Descriptor[count];
        walk(control, length, owned, what);
        return owned;
    }

    /** Counts the descriptors; with {@code into}, also adopts each. Stops at a malformed header. */
    private static int walk(MemorySegment control, long length, Descriptor[] into, String what) {
        int count = 0;
        long offset = 0;
        long data = Socket.cmsgData();
        while (offset + data <= length) {
            long len = Socket.cmsgLength(control, offset);
            if (len < data || offset + len > length) {
                break;
            }
            if (Socket.cmsgLevel(control, offset) == Socket.SOL_SOCKET && Socket.cmsgType(control, offset) == Socket.SCM_RIGHTS) {
                for (long at = offset + data; at + 4 <= offset + len; at += 4) {
                    if (into != null) {
                        into[count] = Descriptor.adoptNew(control.get(Native.C_INT, at), what);
                    }
                    count++;
                }
            }
            offset += Socket.cmsgAlign(len);
        }
        return count;
    }
}
