package io.tandem.engine.tools;

import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalRecordFlyweight;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code tandem journal tail}: prints the records that match a {@link RecordFilter}, one line each
 * (or one JSON object each), like {@code conntrack -E}; optionally only the last N, and optionally
 * following the journal as the engine appends to it.
 *
 * <p>Following: after the existing records, the reader polls Chronicle every 100 ms for new
 * excerpts and prints each as it comes, flushing every line, until {@code stop} says so (SIGINT or
 * SIGTERM in the command). The last N are kept in a ring of 256-byte copies while reading forward,
 * so memory is bound by N, not by the journal.
 */
public final class JournalTail {
    private static final long POLL_MILLIS = 100;

    private final RecordFilter filter;
    private final int last;
    private final boolean json;
    private boolean damaged;

    /**
     * @param last the number of trailing matches to print, or -1 for all
     */
    public JournalTail(final RecordFilter filter, final int last, final boolean json) {
        this.filter = filter;
        this.last = last;
        this.json = json;
    }

    /**
     * Runs the tail.
     *
     * @param follow keep reading new records until {@code stop} returns true
     * @return the number of records printed
     */
    public long run(final Path dir, final PrintWriter out, final PrintWriter err, final boolean follow,
            final BooleanSupplier stop, final boolean progress) throws JournalException, InterruptedException {
        long printed = 0;
        try (JournalScan scan = JournalScan.open(dir, err, progress && !follow)) {
            if (last >= 0) {
                printed += printLast(scan, out);
            } else {
                while (scan.next() == JournalReadStatus.OK) {
                    if (filter.matches(scan.record())) {
                        scan.progressDone();
                        print(out, scan.record());
                        printed++;
                    }
                }
            }
            scan.progressDone();
            out.flush();
            while (follow && !stop.getAsBoolean()) {
                final JournalReadStatus status = scan.next();
                if (status == JournalReadStatus.END) {
                    Thread.sleep(POLL_MILLIS);
                } else if (filter.matches(scan.record())) {
                    print(out, scan.record());
                    out.flush();
                    printed++;
                }
            }
            out.flush();
            scan.reportSkipped(err);
            damaged = scan.damaged();
        }
        return printed;
    }

    /** True when the last {@link #run} found damage (reported on stderr; the command exits with status 3). */
    public boolean damaged() {
        return damaged;
    }

    private long printLast(final JournalScan scan, final PrintWriter out) {
        if (last == 0) {
            while (scan.next() == JournalReadStatus.OK) {
                // skip to the end
            }
            return 0;
        }
        final byte[][] ring = new byte[last][];
        long matched = 0;
        while (scan.next() == JournalReadStatus.OK) {
            final JournalRecordFlyweight r = scan.record();
            if (filter.matches(r)) {
                final int slot = (int) (matched % last);
                if (ring[slot] == null) {
                    ring[slot] = new byte[JournalRecordFlyweight.LENGTH];
                }
                r.buffer().getBytes(r.offset(), ring[slot], 0, JournalRecordFlyweight.LENGTH);
                matched++;
            }
        }
        scan.progressDone();
        final JournalRecordFlyweight r = new JournalRecordFlyweight();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
        final long first = Math.max(0, matched - last);
        for (long i = first; i < matched; i++) {
            buffer.wrap(ring[(int) (i % last)]);
            print(out, r.wrap(buffer, 0));
        }
        return matched - first;
    }

    private void print(final PrintWriter out, final JournalRecordFlyweight r) {
        out.println(json ? RecordFormatter.json(r) : RecordFormatter.line(r));
    }
}
