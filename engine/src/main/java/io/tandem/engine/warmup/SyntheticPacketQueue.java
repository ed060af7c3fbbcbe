package io.tandem.engine.warmup;

import io.tandem.engine.packet.MemoryPacketQueue;
import io.tandem.engine.packet.PacketQueue;
import io.tandem.nativeio.libc.LinuxConstants;

/**
 * A {@link PacketQueue} that never touches the kernel: each receive hands the packet agent the next
 * messages of {@link WarmupTraffic}, numbered with ascending packet ids as the kernel numbers a queue's
 * packets, and starts the next round of the traffic when one ends. How many a receive takes follows
 * {@link #TAKES} (capped at the batch size): short batches, full ones and, now and then, an empty queue
 * ({@code -EAGAIN}), so that the agent runs each of its ways through a duty cycle, as real traffic makes it.
 * Verdicts sent back are counted and dropped. The warm-up's scratch agent reads it ({@link PacketPathWarmup}).
 *
 * <p>Owner: the warm-up's thread. Memory bound: one view per slot of the batch, fixed at construction.
 * Failure policy: none needed; it cannot fail.
 */
final class SyntheticPacketQueue extends MemoryPacketQueue {
    /** Messages per receive, in turn; 0 is an empty queue, anything above the batch size a full batch. */
    static final int[] TAKES = {1, 2, 1024, 0, 5, 1, 1024, 1024, 0, 3, 17, 1};

    private final WarmupTraffic traffic;
    private int next;
    private int take;
    private int round;
    private long packetId;
    private long received;

    /**
     * @param traffic the messages to hand out (from its first round on)
     * @param batch   messages per receive, as the agent's {@code recvmmsg} takes them (1 to 1024)
     */
    SyntheticPacketQueue(final WarmupTraffic traffic, final int batch) {
        super(batch);
        this.traffic = traffic;
        traffic.round(0); // a traffic another queue used starts again from its first client ports
    }

    @Override
    public int receive() {
        final int wanted = TAKES[take];
        take = take + 1 == TAKES.length ? 0 : take + 1;
        if (wanted == 0) {
            return -LinuxConstants.EAGAIN;
        }
        if (next == traffic.size()) {
            // the last receive handed out the round's end; the agent has decided it, so its ports may change
            next = 0;
            traffic.round(++round);
        }
        final int n = Math.min(Math.min(slots(), wanted), traffic.size() - next);
        for (int i = 0; i < n; i++) {
            final int m = next + i;
            traffic.packetId(m, ++packetId);
            slot(i).wrap(traffic.buffer(), traffic.offset(m), traffic.length(m));
            length(i, traffic.length(m));
        }
        next += n;
        received += n;
        return n;
    }

    /** Messages handed out so far. */
    long received() {
        return received;
    }

    /** Rounds of the traffic begun so far, the first included. */
    int rounds() {
        return round + 1;
    }
}
