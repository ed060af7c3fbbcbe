package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync agent's reader: at the end on first use, where it stopped after a restart. */
class JournalReaderResumableTest {
    private static void append(final JournalWriter w, final long id) {
        w.record().type(JournalRecordType.INSERT.code()).creatorId(1).id(id);
        w.append();
    }

    private static int drain(final JournalReader r, final long[] lastId) {
        int n = 0;
        JournalReadStatus st;
        while ((st = r.next()) != JournalReadStatus.END) {
            if (st == JournalReadStatus.OK) {
                n++;
                lastId[0] = r.record().id();
            }
        }
        return n;
    }

    @Test
    void startsAtTheEndOnceThenResumes(@TempDir final Path dir) throws Exception {
        final JournalDirectory d = JournalDirectory.openForWriting(dir, 0, 1);
        final long[] last = {0};
        try (Journal journal = Journal.openForWriting(d, "hourly")) {
            final JournalWriter w = new JournalWriter(journal, new JournalHealth(dir, 0), 0);
            for (int i = 1; i <= 3; i++) {
                append(w, i);
            }
            try (JournalReader r = JournalReader.resumable(journal, "pfsync")) {
                assertEquals(0, drain(r, last), "history before the first use is not read");
                append(w, 4);
                append(w, 5);
                assertEquals(2, drain(r, last));
                assertEquals(5, last[0]);
            }
            append(w, 6); // written while the reader is gone (the engine stopped before sending it)
        }
        try (Journal journal = Journal.openForWriting(d, "hourly");
                JournalReader r = JournalReader.resumable(journal, "pfsync")) {
            assertEquals(1, drain(r, last), "resumes after the last record it read");
            assertEquals(6, last[0]);
        }
    }
}
