package io.tandem.engine.verdict;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.nativeio.netlink.NetlinkSender;
import io.tandem.nativeio.nfqueue.NfqConstants;
import io.tandem.nativeio.nfqueue.NfqVerdictEncoder;

/**
 * Turns the packet thread's per-packet decisions into as few netlink messages and system calls as
 * the kernel allows.
 *
 * <p>Theory of operation. Owned by the PacketAgent; single writer, no synchronisation. Two modes:
 * <ul>
 *   <li>{@code batch}: consecutive packets with the same verdict form a <i>run</i>; a run of one
 *       becomes a VERDICT message, a longer run a single VERDICT_BATCH carrying the highest id. A
 *       VERDICT_BATCH releases every queued id up to the one given, so a run is only ever closed
 *       over ids the agent has already decided: ids are assigned in order and every lower id has
 *       either been received (and decided) or was never queued (a socket overrun gap). While a
 *       packet is held in the queue ({@link #hold}: pfsync deferral, a packet awaiting a peer's state,
 *       one handed to another queue's thread) a VERDICT_BATCH would release it too, so the run open at
 *       the hold is closed (its ids are all lower) and, until the last held packet is {@link #release}d,
 *       every verdict is a single VERDICT. With a hold queue ({@code set hold-queue}) a held packet
 *       leaves the queue instead: its verdict is {@code NF_QUEUE} to the hold queue, appended at once
 *       (so it precedes any VERDICT_BATCH that covers its id), and the run goes on past it. The kernel
 *       delivers it again on the hold queue ({@link #arrivedOnHoldQueue}), and its release is a VERDICT
 *       on the hold queue under that queue's id ({@link HoldQueuePackets}).</li>
 *   <li>{@code single}: one VERDICT message per packet (the classic per-packet consumer).</li>
 * </ul>
 * In both modes the messages of one receive batch are concatenated into one buffer and handed to
 * the kernel with one {@code send} at {@link #flush()} — at the end of every receive batch, before
 * the agent waits, and whenever the buffer is about to fill ("batch at the end of a batch").
 *
 * <p>Memory bound: one preallocated send buffer inside the encoder. Failure policy: a failed send is
 * counted by errno; the packets it carried stay in the kernel queue (and are released at shutdown by
 * the unbind, or by fail-open), the engine keeps running.
 */
public final class VerdictBatcher implements HeldVerdictSink {
    /** Verdict values as the kernel defines them (NF_DROP, NF_ACCEPT). */
    public static final int DROP = 0;
    public static final int ACCEPT = 1;

    /** Space one more message may need: VERDICT with MARK is 40 bytes. */
    private static final int MAX_MESSAGE_LENGTH = 40;

    private final NetlinkSender socket;
    private final NfqVerdictEncoder encoder;
    private final PacketCounters counters;
    private final int queue;
    private final boolean batchMode;
    /** The hold queue's number and the packets moved there; -1 and null without one. */
    private final int holdQueue;
    private final HoldQueuePackets moved;

    private long runHighestId;
    private int runVerdict;
    private int runLength;
    /** Packets held without a verdict (deferral); while non-zero no VERDICT_BATCH is sent. */
    private int held;

    public VerdictBatcher(
            final NetlinkSender socket,
            final NfqVerdictEncoder encoder,
            final PacketCounters counters,
            final int queue,
            final boolean batchMode) {
        this(socket, encoder, counters, queue, batchMode, -1, 0);
    }

    /**
     * @param holdQueue  the queue held packets are moved to (bound to the same socket), -1 for none
     * @param holdLimit  most packets moved there at once (a power of two); beyond it they are held in the queue
     */
    public VerdictBatcher(
            final NetlinkSender socket,
            final NfqVerdictEncoder encoder,
            final PacketCounters counters,
            final int queue,
            final boolean batchMode,
            final int holdQueue,
            final int holdLimit) {
        this.socket = socket;
        this.encoder = encoder;
        this.counters = counters;
        this.queue = queue;
        this.batchMode = batchMode;
        this.holdQueue = holdQueue;
        this.moved = holdQueue >= 0 ? new HoldQueuePackets(holdLimit) : null;
    }

    /** Records the verdict for one packet; may append messages but sends only when the buffer is full. */
    public void add(final long packetId, final int verdict) {
        counters.increment(verdict == ACCEPT ? PacketCounter.VERDICT_ACCEPT : PacketCounter.VERDICT_DROP);
        if (!batchMode || held > 0) {
            closeRun();
            ensureRoom();
            encoder.appendVerdict(queue, packetId, verdict);
            counters.increment(PacketCounter.VERDICT_MESSAGES_SINGLE);
            return;
        }
        if (runLength > 0 && verdict == runVerdict) {
            runHighestId = packetId;
            runLength++;
            return;
        }
        closeRun();
        runVerdict = verdict;
        runHighestId = packetId;
        runLength = 1;
    }

    /**
     * Holds a packet without a verdict. With a hold queue (and room in {@link HoldQueuePackets}) it is
     * moved there and the open run goes on. Otherwise it stays in the kernel queue: the open run, whose
     * ids are all lower, is closed, and only single verdicts are sent until every held packet is released.
     */
    @Override
    public void hold(final long packetId, final DecodedPacket packet) {
        if (moved != null && packet != null && !moved.full()) {
            ensureRoom();
            encoder.appendVerdict(queue, packetId, NfqConstants.requeue(holdQueue));
            counters.increment(PacketCounter.VERDICT_MESSAGES_SINGLE);
            counters.increment(PacketCounter.HOLD_QUEUE_MOVED);
            moved.moved(packetId, HoldQueuePackets.fingerprint(packet));
            return;
        }
        closeRun();
        held++;
    }

    /**
     * Gives a held packet its verdict: a single VERDICT, sent with the next flush — on the hold queue if it
     * was moved there (once it has arrived there: until then the verdict waits in {@link HoldQueuePackets}).
     */
    @Override
    public void release(final long packetId, final int verdict) {
        counters.increment(verdict == ACCEPT ? PacketCounter.VERDICT_ACCEPT : PacketCounter.VERDICT_DROP);
        if (moved != null && moved.live() > 0) {
            final int e = moved.find(packetId);
            if (e >= 0) {
                final long holdId = moved.holdId(e);
                if (holdId >= 0) {
                    moved.remove(e);
                    appendHoldQueueVerdict(holdId, verdict);
                } else if (holdId == HoldQueuePackets.LOST) {
                    moved.remove(e); // never arrived there: the kernel failed the move, nothing to answer
                } else {
                    moved.pend(e, verdict);
                }
                return;
            }
        }
        if (held > 0) {
            held--;
        }
        closeRun();
        ensureRoom();
        encoder.appendVerdict(queue, packetId, verdict);
        counters.increment(PacketCounter.VERDICT_MESSAGES_SINGLE);
    }

    /**
     * A packet arrived on the hold queue with id {@code holdId}: one this thread moved there (matched by
     * its decoded {@code packet}, in the order they were moved), which gets its verdict now if it was
     * released meanwhile; or, if it matches none, not one of ours (no rule may send packets to the hold
     * queue): dropped and counted ({@code hold_queue_unmatched}). Moves the kernel failed to carry out,
     * skipped over by the match, are counted ({@code hold_queue_lost}).
     */
    public void arrivedOnHoldQueue(final long holdId, final DecodedPacket packet) {
        counters.increment(PacketCounter.HOLD_QUEUE_ARRIVED);
        final long lostBefore = moved.lost();
        final int verdict = packet == null ? HoldQueuePackets.UNMATCHED
                : moved.arrived(holdId, HoldQueuePackets.fingerprint(packet));
        if (moved.lost() != lostBefore) {
            counters.add(PacketCounter.HOLD_QUEUE_LOST, moved.lost() - lostBefore);
        }
        if (verdict == HoldQueuePackets.UNMATCHED) {
            counters.increment(PacketCounter.HOLD_QUEUE_UNMATCHED);
            appendHoldQueueVerdict(holdId, DROP);
        } else if (verdict != HoldQueuePackets.WAITING) {
            appendHoldQueueVerdict(holdId, verdict);
        }
    }

    /** The hold queue's number, -1 without one. */
    public int holdQueue() {
        return holdQueue;
    }

    /** Packets moved to the hold queue and not released yet (0 without one). */
    public int movedToHoldQueue() {
        return moved == null ? 0 : moved.live();
    }

    /** Whether a packet moved to the hold queue has not arrived there yet (shutdown receives until none). */
    public boolean awaitingHoldQueueArrival() {
        return moved != null && moved.awaitingArrival();
    }

    private void appendHoldQueueVerdict(final long holdId, final int verdict) {
        ensureRoom();
        encoder.appendVerdict(holdQueue, holdId, verdict);
        counters.increment(PacketCounter.VERDICT_MESSAGES_SINGLE);
    }

    /** Packets held without a verdict. */
    public int held() {
        return held;
    }

    /** Closes the current run and sends everything encoded so far in one system call. */
    public void flush() {
        closeRun();
        flushEncoded();
    }

    /** Number of packets decided but not yet handed to the kernel (for tests and shutdown checks). */
    public int pendingRunLength() {
        return runLength;
    }

    private void closeRun() {
        if (runLength == 0) {
            return;
        }
        ensureRoom();
        if (runLength == 1) {
            encoder.appendVerdict(queue, runHighestId, runVerdict);
            counters.increment(PacketCounter.VERDICT_MESSAGES_SINGLE);
        } else {
            encoder.appendBatchVerdict(queue, runHighestId, runVerdict);
            counters.increment(PacketCounter.VERDICT_MESSAGES_BATCH);
        }
        runLength = 0;
    }

    private void ensureRoom() {
        if (encoder.remaining() < MAX_MESSAGE_LENGTH) {
            flushEncoded();
        }
    }

    private void flushEncoded() {
        if (encoder.length() == 0) {
            return;
        }
        final long sent = socket.send(encoder.address(), encoder.length());
        if (sent < 0) {
            counters.incrementSendError((int) -sent);
        } else {
            counters.increment(PacketCounter.VERDICT_SENDS);
        }
        encoder.reset();
    }
}
