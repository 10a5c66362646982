package dev.vigil.internal;

import java.io.IOException;

/**
 * What the kernel shows of an eventfd in {@code /proc/self/fdinfo/N}, all taken from one read
 * of that file:
 * <pre>
 * pos:    0
 * flags:  02000002
 * mnt_id: 17
 * ino:    1039
 * eventfd-count:                0     the counter, in hex; only an eventfd has this line
 * eventfd-id: 5                       unique among live eventfds, handed out again once one is freed
 * eventfd-semaphore: 0                1 for an eventfd made with EFD_SEMAPHORE
 * </pre>
 * Older kernels print neither {@code eventfd-id} nor {@code eventfd-semaphore}: the id is
 * then {@link #NO_ID}, and a semaphore eventfd cannot be told apart (the flag reads false).
 *
 * @param id        the kernel's {@code eventfd-id}, or {@link #NO_ID} if it shows none
 * @param semaphore whether the eventfd was made with {@code EFD_SEMAPHORE}
 */
public record EventFdInfo(long id, boolean semaphore) {
    /** The id of an eventfd whose kernel shows none. */
    public static final long NO_ID = -1;

    /**
     * Reads {@code /proc/self/fdinfo/fd} once.
     *
     * @return what it says of the eventfd, or null if {@code fd} is not an eventfd
     * @throws IOException if the file cannot be read: {@code fd} is not open, or {@code /proc}
     *                     is not mounted
     */
    public static EventFdInfo read(int fd) throws IOException {
        return parse(ProcFs.fdinfo(fd));
    }

    /** The eventfd fields of an fdinfo text, or null if it has no {@code eventfd-count} line. */
    public static EventFdInfo parse(String fdinfo) {
        boolean eventfd = false;
        long id = NO_ID;
        boolean semaphore = false;
        for (String line : fdinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String value = line.substring(colon + 1).strip();
            switch (line.substring(0, colon)) {
                case "eventfd-count" -> eventfd = true;
                case "eventfd-id" -> id = decimal(value);
                case "eventfd-semaphore" -> semaphore = !value.equals("0");
                default -> { }
            }
        }
        return eventfd ? new EventFdInfo(id, semaphore) : null;
    }

    private static long decimal(String value) {
        try {
            long id = Long.parseLong(value);
            return id >= 0 ? id : NO_ID;
        } catch (NumberFormatException unreadable) {
            return NO_ID;
        }
    }
}
