package io.tandem.engine.shard;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded single-producer, single-consumer ring of verdicts, from the queue thread that decided
 * packets handed to it ({@link PacketHandoff}) back to the queue thread that received them, which
 * alone may answer the kernel for them (a verdict is accepted only from the socket bound to the
 * packet's queue).
 *
 * <p>Theory of operation. One {@code long} per verdict: the 32-bit NFQUEUE packet id shifted left by
 * 8, or'd with the verdict (NF_DROP 0, NF_ACCEPT 1). Ordered writes of the tail and head publish,
 * as in {@link PacketHandoff}. The producer never finds it full: the receiving thread hands over at
 * most {@link #capacity()} packets that have not come back ({@link QueueShards.Links#mayHandOff}), and
 * each comes back once. Producer: the owning queue thread; consumer: the receiving queue thread.
 * Memory bound: {@code capacity} longs. Failure policy: should the ring be full anyway (a bug),
 * {@link #offer} returns false and the caller fails loudly ({@link QueueShards.Links#decideHandedOff}).
 */
public final class VerdictReturns {
    private final long[] entries;
    private final int mask;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    private long headCache;
    private long readPosition;

    /** @param capacity entries, a power of two */
    public VerdictReturns(final int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        entries = new long[capacity];
        mask = capacity - 1;
    }

    public int capacity() {
        return mask + 1;
    }

    /** Producer: the verdict for the packet {@code packetId}; false when full (see the class comment). */
    public boolean offer(final long packetId, final int verdict) {
        final long t = tail.get();
        if (t - headCache > mask) {
            headCache = head.get();
            if (t - headCache > mask) {
                return false;
            }
        }
        entries[(int) t & mask] = (packetId & 0xFFFF_FFFFL) << 8 | (verdict & 0xFF);
        tail.lazySet(t + 1);
        return true;
    }

    /** Consumer: how many verdicts are waiting. */
    public int available() {
        return (int) (tail.get() - readPosition);
    }

    /** Consumer: the {@code k}-th waiting entry (0-based); read its parts with {@link #packetId}, {@link #verdict}. */
    public long entry(final int k) {
        return entries[(int) (readPosition + k) & mask];
    }

    public static long packetId(final long entry) {
        return entry >>> 8;
    }

    public static int verdict(final long entry) {
        return (int) (entry & 0xFF);
    }

    /** Consumer: frees the first {@code n} entries. */
    public void advance(final int n) {
        readPosition += n;
        head.lazySet(readPosition);
    }
}
