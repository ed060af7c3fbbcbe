package io.tandem.engine.packet;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.state.StateSlotWatcher;
import io.tandem.engine.state.StateTable;
import java.io.IOException;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code tandem states dump}: a consistent snapshot of the live state table, handed out in chunks
 * without stopping the packet thread for more than one chunk at a time.
 *
 * <p><b>What "consistent" means here.</b> The dump holds exactly the states that were live at the
 * instant the packet thread started it — none missing, none twice, none created later — each with
 * its fields as the packet thread last saw them before copying it (its counters and windows at most
 * the dump's duration newer than that instant; for a state removed meanwhile, as it was removed).
 * <b>How.</b> A copy cursor walks the slots in order, {@link #CHUNK} states (examining at most
 * {@link #SCAN_LIMIT} slots) per duty cycle. Slots behind the cursor are done. For slots ahead of it,
 * the table tells this mailbox, as its {@link StateSlotWatcher}, of every change of membership:
 * a state put into a slot ahead of the cursor was born after the start, so the slot is marked
 * <i>skip</i> (one bit per slot); a state freed from a slot ahead of the cursor and not marked was
 * live at the start, so it is copied now (copy-on-delete, into a side buffer of {@link #REMOVED}
 * records handed out with the next chunk) and its slot marked. Every slot a state leaves or enters
 * goes through {@code StateTable.allocate}/{@code release}, so no change escapes.
 *
 * <p><b>Threads.</b> One reader at a time (a control worker, {@link #dump}, synchronized) posts a
 * request — start, next chunk, cancel — by sequence number; the packet thread {@link #serve}s it once
 * per duty cycle (a volatile read when nothing waits) and publishes the chunk as 256-byte journal
 * records (the exchange record, {@link JournalRecordFlyweight#copyFrom}); the reader turns them into
 * JSON lines while the packet thread goes on. Rows are rewritten only when a new request is posted,
 * so they are never rewritten while read (as {@link io.tandem.engine.state.StateSnapshotMailbox}).
 *
 * <p><b>Memory bound:</b> {@link #CHUNK} + {@link #REMOVED} records (1 MiB each) and one bit per
 * slot, allocated with the agent. <b>Failure policy:</b> a dump the reader abandons (no request for
 * {@link #ABANDON_MILLIS}) is ended by the packet thread; more than {@link #REMOVED} live-at-start
 * states removed between two chunks fails the dump ("try again"), never a silently incomplete one;
 * the reader gets every failure as an {@link IllegalStateException} with the reason.
 * Allocation-free on the packet thread.
 */
public final class StateDumpMailbox implements StateSlotWatcher {
    /** States handed out per duty cycle at most. */
    public static final int CHUNK = 4096;
    /** Slots examined per duty cycle at most. */
    public static final int SCAN_LIMIT = 1 << 16;
    /** Live-at-start states removed ahead of the cursor that can wait for the next chunk. */
    public static final int REMOVED = 4096;
    /** A dump whose reader asks for nothing this long is ended. */
    public static final long ABANDON_MILLIS = 10_000;

    private static final int START = 1;
    private static final int NEXT = 2;
    private static final int CANCEL = 3;

    /** Receives the states of a dump, one record at a time; copy what you need. */
    @FunctionalInterface
    public interface RecordConsumer {
        void accept(JournalRecordFlyweight state) throws IOException;
    }

    private final int capacity;
    private final long[] skip;
    private final UnsafeBuffer chunk = new UnsafeBuffer(new byte[CHUNK * JournalRecordFlyweight.LENGTH]);
    private final UnsafeBuffer removed = new UnsafeBuffer(new byte[REMOVED * JournalRecordFlyweight.LENGTH]);
    private final JournalRecordFlyweight writer = new JournalRecordFlyweight();
    private final JournalRecordFlyweight reader = new JournalRecordFlyweight();

    // packet thread
    private StateTable table;
    private boolean active;
    private int cursor;
    private int removedCount;
    private boolean overflow;
    private long lastRequestMillis;
    private long servedSeq;

    // the answer (plain writes, published by answerSeq)
    private int rowCount;
    private boolean last;
    private String failure;

    // the request (plain writes, published by requestSeq)
    private int requestKind;
    private long readerSeq;
    private volatile long requestSeq;
    private volatile long answerSeq;

    /** The serving thread's doorbell, rung after each request is posted (the packet agent installs it). */
    private volatile Runnable wakeup = () -> { };

    /** Installs the serving thread's doorbell ({@code null}: none). */
    public void wakeup(final Runnable doorbell) {
        this.wakeup = doorbell == null ? () -> { } : doorbell;
    }

    /** @param capacity the state table's capacity (slots) */
    public StateDumpMailbox(final int capacity) {
        this.capacity = capacity;
        this.skip = new long[(capacity + 63) >>> 6];
    }

    // ---- packet thread ----

    /**
     * Packet thread, once per duty cycle: serves a pending request, or ends an abandoned dump.
     *
     * @return true when a request was served
     */
    public boolean serve(final StateTable t, final long nowMillis) {
        final long seq = requestSeq;
        if (seq == servedSeq) {
            if (active && nowMillis - lastRequestMillis > ABANDON_MILLIS) {
                stop();
            }
            return false;
        }
        lastRequestMillis = nowMillis;
        failure = null;
        last = false;
        rowCount = 0;
        switch (requestKind) {
            case START -> start(t);
            case CANCEL -> stop();
            default -> { }
        }
        if (requestKind != CANCEL) {
            if (!active) {
                failure = "no dump in progress (it was abandoned or cancelled)";
            } else if (overflow) {
                stop();
                failure = "more than " + REMOVED + " states were removed during the dump before it reached them;"
                        + " try again";
            } else {
                copyChunk();
            }
        }
        servedSeq = seq;
        answerSeq = seq;
        return true;
    }

    private void start(final StateTable t) {
        if (active) {
            stop();
        }
        table = t;
        Arrays.fill(skip, 0L);
        cursor = 0;
        removedCount = 0;
        overflow = false;
        active = true;
        t.setSlotWatcher(this);
    }

    private void stop() {
        if (active) {
            table.setSlotWatcher(null);
        }
        active = false;
        removedCount = 0;
    }

    private void copyChunk() {
        int n = removedCount;
        chunk.putBytes(0, removed, 0, n * JournalRecordFlyweight.LENGTH);
        removedCount = 0;
        final StateTable t = table;
        final int end = (int) Math.min(capacity, (long) cursor + SCAN_LIMIT);
        while (cursor < end && n < CHUNK) {
            final int slot = cursor++;
            if (t.isLive(slot) && !skipped(slot)) {
                copy(t, slot, chunk, n++);
            }
        }
        rowCount = n;
        if (cursor >= capacity) {
            last = true;
            stop();
        }
    }

    private void copy(final StateTable t, final int slot, final UnsafeBuffer to, final int index) {
        writer.wrap(to, index * JournalRecordFlyweight.LENGTH).clear().type(JournalRecordType.SNAPSHOT.code())
                .copyFrom(t, slot);
    }

    private boolean skipped(final int slot) {
        return (skip[slot >>> 6] & 1L << slot) != 0;
    }

    private void markSkipped(final int slot) {
        skip[slot >>> 6] |= 1L << slot;
    }

    @Override
    public void allocated(final int slot) {
        if (slot >= cursor) {
            markSkipped(slot); // born after the dump started
        }
    }

    @Override
    public void releasing(final StateTable t, final int slot) {
        if (slot < cursor || skipped(slot)) {
            return; // copied already, or born after the start
        }
        if (removedCount < REMOVED) {
            copy(t, slot, removed, removedCount++);
        } else {
            overflow = true;
        }
        markSkipped(slot);
    }

    // ---- reader ----

    /**
     * Reader side: the whole dump, record by record, in chunks.
     *
     * @param timeoutMillis how long to wait for the packet thread per chunk
     * @return the number of states
     * @throws IllegalStateException the packet thread did not answer in time, or the dump failed (the
     *     message says why); nothing more follows
     */
    public synchronized int dump(final RecordConsumer consumer, final long timeoutMillis)
            throws IOException, InterruptedException {
        int total = 0;
        boolean done = false;
        try {
            post(START);
            while (true) {
                await(timeoutMillis);
                if (failure != null) {
                    done = true;
                    throw new IllegalStateException(failure);
                }
                for (int i = 0; i < rowCount; i++) {
                    consumer.accept(reader.wrap(chunk, i * JournalRecordFlyweight.LENGTH));
                }
                total += rowCount;
                if (last) {
                    done = true;
                    return total;
                }
                post(NEXT);
            }
        } finally {
            if (!done) {
                post(CANCEL); // best effort: otherwise the packet thread ends it after ABANDON_MILLIS
            }
        }
    }

    private void post(final int kind) {
        requestKind = kind;
        requestSeq = ++readerSeq;
        wakeup.run();
    }

    private void await(final long timeoutMillis) throws InterruptedException {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (answerSeq != readerSeq) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the packet thread did not answer within " + timeoutMillis + " ms");
            }
            Thread.sleep(1);
        }
    }

    /** True while a dump is in progress (packet thread; for tests). */
    boolean active() {
        return active;
    }
}
