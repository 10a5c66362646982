package dev.vigil.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Pins threads this harness does not run its own code on: the carriers of virtual threads,
 * vigil's default reactor thread ({@code vigil-reactor}) and the JDK's I/O poller threads.
 * They are found by name in {@code /proc/self/task/TID/comm} (at most 15 characters) and
 * pinned with {@code sched_setaffinity(tid, ...)}.
 */
final class ThreadPins {
    private ThreadPins() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SCHED_SETAFFINITY = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

    /** A thread of this process: its kernel id and name. */
    record Task(int tid, String name) {
    }

    /** Every thread of this process. */
    static List<Task> tasks() {
        List<Task> all = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc/self/task"))) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                try {
                    String name = Files.readString(dir.resolve("comm"), StandardCharsets.UTF_8).strip();
                    all.add(new Task(Integer.parseInt(dir.getFileName().toString()), name));
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return all;
    }

    /**
     * Pins every thread whose name starts with one of {@code prefixes} to {@code cpu}
     * (-1: every CPU of a 2-CPU machine, i.e. unpinned). Returns the names pinned.
     */
    static List<String> pinNamed(int cpu, String... prefixes) {
        List<String> pinned = new ArrayList<>();
        for (Task t : tasks()) {
            for (String p : prefixes) {
                if (t.name().startsWith(p)) {
                    pin(t.tid(), cpu);
                    pinned.add(t.name() + "/" + t.tid());
                    break;
                }
            }
        }
        return pinned;
    }

    static void pin(int tid, int cpu) {
        long mask = cpu < 0 ? (1L << Runtime.getRuntime().availableProcessors()) - 1 : 1L << cpu;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(128, 8);
            set.set(ValueLayout.JAVA_LONG, 0, mask);
            int r = (int) SCHED_SETAFFINITY.invokeExact(tid, 128L, set);
            if (r != 0) {
                // the thread may have ended between listing and pinning: not an error
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
