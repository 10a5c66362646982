package dev.vigil.internal.linux;

/**
 * The errno values vigil branches on, named once. They come from asm-generic/errno-base.h
 * and asm-generic/errno.h, which x86_64 and aarch64 both use.
 */
public final class Errno {
    private Errno() {}

    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSYS = 38;
    public static final int ECONNABORTED = 103;
    public static final int ECONNREFUSED = 111;
    public static final int EINPROGRESS = 115;
}
