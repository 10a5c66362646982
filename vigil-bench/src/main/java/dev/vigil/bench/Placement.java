package dev.vigil.bench;

/**
 * Where the two threads of a ping-pong run. On a small machine this decides the result: a
 * wake-up on the same CPU is a context switch (a few microseconds), one across CPUs an
 * inter-processor interrupt, which in a VM costs tens of microseconds. Left alone, the
 * scheduler switches between the two from one run to the next, so the benchmarks pin.
 */
enum Placement {
    /** The latency of a cross-CPU wake-up dominates. */
    CROSS("initiator on CPU 0, responder on CPU 1", 0, 1, 1),
    /** The software cost of the path (system calls, context switch) dominates. */
    SAME("initiator and responder both on CPU 0", 0, 0, 5),
    /** What an application sees; bimodal. */
    FREE("threads not pinned: the scheduler places them", -1, -1, 1);

    final String description;
    /** A CPU number, or -1 for "not pinned". */
    final int initiatorCpu;
    final int responderCpu;
    /** Round trips on one CPU are cheap: a measurement does this many times more of them. */
    final int tripsFactor;

    Placement(String description, int initiatorCpu, int responderCpu, int tripsFactor) {
        this.description = description;
        this.initiatorCpu = initiatorCpu;
        this.responderCpu = responderCpu;
        this.tripsFactor = tripsFactor;
    }

    void pinInitiator() {
        if (initiatorCpu >= 0) {
            Affinity.pinCurrentThread(initiatorCpu);
        }
    }

    void pinResponder() {
        if (responderCpu >= 0) {
            Affinity.pinCurrentThread(responderCpu);
        }
    }
}
