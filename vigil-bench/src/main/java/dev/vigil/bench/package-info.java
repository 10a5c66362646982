/** Benchmarks. */
package dev.vigil.bench;
