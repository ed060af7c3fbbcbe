package io.tandem.engine.tools;

import static io.tandem.engine.tools.JournalFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalDirectory;
import io.tandem.engine.journal.JournalRecordFlyweight;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.queue.ExcerptAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged records are skipped, counted and reported at the end; the tools never crash on them. */
class CorruptRecordTest {
    @Test
    void corruptAndShortRecordsAreSkippedAndReported(@TempDir final Path dir) throws Exception {
        try (JournalFixture f = new JournalFixture(dir)) {
            f.scenario();
        }
        // A 100-byte excerpt written through Chronicle directly: not a Tandem record.
        try (Journal journal = Journal.openForWriting(JournalDirectory.read(dir), "hourly");
             ExcerptAppender appender = journal.queue().createAppender()) {
            appender.writeBytes(BytesStore.wrap(new byte[100]));
        }
        // Flip a byte inside the third record (the UDP INSERT): its CRC no longer matches.
        flipByteOfRecord(dir, 2, 60);

        final JournalFixture.Run tail = run("journal", "tail", "-d", dir.toString());
        assertEquals(0, tail.status());
        assertEquals(14, tail.lines().length, tail.out());
        assertEquals("tandem: skipped 2 records: 1 bad_length, 1 bad_crc\n", tail.err());

        final JournalFixture.Run states = run("journal", "states", "-d", dir.toString());
        assertEquals(0, states.status());
        assertEquals("tandem: skipped 2 records: 1 bad_length, 1 bad_crc\n", states.err());

        final JournalFixture.Run stats = run("journal", "stats", "-d", dir.toString());
        assertEquals(0, stats.status());
        assertTrue(stats.out().contains("skipped       2 records: 1 bad_length, 1 bad_crc\n"), stats.out());
        assertTrue(stats.out().contains("records       14\n"), stats.out());

        final JournalFixture.Run export = run("journal", "export", "-d", dir.toString(), dir.resolve("x.jsonl").toString());
        assertEquals(0, export.status());
        assertEquals("tandem: skipped 2 records: 1 bad_length, 1 bad_crc\n", export.err());
    }

    @Test
    void skipReportOrdersReasonsByCount() {
        final long[] counts = new long[io.tandem.engine.journal.JournalReadStatus.values().length];
        assertEquals(null, SkipReport.of(counts));
        counts[io.tandem.engine.journal.JournalReadStatus.BAD_LENGTH.ordinal()] = 1;
        assertEquals("skipped 1 record: 1 bad_length", SkipReport.of(counts));
        counts[io.tandem.engine.journal.JournalReadStatus.BAD_CRC.ordinal()] = 2;
        assertEquals("skipped 3 records: 2 bad_crc, 1 bad_length", SkipReport.of(counts));
    }

    /** Finds the n-th record (by its "TJ" magic and version) in the journal's .cq4 file and flips one byte. */
    static void flipByteOfRecord(final Path dir, final int n, final int offsetInRecord) throws Exception {
        Path cq4 = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.cq4")) {
            for (final Path p : files) {
                cq4 = p;
            }
        }
        final byte[] magic = {0x54, 0x4A, (byte) JournalRecordFlyweight.VERSION};
        try (RandomAccessFile file = new RandomAccessFile(cq4.toFile(), "rw")) {
            final byte[] head = new byte[(int) Math.min(file.length(), 1 << 20)];
            file.readFully(head);
            int found = -1;
            for (int i = 0, seen = 0; i + 3 < head.length; i++) {
                if (head[i] == magic[0] && head[i + 1] == magic[1] && head[i + 2] == magic[2] && seen++ == n) {
                    found = i;
                    break;
                }
            }
            assertTrue(found >= 0, "record " + n + " not found in " + cq4 + " (" + new String(head, 0, 64,
                    StandardCharsets.ISO_8859_1) + ")");
            file.seek(found + offsetInRecord);
            final int b = file.read();
            file.seek(found + offsetInRecord);
            file.write(b ^ 0x5A);
        }
    }
}
