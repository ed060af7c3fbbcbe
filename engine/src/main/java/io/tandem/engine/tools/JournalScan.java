package io.tandem.engine.tools;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalFileCheck;
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
 *
 * <p>Damage. Before Chronicle opens the queue, every roll-cycle file is checked
 * ({@link JournalFileCheck}); the reader then reads each damaged file only up to its damage
 * ({@link JournalReader#checked}). Each damage is reported on stderr with its file and offset, what
 * was kept and what was skipped, and {@link #damaged()} tells the command to exit with status 3.
 * A queue Chronicle cannot open at all (its {@code metadata.cq4t} is not a file) is refused with
 * a damage {@link JournalException}.
 */
public final class JournalScan implements AutoCloseable {
    private final Journal journal;
    private final JournalReader reader;
    private final ProgressBar progress;
    private final JournalFileCheck.Result check;
    private long read;

    private JournalScan(final Journal journal, final ProgressBar progress, final JournalFileCheck.Result check) {
        this.journal = journal;
        this.reader = journal == null ? null : JournalReader.checked(journal, check);
        this.progress = progress;
        this.check = check;
    }

    /**
     * Opens {@code dir} for a pass from its first record.
     *
     * @param progress whether to draw a progress bar on {@code err}
     */
    public static JournalScan open(final Path dir, final PrintWriter err, final boolean progress)
            throws JournalException {
        io.tandem.engine.journal.JournalDirectory.read(dir);
        final JournalFileCheck.Result check;
        try {
            check = JournalFileCheck.check(dir);
        } catch (final java.io.IOException e) {
            throw new JournalException("cannot read journal " + dir + ": " + e.getMessage(), e);
        }
        final Path meta = dir.resolve(JournalFileCheck.METADATA_FILE);
        if (java.nio.file.Files.exists(meta) && !java.nio.file.Files.isRegularFile(meta)) {
            throw JournalException.damaged(meta + ": not a regular file: Chronicle cannot open the journal;"
                    + " nothing was read (move it away: Chronicle rebuilds it)");
        }
        final Journal journal;
        try {
            journal = Journal.openForReading(dir);
        } catch (final JournalException e) {
            if (!check.damaged()) {
                throw e;
            }
            // Chronicle reads the header of a file as it opens the queue; when that header is the
            // damage, there is nothing before it to read: report the damage, read nothing.
            return new JournalScan(null, new ProgressBar(err, false, 0), check);
        }
        try {
            long total = 0;
            for (final JournalFileCheck.FileReport f : check.files()) {
                total += f.records();
            }
            return new JournalScan(journal, new ProgressBar(err, progress, total), check);
        } catch (final Exception | InternalError e) { // Chronicle rethrows checked exceptions undeclared
            journal.close();
            if (check.damaged()) {
                return new JournalScan(null, new ProgressBar(err, false, 0), check);
            }
            throw new JournalException("cannot read journal " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads up to the next valid record: {@link JournalReadStatus#OK} or {@link JournalReadStatus#END}. */
    public JournalReadStatus next() {
        while (reader != null) {
            final JournalReadStatus status = reader.next();
            if (status == JournalReadStatus.END) {
                return status;
            }
            progress.update(++read);
            if (status == JournalReadStatus.OK) {
                return status;
            }
        }
        return JournalReadStatus.END;
    }

    /** The record last returned by {@link #next()}. */
    public JournalRecordFlyweight record() {
        return reader.record();
    }

    /** Chronicle index of the record last read. */
    public long index() {
        return reader == null ? -1 : reader.index();
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

    /** What the check of the files found before reading. */
    public JournalFileCheck.Result check() {
        return check;
    }

    /** True when the check found damage (the command exits with status 3). */
    public boolean damaged() {
        return check.damaged();
    }

    /**
     * Prints each damage ({@code tandem: FILE: damaged at offset …}) and then {@code tandem: skipped N
     * records: …} on {@code err}, when there is any.
     */
    public void reportSkipped(final PrintWriter err) {
        progress.done();
        for (final String line : check.messages()) {
            err.println("tandem: " + line);
        }
        final String report = reader == null ? null : SkipReport.of(reader);
        if (report != null) {
            err.println("tandem: " + report);
            err.flush();
        }
    }

    @Override
    public void close() {
        progress.done();
        if (reader != null) {
            reader.close();
            journal.close();
        }
    }
}
