package io.tandem.engine.tools;

import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalReader;

/**
 * The line a tool prints on stderr at the end when records were skipped:
 * {@code skipped 3 records: 2 bad_crc, 1 bad_length} (reasons by count, largest first).
 */
public final class SkipReport {
    private SkipReport() {
    }

    /** The report for a reader, or null when nothing was skipped. */
    public static String of(final JournalReader reader) {
        final JournalReadStatus[] all = JournalReadStatus.values();
        final long[] counts = new long[all.length];
        for (final JournalReadStatus s : all) {
            if (s.skipped()) {
                counts[s.ordinal()] = reader.skipped(s);
            }
        }
        return of(counts);
    }

    /** The report for counts indexed by {@link JournalReadStatus#ordinal()}, or null when all are zero. */
    public static String of(final long[] counts) {
        final JournalReadStatus[] all = JournalReadStatus.values();
        long total = 0;
        for (final long c : counts) {
            total += c;
        }
        if (total == 0) {
            return null;
        }
        final StringBuilder b = new StringBuilder("skipped ").append(total).append(total == 1 ? " record: " : " records: ");
        final boolean[] done = new boolean[all.length];
        boolean first = true;
        while (true) {
            int best = -1;
            for (int i = 0; i < all.length; i++) {
                if (!done[i] && counts[i] > 0 && (best < 0 || counts[i] > counts[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                return b.toString();
            }
            done[best] = true;
            b.append(first ? "" : ", ").append(counts[best]).append(' ').append(all[best].label());
            first = false;
        }
    }
}
