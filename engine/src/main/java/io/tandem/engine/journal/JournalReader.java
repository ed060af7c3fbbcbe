package io.tandem.engine.journal;

import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads journal records one at a time through a Chronicle tailer, validating each: length, magic,
 * version and CRC. A bad record is skipped and counted by reason ({@link JournalReadStatus}); the
 * reader goes on with the next one, so a damaged excerpt never stops recovery or a tool.
 *
 * <p>Owned by one thread (recovery, a tool, later the SyncAgent). A named tailer ({@link #named})
 * remembers its position in the journal across restarts. Memory bound: one 256-byte staging buffer.
 *
 * <p>Damaged files. Chronicle trusts the header words of its files: past a damaged one it reads
 * garbage, maps (and grows) the file, or dies with {@code InternalError}. A {@link #checked} reader
 * is given the {@link JournalFileCheck} of the directory and drives the tailer from file to file
 * itself: it reads each file only up to the records the check found intact (for every file but an
 * intact last one, which may still grow and roll) and then moves the tailer explicitly to the next
 * file that has records, so Chronicle never reads a header beyond a damage nor opens a file whose
 * header is gone. Whatever Chronicle still throws while reading (a {@link RuntimeException} or an
 * {@link InternalError} from a fault in a mapped file) is caught around the read alone, counted as
 * UNREADABLE, and ends the current file.
 */
public final class JournalReader implements AutoCloseable {
    private final ExcerptTailer tailer;
    private final byte[] staging = new byte[JournalRecordFlyweight.LENGTH];
    private final UnsafeBuffer stagingBuffer = new UnsafeBuffer(staging);
    private final Bytes<byte[]> stagingBytes = Bytes.wrapForWrite(staging);
    private final JournalRecordFlyweight record = new JournalRecordFlyweight().wrap(stagingBuffer, 0);
    private final CRC32C crc = new CRC32C();
    private final long[] skipped = new long[JournalReadStatus.values().length];
    private long index = -1;
    private final java.util.List<JournalFileCheck.FileReport> fence;
    private final int[] cycles;
    private final net.openhft.chronicle.queue.RollCycle rollCycle;
    private int current = -1;
    private long readInFile;

    private JournalReader(final ExcerptTailer tailer) {
        this.tailer = tailer;
        this.fence = null;
        this.cycles = null;
        this.rollCycle = null;
    }

    private JournalReader(final Journal journal, final JournalFileCheck.Result check) {
        this.tailer = journal.queue().createTailer();
        this.rollCycle = journal.queue().rollCycle();
        final java.util.List<JournalFileCheck.FileReport> files = new java.util.ArrayList<>();
        for (final JournalFileCheck.FileReport f : check.files()) {
            if (JournalFileCheck.cycleOf(f.file(), rollCycle) != Integer.MIN_VALUE) {
                files.add(f);
            }
        }
        this.fence = files.isEmpty() ? null : files;
        this.cycles = new int[files.size()];
        for (int i = 0; i < cycles.length; i++) {
            cycles[i] = JournalFileCheck.cycleOf(files.get(i).file(), rollCycle);
        }
    }

    /**
     * A reader from the start of the journal that never lets Chronicle read past the damage
     * {@code check} found (see the class comment).
     */
    public static JournalReader checked(final Journal journal, final JournalFileCheck.Result check) {
        return new JournalReader(journal, check);
    }

    /** An anonymous reader positioned at the start of the journal. */
    public static JournalReader fromStart(final Journal journal) {
        return new JournalReader(journal.queue().createTailer().toStart());
    }

    /** A reader positioned at the end: it sees only records appended from now on. */
    public static JournalReader fromEnd(final Journal journal) {
        return new JournalReader(journal.queue().createTailer().toEnd());
    }

    /** A named tailer: its position survives restarts (the SyncAgent's "where was I"). */
    public static JournalReader named(final Journal journal, final String name) {
        return new JournalReader(journal.queue().createTailer(name));
    }

    /**
     * A named tailer that starts at the end the first time the name is used and resumes where it
     * stopped afterwards (Chronicle stores the position with the queue): the sync agent's reader, so
     * that changes journaled but not yet read when the engine stopped are still sent after a restart,
     * while a first start does not send the journal's whole history.
     */
    public static JournalReader resumable(final Journal journal, final String name) {
        final ExcerptTailer tailer = journal.queue().createTailer(name);
        if (tailer.index() == 0) {
            tailer.toEnd();
        }
        return new JournalReader(tailer);
    }

    /** Reads backwards from the end (recovery looks for the last complete snapshot epoch). */
    public static JournalReader backwardFromEnd(final Journal journal) {
        return new JournalReader(journal.queue().createTailer().direction(TailerDirection.BACKWARD).toEnd());
    }

    /** Moves to a Chronicle index (from {@link #index()}); false when the index is not in the journal. */
    public boolean moveTo(final long chronicleIndex) {
        return tailer.direction(TailerDirection.FORWARD).moveToIndex(chronicleIndex);
    }

    /**
     * Reads the next valid record into {@link #record()}.
     *
     * @return {@link JournalReadStatus#OK}, {@link JournalReadStatus#END} when nothing more is there
     *         now, or a failure for a record that was skipped (counted; call again)
     */
    public JournalReadStatus next() {
        if (fence == null) {
            return read();
        }
        while (true) {
            if (current >= fence.size()) {
                return JournalReadStatus.END;
            }
            if (current < 0 || bounded(current) && readInFile >= fence.get(current).records()) {
                if (!moveToNextFile()) {
                    return JournalReadStatus.END;
                }
                continue;
            }
            final JournalReadStatus st = read();
            if (st == JournalReadStatus.END) {
                if (current >= fence.size() - 1 && !bounded(current)) {
                    return st;
                }
                readInFile = Long.MAX_VALUE;
                continue;
            }
            if (st == JournalReadStatus.UNREADABLE && bounded(current)) {
                readInFile = Long.MAX_VALUE;
                return st;
            }
            readInFile++;
            return st;
        }
    }

    /** Whether reading file {@code i} stops at the count the check found (all but an intact last file). */
    private boolean bounded(final int i) {
        return i < fence.size() - 1 || fence.get(i).damaged();
    }

    private boolean moveToNextFile() {
        for (int i = current + 1; i < fence.size(); i++) {
            if (fence.get(i).records() > 0 || !bounded(i)) {
                current = i;
                readInFile = 0;
                final boolean moved;
                try {
                    moved = fence.get(i).records() > 0 ? tailer.moveToIndex(rollCycle.toIndex(cycles[i], 0))
                            : tailer.moveToCycle(cycles[i]);
                } catch (final Exception | InternalError e) { // Chronicle rethrows checked exceptions undeclared
                    skip(JournalReadStatus.UNREADABLE);
                    continue;
                }
                if (moved || !bounded(i)) {
                    return true;
                }
            }
        }
        current = fence.size();
        return false;
    }

    private JournalReadStatus read() {
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                return JournalReadStatus.END;
            }
            index = dc.index();
            final Bytes<?> bytes = dc.wire().bytes();
            final long length = bytes.readRemaining();
            if (length != JournalRecordFlyweight.LENGTH) {
                return skip(JournalReadStatus.BAD_LENGTH);
            }
            stagingBytes.clear();
            bytes.read(stagingBytes, JournalRecordFlyweight.LENGTH);
            if (record.magic() != JournalRecordFlyweight.MAGIC) {
                return skip(JournalReadStatus.BAD_MAGIC);
            }
            if (record.version() != JournalRecordFlyweight.VERSION) {
                return skip(JournalReadStatus.UNKNOWN_VERSION);
            }
            if (!record.crcValid(crc)) {
                return skip(JournalReadStatus.BAD_CRC);
            }
            if (JournalRecordType.of(record.type()) == JournalRecordType.UNKNOWN) {
                return skip(JournalReadStatus.UNKNOWN_TYPE);
            }
            return JournalReadStatus.OK;
        } catch (final Exception | InternalError e) { // Chronicle rethrows checked exceptions undeclared
            return skip(JournalReadStatus.UNREADABLE);
        }
    }

    private JournalReadStatus skip(final JournalReadStatus status) {
        skipped[status.ordinal()]++;
        return status;
    }

    /** The record last read by {@link #next()} (valid only after OK). */
    public JournalRecordFlyweight record() {
        return record;
    }

    /** Chronicle index of the last excerpt read. */
    public long index() {
        return index;
    }

    /** Records skipped for a reason so far. */
    public long skipped(final JournalReadStatus status) {
        return skipped[status.ordinal()];
    }

    public long skippedTotal() {
        long n = 0;
        for (final long s : skipped) {
            n += s;
        }
        return n;
    }

    @Override
    public void close() {
        tailer.close();
    }
}
