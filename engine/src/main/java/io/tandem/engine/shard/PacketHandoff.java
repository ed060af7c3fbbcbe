package io.tandem.engine.shard;

import io.tandem.engine.decode.DecodedPacket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded single-producer, single-consumer ring of decoded packets, from the queue thread that
 * received them to the queue thread that owns their flows ({@link FlowOwner}).
 *
 * <p>Theory of operation. Each slot is a preallocated {@link DecodedPacket} with the packet's
 * NFQUEUE id, hook, interfaces and length beside it. The producer copies a packet into the slot at
 * its tail ({@link #offer}: field by field, nothing allocated) and publishes it with an ordered write
 * of the tail; the consumer reads the published tail, decides each slot's packet in place
 * ({@link #peek} ... {@link #advance}) and publishes its head the same way, which frees the slots.
 * The decoded fields are everything the decision reads, so the packet's bytes never cross threads;
 * the verdict goes back through {@link VerdictReturns}, because only the receiving queue's socket may
 * answer for the packet. Producer: one queue thread; consumer: one other queue thread. Memory bound:
 * {@code capacity} slots of about 400 bytes, allocated at construction. Failure policy: a full ring
 * refuses the packet ({@link #offer} returns false); the producer counts it and drops the packet.
 */
public final class PacketHandoff {
    private final DecodedPacket[] packets;
    private final long[] ids;
    private final int[] hooks;
    private final int[] indevs;
    private final int[] outdevs;
    private final long[] bytes;
    private final int mask;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    /** Producer's cache of the consumer's head, read again only when the ring looks full. */
    private long headCache;
    /** Consumer's cache of the producer's tail. */
    private long tailCache;
    /** Consumer's position (published to {@link #head} by {@link #advance}). */
    private long readPosition;

    /** @param capacity slots, a power of two */
    public PacketHandoff(final int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        packets = new DecodedPacket[capacity];
        for (int i = 0; i < capacity; i++) {
            packets[i] = new DecodedPacket();
        }
        ids = new long[capacity];
        hooks = new int[capacity];
        indevs = new int[capacity];
        outdevs = new int[capacity];
        bytes = new long[capacity];
        mask = capacity - 1;
    }

    public int capacity() {
        return mask + 1;
    }

    /** Producer: copies the packet into the ring; false when the ring is full. */
    public boolean offer(final DecodedPacket p, final long packetId, final int hook, final int indev,
            final int outdev, final long length) {
        final long t = tail.get();
        if (t - headCache > mask) {
            headCache = head.get();
            if (t - headCache > mask) {
                return false;
            }
        }
        final int i = (int) t & mask;
        packets[i].copyFrom(p);
        ids[i] = packetId;
        hooks[i] = hook;
        indevs[i] = indev;
        outdevs[i] = outdev;
        bytes[i] = length;
        tail.lazySet(t + 1);
        return true;
    }

    /** Consumer: how many packets are waiting (reads the producer's tail once). */
    public int available() {
        tailCache = tail.get();
        return (int) (tailCache - readPosition);
    }

    /** Consumer: the slot of the {@code k}-th waiting packet (0-based, below {@link #available()}). */
    public int slot(final int k) {
        return (int) (readPosition + k) & mask;
    }

    public DecodedPacket packet(final int slot) {
        return packets[slot];
    }

    public long packetId(final int slot) {
        return ids[slot];
    }

    public int hook(final int slot) {
        return hooks[slot];
    }

    public int indev(final int slot) {
        return indevs[slot];
    }

    public int outdev(final int slot) {
        return outdevs[slot];
    }

    public long length(final int slot) {
        return bytes[slot];
    }

    /** Consumer: frees the first {@code n} waiting slots for the producer. */
    public void advance(final int n) {
        readPosition += n;
        head.lazySet(readPosition);
    }
}
