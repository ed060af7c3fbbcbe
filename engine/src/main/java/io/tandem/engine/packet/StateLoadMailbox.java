package io.tandem.engine.packet;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalRecovery;
import io.tandem.engine.state.StateTable;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code tandem states load}: puts states read from an export file into the live table, on the
 * packet thread, a batch at a time.
 *
 * <p><b>Threads.</b> One loader at a time (a control worker holding this mailbox's monitor, see
 * {@link #awaitIdle}) fills
 * the batch's records ({@link #record}) with states it has parsed and checked, and posts the batch;
 * the packet thread {@link #serve}s it between two receive batches: for each record it refuses a
 * state whose pfsync identity (creatorid, id) is in the table ({@link #COLLISION_ID}), then restores
 * it ({@link StateTable#restore}: refused when its key, either way round, is in the table,
 * {@link #COLLISION_KEY}, or the table is full, {@link #TABLE_FULL}), and journals it as an INSERT of
 * origin import ({@link JournalRecorder#onImported}), which the sync agent announces as an INS. A
 * collision is never merged: the live state stays as it is. Like journal recovery, a loaded TCP state
 * re-learns its sequence windows from the next packet each way (the file may be minutes old) and its
 * expiry deadline is the recorded one.
 *
 * <p><b>Bounded work.</b> A batch is at most {@link #BATCH} states; the packet thread takes on a
 * state only while the journal's ring is at most half full ({@link JournalRecorder#hasRoom}), so a
 * large load never crowds out the records of live traffic: it goes on over the next duty cycles as
 * the journal thread drains the ring. While the journal refuses records (disk nearly full) the rest of
 * the batch is refused as {@link #NOT_JOURNALED}, nothing inserted. <b>Memory bound:</b>
 * {@link #BATCH} records (256 KiB) and results. <b>Failure policy:</b> every record gets one result;
 * a loader that gives up (timeout) leaves the batch to be finished into the void, the next
 * {@link #apply} waits for it first. Allocation-free on the packet thread.
 */
public final class StateLoadMailbox {
    /** States per batch. */
    public static final int BATCH = 1024;

    /** Result: in the table, journaled. */
    public static final int LOADED = 0;
    /** Result: a state with the same creatorid and id is live. */
    public static final int COLLISION_ID = 1;
    /** Result: a state with the same key (either direction) is live. */
    public static final int COLLISION_KEY = 2;
    /** Result: the table is full. */
    public static final int TABLE_FULL = 3;
    /** Result: the journal refuses records (suspended); not inserted. */
    public static final int NOT_JOURNALED = 4;

    private final UnsafeBuffer records = new UnsafeBuffer(new byte[BATCH * JournalRecordFlyweight.LENGTH]);
    private final JournalRecordFlyweight loaderView = new JournalRecordFlyweight();
    private final JournalRecordFlyweight packetView = new JournalRecordFlyweight();
    private final int[] results = new int[BATCH];

    private int count;
    private int next;
    private long servedSeq;
    private long readerSeq;
    private volatile long requestSeq;
    private volatile long answerSeq;

    /** The serving thread's doorbell, rung after each request is posted (the packet agent installs it). */
    private volatile Runnable wakeup = () -> { };

    /** Installs the serving thread's doorbell ({@code null}: none). */
    public void wakeup(final Runnable doorbell) {
        this.wakeup = doorbell == null ? () -> { } : doorbell;
    }

    /**
     * Loader, before its first {@link #record}: waits until the packet thread has finished any batch
     * (one a loader gave up on). A loader holds this mailbox's monitor from here to its last
     * {@link #apply}, so the records are never written while the packet thread reads them.
     *
     * @throws IllegalStateException the packet thread is still busy with it after the timeout
     */
    public synchronized void awaitIdle(final long timeoutMillis) throws InterruptedException {
        await(timeoutMillis);
    }

    /** Loader: the batch's record {@code i}, to fill (cleared first). */
    public JournalRecordFlyweight record(final int i) {
        return loaderView.wrap(records, i * JournalRecordFlyweight.LENGTH).clear();
    }

    /**
     * Loader: hands the first {@code n} records to the packet thread and waits until each has its
     * result.
     *
     * @return the results ({@link #LOADED}, {@link #COLLISION_ID}, ...), index by record; valid until
     *     the next call
     * @throws IllegalStateException the packet thread did not finish the batch within the timeout
     */
    public synchronized int[] apply(final int n, final long timeoutMillis) throws InterruptedException {
        if (n < 0 || n > BATCH) {
            throw new IllegalArgumentException("batch of " + n);
        }
        await(timeoutMillis); // a batch a previous loader gave up on
        count = n;
        requestSeq = ++readerSeq;
        wakeup.run();
        await(timeoutMillis);
        return results;
    }

    private void await(final long timeoutMillis) throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (answerSeq != readerSeq) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the packet thread did not take the states within " + timeoutMillis
                        + " ms (journal busy?)");
            }
            Thread.sleep(1);
        }
    }

    /**
     * Packet thread, once per duty cycle: goes on with the posted batch as far as the journal allows.
     *
     * @return the number of records dealt with in this cycle
     */
    public int serve(final StateTable t, final JournalRecorder recorder) {
        final long seq = requestSeq;
        if (seq == servedSeq) {
            return 0;
        }
        final int from = next;
        while (next < count) {
            if (recorder != null && recorder.suspended()) {
                results[next++] = NOT_JOURNALED;
                continue;
            }
            if (recorder != null && !recorder.hasRoom()) {
                return next - from; // the rest in a later cycle
            }
            results[next] = load(t, recorder, packetView.wrap(records, next * JournalRecordFlyweight.LENGTH));
            next++;
        }
        final int done = next - from;
        next = 0;
        servedSeq = seq;
        answerSeq = seq;
        return done;
    }

    private static int load(final StateTable t, final JournalRecorder recorder, final JournalRecordFlyweight r) {
        if (t.findById(r.creatorId(), r.id()) >= 0) {
            return COLLISION_ID;
        }
        final int slot = t.restore(r, r.rule(), JournalRecovery.lastActivityFor(t, r), false);
        if (slot == StateTable.FAIL_FULL) {
            return TABLE_FULL;
        }
        if (slot < 0) {
            return COLLISION_KEY;
        }
        if (recorder != null) {
            recorder.onImported(t, slot);
        }
        return LOADED;
    }
}
