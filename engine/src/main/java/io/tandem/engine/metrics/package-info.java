/**
 * The Prometheus endpoint ({@link io.tandem.engine.metrics.MetricsServer}, Micrometer over the
 * simpleclient HTTP server). It exports every entry of the engine's
 * {@link io.tandem.engine.counters.CounterRegistry} in one loop, adds the kernel's per-queue
 * statistics from /proc, and writes the few series that are not one entry each (counters by errno,
 * summaries, the hold-time histogram) with collectors of its own. Everything runs on the scrape
 * thread; no Micrometer call ever happens on the packet thread.
 */
package io.tandem.engine.metrics;
