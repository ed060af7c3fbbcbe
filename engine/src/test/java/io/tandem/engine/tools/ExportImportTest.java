package io.tandem.engine.tools;

import static io.tandem.engine.tools.JournalFixture.DAY;
import static io.tandem.engine.tools.JournalFixture.T0;
import static io.tandem.engine.tools.JournalFixture.at;
import static io.tandem.engine.tools.JournalFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalDirectory;
import io.tandem.engine.journal.JournalRecordType;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export → import round trips, import's epoch and sequence bookkeeping, and the engine lock. */
class ExportImportTest {
    @TempDir
    Path dir;

    @TempDir
    Path fresh;

    @TempDir
    Path files;

    /** A time after every deadline but id2's and before the far ones; after import's own records. */
    private static final String LATER = at(System.currentTimeMillis() + 60_000);

    private void writeStates() throws Exception {
        try (JournalFixture f = new JournalFixture(dir)) {
            f.scenario();
            // Long-lived states for a comparison at "now": an IPv6 one and one with every field set.
            f.id3(JournalRecordType.INSERT, T0 + 80_000).expireAtMillis(System.currentTimeMillis() + 10 * DAY);
            f.append();
            f.v4(JournalRecordType.INSERT, T0 + 81_000, 0xffff_ffff_ffff_fff0L, 17, "255.255.255.255", 65535,
                    "0.0.0.0", 0, 2).peer(0, 0xFFFF_FFFFL, 0xFFFF_FFFEL, 0xFFFF_FFFDL, 65535, 65534, 2, 255)
                    .peer(1, 1, 2, 3, 4, 5, 1, 6).timeoutClass(8).ifindex(7).rule(123_456).stateFlags(0xBEEF)
                    .counters(Long.MAX_VALUE, 1, 2, 3).creationMillis(T0).lastActivityMillis(T0 + 81_000)
                    .expireAtMillis(System.currentTimeMillis() + 10 * DAY);
            f.append();
        }
    }

    @Test
    void exportThenImportIntoAFreshJournalShowsTheSameStates() throws Exception {
        writeStates();
        JournalDirectory.openForWriting(fresh, 0x01020304, 0x01020304);
        final Path file = files.resolve("states.jsonl");
        final JournalFixture.Run export = run("journal", "export", "-d", dir.toString(), file.toString());
        assertEquals(0, export.status(), export.err());
        assertTrue(export.out().startsWith("exported 3 states as of "), export.out());
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        final Map<String, Object> first = JsonReader.object(lines.get(0));
        assertEquals("6b05c7a500000005", first.get("id"));
        assertEquals("inet", first.get("af"));
        assertEquals("tcp.established", first.get("timeout"));

        final JournalFixture.Run imported = run("journal", "import", "-d", fresh.toString(), file.toString());
        assertEquals(0, imported.status(), imported.err());
        assertTrue(imported.out().startsWith("imported 3 states into " + fresh + " as snapshot epoch 1 (sequence 1..5)"),
                imported.out());

        final JournalFixture.Run before = run("journal", "states", "-d", dir.toString(), "--at", LATER);
        final JournalFixture.Run after = run("journal", "states", "-d", fresh.toString(), "--at", LATER);
        assertEquals(0, after.status(), after.err());
        assertEquals(6, before.lines().length, before.out());
        assertEquals(before.out(), after.out());

        final Path again = files.resolve("again.jsonl");
        assertEquals(0, run("journal", "export", "-d", fresh.toString(), "--at", LATER, again.toString()).status());
        assertEquals(lines, Files.readAllLines(again, StandardCharsets.UTF_8));

        final String[] tail = run("journal", "tail", "-d", fresh.toString()).lines();
        assertEquals(5, tail.length);
        assertTrue(tail[0].contains("[EPOCH_START] epoch 1 creator 01020304 imported"), tail[0]);
        assertTrue(tail[1].contains("[SNAPSHOT]") && tail[1].endsWith(" epoch 1 imported"), tail[1]);
        assertTrue(tail[4].contains("[EPOCH_END] epoch 1"), tail[4]);
    }

    @Test
    void importContinuesEpochsAndSequencesAndReplacesTheRecoveredTable() throws Exception {
        writeStates();
        final Path file = files.resolve("one.jsonl");
        final String line = Files.readString(writeExport(dir, file)).lines().findFirst().orElseThrow();
        Files.writeString(file, line + "\n");
        final JournalFixture.Run imported = run("journal", "import", "-d", dir.toString(), file.toString());
        assertEquals(0, imported.status(), imported.err());
        // the scenario wrote 17 records and epoch 1
        assertTrue(imported.out().contains("as snapshot epoch 2 (sequence 18..20)"), imported.out());
        final Map<String, Object> stats = JsonReader.object(run("journal", "stats", "-d", dir.toString(), "--json")
                .out().trim());
        assertEquals(2L, stats.get("last_complete_epoch"));
        assertEquals(20L, stats.get("last_seq"));
        // like recovery, the table restarts at the last complete epoch: only the imported state
        final String[] states = run("journal", "states", "-d", dir.toString(), "--at", LATER).lines();
        assertEquals(2, states.length);
        assertTrue(states[0].contains("198.18.1.12:41000"), states[0]);
    }

    @Test
    void importRefusesWhileAnEngineHoldsTheLock() throws Exception {
        writeStates();
        final Path file = writeExport(dir, files.resolve("s.jsonl"));
        assertFalse(EngineLock.heldByOther(dir));
        try (FileChannel ch = FileChannel.open(dir.resolve(EngineLock.FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            assertTrue(lock.isValid());
            assertTrue(EngineLock.heldByOther(dir));
            final JournalFixture.Run r = run("journal", "import", "-d", dir.toString(), file.toString());
            assertEquals(1, r.status());
            assertTrue(r.err().startsWith("tandem: an engine is running on " + dir), r.err());
            assertEquals(1, r.err().split("\n").length);
        }
        assertFalse(EngineLock.heldByOther(dir));
        try (EngineLock held = EngineLock.tryAcquire(dir)) {
            assertTrue(held != null);
            assertTrue(EngineLock.heldByOther(dir));
        }
        assertFalse(EngineLock.heldByOther(dir));
        assertEquals(0, run("journal", "import", "-d", dir.toString(), file.toString()).status());
    }

    @Test
    void importRejectsBadFilesBeforeWritingAnything() throws Exception {
        writeStates();
        final Path good = writeExport(dir, files.resolve("g.jsonl"));
        final List<String> lines = Files.readAllLines(good);
        final Path bad = files.resolve("bad.jsonl");
        Files.writeString(bad, lines.get(0) + "\n" + lines.get(1).replace("\"sport\":", "\"sport\":-") + "\n");
        final JournalFixture.Run r = run("journal", "import", "-d", dir.toString(), bad.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("tandem: " + bad + ":2: "), r.err());
        assertTrue(r.err().contains("nothing was imported"), r.err());
        Files.writeString(bad, "{\"id\": 1\n");
        assertEquals(1, run("journal", "import", "-d", dir.toString(), bad.toString()).status());
        final JournalFixture.Run missing = run("journal", "import", "-d", dir.toString(), files.resolve("no").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
        final JournalFixture.Run notJournal = run("journal", "import", "-d", files.toString(), good.toString());
        assertEquals(1, notJournal.status());
        assertTrue(notJournal.err().contains("not a Tandem journal"), notJournal.err());
        final Map<String, Object> stats = JsonReader.object(run("journal", "stats", "-d", dir.toString(), "--json")
                .out().trim());
        assertEquals(17L, stats.get("records"));
    }

    @Test
    void exportAtAPastTime() throws Exception {
        writeStates();
        final Path file = files.resolve("past.jsonl");
        assertEquals(0, run("journal", "export", "-d", dir.toString(), "--at", at(T0 + 5000), file.toString()).status());
        assertEquals(3, Files.readAllLines(file).size());
        final JournalFixture.Run stdout = run("journal", "export", "-d", dir.toString(), "--at", at(T0 + 25_000), "-");
        assertEquals(2, stdout.lines().length);
        assertTrue(stdout.err().startsWith("exported 2 states as of 2024-11-24T04:00:25.000Z to -"), stdout.err());
    }

    private static Path writeExport(final Path dir, final Path file) {
        final JournalFixture.Run r = run("journal", "export", "-d", dir.toString(), file.toString());
        assertEquals(0, r.status(), r.err());
        return file;
    }
}
