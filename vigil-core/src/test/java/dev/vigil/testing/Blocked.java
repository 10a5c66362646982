package dev.vigil.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Proof that a thread is blocked, never a sleep: a platform thread is seen inside a named
 * system call ({@code /proc/self/task/TID/syscall}), a virtual thread is seen parked.
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
     * {@code name}, or in one of {@code others}; returns the name of the call it is in.
     */
    public static String awaitInSyscall(int tid, String name, String... others) throws Exception {
        String[] names = new String[1 + others.length];
        names[0] = name;
        System.arraycopy(others, 0, names, 1, others.length);
        for (String n : names) {
            if (syscallNumber(n) < 0) {
                fail("no system call number known for " + n + " on " + System.getProperty("os.arch"));
            }
        }
        String last = "";
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            last = currentSyscall(tid);
            for (String n : names) {
                if (last.startsWith(syscallNumber(n) + " ")) {
                    return n;
                }
            }
            Thread.sleep(1);
        }
        return fail("thread " + tid + " never blocked in " + String.join(" or ", names) + "; it is in: " + last);
    }

    /** Waits (up to 20 s) until {@code t} is parked or waiting (a virtual thread off its carrier). */
    public static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Thread.State s = t.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                return;
            }
            if (s == Thread.State.TERMINATED) {
                fail(t + " ended instead of parking");
            }
            LockSupport.parkNanos(1_000_000);
        }
        fail(t + " never parked; it is " + t.getState());
    }
}
