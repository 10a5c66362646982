package dev.vigil.bench.harness;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code int sched_setaffinity(pid_t pid, size_t cpusetsize, const cpu_set_t *mask);}
 * with {@code pid} 0, the calling thread. The benchmarks pin their two threads because on a
 * small machine where the scheduler puts them decides the result: a wake-up on the same CPU
 * is a context switch of a few microseconds, one across CPUs an inter-processor interrupt
 * that costs tens of microseconds in a VM.
 *
 * <pre>
 * typedef struct { unsigned long __bits[1024 / 64]; } cpu_set_t;   // 128 bytes
 * </pre>
 */
public final class Affinity {
    private Affinity() {}

    private static final long CPU_SET_SIZE = 128;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SCHED_SETAFFINITY = LINKER.downcallHandle(
            LINKER.defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"));

    /** Restricts the calling thread to {@code cpu}. */
    public static void pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= CPU_SET_SIZE * 8) {
            throw new IllegalArgumentException("no such CPU: " + cpu);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(CPU_SET_SIZE, 8);
            set.set(ValueLayout.JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            MemorySegment callState = arena.allocate(CALL_STATE);
            int r = (int) SCHED_SETAFFINITY.invokeExact(callState, 0, CPU_SET_SIZE, set);
            if (r != 0) {
                throw new IllegalStateException("sched_setaffinity(CPU " + cpu + ") failed, errno "
                        + callState.get(ValueLayout.JAVA_INT, ERRNO_OFFSET));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
