package dev.vigil.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Set;

/**
 * The socket file of a listener at a path ({@code TubeListener}, {@code UnixListener}): mode
 * 0600 from the moment anyone can connect, a stale socket (its listener died) replaced and
 * anything else refused, and on close the file removed only if it is still this listener's.
 *
 * <p>How: the socket is bound in a new private directory next to the target (mode 0700, so
 * nobody can connect to it there), made 0600, set listening, and then moved into place with
 * {@code renameat2(RENAME_NOREPLACE)}, which never replaces anything. The file's key (device
 * and inode) is read before the move, which keeps the inode; {@link #removeIfOurs} compares
 * it, so a close never deletes a file that another process has put there since.
 */
public final class SocketFiles {
    private SocketFiles() {}

    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_SOCKET = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Binds {@code fd} (a new {@code AF_UNIX} socket, any type) at {@code path} and listens
     * with {@code backlog}. The caller closes {@code fd} if this throws.
     *
     * @param who how the refusal names the caller, for example "TubeListener.bind"
     * @return the socket file's key, for {@link #removeIfOurs}
     * @throws FileAlreadyExistsException if something other than a stale socket is there
     * @throws IllegalArgumentException   if the path is too long for a socket address, with
     *                                    room for the temporary name beside it
     */
    public static Object bind(Descriptor fd, Path path, int backlog, String who) throws IOException {
        Path target = path.toAbsolutePath();
        byte[] targetAddress = SeqpacketSocket.address(target);
        Path parent = target.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("cannot bind a socket at " + target + ": it names no file in a directory");
        }
        Path directory = privateDirectory(parent);
        Path temporary = directory.resolve("s");
        try {
            byte[] temporaryAddress;
            try {
                temporaryAddress = SeqpacketSocket.address(temporary);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("socket path " + target + " is too long: binding needs room for "
                        + temporary + " (at most " + SeqpacketSocket.MAX_PATH_BYTES + " bytes). Use a shorter path.");
            }
            SeqpacketSocket.bind(fd, temporaryAddress, temporary);
            Files.setPosixFilePermissions(temporary, OWNER_ONLY_SOCKET); // before anyone can connect
            SeqpacketSocket.listen(fd, backlog);
            // Read before the move, which keeps the inode: read after it, another process could
            // have replaced the file in between, and a close would delete theirs.
            Object key = Files.readAttributes(temporary, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            moveIntoPlace(temporaryAddress, targetAddress, target, who);
            return key;
        } finally {
            Files.deleteIfExists(temporary);
            Files.deleteIfExists(directory);
        }
    }

    /** Deletes the file at {@code path} if it is still the one with {@code key}; else leaves it. */
    public static void removeIfOurs(Path path, Object key) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (Objects.equals(a.fileKey(), key)) { // st_dev and st_ino
                Files.delete(path);
            }
        } catch (IOException goneOrReplaced) {
            // nothing of ours left to remove
        }
    }

    private static Path privateDirectory(Path parent) throws IOException {
        for (;;) {
            String name = ".vigil-" + Long.toString(RANDOM.nextLong() >>> 24, 36);
            try {
                return Files.createDirectory(parent.resolve(name), PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
            } catch (FileAlreadyExistsException taken) {
                // try another name
            }
        }
    }

    private static void moveIntoPlace(byte[] from, byte[] to, Path target, String who) throws IOException {
        for (int attempt = 0; ; attempt++) {
            if (SeqpacketSocket.renameNoReplace(from, to, target)) {
                return;
            }
            if (attempt > 0) {
                throw new FileAlreadyExistsException(target.toString(), null,
                        "another socket was bound there while this one was being bound");
            }
            if (!SeqpacketSocket.isStaleSocket(target)) {
                throw new FileAlreadyExistsException(target.toString(), null,
                        who + " replaces only a stale socket, and this is "
                                + (SeqpacketSocket.isSocketFile(target) ? "the socket of a live listener" : "not a socket"));
            }
            try {
                Files.delete(target);
            } catch (NoSuchFileException gone) {
                // removed meanwhile: try again
            }
        }
    }
}
