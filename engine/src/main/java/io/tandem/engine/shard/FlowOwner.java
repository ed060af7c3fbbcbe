package io.tandem.engine.shard;

import io.tandem.engine.decode.DecodedPacket;

/**
 * Which of N queue threads owns a flow, and so holds its state: a hash of the flow's two endpoints
 * (address and port) and protocol that does not depend on the packet's direction.
 *
 * <p>Theory of operation. The kernel spreads packets over the queues of {@code --queue-balance} with a
 * symmetric hash of the two addresses and the protocol (no ports), but seeds it with a random number
 * drawn when the NFQUEUE target is first used, which user space cannot read; so which queue a flow's
 * packets arrive on is a fact of this boot that Tandem cannot compute for a state it did not see
 * arrive — a peer's, a recovered or a loaded one. Ownership is therefore Tandem's own, known function
 * of the key, the same for every source of states: both directions of a flow (the key and its
 * reverse) have the same owner, and an ICMP error belongs to the owner of the flow it quotes. A
 * packet that arrives on another queue is handed to the owner ({@link PacketHandoff}). The
 * interface is not part of the hash, so if-bound and floating states shard alike. Non-first
 * fragments carry no ports: they are owned by the hash of their addresses with ports 0, which is
 * consistent for them (they match no state by ports anyway).
 *
 * <p>Stateless, allocation-free, any thread.
 */
public final class FlowOwner {
    private FlowOwner() {
    }

    /** The owner (0..shards-1) of the packet's flow; for an ICMP error, of the flow it quotes. */
    public static int of(final DecodedPacket p, final int shards) {
        if (shards <= 1) {
            return 0;
        }
        if (p.icmpError && p.innerFamily != 0) {
            return of(p.innerFamily, p.innerProtocol, p.innerSrcHi, p.innerSrcLo, p.innerDstHi, p.innerDstLo,
                    p.innerSrcPort, p.innerDstPort, shards);
        }
        return of(p.family, p.protocol, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort, shards);
    }

    /** The owner of a state's key (one side of it; the other side's gives the same). */
    public static int of(final int family, final int protocol, final long aHi, final long aLo, final long bHi,
            final long bLo, final int portA, final int portB, final int shards) {
        if (shards <= 1) {
            return 0;
        }
        // Each endpoint mixed on its own, then summed: a + b == b + a, so the direction does not matter.
        final long h = endpoint(aHi, aLo, portA) + endpoint(bHi, bLo, portB) + (family * 31L + protocol);
        return (int) ((mix(h) >>> 33) % shards);
    }

    private static long endpoint(final long hi, final long lo, final int port) {
        return mix(hi * 0x9E3779B97F4A7C15L ^ lo ^ ((long) port << 48));
    }

    /** The finalizer of SplitMix64 / Murmur3's fmix64: every input bit reaches every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
