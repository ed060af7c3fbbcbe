/**
 * The packet path's warm-up: made-up NFQUEUE traffic run through scratch packet agents before the queue
 * is bound, so that the JIT compiler has compiled the packet path when the first real packet comes
 * ({@code set warmup}).
 *
 * <p>{@link io.tandem.engine.warmup.PacketPathWarmup} drives it; {@link io.tandem.engine.warmup.WarmupTraffic}
 * builds the conversations as the kernel queues them; {@link io.tandem.engine.warmup.SyntheticPacketQueue}
 * hands them to a scratch agent in place of the kernel's queue. Nothing here touches the real state tables,
 * the journal, the peers or the kernel.
 */
package io.tandem.engine.warmup;
