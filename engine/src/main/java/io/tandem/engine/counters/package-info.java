/**
 * The packet path's counters: {@link io.tandem.engine.counters.PacketCounter} names each one (its
 * Prometheus name, label and help), {@link io.tandem.engine.counters.PacketCounters} holds one
 * queue's values as plain longs. Single writer: the queue's packet thread (and the verdict batcher it
 * owns); readers — the metrics scrape, the exit summary — see slightly stale values. A package of
 * its own so that the packet path, the verdict batcher and the metrics endpoint all depend on it
 * and not on each other.
 */
package io.tandem.engine.counters;
