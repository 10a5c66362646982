package dev.vigil.internal.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static dev.vigil.internal.linux.Native.C_INT;
import static dev.vigil.internal.linux.Native.C_POINTER;

/**
 * Moving a name into place without replacing what is there.
 *
 * <pre>
 * int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags);
 * int link(const char *oldpath, const char *newpath);
 * </pre>
 * {@code renameat2(RENAME_NOREPLACE)} fails with {@code EEXIST} instead of replacing the
 * target, atomically; a file system without it answers {@code EINVAL}, and {@code link(2)},
 * which never replaces either, is the fallback. Each call returns the raw result.
 */
public final class Rename {
    private Rename() {}

    public static final int AT_FDCWD = -100;
    public static final int RENAME_NOREPLACE = 1;

    private static final MethodHandle RENAMEAT2 = Native.has("renameat2")
            ? Native.blocking("renameat2", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_POINTER, C_INT))
            : null;
    private static final MethodHandle LINK = Native.blocking("link",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));

    /** True if the C library has {@code renameat2} (glibc 2.28+). */
    public static boolean hasRenameat2() {
        return RENAMEAT2 != null;
    }

    /** {@code renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE)}; needs {@link #hasRenameat2()}. */
    public static int renameNoReplace(Native.Scratch s, MemorySegment from, MemorySegment to) {
        try {
            return (int) RENAMEAT2.invokeExact(s.callState, AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }

    public static int link(Native.Scratch s, MemorySegment from, MemorySegment to) {
        try {
            return (int) LINK.invokeExact(s.callState, from, to);
        } catch (Throwable t) {
            throw Unistd.rethrow(t);
        }
    }
}
