package dev.vigil.bench.harness;

/** One operation of a measurement, or the body of one of its threads. */
@FunctionalInterface
public interface Step {
    void run() throws Exception;
}
