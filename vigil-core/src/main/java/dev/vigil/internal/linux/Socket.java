package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_LONG;
import static dev.vigil.internal.linux.Native.C_POINTER;

/**
 * {@code AF_UNIX} sockets: {@code socket(7)}, {@code unix(7)}, {@code cmsg(3)}.
 *
 * <pre>
 * int socket(int domain, int type, int protocol);
 * int socketpair(int domain, int type, int protocol, int sv[2]);
 * int bind(int fd, const struct sockaddr *addr, socklen_t len);
 * int listen(int fd, int backlog);
 * int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
 * int connect(int fd, const struct sockaddr *addr, socklen_t len);
 * ssize_t sendmsg(int fd, const struct msghdr *msg, int flags);
 * ssize_t recvmsg(int fd, struct msghdr *msg, int flags);
 * int getsockopt(int fd, int level, int name, void *value, socklen_t *len);
 *
 * struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; };   // 110 bytes
 * struct iovec  { void *iov_base; size_t iov_len; };
 * struct msghdr {
 *     void         *msg_name;       socklen_t     msg_namelen;
 *     struct iovec *msg_iov;        size_t        msg_iovlen;
 *     void         *msg_control;    size_t        msg_controllen;
 *     int           msg_flags;
 * };
 * struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; /* data, aligned *&#47; };
 * struct ucred { pid_t pid; uid_t uid; gid_t gid; };                  // 12 bytes
 *
 * #define CMSG_ALIGN(len) (((len) + sizeof(size_t) - 1) &amp; ~(sizeof(size_t) - 1))
 * #define CMSG_SPACE(len) (CMSG_ALIGN(len) + CMSG_ALIGN(sizeof(struct cmsghdr)))
 * #define CMSG_LEN(len)   (CMSG_ALIGN(sizeof(struct cmsghdr)) + (len))
 * </pre>
 * The layouts are derived from the size of {@code size_t} and pointers, not written for
 * x86_64 only. The constants are the asm-generic values, shared by x86_64, aarch64 and
 * riscv64 ({@code SO_PEERCRED} differs on powerpc, which vigil does not support).
 * Each call returns the raw result (-1 on failure, errno in the scratch's call state).
 */
public final class Socket {
    private Socket() {}

    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_PEERCRED = 17;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int IPPROTO_TCP = 6;
    public static final int TCP_NODELAY = 1;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    /** {@code struct sockaddr_storage}: room for any address. */
    public static final int SOCKADDR_STORAGE_SIZE = 128;
    public static final int SCM_RIGHTS = 1;
    /** The kernel's limit of descriptors in one message ({@code SCM_MAX_FD}). */
    public static final int SCM_MAX_FD = 253;

    public static final int MSG_PEEK = 0x2;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    /** {@code sizeof(size_t)}, which is also the alignment of control messages. */
    public static final long SIZE_T = ValueLayout.ADDRESS.byteSize();
    private static final ValueLayout C_SIZE_T = SIZE_T == 8 ? ValueLayout.JAVA_LONG : ValueLayout.JAVA_INT;

    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            C_POINTER.withName("iov_base"),
            C_SIZE_T.withName("iov_len"));

    public static final StructLayout MSGHDR = MemoryLayout.structLayout(
            C_POINTER.withName("msg_name"),
            C_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(SIZE_T - 4),
            C_POINTER.withName("msg_iov"),
            C_SIZE_T.withName("msg_iovlen"),
            C_POINTER.withName("msg_control"),
            C_SIZE_T.withName("msg_controllen"),
            C_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(SIZE_T - 4));

    public static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            C_SIZE_T.withName("cmsg_len"),
            C_INT.withName("cmsg_level"),
            C_INT.withName("cmsg_type"));

    public static final StructLayout UCRED = MemoryLayout.structLayout(
            C_INT.withName("pid"), C_INT.withName("uid"), C_INT.withName("gid"));

    /** {@code sizeof(struct sockaddr_un)}; the path holds at most 107 bytes and a NUL. */
    public static final int SOCKADDR_UN_SIZE = 110;
    public static final int SUN_PATH_MAX = 108;

    private static final long MSG_NAME = MSGHDR.byteOffset(groupElement("msg_name"));
    private static final long MSG_NAMELEN = MSGHDR.byteOffset(groupElement("msg_namelen"));
    private static final long MSG_IOV = MSGHDR.byteOffset(groupElement("msg_iov"));
    private static final long MSG_IOVLEN = MSGHDR.byteOffset(groupElement("msg_iovlen"));
    private static final long MSG_CONTROL = MSGHDR.byteOffset(groupElement("msg_control"));
    private static final long MSG_CONTROLLEN = MSGHDR.byteOffset(groupElement("msg_controllen"));
    private static final long MSG_FLAGS = MSGHDR.byteOffset(groupElement("msg_flags"));
    private static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));
    private static final long CMSG_LEVEL = CMSGHDR.byteOffset(groupElement("cmsg_level"));
    private static final long CMSG_TYPE = CMSGHDR.byteOffset(groupElement("cmsg_type"));
    private static final long CMSG_DATA = cmsgAlign(CMSGHDR.byteSize());

    public static long cmsgAlign(long len) {
        return (len + SIZE_T - 1) & ~(SIZE_T - 1);
    }

    public static long cmsgLen(long len) {
        return CMSG_DATA + len;
    }

    public static long cmsgSpace(long len) {
        return cmsgAlign(len) + CMSG_DATA;
    }

    /** Offset of a control message's data from its header. */
    public static long cmsgData() {
        return CMSG_DATA;
    }

    // --- struct accessors -------------------------------------------------------------

    public static void setIovec(MemorySegment iov, MemorySegment base, long len) {
        iov.set(ValueLayout.ADDRESS, 0, base);
        setSizeT(iov, IOV_LEN, len);
    }

    /** Fills a {@code msghdr} without a name. {@code control} may be {@code MemorySegment.NULL}. */
    public static void setMsghdr(MemorySegment msg, MemorySegment iov, long iovlen, MemorySegment control, long controllen) {
        msg.set(ValueLayout.ADDRESS, MSG_NAME, MemorySegment.NULL);
        msg.set(C_INT, MSG_NAMELEN, 0);
        msg.set(ValueLayout.ADDRESS, MSG_IOV, iov);
        setSizeT(msg, MSG_IOVLEN, iovlen);
        msg.set(ValueLayout.ADDRESS, MSG_CONTROL, control);
        setSizeT(msg, MSG_CONTROLLEN, controllen);
        msg.set(C_INT, MSG_FLAGS, 0);
    }

    /** Sets {@code msg_controllen} (recvmsg overwrites it with the length received). */
    public static void setControlLength(MemorySegment msg, long controllen) {
        setSizeT(msg, MSG_CONTROLLEN, controllen);
    }

    public static long controlLength(MemorySegment msg) {
        return getSizeT(msg, MSG_CONTROLLEN);
    }

    public static int msgFlags(MemorySegment msg) {
        return msg.get(C_INT, MSG_FLAGS);
    }

    public static long cmsgLength(MemorySegment control, long offset) {
        return getSizeT(control, offset);
    }

    public static int cmsgLevel(MemorySegment control, long offset) {
        return control.get(C_INT, offset + CMSG_LEVEL);
    }

    public static int cmsgType(MemorySegment control, long offset) {
        return control.get(C_INT, offset + CMSG_TYPE);
    }

    /** Writes a control message header at {@code offset}. */
    public static void setCmsg(MemorySegment control, long offset, long len, int level, int type) {
        setSizeT(control, offset, len);
        control.set(C_INT, offset + CMSG_LEVEL, level);
        control.set(C_INT, offset + CMSG_TYPE, type);
    }

    /** Fills a {@code sockaddr_un}; returns its length for bind/connect. */
    public static int setSockaddrUn(MemorySegment addr, byte[] path) {
        addr.fill((byte) 0);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, 2, path.length);
        return 2 + path.length + 1;
    }

    private static void setSizeT(MemorySegment s, long offset, long value) {
        if (SIZE_T == 8) s.set(ValueLayout.JAVA_LONG, offset, value);
        else s.set(ValueLayout.JAVA_INT, offset, (int) value);
    }

    private static long getSizeT(MemorySegment s, long offset) {
        return SIZE_T == 8 ? s.get(ValueLayout.JAVA_LONG, offset) : s.get(ValueLayout.JAVA_INT, offset);
    }

    // --- calls ------------------------------------------------------------------------

    private static final MethodHandle SOCKET = Native.critical("socket",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle SOCKETPAIR = Native.critical("socketpair",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    private static final MethodHandle BIND = Native.blocking("bind",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle LISTEN = Native.critical("listen",
            FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle ACCEPT4 = Native.blocking("accept4",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
    private static final MethodHandle CONNECT = Native.blocking("connect",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final FunctionDescriptor MSG_CALL = FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT);
    // sendmsg and recvmsg go straight to the kernel where the numbers are known (Native.direct).
    /** Only ever called with {@code MSG_DONTWAIT}, so it cannot block: critical. */
    private static final MethodHandle SENDMSG = java.util.Objects.requireNonNullElseGet(
            Native.direct(MSG_CALL, 46, 211, true), () -> Native.critical("sendmsg", MSG_CALL));
    /** Only ever called with {@code MSG_DONTWAIT}, so it cannot block: critical. */
    private static final MethodHandle RECVMSG = java.util.Objects.requireNonNullElseGet(
            Native.direct(MSG_CALL, 47, 212, true), () -> Native.critical("recvmsg", MSG_CALL));
    /** May block until a message arrives or a signal interrupts it: an ordinary downcall. */
    private static final MethodHandle RECVMSG_BLOCKING = java.util.Objects.requireNonNullElseGet(
            Native.direct(MSG_CALL, 47, 212, false), () -> Native.blocking("recvmsg", MSG_CALL));
    private static final MethodHandle GETSOCKOPT = Native.critical("getsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER));
    private static final MethodHandle SETSOCKOPT = Native.critical("setsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_INT));
    private static final FunctionDescriptor NAME_CALL = FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER);
    private static final MethodHandle GETSOCKNAME = Native.critical("getsockname", NAME_CALL);
    private static final MethodHandle GETPEERNAME = Native.critical("getpeername", NAME_CALL);
    private static final MethodHandle SHUTDOWN = Native.critical("shutdown", FunctionDescriptor.of(C_INT, C_INT, C_INT));

    public static int socket(Native.Scratch s, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(s.callState, domain, type, protocol);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code sv} receives two ints. */
    public static int socketpair(Native.Scratch s, int domain, int type, int protocol, MemorySegment sv) {
        try {
            return (int) SOCKETPAIR.invokeExact(s.callState, domain, type, protocol, sv);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static int bind(Native.Scratch s, int fd, MemorySegment addr, int len) {
        try {
            return (int) BIND.invokeExact(s.callState, fd, addr, len);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static int listen(Native.Scratch s, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(s.callState, fd, backlog);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** Without the peer's address. */
    public static int accept4(Native.Scratch s, int fd, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(s.callState, fd, MemorySegment.NULL, MemorySegment.NULL, flags);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static int connect(Native.Scratch s, int fd, MemorySegment addr, int len) {
        try {
            return (int) CONNECT.invokeExact(s.callState, fd, addr, len);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code sendmsg(fd, msg, flags | MSG_DONTWAIT)}: never blocks. */
    public static long sendmsgNoWait(Native.Scratch s, int fd, MemorySegment msg, int flags) {
        try {
            return (long) SENDMSG.invokeExact(s.callState, fd, msg, flags | MSG_DONTWAIT);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code recvmsg(fd, msg, flags | MSG_DONTWAIT)}: never blocks. */
    public static long recvmsgNoWait(Native.Scratch s, int fd, MemorySegment msg, int flags) {
        try {
            return (long) RECVMSG.invokeExact(s.callState, fd, msg, flags | MSG_DONTWAIT);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /**
     * {@code recvmsg(fd, msg, flags)}: on a socket in blocking mode, blocks until a message
     * (or end-of-stream) arrives or a signal ends the call ({@code EINTR}).
     */
    public static long recvmsg(Native.Scratch s, int fd, MemorySegment msg, int flags) {
        try {
            return (long) RECVMSG_BLOCKING.invokeExact(s.callState, fd, msg, flags);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code len} holds the value's capacity on entry and its length on return. */
    public static int getsockopt(Native.Scratch s, int fd, int level, int name, MemorySegment value, MemorySegment len) {
        try {
            return (int) GETSOCKOPT.invokeExact(s.callState, fd, level, name, value, len);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static int setsockopt(Native.Scratch s, int fd, int level, int name, MemorySegment value, int len) {
        try {
            return (int) SETSOCKOPT.invokeExact(s.callState, fd, level, name, value, len);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code len} holds the address's capacity on entry and its length on return. */
    public static int getsockname(Native.Scratch s, int fd, MemorySegment addr, MemorySegment len) {
        try {
            return (int) GETSOCKNAME.invokeExact(s.callState, fd, addr, len);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    /** {@code len} holds the address's capacity on entry and its length on return. */
    public static int getpeername(Native.Scratch s, int fd, MemorySegment addr, MemorySegment len) {
        try {
            return (int) GETPEERNAME.invokeExact(s.callState, fd, addr, len);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static int shutdown(Native.Scratch s, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(s.callState, fd, how);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }
}
