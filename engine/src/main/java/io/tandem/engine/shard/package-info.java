/**
 * Several queues, one state table per queue thread: which thread owns a flow ({@link
 * io.tandem.engine.shard.FlowOwner}), how a packet received on another queue reaches it ({@link
 * io.tandem.engine.shard.PacketHandoff}) and how its verdict comes back ({@link
 * io.tandem.engine.shard.VerdictReturns}); {@link io.tandem.engine.shard.QueueShards} wires them for N
 * queue threads. Over {@code decode} and the native doorbell only; {@code packet} uses it.
 */
package io.tandem.engine.shard;
