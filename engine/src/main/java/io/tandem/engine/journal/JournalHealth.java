package io.tandem.engine.journal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shared between the packet thread (which counts) and a watchdog thread (which checks the disk and
 * reports): whether the journal may be written, and how many records were written, dropped or
 * failed.
 *
 * <p>Theory of operation. Counters are written only by the packet thread (plain longs, read by the
 * metrics scrape and the watchdog, possibly slightly stale). The watchdog ({@link #check}) runs on
 * its own thread once per second: it suspends writing when the file system has less than the
 * reserve free (a memory-mapped write to a full disk would fault) and resumes it when space comes
 * back; it logs at most one line per interval about drops and failures. Filtering never depends on
 * any of this.
 */
public final class JournalHealth {
    private final Path dir;
    private final long reserveBytes;
    private volatile boolean suspended;
    private long written;
    /** Drops counted outside a recorder (the journal thread's own writer). */
    private long dropped;
    /** Each recorder's counts: one packet thread writes each (several with {@code set queue FIRST:LAST}). */
    private final java.util.List<RecorderCounts> recorders = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long failed;
    private volatile String lastFailure;
    /**
     * The journal's file system, looked up on first use and again after a failed read: finding it
     * reads the whole mount table, its free space is one {@code statvfs(2)} of the directory. Read by
     * the watchdog and by a metrics scrape; either may fill it (the same answer), hence volatile.
     */
    private volatile FileStore store;

    private long reportedDropped;
    private long reportedFailed;

    public JournalHealth(final Path dir, final long reserveBytes) {
        this.dir = dir;
        this.reserveBytes = reserveBytes;
    }

    public boolean suspended() {
        return suspended;
    }

    void countWritten() {
        written++;
    }

    void countDropped() {
        dropped++;
    }

    /** The counts of one more recorder (one packet thread), read by the sums below. */
    RecorderCounts newRecorderCounts() {
        final RecorderCounts c = new RecorderCounts();
        recorders.add(c);
        return c;
    }

    /** What one recorder could not journal; written only by its packet thread. */
    static final class RecorderCounts {
        long dropped;
        long sentWithoutJournal;
        long lostToPeers;
    }

    void countFailed(final Throwable t) {
        failed++;
        if (lastFailure == null) {
            lastFailure = t.toString();
        }
    }

    public long written() {
        return written;
    }

    public long dropped() {
        long n = dropped;
        for (final RecorderCounts c : recorders) {
            n += c.dropped;
        }
        return n;
    }

    /** Dropped records that still reached the sync agent (by the urgent lane): the peers have them. */
    public long sentWithoutJournal() {
        long n = 0;
        for (final RecorderCounts c : recorders) {
            n += c.sentWithoutJournal;
        }
        return n;
    }

    /**
     * Dropped records the sync agent needed that did not fit in the urgent lane either: changes
     * neither journaled nor sent to the peers (with sync on).
     */
    public long lostToPeers() {
        long n = 0;
        for (final RecorderCounts c : recorders) {
            n += c.lostToPeers;
        }
        return n;
    }

    public long failed() {
        return failed;
    }

    /** Free bytes on the journal's file system (watchdog thread, metrics scrape), or -1 when they cannot be read. */
    public long usableBytes() {
        try {
            FileStore s = store;
            if (s == null) {
                s = Files.getFileStore(dir);
                store = s;
            }
            return s.getUsableSpace();
        } catch (final IOException e) {
            store = null; // the directory went away or was replaced: look it up again next time
            return -1;
        }
    }

    /** The watchdog's periodic check: suspend/resume by free space, report new drops and failures. */
    public void check(final PrintStream log) {
        final long free = usableBytes();
        if (free >= 0 && free < reserveBytes && !suspended) {
            suspended = true;
            log.println("tandem: journal: suspended, " + free + " bytes free on " + dir + " (reserve " + reserveBytes
                    + "); filtering and pfsync continue, state changes are not journaled");
        } else if (free >= reserveBytes && suspended) {
            suspended = false;
            log.println("tandem: journal: resumed, " + free + " bytes free on " + dir);
        }
        final long d = dropped();
        final long f = failed;
        if (d != reportedDropped || f != reportedFailed) {
            log.println("tandem: journal: " + (d - reportedDropped) + " records dropped, " + (f - reportedFailed)
                    + " failed since the last report" + (lastFailure == null ? "" : " (first failure: " + lastFailure + ")"));
            reportedDropped = d;
            reportedFailed = f;
            lastFailure = null;
        }
    }
}
