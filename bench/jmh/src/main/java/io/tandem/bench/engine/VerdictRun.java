package io.tandem.bench.engine;

import io.tandem.nativeio.nfqueue.NfqVerdictEncoder;

/**
 * The verdict end of the packet path without a socket: the run logic of the engine's
 * {@code VerdictBatcher} in batch mode (consecutive equal verdicts become one VERDICT_BATCH with
 * the highest id, a run of one a VERDICT), encoded by the real {@link NfqVerdictEncoder}. Where the
 * engine would {@code send} the full buffer, this resets it: the system call is not measured.
 *
 * <p>Owned by the benchmark thread; allocates nothing after construction.
 */
final class VerdictRun {
    private final NfqVerdictEncoder encoder = new NfqVerdictEncoder();
    private final int queue;

    private long runHighestId;
    private int runVerdict;
    private int runLength;
    private long messages;

    VerdictRun(final int queue) {
        this.queue = queue;
    }

    /** Records one packet's verdict; ends the current run when the verdict changes. */
    void add(final long packetId, final int verdict) {
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

    /** End of a receive batch: the run becomes a message (the engine would send here). */
    void endOfBatch() {
        closeRun();
    }

    /** Verdict messages encoded so far (a sanity figure for the benchmark's tear-down). */
    long messages() {
        return messages;
    }

    private void closeRun() {
        if (runLength == 0) {
            return;
        }
        if (encoder.remaining() < NfqVerdictEncoder.VERDICT_WITH_MARK_LENGTH) {
            encoder.reset();
        }
        if (runLength == 1) {
            encoder.appendVerdict(queue, runHighestId, runVerdict);
        } else {
            encoder.appendBatchVerdict(queue, runHighestId, runVerdict);
        }
        messages++;
        runLength = 0;
    }
}
