package io.tandem.engine.tools;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalReader;
import io.tandem.engine.journal.JournalRecordFlyweight;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * A forward pass over a journal for the tools: opens the directory read-only (refusing, with a
 * clear {@link JournalException}, what is not a journal of this format), hands out valid records
 * one at a time, skips and counts bad ones, drives the progress bar, and at the end reports the
 * skipped records on stderr. Owned by the tool's thread.
 */
public final class JournalScan implements AutoCloseable {
    private final Journal journal;
    private final JournalReader reader;
    private final ProgressBar progress;
    private long read;

    private JournalScan(final Journal journal, final ProgressBar progress) {
        this.journal = journal;
        this.reader = JournalReader.fromStart(journal);
        this.progress = progress;
    }

    /**
     * Opens {@code dir} for a pass from its first record.
     *
     * @param progress whether to draw a progress bar on {@code err}
     */
    public static JournalScan open(final Path dir, final PrintWriter err, final boolean progress)
            throws JournalException {
        final Journal journal = Journal.openForReading(dir);
        try {
            long total = 0;
            if (progress) {
                try {
                    total = journal.queue().entryCount();
                } catch (final RuntimeException e) {
                    total = 0;
                }
            }
            return new JournalScan(journal, new ProgressBar(err, progress, total));
        } catch (final RuntimeException e) {
            journal.close();
            throw new JournalException("cannot read journal " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads up to the next valid record: {@link JournalReadStatus#OK} or {@link JournalReadStatus#END}. */
    public JournalReadStatus next() {
        while (true) {
            final JournalReadStatus status = reader.next();
            if (status == JournalReadStatus.END) {
                return status;
            }
            progress.update(++read);
            if (status == JournalReadStatus.OK) {
                return status;
            }
        }
    }

    /** The record last returned by {@link #next()}. */
    public JournalRecordFlyweight record() {
        return reader.record();
    }

    /** Chronicle index of the record last read. */
    public long index() {
        return reader.index();
    }

    public Journal journal() {
        return journal;
    }

    public JournalReader reader() {
        return reader;
    }

    /** Excerpts read so far, valid or not. */
    public long excerptsRead() {
        return read;
    }

    /** Erases the progress bar (call before printing results). */
    public void progressDone() {
        progress.done();
    }

    /** Prints {@code tandem: skipped N records: …} on {@code err} when records were skipped. */
    public void reportSkipped(final PrintWriter err) {
        progress.done();
        final String report = SkipReport.of(reader);
        if (report != null) {
            err.println("tandem: " + report);
            err.flush();
        }
    }

    @Override
    public void close() {
        progress.done();
        reader.close();
        journal.close();
    }
}
