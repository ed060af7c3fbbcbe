package io.tandem.engine.tools;

import io.tandem.engine.journal.JournalDirectory;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * {@code tandem journal stats}: one pass over the journal counting records by type, the time span
 * and rate, bytes on disk and roll-cycle files, skipped records by reason, and the last complete
 * snapshot epoch (an EPOCH_END whose EPOCH_START is in the journal: where recovery would start).
 */
public final class JournalStats {
    private final long[] byType = new long[256];
    private final long[] skipped = new long[JournalReadStatus.values().length];
    private long total;
    private long firstMillis;
    private long lastMillis;
    private long lastSequence;
    private long lastEpoch;
    private long lastCompleteEpoch = -1;
    private long lastCompleteEpochEndMillis;
    private long diskBytes;
    private int cycleFiles;
    private String node = "";
    private int creatorId;
    private java.util.List<String> damage = java.util.List.of();

    private JournalStats() {
    }

    /** Reads the whole journal in {@code dir}. */
    public static JournalStats collect(final Path dir, final PrintWriter err, final boolean progress)
            throws JournalException, IOException {
        final JournalStats s = new JournalStats();
        final JournalDirectory d = JournalDirectory.read(dir);
        s.node = d.node();
        s.creatorId = d.creatorId();
        final Set<Long> started = new HashSet<>();
        try (JournalScan scan = JournalScan.open(dir, err, progress)) {
            while (scan.next() == JournalReadStatus.OK) {
                final JournalRecordFlyweight r = scan.record();
                final int type = r.type();
                s.byType[type]++;
                if (s.total++ == 0) {
                    s.firstMillis = r.wallTimeMillis();
                }
                s.lastMillis = r.wallTimeMillis();
                s.lastSequence = Math.max(s.lastSequence, r.sequence());
                if (type == JournalRecordType.EPOCH_START.code()) {
                    started.add(r.epoch());
                    s.lastEpoch = Math.max(s.lastEpoch, r.epoch());
                } else if (type == JournalRecordType.EPOCH_END.code()) {
                    s.lastEpoch = Math.max(s.lastEpoch, r.epoch());
                    if (started.contains(r.epoch())) {
                        s.lastCompleteEpoch = r.epoch();
                        s.lastCompleteEpochEndMillis = r.wallTimeMillis();
                    }
                }
            }
            scan.progressDone();
            s.damage = scan.check().messages();
            for (final JournalReadStatus st : JournalReadStatus.values()) {
                if (st.skipped()) {
                    s.skipped[st.ordinal()] = scan.reader() == null ? 0 : scan.reader().skipped(st);
                }
            }
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.cq4")) {
            for (final Path f : files) {
                s.cycleFiles++;
                s.diskBytes += Files.size(f);
            }
        }
        return s;
    }

    /** One line per damage found (file, offset, what was kept and skipped); empty when none. */
    public java.util.List<String> damage() {
        return damage;
    }

    public boolean damaged() {
        return !damage.isEmpty();
    }

    public long count(final JournalRecordType type) {
        return byType[type.code()];
    }

    public long total() {
        return total;
    }

    public long skippedTotal() {
        long n = 0;
        for (final long c : skipped) {
            n += c;
        }
        return n;
    }

    /** The last complete snapshot epoch, or -1 when the journal has none. */
    public long lastCompleteEpoch() {
        return lastCompleteEpoch;
    }

    public long diskBytes() {
        return diskBytes;
    }

    public int cycleFiles() {
        return cycleFiles;
    }

    /** Records per second over the span from the first to the last record (0 for a span of 0). */
    public double rate() {
        final long span = lastMillis - firstMillis;
        return span > 0 ? total * 1000.0 / span : 0;
    }

    /** The report for people. */
    public void print(final PrintWriter out, final Path dir) {
        out.println("journal       " + dir + " (node " + node + ", creatorid " + RecordFormatter.hex8(creatorId) + ")");
        out.println("records       " + total);
        for (final JournalRecordType t : JournalRecordType.values()) {
            if (t != JournalRecordType.UNKNOWN) {
                out.println(String.format(Locale.ROOT, "  %-12s%d", t.label(), byType[t.code()]));
            }
        }
        if (total > 0) {
            out.println("first         " + RecordFormatter.time(firstMillis));
            out.println("last          " + RecordFormatter.time(lastMillis));
            out.println("span          " + RecordFormatter.hms(lastMillis - firstMillis));
            out.println(String.format(Locale.ROOT, "rate          %.1f records/s", rate()));
        } else {
            out.println("first         -");
            out.println("last          -");
        }
        out.println("last seq      " + lastSequence);
        out.println("disk          " + human(diskBytes) + " (" + diskBytes + " bytes) in " + cycleFiles
                + (cycleFiles == 1 ? " roll-cycle file" : " roll-cycle files"));
        final String report = SkipReport.of(skipped);
        out.println("skipped       " + (report == null ? "0" : report.substring("skipped ".length())));
        if (damage.isEmpty()) {
            out.println("damage        none");
        }
        for (final String d : damage) {
            out.println("damage        " + d);
        }
        out.println("last epoch    " + lastEpoch);
        out.println("last complete snapshot epoch " + (lastCompleteEpoch < 0 ? "none"
                : lastCompleteEpoch + " (ended " + RecordFormatter.time(lastCompleteEpochEndMillis) + ")"));
    }

    /** The report as one JSON object. */
    public String json(final Path dir) {
        final StringBuilder b = new StringBuilder("{\"dir\":\"").append(escape(dir.toString())).append("\",\"node\":\"")
                .append(escape(node)).append("\",\"creatorid\":\"").append(RecordFormatter.hex8(creatorId))
                .append("\",\"records\":").append(total).append(",\"by_type\":{");
        boolean first = true;
        for (final JournalRecordType t : JournalRecordType.values()) {
            if (t != JournalRecordType.UNKNOWN) {
                b.append(first ? "" : ",").append('"').append(t.label()).append("\":").append(byType[t.code()]);
                first = false;
            }
        }
        b.append("},\"first_ms\":").append(total > 0 ? firstMillis : 0).append(",\"last_ms\":")
                .append(total > 0 ? lastMillis : 0).append(",\"rate\":")
                .append(String.format(Locale.ROOT, "%.3f", rate())).append(",\"last_seq\":").append(lastSequence)
                .append(",\"disk_bytes\":").append(diskBytes).append(",\"cycle_files\":").append(cycleFiles)
                .append(",\"skipped\":{");
        first = true;
        for (final JournalReadStatus st : JournalReadStatus.values()) {
            if (st.skipped()) {
                b.append(first ? "" : ",").append('"').append(st.label()).append("\":").append(skipped[st.ordinal()]);
                first = false;
            }
        }
        b.append("},\"damage\":[");
        for (int i = 0; i < damage.size(); i++) {
            b.append(i == 0 ? "\"" : ",\"").append(escape(damage.get(i))).append('"');
        }
        return b.append("],\"last_epoch\":").append(lastEpoch).append(",\"last_complete_epoch\":")
                .append(lastCompleteEpoch).append('}').toString();
    }

    static String escape(final String s) {
        final StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    static String human(final long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        final String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
