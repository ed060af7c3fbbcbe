/**
 * pfsync v5 state synchronisation with FreeBSD peers and other Tandem nodes. The sync path lives
 * here: the SyncAgent (owner of the sync thread: queues of state changes, frame cadence, bulk
 * update, deferral), the raw-IP transport (protocol 240, TTL 255) and, in
 * {@link io.tandem.engine.sync.wire}, the allocation-free wire codec. Only the wire codec exists so
 * far; the agent and the transport are future work.
 */
package io.tandem.engine.sync;
