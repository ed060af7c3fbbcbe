package io.tandem.engine.journal;

import io.tandem.engine.shard.FlowOwner;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;

/**
 * Rebuilds the state table from the journal at start, in time proportional to the table, not to
 * the journal's age.
 *
 * <p>Theory of operation. Reading backwards from the end, find the last EPOCH_END and then its
 * EPOCH_START: every state alive during that complete pass of the rolling snapshot has a SNAPSHOT
 * record in it, and every change during and after it has its own record. Replaying forward from
 * that EPOCH_START — SNAPSHOT/INSERT/UPDATE put a state (by its key; a record with another id for
 * the same key replaces it), DELETE removes it when the id matches, CLEAR removes one creator's states
 * ({@link JournalRecorder#clearedCreator}; all when it names none) — yields the table as it was when the engine stopped. Without a complete epoch (a young
 * journal) the whole journal is replayed. Restored states keep their identity, counters and
 * recorded expiry deadline (their last activity is set so that the deadline is unchanged; those past
 * it are removed by the first expiry sweeps); TCP halves re-learn their windows from the next packet
 * ({@link StateTable#restore}). Runs on the packet thread before the queue is bound; it may
 * allocate. Bad records are skipped and counted, never fatal.
 */
public final class JournalRecovery {
    /** What recovery found. */
    public record Result(long recordsRead, long recordsSkipped, int statesRestored, int statesRefused,
            long epochReplayed, long lastSequence, long lastEpoch, long elapsedMillis, boolean fromCompleteEpoch) {
    }

    private JournalRecovery() {
    }

    public static Result recover(final Journal journal, final StateTable table) {
        return recover(journal, table, 0, 1);
    }

    /**
     * Recovery for queue thread {@code thread} of {@code threads} ({@code set queue FIRST:LAST}): the
     * same replay, keeping only the states whose flows the thread owns ({@link FlowOwner}). The replay
     * starts at the earliest of the last complete epochs of every queue thread of the run that wrote
     * the journal's last epoch marker (each thread snapshots its own table), so every live state has a
     * record after it, whichever thread wrote it and however many threads this run has.
     */
    public static Result recover(final Journal journal, final StateTable table, final int thread, final int threads) {
        final long start = System.nanoTime();
        long lastSequence = 0;
        long lastEpoch = 0;
        long startIndex = -1;
        long skipped = 0;
        int needed = -1; // threads of the run whose epochs are looked for (from the last epoch marker)
        final long[] ended = new long[io.tandem.engine.config.ConfigOption.MAX_QUEUES];
        final long[] startAt = new long[ended.length];
        java.util.Arrays.fill(ended, -1);
        java.util.Arrays.fill(startAt, -1);
        int found = 0;
        long epochEnded = -1;
        try (JournalReader back = JournalReader.backwardFromEnd(journal)) {
            JournalReadStatus st;
            while ((st = back.next()) != JournalReadStatus.END) {
                if (st != JournalReadStatus.OK) {
                    continue;
                }
                final JournalRecordFlyweight r = back.record();
                lastSequence = Math.max(lastSequence, r.sequence());
                final int type = r.type();
                if (type == JournalRecordType.EPOCH_START.code() || type == JournalRecordType.EPOCH_END.code()
                        || type == JournalRecordType.SNAPSHOT.code() || type == JournalRecordType.START.code()) {
                    lastEpoch = Math.max(lastEpoch, r.epoch());
                }
                if (type != JournalRecordType.EPOCH_START.code() && type != JournalRecordType.EPOCH_END.code()) {
                    continue;
                }
                final int t = JournalRecorder.epochThread(r);
                if (needed < 0) {
                    needed = Math.min(ended.length, JournalRecorder.epochThreads(r));
                }
                if (t >= needed) {
                    continue;
                }
                if (type == JournalRecordType.EPOCH_END.code() && ended[t] < 0) {
                    ended[t] = r.epoch();
                } else if (type == JournalRecordType.EPOCH_START.code() && startAt[t] < 0 && ended[t] >= 0
                        && r.epoch() == ended[t]) {
                    startAt[t] = back.index();
                    startIndex = back.index(); // reading backwards: the earliest so far
                    epochEnded = Math.max(epochEnded, ended[t]);
                    if (++found == needed) {
                        break;
                    }
                }
            }
            skipped += back.skippedTotal();
        }
        if (found < needed || needed < 0) {
            startIndex = -1; // some thread has no complete epoch: replay everything
            epochEnded = -1;
        }

        long read = 0;
        int refused = 0;
        try (JournalReader forward = JournalReader.fromStart(journal)) {
            if (startIndex >= 0 && !forward.moveTo(startIndex)) {
                startIndex = -1;
            }
            JournalReadStatus st;
            while ((st = forward.next()) != JournalReadStatus.END) {
                if (st != JournalReadStatus.OK) {
                    continue;
                }
                read++;
                final JournalRecordFlyweight r = forward.record();
                lastSequence = Math.max(lastSequence, r.sequence());
                lastEpoch = Math.max(lastEpoch, r.epoch());
                final int type = r.type();
                if (type == JournalRecordType.INSERT.code() || type == JournalRecordType.UPDATE.code()
                        || type == JournalRecordType.SNAPSHOT.code()) {
                    if (threads > 1 && FlowOwner.of(r.af(), r.proto(), r.srcHi(), r.srcLo(), r.dstHi(), r.dstLo(),
                            r.srcPort(), r.dstPort(), threads) != thread) {
                        continue; // another queue thread's flow
                    }
                    if (put(table, r) < 0) {
                        refused++;
                    }
                } else if (type == JournalRecordType.DELETE.code()) {
                    final int slot = find(table, r);
                    if (slot >= 0 && table.id(slot) == r.id() && table.creatorId(slot) == r.creatorId()) {
                        table.forget(slot);
                    }
                } else if (type == JournalRecordType.CLEAR.code()) {
                    final int creator = JournalRecorder.clearedCreator(r);
                    for (int s = table.nextLive(0); s >= 0; s = table.nextLive(s + 1)) {
                        if (creator == 0 || table.creatorId(s) == creator) {
                            table.forget(s);
                        }
                    }
                }
            }
            skipped += forward.skippedTotal();
        }
        return new Result(read, skipped, table.size(), refused, startIndex >= 0 ? epochEnded : -1, lastSequence,
                lastEpoch, (System.nanoTime() - start) / 1_000_000, startIndex >= 0);
    }

    private static int find(final StateTable t, final JournalRecordFlyweight r) {
        return t.findSlot(r.af(), r.proto(), r.ifindex(), r.srcHi(), r.srcLo(), r.dstHi(), r.dstLo(), r.srcPort(),
                r.dstPort());
    }

    /** Upserts the record's state; returns the slot or a negative failure. */
    static int put(final StateTable t, final JournalRecordFlyweight r) {
        final int existing = find(t, r);
        if (existing >= 0) {
            t.forget(existing);
        }
        // The record is a whole state; recovery supplies the recorded rule and a last activity that
        // reproduces the recorded deadline, and clears TCP windows (they may be seconds old).
        return t.restore(r, r.rule(), lastActivityFor(t, r), false);
    }

    /**
     * The last activity that gives a restored state the record's expiry deadline under this table's
     * timeouts (the record's own last activity when it has no deadline). Also used by
     * {@code tandem states load}.
     */
    public static long lastActivityFor(final StateTable t, final JournalRecordFlyweight r) {
        final int timeout = r.timeoutClass();
        final long timeoutMillis = timeout < StateTimeouts.COUNT ? t.timeouts().seconds(timeout) * 1000L : 0;
        return r.expireAtMillis() > 0 ? r.expireAtMillis() - timeoutMillis : r.lastActivityMillis();
    }
}
