package io.tandem.engine.verdict;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.nativeio.netlink.NetlinkSender;
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
 *       packet is held ({@link #hold}, pfsync deferral) a VERDICT_BATCH would release it too, so the
 *       run open at the hold is closed (its ids are all lower) and, until the last held packet is
 *       {@link #release}d, every verdict is a single VERDICT.</li>
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
        this.socket = socket;
        this.encoder = encoder;
        this.counters = counters;
        this.queue = queue;
        this.batchMode = batchMode;
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
     * Holds a packet without a verdict (it stays in the kernel queue): closes the open run, whose ids
     * are all lower, and sends only single verdicts until every held packet is released.
     */
    @Override
    public void hold() {
        closeRun();
        held++;
    }

    /** Gives a held packet its verdict (a single VERDICT, sent with the next flush). */
    @Override
    public void release(final long packetId, final int verdict) {
        if (held > 0) {
            held--;
        }
        closeRun();
        counters.increment(verdict == ACCEPT ? PacketCounter.VERDICT_ACCEPT : PacketCounter.VERDICT_DROP);
        ensureRoom();
        encoder.appendVerdict(queue, packetId, verdict);
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
