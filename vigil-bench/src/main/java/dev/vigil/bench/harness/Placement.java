package dev.vigil.bench.harness;

import java.util.Locale;

/**
 * Where the two sides of a measurement run. On a small machine this decides the result: a
 * wake-up on the same CPU is a context switch (a few microseconds), one across CPUs an
 * inter-processor interrupt, which in a VM costs tens of microseconds. Left alone, the
 * scheduler switches between the two from one run to the next, so the benchmarks pin.
 */
public enum Placement {
    /** Initiator on CPU 0, responder on CPU 1: the latency of a cross-CPU wake-up dominates. */
    CROSS("initiator on CPU 0, responder on CPU 1", 0, 1, 1),
    /** Both on CPU 0: the software cost of the path (system calls, context switch) dominates. */
    SAME("initiator and responder both on CPU 0", 0, 0, 5),
    /** Not pinned: what an application sees; bimodal. Also the placement of suites that do not pin. */
    FREE("threads not pinned: the scheduler places them", -1, -1, 1);

    private final String description;
    private final int initiatorCpu;
    private final int responderCpu;
    private final int tripsFactor;

    Placement(String description, int initiatorCpu, int responderCpu, int tripsFactor) {
        this.description = description;
        this.initiatorCpu = initiatorCpu;
        this.responderCpu = responderCpu;
        this.tripsFactor = tripsFactor;
    }

    /** The name on the command line and in headings: {@code cross}, {@code same}, {@code free}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Where the two sides run, in words. */
    public String description() {
        return description;
    }

    /** The initiator's CPU, or -1 for "not pinned". */
    public int initiatorCpu() {
        return initiatorCpu;
    }

    /** The responder's CPU, or -1 for "not pinned". */
    public int responderCpu() {
        return responderCpu;
    }

    /** True unless {@link #FREE}. */
    public boolean pins() {
        return initiatorCpu >= 0;
    }

    /**
     * Round trips on one CPU are cheap: the round-trip suites make this many times more of
     * them per measurement (5 for {@link #SAME}, 1 otherwise).
     */
    public int tripsFactor() {
        return tripsFactor;
    }

    /** Pins the calling thread to the initiator's CPU, if this placement pins. */
    public void pinInitiator() {
        if (initiatorCpu >= 0) {
            Affinity.pinCurrentThread(initiatorCpu);
        }
    }

    /** Pins the calling thread to the responder's CPU, if this placement pins. */
    public void pinResponder() {
        if (responderCpu >= 0) {
            Affinity.pinCurrentThread(responderCpu);
        }
    }
}
