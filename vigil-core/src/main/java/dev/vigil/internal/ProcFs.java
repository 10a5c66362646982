package dev.vigil.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What {@code /proc/self} says about a descriptor: what it is, and an eventfd's counter and
 * identity. Off the hot paths only (each call opens a file).
 */
public final class ProcFs {
    private ProcFs() {}

    /** The link target of {@code /proc/self/fd/N} ({@code "anon_inode:[eventfd]"}), or null if N is not open. */
    public static String describe(int fd) throws IOException {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * The text of {@code /proc/self/fdinfo/N}.
     *
     * @throws IOException if it cannot be read: N is not open, or {@code /proc} is not mounted
     */
    public static String fdinfo(int fd) throws IOException {
        return Files.readString(Path.of("/proc/self/fdinfo/" + fd));
    }

    /**
     * A field of {@code /proc/self/fdinfo/N} as an unsigned number in the given radix, or -1
     * if absent. (The kernel prints {@code eventfd-count} in hex, {@code eventfd-id} in decimal.)
     */
    public static long fdinfoField(int fd, String field, int radix) throws IOException {
        String text = fdinfo(fd);
        for (String line : text.split("\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseUnsignedLong(line.substring(field.length() + 1).strip(), radix);
            }
        }
        return -1;
    }
}
