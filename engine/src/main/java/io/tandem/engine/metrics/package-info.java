/**
 * Counters and their export. Each packet thread writes its own plain-long counter arrays
 * ({@link io.tandem.engine.counters.PacketCounters}, described by
 * {@link io.tandem.engine.counters.PacketCounter}); the Prometheus endpoint
 * ({@link io.tandem.engine.metrics.MetricsServer}, Micrometer over the simpleclient HTTP server)
 * reads them on its scrape thread. No Micrometer call ever happens on the packet thread.
 */
package io.tandem.engine.metrics;
