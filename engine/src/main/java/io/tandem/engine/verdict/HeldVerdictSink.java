package io.tandem.engine.verdict;

import io.tandem.engine.decode.DecodedPacket;

/**
 * Where {@link DeferredVerdicts} sends the verdicts of held packets: the queue's {@link VerdictBatcher},
 * which must stop batching verdicts while a packet is held (a VERDICT_BATCH releases every lower id).
 */
public interface HeldVerdictSink {
    /**
     * The packet with {@code packetId} on this queue is now held without a verdict. {@code packet} is it
     * decoded (null if unknown): with a hold queue the batcher moves it there, and recognises it by it.
     */
    void hold(long packetId, DecodedPacket packet);

    /** A held packet gets its verdict. */
    void release(long packetId, int verdict);

    /**
     * A held packet that another queue thread received and handed to this one ({@code set queue
     * FIRST:LAST}) gets its verdict: it goes back to {@code receiver}, which answers it on its queue.
     */
    default void releaseTo(final int receiver, final long packetId, final int verdict) {
        throw new IllegalStateException("a handed-over packet held without other queue threads");
    }
}
