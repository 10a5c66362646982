/**
 * The comparison harness: what every suite of {@code ./vigil bench} shares.
 *
 * <ul>
 *   <li>{@link dev.vigil.bench.harness.Suite}: a comparison, its peers, options and tables;</li>
 *   <li>{@link dev.vigil.bench.harness.Peer}: one thing compared, which measures itself given a
 *       {@link dev.vigil.bench.harness.Trial} (placement, setting, warm-up and timed counts, and
 *       the means to fail at once from any of its threads);</li>
 *   <li>{@link dev.vigil.bench.harness.Harness}: the method (unrecorded pass, rounds in a rotated
 *       order, medians, paired ratios) and the per-measurement timeout;</li>
 *   <li>{@link dev.vigil.bench.harness.BenchOptions} and {@link dev.vigil.bench.harness.Defaults}:
 *       the options common to every suite ({@code --rounds}, {@code --trips}, {@code --warmup},
 *       {@code --placements}, {@code --peers}, {@code --timeout}) and a suite's own;</li>
 *   <li>ready-made peers: {@link dev.vigil.bench.harness.CProgram} (a C reference program) and
 *       {@link dev.vigil.bench.harness.PingPong} (two platform threads bouncing a wake-up);</li>
 *   <li>{@link dev.vigil.bench.harness.Placement} and {@link dev.vigil.bench.harness.Affinity}:
 *       pinning.</li>
 * </ul>
 *
 * <h2>Adding a suite</h2>
 * Write one class implementing {@code Suite}, and add an instance to {@code Bench.SUITES}. A
 * thread ping-pong through two Semaphores against a C program {@code pipe_pingpong.c} (put in
 * {@code vigil-bench/src/main/c/}, taking {@code TRIPS WARMUP [CPU CPU]} and printing
 * {@code ns_per_round_trip=N}; {@code ./vigil bench} compiles it) is all of this:
 * <pre>{@code
 * public final class PipeSuite implements Suite<Void> {
 *     public String name() { return "pipe"; }
 *     public String summary() { return "thread ping-pong: two Semaphores vs C pipes"; }
 *     public Defaults defaults() { return Defaults.roundTrips(20_000, 2_000); }   // trips, warm-up
 *     public String title(BenchOptions options) { return "pipe ping-pong round trip"; }
 *
 *     public List<Peer<Void>> peers(BenchOptions options) {
 *         return List.of(
 *                 CProgram.roundTrips("C pipes (reference)", "pipe_pingpong"),  // the first is the reference
 *                 PingPong.threads("Semaphore x2", trial -> new Semaphores()));  // a PingPong.Bouncer
 *     }
 *
 *     public List<Table<Void>> tables(BenchOptions options) {
 *         return Table.perPlacement(options);                                  // one table per --placements entry
 *     }
 * }
 * }</pre>
 * {@code ./vigil bench pipe --rounds 3} then runs it, with every common option. A peer that
 * is neither a C program nor a ping-pong implements {@code Peer.measure} itself (or is a
 * lambda given to {@code Peer.of}): set up, {@code return trial.time(() -> oneOperation())},
 * tear down; threads it needs come from {@code trial.thread(...)}. A suite with a parameter
 * of its own per table (a descriptor count, say) is a {@code Suite<Integer>} whose
 * {@code tables} put it in each {@code Table}'s setting, and an option of its own is a
 * {@code Defaults.Option}, read with {@code options.integer("--name")}.
 */
package dev.vigil.bench.harness;
