package dev.vigil.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The linker, the C library and errno capture shared by every binding class.
 *
 * <p>Every downcall made here captures {@code errno} into a caller-supplied segment (the
 * first argument of the method handle), so errno is per call and per thread: no static
 * errno segment is shared between threads. {@link Scratch} gives each thread that segment
 * and a few small buffers, so the hot paths allocate nothing.
 */
public final class Native {
    private Native() {}

    public static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET =
            CALL_STATE.byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout C_POINTER = ValueLayout.ADDRESS;

    /** A downcall that may block (not critical): the VM may run GC while it is in the kernel. */
    static MethodHandle blocking(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, CAPTURE_ERRNO);
    }

    /**
     * A downcall that never blocks: {@code Linker.Option.critical} removes the thread
     * state transition. Only for calls that return promptly whatever the descriptor.
     */
    static MethodHandle critical(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, CAPTURE_ERRNO, Linker.Option.critical(false));
    }

    /**
     * {@link #critical} that may also be given heap memory (a segment over a Java array), which
     * the VM then pins for the call: for non-blocking reads and writes of the caller's buffers
     * without a copy.
     */
    static MethodHandle criticalWithHeap(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, CAPTURE_ERRNO, Linker.Option.critical(true));
    }

    /** {@code long syscall(long number, ...)} with the variadic part fixed by {@code fd}. */
    static MethodHandle syscall(FunctionDescriptor fd, boolean critical) {
        Linker.Option variadic = Linker.Option.firstVariadicArg(1);
        return critical
                ? LINKER.downcallHandle(symbol("syscall"), fd, CAPTURE_ERRNO, variadic, Linker.Option.critical(false))
                : LINKER.downcallHandle(symbol("syscall"), fd, CAPTURE_ERRNO, variadic);
    }

    /** The processor family, for system call numbers: x86_64, aarch64 (the generic table), or neither. */
    private static final String ARCH = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> "x86_64";
        case "aarch64" -> "aarch64";
        default -> "other";
    };

    /**
     * A downcall of a system call made through {@code syscall(2)}, with the number bound, so
     * its type is {@code fd}'s (the kernel's arguments, errno captured); or null where the
     * number is not known here (a processor family other than x86_64 and aarch64), and the
     * caller uses the C library's wrapper instead.
     *
     * <p>Why: glibc's wrappers of calls that are POSIX cancellation points ({@code read},
     * {@code write}, {@code preadv2}, {@code epoll_pwait}, {@code ppoll}, ...) switch the
     * thread's cancellation type on and off around the call, two atomic operations on the
     * thread descriptor every time (glibc 2.36 here). The JVM never cancels threads, so
     * vigil's hot paths skip them: 10-15% of a write-then-read pair on this machine.
     *
     * @param x86     the call's number on x86_64
     * @param generic its number in the generic table (aarch64)
     */
    static MethodHandle direct(FunctionDescriptor fd, long x86, long generic, boolean critical) {
        long number = switch (ARCH) {
            case "x86_64" -> x86;
            case "aarch64" -> generic;
            default -> -1;
        };
        if (number < 0 || !has("syscall")) {
            return null;
        }
        java.lang.foreign.MemoryLayout[] args = new java.lang.foreign.MemoryLayout[1 + fd.argumentLayouts().size()];
        args[0] = C_LONG;
        for (int i = 0; i < fd.argumentLayouts().size(); i++) {
            args[1 + i] = fd.argumentLayouts().get(i);
        }
        MethodHandle raw = java.lang.invoke.MethodHandles.insertArguments(syscall(FunctionDescriptor.of(C_LONG, args), critical), 1, number);
        // syscall(2) returns long; an int result is its low half.
        // (An address-less downcall handle takes the function address first: drop it to get the shape.)
        return java.lang.invoke.MethodHandles.explicitCastArguments(raw,
                LINKER.downcallHandle(fd, CAPTURE_ERRNO).type().dropParameterTypes(0, 1));
    }

    /** A plain downcall without errno capture, for functions that cannot fail usefully. */
    static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    static boolean has(String name) {
        return LIBC.find(name).isPresent();
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    /** The errno captured by the last downcall that used {@code scratch}. */
    public static int errno(Scratch scratch) {
        return scratch.callState.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    /** Converts a C string at {@code address} (no bounds known) to a Java string. */
    static String cString(MemorySegment address) {
        return address.equals(MemorySegment.NULL) ? null : address.reinterpret(4096).getString(0);
    }

    /**
     * Per-thread native memory: the errno capture segment and small buffers for one call
     * at a time. Never share a Scratch between threads and never hold its slices across a
     * call that another method might also make on the same thread.
     */
    public static final class Scratch {
        private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

        public final MemorySegment callState;
        /** 8 bytes: the eventfd counter value read or written. */
        public final MemorySegment word;
        /** One {@code struct iovec} describing {@link #word}. */
        public final MemorySegment iovec;
        /** Two {@code struct pollfd}. */
        public final MemorySegment pollfds;
        /** One {@code struct timespec}. */
        public final MemorySegment timespec;
        /** 256 bytes for paths and other short strings. */
        public final MemorySegment text;
        /** 128 bytes: one {@code sigset_t}. */
        public final MemorySegment sigset;

        private Scratch() {
            MemorySegment all = Arena.ofAuto().allocate(640, 16);
            callState = all.asSlice(0, CALL_STATE.byteSize());
            word = all.asSlice(64, 8);
            iovec = all.asSlice(80, 16);
            pollfds = all.asSlice(96, 2 * Poll.POLLFD_SIZE);
            timespec = all.asSlice(128, 16);
            text = all.asSlice(256, 256);
            sigset = all.asSlice(512, 128);
            iovec.set(ValueLayout.ADDRESS, 0, word);
            iovec.set(ValueLayout.JAVA_LONG, 8, 8L);
        }

        public static Scratch get() {
            return CURRENT.get();
        }
    }
}
