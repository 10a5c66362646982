package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_POINTER;

/**
 * {@code const char *strerrorname_np(int errnum);} (glibc 2.32+) and
 * {@code char *strerror(int errnum);}, used only on error paths.
 */
public final class Strerror {
    private Strerror() {}

    private static final MethodHandle NAME = Native.has("strerrorname_np")
            ? Native.plain("strerrorname_np", FunctionDescriptor.of(C_POINTER, C_INT)) : null;
    private static final MethodHandle TEXT = Native.plain("strerror", FunctionDescriptor.of(C_POINTER, C_INT));

    /** {@code "EAGAIN"} for 11, or {@code "errno N"} where the C library cannot name it. */
    public static String name(int errno) {
        if (NAME != null) {
            try {
                String n = Native.cString((MemorySegment) NAME.invokeExact(errno));
                if (n != null) return n;
            } catch (Throwable ignored) {
                // fall through to the number
            }
        }
        return "errno " + errno;
    }

    public static String text(int errno) {
        try {
            String t = Native.cString((MemorySegment) TEXT.invokeExact(errno));
            return t != null ? t : "unknown error";
        } catch (Throwable t) {
            return "unknown error";
        }
    }
}
