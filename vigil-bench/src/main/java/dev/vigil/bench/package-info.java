/**
 * Benchmarks of vigil. Two kinds:
 * <ul>
 *   <li>the side-by-side comparisons, run by {@code ./vigil bench <suite>} ({@link
 *       dev.vigil.bench.Bench}): one class per suite ({@link dev.vigil.bench.EventSuite},
 *       {@link dev.vigil.bench.WaitContextSuite}, {@link dev.vigil.bench.TubeSuite},
 *       {@link dev.vigil.bench.ProcessSuite}, {@link dev.vigil.bench.WakeSuite},
 *       {@link dev.vigil.bench.DispatchSuite}), each a list of peers measured by the harness
 *       in {@link dev.vigil.bench.harness}, which says how to add one;</li>
 *   <li>JMH benchmarks ({@code EventBenchmark}, {@code EventPingPongBenchmark},
 *       {@code WaitContextBenchmark}, {@code ReactorBenchmark}), run from the shaded jar.</li>
 * </ul>
 * The rest are diagnostics ({@code TubeCost}, {@code DispatchCost}) and the bare-FFM
 * bindings some peers use to make C's calls without vigil ({@code PlainEventFd},
 * {@code FfmSeqpacket}, {@code FfmEpoll}). How to run them and the latest results:
 * {@code docs/BENCHMARKS.md}.
 */
package dev.vigil.bench;
