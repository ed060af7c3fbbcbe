package io.tandem.engine.packet;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link PacketQueue} whose datagrams are already in memory: no kernel, no socket, never waiting. A subclass
 * fills the first {@code n} slots in {@link #receive} (through {@link #slot} and {@link #length(int, int)})
 * and returns {@code n}; the verdicts the agent sends are counted and dropped. The warm-up's made-up queue and
 * the JMH benchmarks' replay queue are built on it.
 *
 * <p>Owner: the one thread that runs the agent reading it. Memory bound: one view per slot, fixed at
 * construction. Failure policy: none needed; it cannot fail, and {@link #poll} always says a datagram is ready.
 */
public abstract class MemoryPacketQueue implements PacketQueue {
    private final UnsafeBuffer[] slots;
    private final int[] lengths;
    private long sends;
    private long sentBytes;

    /** @param slots datagrams a receive can return at most (1 to 1024) */
    protected MemoryPacketQueue(final int slots) {
        if (slots < 1 || slots > 1024) {
            throw new IllegalArgumentException("slots " + slots + " out of range 1..1024");
        }
        this.slots = new UnsafeBuffer[slots];
        this.lengths = new int[slots];
        for (int i = 0; i < slots; i++) {
            this.slots[i] = new UnsafeBuffer(0, 0);
        }
    }

    /** Slot {@code i}'s view, for the subclass to wrap over (or write into) datagram {@code i}. */
    protected final UnsafeBuffer slot(final int i) {
        return slots[i];
    }

    /** Sets the length of datagram {@code i}. */
    protected final void length(final int i, final int length) {
        lengths[i] = length;
    }

    /** How many slots there are. */
    protected final int slots() {
        return slots.length;
    }

    /** No wait: the next datagrams are always in memory. */
    @Override
    public int receiveWaiting() {
        return receive();
    }

    @Override
    public final UnsafeBuffer datagram(final int i) {
        return slots[i];
    }

    @Override
    public final int length(final int i) {
        return lengths[i];
    }

    @Override
    public boolean truncated(final int i) {
        return false;
    }

    @Override
    public final long send(final long address, final int length) {
        sends++;
        sentBytes += length;
        return length;
    }

    @Override
    public final int poll(final int timeoutMillis) {
        return 1;
    }

    @Override
    public final int fd() {
        return -1;
    }

    @Override
    public void close() {
    }

    /** Sends of verdict messages so far. */
    public final long sends() {
        return sends;
    }

    /** Bytes of verdict messages sent so far. */
    public final long sentBytes() {
        return sentBytes;
    }
}
