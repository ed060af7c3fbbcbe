package io.tandem.engine.warmup;

import io.tandem.engine.packet.PacketQueue;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link PacketQueue} that never touches the kernel: each receive hands the packet agent the next
 * messages of {@link WarmupTraffic}, numbered with ascending packet ids as the kernel numbers a queue's
 * packets, and starts the next round of the traffic when one ends. How many a receive takes follows
 * {@link #TAKES} (capped at the batch size): short batches, full ones and, now and then, an empty queue
 * ({@code -EAGAIN}), so that the agent runs each of its ways through a duty cycle, as real traffic makes it.
 * Verdicts sent back are counted and dropped. The warm-up's scratch agent reads it ({@link PacketPathWarmup}).
 *
 * <p>Owner: the warm-up's thread. Memory bound: one view per slot of the batch, fixed at construction.
 * Failure policy: none needed; it cannot fail, and {@link #poll} always says a packet is ready.
 */
final class SyntheticPacketQueue implements PacketQueue {
    /** Messages per receive, in turn; 0 is an empty queue, anything above the batch size a full batch. */
    static final int[] TAKES = {1, 2, 1024, 0, 5, 1, 1024, 1024, 0, 3, 17, 1};
    private static final int EAGAIN = 11;

    private final WarmupTraffic traffic;
    private final int batch;
    private final UnsafeBuffer[] slots;
    private final int[] lengths;
    private int next;
    private int take;
    private int round;
    private long packetId;
    private long received;
    private long verdictBytes;

    /**
     * @param traffic the messages to hand out
     * @param batch   messages per receive, as the agent's {@code recvmmsg} takes them (1 to 1024)
     */
    SyntheticPacketQueue(final WarmupTraffic traffic, final int batch) {
        if (batch < 1 || batch > 1024) {
            throw new IllegalArgumentException("batch " + batch + " out of range 1..1024");
        }
        this.traffic = traffic;
        this.batch = batch;
        traffic.round(0); // a traffic another queue used starts again from its first client ports
        this.slots = new UnsafeBuffer[batch];
        this.lengths = new int[batch];
        for (int i = 0; i < batch; i++) {
            slots[i] = new UnsafeBuffer(0, 0);
        }
    }

    @Override
    public int receive() {
        final int wanted = TAKES[take];
        take = take + 1 == TAKES.length ? 0 : take + 1;
        if (wanted == 0) {
            return -EAGAIN;
        }
        if (next == traffic.size()) {
            // the last receive handed out the round's end; the agent has decided it, so its ports may change
            next = 0;
            traffic.round(++round);
        }
        final int n = Math.min(Math.min(batch, wanted), traffic.size() - next);
        for (int i = 0; i < n; i++) {
            final int m = next + i;
            traffic.packetId(m, ++packetId);
            slots[i].wrap(traffic.buffer(), traffic.offset(m), traffic.length(m));
            lengths[i] = traffic.length(m);
        }
        next += n;
        received += n;
        return n;
    }

    @Override
    public UnsafeBuffer datagram(final int i) {
        return slots[i];
    }

    @Override
    public int length(final int i) {
        return lengths[i];
    }

    @Override
    public boolean truncated(final int i) {
        return false;
    }

    @Override
    public long send(final long address, final int length) {
        verdictBytes += length;
        return length;
    }

    @Override
    public int poll(final int timeoutMillis) {
        return 1;
    }

    @Override
    public int fd() {
        return -1;
    }

    @Override
    public void close() {
    }

    /** Messages handed out so far. */
    long received() {
        return received;
    }

    /** Rounds of the traffic begun so far, the first included. */
    int rounds() {
        return round + 1;
    }

    /** Bytes of verdict messages the agent sent. */
    long verdictBytes() {
        return verdictBytes;
    }
}
