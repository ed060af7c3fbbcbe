package io.tandem.engine.journal;

import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.queue.ExcerptAppender;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Appends records to the journal: the single appender of a journal, owned by the packet thread.
 *
 * <p>Theory of operation. The caller fills {@link #record()} (a flyweight over a preallocated heap
 * staging buffer) and calls {@link #append()}, which stamps the sequence number and CRC and hands
 * the 256 bytes to Chronicle Queue's appender — a copy into a memory-mapped file, no system call, no
 * allocation once warm. A record is in the page cache when {@code append} returns, so it survives
 * the engine's crash (kill -9); surviving a power cut would need an msync per batch, which Tandem
 * does not do.
 *
 * <p>Failure policy: filtering never waits for or fails because of the journal. While the
 * {@link JournalHealth} says the disk is nearly full (checked by a watchdog thread), and whenever the
 * appender throws, the record is dropped and counted; the watchdog logs once per interval. Memory
 * bound: one 256-byte staging buffer.
 */
public final class JournalWriter implements AutoCloseable {
    private final byte[] staging = new byte[JournalRecordFlyweight.LENGTH];
    private final UnsafeBuffer stagingBuffer = new UnsafeBuffer(staging);
    private final BytesStore<?, byte[]> stagingStore = BytesStore.wrap(staging);
    private final JournalRecordFlyweight record = new JournalRecordFlyweight().wrap(stagingBuffer, 0);
    private boolean urgent;
    private final CRC32C crc = new CRC32C();
    private final ExcerptAppender appender;
    private final JournalHealth health;
    private long sequence;
    /** Per queue thread ({@code set queue FIRST:LAST}; index 0 alone with one queue): its open epoch and last complete one. */
    private final long[] epochStartIndex = filled(-1);
    private final long[] epochStarted = filled(-1);
    private final long[] completeStartIndex = filled(-1);
    private int epochThreads = 1;

    private static long[] filled(final long v) {
        final long[] a = new long[io.tandem.engine.config.ConfigOption.MAX_QUEUES];
        java.util.Arrays.fill(a, v);
        return a;
    }

    public JournalWriter(final Journal journal, final JournalHealth health, final long firstSequence) {
        this.appender = journal.queue().createAppender();
        this.health = health;
        this.sequence = firstSequence;
    }

    /** The record to fill; cleared (magic, version, zeroes) and ready. */
    public JournalRecordFlyweight record() {
        return record.clear();
    }

    /** Seals and appends the record filled since {@link #record()}; false when it was dropped. */
    public boolean append() {
        if (health.suspended()) {
            health.countDropped();
            return false;
        }
        record.sequence(++sequence).seal(crc);
        try {
            appender.writeBytes(stagingStore);
        } catch (final RuntimeException | InternalError e) {
            health.countFailed(e);
            return false;
        }
        health.countWritten();
        return true;
    }

    /**
     * Appends a record that is already sealed (sequence and CRC set by the recorder on the packet
     * thread), copying it from {@code source} — the ring buffer.
     */
    public boolean appendRaw(final org.agrona.DirectBuffer source, final int offset) {
        source.getBytes(offset, staging, 0, JournalRecordFlyweight.LENGTH);
        try {
            appender.writeBytes(stagingStore);
        } catch (final RuntimeException | InternalError e) {
            health.countFailed(e);
            return false;
        }
        health.countWritten();
        if ((record.syncHints() & io.tandem.engine.state.SyncHints.IMMEDIATE) != 0) {
            urgent = true;
        }
        final int type = record.type();
        if (type == JournalRecordType.EPOCH_START.code() || type == JournalRecordType.EPOCH_END.code()) {
            final int t = JournalRecorder.epochThread(record);
            if (t < epochStarted.length) {
                epochThreads = Math.min(epochStarted.length, JournalRecorder.epochThreads(record));
                if (type == JournalRecordType.EPOCH_START.code()) {
                    epochStartIndex[t] = appender.lastIndexAppended();
                    epochStarted[t] = record.epoch();
                } else if (record.epoch() == epochStarted[t]) {
                    completeStartIndex[t] = epochStartIndex[t];
                }
            }
        }
        return true;
    }

    /**
     * True (once) when a record appended since the last call must reach the sync agent at once; the
     * journal thread then rings the journal's urgent-append listener.
     */
    public boolean takeUrgent() {
        final boolean u = urgent;
        urgent = false;
        return u;
    }

    /**
     * Chronicle index of the start of the last complete snapshot epoch this writer appended (where
     * recovery would begin; with several queue threads, the earliest of their last complete epochs'
     * starts), or -1; retention keeps everything from its roll cycle on.
     */
    public long recoveryPointIndex() {
        long min = Long.MAX_VALUE;
        for (int t = 0; t < epochThreads; t++) { // every queue thread's last complete epoch: the earliest start
            if (completeStartIndex[t] < 0) {
                return -1;
            }
            min = Math.min(min, completeStartIndex[t]);
        }
        return min;
    }

    /** Index of the last record appended (Chronicle index), for epoch bookkeeping. */
    public long lastIndex() {
        return appender.lastIndexAppended();
    }

    public long sequence() {
        return sequence;
    }

    @Override
    public void close() {
        appender.close();
    }
}
