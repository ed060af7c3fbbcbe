package io.tandem.engine.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.ObjIntConsumer;
import net.openhft.chronicle.queue.RollCycle;

/**
 * Checks the Chronicle Queue files of a journal directory before anything lets Chronicle map them:
 * every damage found is named with its file and byte offset, the records before it, and what lies
 * after it.
 *
 * <p>Theory of operation. A roll-cycle file ({@code *.cq4}) is a chain of excerpts, each a 4-byte
 * little-endian header word (bit 31 "not complete", bit 30 "metadata", bits 0..29 the length)
 * followed by that many bytes, the next header aligned to 4 bytes. The first excerpt is the
 * metadata header {@code SCQStore}; a zero header word ends the written data; {@code 0xC0000000}
 * marks a file that was rolled, followed by the wire text {@code "EOF"} (bytes {@code C3 45 4F 46}:
 * Chronicle Wire's {@code endOfWire} writes it after the marker, and the appender rolling a file or
 * opening a queue whose last file is of an earlier cycle writes the marker; this repair does too, when
 * it rebuilds a file that a later one follows). Chronicle trusts these words: a zeroed first header makes it read
 * the file as empty, and a length beyond the end of the file makes it map (and so grow) the file
 * up to that length, or die with {@code InternalError} (SIGBUS) reading it. This class walks the
 * chain with plain positional reads — no mapping, no Chronicle — and stops at the first header it
 * cannot trust: zero or garbage where the file header belongs, a length that runs past the end of
 * the file (a bad length, or a file truncated mid-record), a file that ends inside its written
 * data, or bytes after the end of the data (garbage appended). Everything before that point is
 * intact for Chronicle to read; the readers ({@link JournalReader#checked}) and the engine's repair
 * ({@link JournalRepair}) never let Chronicle past it. Files that are not regular readable files
 * and a missing or unreadable {@code metadata.cq4t} are reported too.
 *
 * <p>Owner: the calling thread (a tool's, or the main thread at engine start), before the queue is
 * opened; setup time only. Memory bound: one 64 KiB read buffer per file at a time and one report
 * per file. Failure policy: never throws for damage; an I/O error reading a file becomes that
 * file's damage.
 */
public final class JournalFileCheck {
    /** Chronicle's header bits. */
    static final int NOT_COMPLETE = 0x8000_0000;
    static final int META_DATA = 0x4000_0000;
    static final int LENGTH_MASK = 0x3FFF_FFFF;
    static final int END_OF_DATA = NOT_COMPLETE | META_DATA;
    /**
     * What Chronicle Wire writes after {@link #END_OF_DATA}: the text {@code "EOF"} in binary wire
     * (0xC3, a string of 3 bytes, then {@code E O F}), read as a little-endian int.
     */
    static final int END_OF_DATA_TEXT = 0x464F_45C3;
    /** Chronicle's queue metadata file (tailer positions, roll cycle, directory listing). */
    public static final String METADATA_FILE = "metadata.cq4t";
    /** Bytes after the end of the data (and at the end of the file) that must be zero. */
    private static final int TAIL_CHECK = 64 << 10;
    private static final int FIRST_HEADER_MAX = 64 << 10;

    /** What the check found in one roll-cycle file. */
    public record FileReport(Path file, long size, long records, long damageOffset, String damage,
            long bytesSkipped, long recordsSkipped) {
        public boolean damaged() {
            return damage != null;
        }

        /** One line for people: file, place, what, what was kept and what was skipped. */
        public String message() {
            if (damage == null) {
                return file + ": intact, " + records + (records == 1 ? " record" : " records");
            }
            return file + ": damaged at offset " + damageOffset + " (after record " + records + " of this file): " + damage
                    + "; " + records + (records == 1 ? " record" : " records") + " before it kept, the rest of the file"
                    + " skipped (" + bytesSkipped + " bytes"
                    + (recordsSkipped > 0 ? ", about " + recordsSkipped + " records" : ", no whole records found") + ")";
        }
    }

    /** The check of a whole directory: one report per roll-cycle file (by name) and directory-level problems. */
    public record Result(Path dir, List<FileReport> files, List<String> problems) {
        public boolean damaged() {
            return !problems.isEmpty() || files.stream().anyMatch(FileReport::damaged);
        }

        /** Every damage as one line each (directory problems first). */
        public List<String> messages() {
            final List<String> out = new ArrayList<>(problems);
            for (final FileReport f : files) {
                if (f.damaged()) {
                    out.add(f.message());
                }
            }
            return out;
        }

        /** Intact records before damage in damaged files (kept). */
        public long recordsKeptInDamagedFiles() {
            return files.stream().filter(FileReport::damaged).mapToLong(FileReport::records).sum();
        }

        /** Whole records found after the damage (skipped, an estimate from their headers). */
        public long recordsSkipped() {
            return files.stream().mapToLong(FileReport::recordsSkipped).sum();
        }

        /** Bytes of written data skipped after damage. */
        public long bytesSkipped() {
            return files.stream().mapToLong(FileReport::bytesSkipped).sum();
        }

        public long damagedFiles() {
            return files.stream().filter(FileReport::damaged).count();
        }
    }

    private JournalFileCheck() {
    }

    /** Checks every {@code *.cq4} file of {@code dir} and its {@code metadata.cq4t}. */
    public static Result check(final Path dir) throws IOException {
        final List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.cq4")) {
            for (final Path p : files) {
                names.add(p);
            }
        }
        Collections.sort(names);
        final List<FileReport> reports = new ArrayList<>(names.size());
        for (final Path p : names) {
            reports.add(checkFile(p));
        }
        final List<String> problems = new ArrayList<>();
        final Path meta = dir.resolve(METADATA_FILE);
        if (!Files.exists(meta, LinkOption.NOFOLLOW_LINKS)) {
            if (!names.isEmpty()) {
                problems.add(meta + ": missing: Chronicle rebuilds it, but the saved reader positions (where the"
                        + " sync agent resumes after a restart) are lost");
            }
        } else if (!Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS)) {
            problems.add(meta + ": not a regular file: Chronicle cannot open the journal with it");
        } else if (!Files.isReadable(meta)) {
            problems.add(meta + ": cannot be read");
        }
        return new Result(dir, List.copyOf(reports), List.copyOf(problems));
    }

    /** Checks one roll-cycle file. */
    public static FileReport checkFile(final Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return new FileReport(file, 0, 0, 0, "not a regular file (a directory, a device or a symbolic link)", 0, 0);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return scan(file, ch, null);
        } catch (final IOException e) {
            return new FileReport(file, 0, 0, 0, "cannot be read: " + e.getMessage(), 0, 0);
        }
    }

    /**
     * Walks {@code file}'s chain and hands each intact data excerpt before any damage (its bytes and
     * its Chronicle header word) to {@code sink} — the repair's way of copying what is kept.
     */
    static FileReport copyIntact(final Path file, final ObjIntConsumer<byte[]> sink) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return scan(file, ch, sink);
        }
    }

    private static FileReport scan(final Path file, final FileChannel ch, final ObjIntConsumer<byte[]> sink)
            throws IOException {
        final long size = ch.size();
        final Window word = new Window(ch);
        if (size < 4) {
            return damage(file, ch, size, 0, 0, "file of " + size + " bytes: no Chronicle header");
        }
        final int first = readInt(ch, word, 0);
        if (first == 0) {
            return damage(file, ch, size, 0, 0, "zeroed Chronicle file header (header word 0)");
        }
        final int firstLength = first & LENGTH_MASK;
        if ((first & META_DATA) == 0 || (first & NOT_COMPLETE) != 0 || firstLength < 8 || firstLength > FIRST_HEADER_MAX
                || 4L + firstLength > size || !headerNamesStore(ch, firstLength)) {
            return damage(file, ch, size, 0, 0, String.format(Locale.ROOT,
                    "garbage Chronicle file header (header word 0x%08x is not an SCQStore header)", first));
        }
        long pos = align(4L + firstLength);
        long records = 0;
        while (true) {
            if (pos + 4 > size) {
                return damage(file, ch, size, pos, records, "truncated: the file ends at " + size
                        + " inside the written data (no end marker)");
            }
            final int h = readInt(ch, word, pos);
            if (h == 0 || h == END_OF_DATA) {
                long end = pos + 4;
                if (h == END_OF_DATA && end + 4 <= size && readInt(ch, word, end) == END_OF_DATA_TEXT) {
                    end += 4; // the marker's "EOF" text
                }
                final long garbage = firstNonZero(ch, end, Math.min(size, end + TAIL_CHECK));
                final long tailGarbage = garbage >= 0 ? garbage
                        : firstNonZero(ch, Math.max(end, size - TAIL_CHECK), size);
                if (tailGarbage >= 0) {
                    return new FileReport(file, size, records, tailGarbage, "garbage after the end of the data (at "
                            + pos + ")", size - tailGarbage, 0);
                }
                return new FileReport(file, size, records, -1, null, 0, 0);
            }
            final int length = h & LENGTH_MASK;
            if (pos + 4 + length > size) {
                final String what = length <= JournalRecordFlyweight.LENGTH
                        ? "truncated: the excerpt of " + length + " bytes runs past the end of the file at " + size
                        : String.format(Locale.ROOT, "bad length %d in header word 0x%08x (only %d bytes left in the"
                                + " file)", length, h, size - pos - 4);
                return damage(file, ch, size, pos, records, what);
            }
            if ((h & NOT_COMPLETE) != 0) {
                // A writer is in the middle of this excerpt (or died in it): the written data ends here.
                return new FileReport(file, size, records, -1, null, 0, 0);
            }
            if ((h & META_DATA) == 0) {
                if (sink != null) {
                    final byte[] bytes = new byte[length];
                    ch.read(ByteBuffer.wrap(bytes), pos + 4);
                    sink.accept(bytes, h);
                }
                records++;
            }
            pos = align(pos + 4 + length);
        }
    }

    private static FileReport damage(final Path file, final FileChannel ch, final long size, final long offset,
            final long records, final String what) throws IOException {
        final long[] rest = rest(ch, offset, size);
        return new FileReport(file, size, records, offset, what, rest[0], rest[1]);
    }

    /**
     * What lies after the damage: the bytes up to the last non-zero 4 KiB block, and the whole
     * records in them (a 256-byte header word followed by the record magic "TJ", at 4-byte alignment).
     */
    private static long[] rest(final FileChannel ch, final long from, final long size) throws IOException {
        final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long lastNonZero = from;
        long records = 0;
        final long start = from & ~3L;
        for (long pos = start; pos < size; pos += buf.capacity() - 8) {
            buf.clear();
            int n = 0;
            while (buf.hasRemaining()) {
                final int r = ch.read(buf, pos + buf.position());
                if (r <= 0) {
                    break;
                }
                n += r;
            }
            for (int i = 0; i + 4 <= n; i += 4) {
                final int w = buf.getInt(i);
                if (w != 0) {
                    lastNonZero = Math.max(lastNonZero, pos + i + 4);
                    if (i < buf.capacity() - 8 && pos + i > from && w == JournalRecordFlyweight.LENGTH && i + 8 <= n
                            && (buf.getShort(i + 4) & 0xFFFF) == JournalRecordFlyweight.MAGIC) {
                        records++;
                    }
                }
            }
            if (n < buf.capacity()) {
                break;
            }
        }
        return new long[] {Math.max(0, lastNonZero - from), records};
    }

    private static boolean headerNamesStore(final FileChannel ch, final int length) throws IOException {
        final byte[] b = new byte[Math.min(length, 64)];
        ch.read(ByteBuffer.wrap(b), 4);
        return new String(b, StandardCharsets.ISO_8859_1).contains("SCQStore");
    }

    private static long firstNonZero(final FileChannel ch, final long from, final long to) throws IOException {
        if (to <= from) {
            return -1;
        }
        final ByteBuffer buf = ByteBuffer.allocate((int) (to - from));
        while (buf.hasRemaining()) {
            if (ch.read(buf, from + buf.position()) <= 0) {
                break;
            }
        }
        for (int i = 0; i < buf.position(); i++) {
            if (buf.get(i) != 0) {
                return from + i;
            }
        }
        return -1;
    }

    private static int readInt(final FileChannel ch, final Window window, final long pos) throws IOException {
        return window.intAt(pos);
    }

    /** A 64 KiB read-ahead window over the file, so that walking the headers is not a read per excerpt. */
    private static final class Window {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocate(64 << 10).order(ByteOrder.LITTLE_ENDIAN);
        private long start = -1;
        private int valid;

        Window(final FileChannel ch) {
            this.ch = ch;
        }

        /** The little-endian int at {@code pos}, or 0 past the end of the file. */
        int intAt(final long pos) throws IOException {
            if (start < 0 || pos < start || pos + 4 > start + valid) {
                buf.clear();
                int n = 0;
                while (buf.hasRemaining()) {
                    final int r = ch.read(buf, pos + buf.position());
                    if (r <= 0) {
                        break;
                    }
                    n += r;
                }
                start = pos;
                valid = n;
                if (n < 4) {
                    return 0;
                }
            }
            return buf.getInt((int) (pos - start));
        }
    }

    private static long align(final long pos) {
        return (pos + 3) & ~3L;
    }

    /**
     * The Chronicle cycle number of a roll-cycle file name ({@code 20261203-22F.cq4} for an hourly
     * cycle), or {@code Integer.MIN_VALUE} when the name does not follow {@code rollCycle}'s format.
     */
    public static int cycleOf(final Path file, final RollCycle rollCycle) {
        final long start = cycleStartMillis(file, rollCycle);
        return start == Long.MIN_VALUE ? Integer.MIN_VALUE : (int) (start / rollCycle.lengthInMillis());
    }

    /** The first millisecond (UTC) of the cycle a file name stands for, or {@code Long.MIN_VALUE}. */
    static long cycleStartMillis(final Path file, final RollCycle rollCycle) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".cq4")) {
            return Long.MIN_VALUE;
        }
        name = name.substring(0, name.length() - 4);
        try {
            final DateTimeFormatter f = DateTimeFormatter.ofPattern(rollCycle.format(), Locale.ROOT)
                    .withZone(ZoneOffset.UTC);
            final java.time.temporal.TemporalAccessor t = f.parse(name);
            final int year = t.get(java.time.temporal.ChronoField.YEAR);
            final int month = t.get(java.time.temporal.ChronoField.MONTH_OF_YEAR);
            final int day = t.get(java.time.temporal.ChronoField.DAY_OF_MONTH);
            final int hour = t.isSupported(java.time.temporal.ChronoField.HOUR_OF_DAY)
                    ? t.get(java.time.temporal.ChronoField.HOUR_OF_DAY) : 0;
            final int minute = t.isSupported(java.time.temporal.ChronoField.MINUTE_OF_HOUR)
                    ? t.get(java.time.temporal.ChronoField.MINUTE_OF_HOUR) : 0;
            final long millis = LocalDateTime.of(year, month, day, hour, minute).toInstant(ZoneOffset.UTC).toEpochMilli();
            if (!f.format(java.time.Instant.ofEpochMilli(millis)).equals(name)) {
                return Long.MIN_VALUE;
            }
            return millis;
        } catch (final RuntimeException e) {
            return Long.MIN_VALUE;
        }
    }
}
