/**
 * The engine's counters. {@link io.tandem.engine.counters.CounterRegistry} lists every counter and
 * gauge the engine exports, once: each part that owns counters adds its entries (name, help, labels,
 * kind, and a reader of the plain field it writes), and the metrics endpoint, {@code tandem sync}
 * and the tests read that one list instead of lists of their own. The packet path's own counters are
 * here too: {@link io.tandem.engine.counters.PacketCounter} names each one (its Prometheus name,
 * label and help), {@link io.tandem.engine.counters.PacketCounters} holds one queue's values as plain
 * longs. Single writer: the queue's packet thread (and the verdict batcher it owns); readers — the
 * metrics scrape, the control socket, the exit summary — see slightly stale values and never touch
 * the packet thread. A package of its own, low in the graph (over the decoder and the native
 * bindings only), so that every part can list its counters here and the packet path, the verdict
 * batcher and the metrics endpoint depend on it and not on each other.
 */
package io.tandem.engine.counters;
