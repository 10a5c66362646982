package dev.vigil.testing;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Proof that a thread is blocked, never a sleep: a platform thread is seen inside a named
 * system call ({@code /proc/self/task/TID/syscall}), a virtual thread is seen parked. A
 * {@link Worker} uses these with its own thread.
 */
public final class Blocked {
    private Blocked() {}

    /** The x86_64 (amd64) or aarch64 number of system call {@code name}, or -1 where unknown. */
    public static int syscallNumber(String name) {
        boolean arm = "aarch64".equals(System.getProperty("os.arch"));
        return switch (name) {
            case "read" -> arm ? 63 : 0;
            case "write" -> arm ? 64 : 1;
            case "connect" -> arm ? 203 : 42;
            case "recvmsg" -> arm ? 212 : 47;
            case "sendmsg" -> arm ? 211 : 46;
            case "accept4" -> arm ? 242 : 288;
            case "ppoll" -> arm ? 73 : 271;
            case "epoll_wait" -> arm ? -1 : 232; // aarch64 has epoll_pwait only
            case "epoll_pwait" -> arm ? 22 : 281;
            case "epoll_pwait2" -> 441;
            case "futex" -> arm ? 98 : 202;
            default -> -1;
        };
    }

    /** The system call thread {@code tid} of this process is in now ("running" if none). */
    public static String currentSyscall(int tid) throws java.io.IOException {
        return Files.readString(Path.of("/proc/self/task/" + tid + "/syscall")).trim();
    }

    /**
     * Waits (up to 20 s) until thread {@code tid} of this process sleeps in system call
     * {@code name}, or in one of {@code others}; returns the name of the call it is in. Names
     * this architecture lacks are skipped.
     */
    public static String awaitInSyscall(int tid, String name, String... others) throws Exception {
        return awaitInSyscall(tid, () -> null, name, others);
    }

    /**
     * {@link #awaitInSyscall(int, String, String...)} for a thread whose work may end first:
     * {@code ended} says how it ended (then the wait fails at once with that), or null while
     * it runs.
     */
    static String awaitInSyscall(int tid, Supplier<String> ended, String name, String... others) throws Exception {
        String[] names = new String[1 + others.length];
        names[0] = name;
        System.arraycopy(others, 0, names, 1, others.length);
        if (java.util.Arrays.stream(names).allMatch(n -> syscallNumber(n) < 0)) {
            fail("no system call number known for " + String.join(" or ", names) + " on " + System.getProperty("os.arch"));
        }
        String wanted = String.join(" or ", names);
        String last = "";
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            String end = ended.get();
            if (end != null) {
                return fail("thread " + tid + " never blocked in " + wanted + ": " + end);
            }
            try {
                last = currentSyscall(tid);
            } catch (NoSuchFileException gone) {
                return fail("thread " + tid + " ended instead of blocking in " + wanted);
            }
            for (String n : names) {
                if (syscallNumber(n) >= 0 && last.startsWith(syscallNumber(n) + " ")) {
                    return n;
                }
            }
            Thread.sleep(1);
        }
        return fail("thread " + tid + " never blocked in " + wanted + "; it is in: " + last);
    }

    /**
     * Waits (up to 20 s) until the main thread of process {@code pid} (a child of this one)
     * sleeps in system call {@code name} with argument {@code arg} (counted from 0) equal to
     * {@code value}: a {@code read(2)} of 8 bytes from an eventfd, told apart from the read of
     * the next command line from standard input, is {@code ("read", 2, 8)}.
     */
    public static void awaitProcessInSyscall(long pid, String name, int arg, long value) throws Exception {
        Path file = Path.of("/proc/" + pid + "/syscall");
        String prefix = syscallNumber(name) + " ";
        if (syscallNumber(name) < 0) {
            fail("no system call number known for " + name + " on " + System.getProperty("os.arch"));
        }
        String last = "";
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                last = Files.readString(file).trim();
            } catch (NoSuchFileException gone) {
                fail("process " + pid + " ended instead of blocking in " + name);
            }
            String[] words = last.split(" ");
            if (last.startsWith(prefix) && words.length > arg + 1 && Long.decode(words[arg + 1]) == value) {
                return;
            }
            Thread.sleep(1);
        }
        fail("process " + pid + " never blocked in " + name + " with argument " + arg + " = " + value + "; it is in: " + last);
    }

    /**
     * Waits (up to 20 s) until {@code signal}, sent to thread {@code tid} of this process, is
     * no longer pending for it ({@code SigPnd} of {@code /proc/self/task/TID/status}): the
     * kernel has taken it off to run the handler, so whatever call it interrupted has returned.
     */
    public static void awaitSignalTaken(int tid, int signal) throws Exception {
        Path status = Path.of("/proc/self/task/" + tid + "/status");
        long bit = 1L << (signal - 1);
        String last = "";
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                last = Files.readAllLines(status).stream().filter(l -> l.startsWith("SigPnd:")).findFirst()
                        .orElseThrow(() -> new AssertionError("no SigPnd line in " + status)).substring(7).trim();
            } catch (NoSuchFileException gone) {
                fail("thread " + tid + " ended while signal " + signal + " was pending for it");
            }
            if ((Long.parseUnsignedLong(last, 16) & bit) == 0) {
                return;
            }
            Thread.sleep(1);
        }
        fail("signal " + signal + " stayed pending for thread " + tid + " (SigPnd " + last + ")");
    }

    /** Waits (up to 20 s) until {@code t} is parked or waiting (a virtual thread off its carrier). */
    public static void awaitParked(Thread t) throws InterruptedException {
        awaitParked(t, () -> null);
    }

    /** {@link #awaitParked(Thread)}, failing at once with {@code ended} once that is not null. */
    static void awaitParked(Thread t, Supplier<String> ended) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                return;
            }
            String end = ended.get();
            if (end != null || s == Thread.State.TERMINATED) {
                fail(t + " ended instead of parking" + (end != null ? ": " + end : ""));
            }
            LockSupport.parkNanos(1_000_000);
        }
        fail(t + " never parked; it is " + t.getState());
    }
}
