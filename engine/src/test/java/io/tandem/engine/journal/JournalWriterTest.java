package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Chronicle Queue files: append, read back, validate, and no allocation on the append path. */
class JournalWriterTest {
    @Test
    void appendsAreReadBackInOrderWithValidCrc(@TempDir final Path dir) throws Exception {
        final JournalDirectory d = JournalDirectory.openForWriting(dir, 0, 0x11223344);
        try (Journal journal = Journal.openForWriting(d, "hourly");
             JournalWriter writer = new JournalWriter(journal, new JournalHealth(dir, 0), 0)) {
            for (int i = 0; i < 1000; i++) {
                writer.record().type(JournalRecordType.INSERT.code()).creatorId(0x11223344).id(i).af(2).proto(6)
                        .addresses(0, 0xC612010AL, 0, 0xC612020AL).ports(40000 + i, 5201);
                assertTrue(writer.append());
            }
        }
        try (Journal journal = Journal.openForReading(dir); JournalReader reader = JournalReader.fromStart(journal)) {
            for (int i = 0; i < 1000; i++) {
                assertEquals(JournalReadStatus.OK, reader.next());
                final JournalRecordFlyweight r = reader.record();
                assertEquals(i, r.id());
                assertEquals(i + 1, r.sequence());
                assertEquals(0xC612010AL, r.srcLo());
                assertEquals(40000 + i, r.srcPort());
            }
            assertEquals(JournalReadStatus.END, reader.next());
            assertEquals(0, reader.skippedTotal());
        }
    }
}
