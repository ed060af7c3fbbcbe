package io.tandem.engine.verdict;

/**
 * Where {@link DeferredVerdicts} sends the verdicts of held packets: the queue's {@link VerdictBatcher},
 * which must stop batching verdicts while a packet is held (a VERDICT_BATCH releases every lower id).
 */
public interface HeldVerdictSink {
    /** A packet is now held without a verdict. */
    void hold();

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
