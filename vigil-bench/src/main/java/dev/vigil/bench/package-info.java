/**
 * Benchmarks of vigil: JMH benchmarks of {@link dev.vigil.Event} ({@code EventBenchmark},
 * {@code EventPingPongBenchmark}) and the side-by-side comparison with C and the JDK
 * ({@link dev.vigil.bench.Compare}). How to run them and the latest results:
 * {@code docs/BENCHMARKS.md}.
 */
package dev.vigil.bench;
