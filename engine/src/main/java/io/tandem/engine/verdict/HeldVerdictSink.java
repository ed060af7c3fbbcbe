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
}
