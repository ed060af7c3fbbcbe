package io.tandem.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.journal.JournalDirectory;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalRecovery;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRepair;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corruption matrix: a real journal of 2,000 states (Chronicle files written by the project's
 * writer), damaged in each way a disk, a crash or a person can damage it, read by each of
 * {@code tandem journal stats|tail|states|export} and recovered by the engine at start. Each must
 * name the damaged file and the place, keep every record before the damage, exit with status 3
 * (the tools), print no stack trace, and never let Chronicle grow a file.
 *
 * <p>Unreadable files: the tests run as root, for whom {@code chmod 000} does not stop reading, so a
 * file that cannot be read is made a directory in its place (a roll-cycle file, and
 * {@code metadata.cq4t}).
 */
class JournalCorruptionMatrixTest {
    static final int RECORDS = 2000;
    static final long CHRONICLE_FILE = 80L << 20;

    /** A form of damage: how to apply it and how many records lie intact before it. */
    enum Damage {
        ZEROED_HEADER(0, "offset 0"),
        GARBAGE_HEADER(0, "offset 0"),
        GARBAGE_RECORD_HEADER(1000, "offset "),
        BAD_LENGTH(1000, "bad length"),
        TRUNCATED(1500, "truncated"),
        GARBAGE_AFTER_DATA(RECORDS, "damaged at offset "),
        GARBAGE_APPENDED_TO_FILE(RECORDS, "garbage after the end of the data"),
        METADATA_MISSING(RECORDS, "metadata.cq4t: missing"),
        METADATA_UNREADABLE(0, "metadata.cq4t: not a regular file"),
        CYCLE_FILE_UNREADABLE(RECORDS, "20200101-00F.cq4: damaged at offset 0");

        final int kept;
        final String says;

        Damage(final int kept, final String says) {
            this.kept = kept;
            this.says = says;
        }

        /** Records the tools read (a queue Chronicle cannot open yields none). */
        int keptByTools() {
            return kept;
        }

        /** Records recovery keeps (it moves an unreadable metadata file aside and reads the rest). */
        int keptByRecovery() {
            return this == METADATA_UNREADABLE ? RECORDS : kept;
        }

        /** The file the message must name. */
        String file(final Path dir) throws Exception {
            switch (this) {
                case METADATA_MISSING:
                case METADATA_UNREADABLE:
                    return dir.resolve("metadata.cq4t").toString();
                case CYCLE_FILE_UNREADABLE:
                    return dir.resolve("20200101-00F.cq4").toString();
                default:
                    return cq4(dir).toString();
            }
        }

        void apply(final Path dir) throws Exception {
            final Path f = cq4(dir);
            switch (this) {
                case ZEROED_HEADER -> put(f, 0, new byte[8]);
                case GARBAGE_HEADER -> put(f, 0, "garbage!garbage!".getBytes(StandardCharsets.US_ASCII));
                case GARBAGE_RECORD_HEADER -> put(f, recordHeader(f, 1000), "garbage!".getBytes(StandardCharsets.US_ASCII));
                case BAD_LENGTH -> put(f, recordHeader(f, 1000), new byte[] {0, 0, (byte) 0xff, 0x3f});
                case TRUNCATED -> {
                    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
                        r.setLength(recordHeader(f, 1500) + 100);
                    }
                }
                case GARBAGE_AFTER_DATA -> put(f, recordHeader(f, RECORDS), "garbage garbage".getBytes(StandardCharsets.US_ASCII));
                case GARBAGE_APPENDED_TO_FILE -> {
                    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
                        r.seek(r.length());
                        r.write("garbage garbage garbage".getBytes(StandardCharsets.US_ASCII));
                    }
                }
                case METADATA_MISSING -> Files.delete(dir.resolve("metadata.cq4t"));
                case METADATA_UNREADABLE -> {
                    Files.delete(dir.resolve("metadata.cq4t"));
                    Files.createDirectory(dir.resolve("metadata.cq4t"));
                }
                case CYCLE_FILE_UNREADABLE -> Files.createDirectory(dir.resolve("20200101-00F.cq4"));
                default -> throw new AssertionError(this);
            }
        }
    }

    static Stream<Arguments> matrix() {
        final Stream.Builder<Arguments> b = Stream.builder();
        for (final Damage d : Damage.values()) {
            for (final String tool : new String[] {"stats", "tail", "states", "export"}) {
                b.add(Arguments.of(d, tool));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} x journal {1}")
    @MethodSource("matrix")
    void toolsReportDamageAndReadWhatIsBeforeIt(final Damage damage, final String tool, @TempDir final Path dir)
            throws Exception {
        write(dir);
        damage.apply(dir);
        final long sizeBefore = Files.size(cq4(dir));
        final Path exported = dir.getParent().resolve(dir.getFileName() + ".jsonl");
        final JournalFixture.Run run = tool.equals("export")
                ? JournalFixture.run("journal", tool, "-d", dir.toString(), exported.toString())
                : JournalFixture.run("journal", tool, "-d", dir.toString());
        assertEquals(3, run.status(), run.err());
        assertTrue(run.err().contains(damage.file(dir)), "names the file: " + run.err());
        assertTrue(run.err().contains(damage.says), "says what: " + run.err());
        assertNoStackTrace(run);
        final int kept = damage.keptByTools();
        if (damage != Damage.METADATA_UNREADABLE) {
            assertTrue(run.err().contains(kept + " records before it kept") || damage.kept == RECORDS, run.err());
        }
        switch (tool) {
            case "stats" -> {
                if (damage != Damage.METADATA_UNREADABLE) {
                    assertTrue(run.out().contains("records       " + kept + "\n"), run.out());
                    assertTrue(run.out().contains("damage        " + damage.file(dir)), run.out());
                }
            }
            case "tail" -> assertEquals(kept, run.lines().length, run.err());
            case "states" -> assertEquals(2 * kept, run.lines().length, run.err());
            case "export" -> {
                if (damage != Damage.METADATA_UNREADABLE) {
                    assertEquals(kept, Files.readAllLines(exported).size());
                    assertTrue(run.out().contains("exported " + kept + " states"), run.out());
                }
            }
            default -> throw new AssertionError(tool);
        }
        assertEquals(sizeBefore, Files.size(cq4(dir)), "the tools never grow or change a file");
    }

    @ParameterizedTest(name = "{0} x recovery at start")
    @MethodSource("damages")
    void recoveryKeepsEverythingBeforeTheDamage(final Damage damage, @TempDir final Path dir) throws Exception {
        write(dir);
        damage.apply(dir);
        final String file = damage.file(dir);
        final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        final StateTable table = new StateTable(4096, 4, false, true, StateTimeouts.defaults(4096), 1, 0,
                new StateCounters());
        final JournalRecovery.Result result;
        try (EngineJournal journal = EngineJournal.open(dir, "hourly", 1000, 60, JournalFixture.CREATOR,
                JournalFixture.CREATOR, log)) {
            result = journal.recoverInto(table, System.currentTimeMillis());
            assertTrue(journal.repair().damaged());
            if (damage.name().startsWith("METADATA")) {
                assertEquals(0, journal.damagedFiles());
            } else {
                assertEquals(1, journal.damagedFiles());
                assertEquals(damage == Damage.CYCLE_FILE_UNREADABLE ? 0 : damage.kept,
                        journal.recordsKeptFromDamagedFiles());
            }
            if (damage == Damage.BAD_LENGTH || damage == Damage.GARBAGE_RECORD_HEADER) {
                assertTrue(journal.recordsSkippedAtDamage() >= 990, "about 999 records after it: "
                        + journal.recordsSkippedAtDamage());
            }
        }
        final String logText = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(logText.contains(file), logText);
        assertTrue(logText.contains(damage.says), logText);
        assertFalse(logText.contains("\tat "), logText);
        assertEquals(damage.keptByRecovery(), result.statesRestored(), logText);
        // No file grew: Chronicle never mapped a bad length.
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".cq4")).forEach(p -> {
                try {
                    assertTrue(Files.size(p) <= CHRONICLE_FILE + 64, p + " is " + Files.size(p) + " bytes");
                } catch (final java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
        }
        // The repaired journal is intact and still holds what was kept, plus what this start wrote.
        final JournalFixture.Run stats = JournalFixture.run("journal", "stats", "-d", dir.toString());
        assertEquals(0, stats.status(), stats.err() + stats.out());
        assertTrue(stats.out().contains("damage        none"), stats.out());
        if (damage.kept > 0 && !damage.name().startsWith("METADATA")) {
            assertTrue(Files.exists(dir.resolve(JournalRepair.DAMAGED_DIR)), "the damaged file is kept aside");
        }
        // A second start finds nothing to repair and restores the same states.
        final StateTable again = new StateTable(4096, 4, false, true, StateTimeouts.defaults(4096), 1, 0,
                new StateCounters());
        try (EngineJournal journal = EngineJournal.open(dir, "hourly", 1000, 60, JournalFixture.CREATOR,
                JournalFixture.CREATOR, log)) {
            assertFalse(journal.repair().damaged(), logBytes.toString(StandardCharsets.UTF_8));
            assertEquals(damage.keptByRecovery(), journal.recoverInto(again, System.currentTimeMillis()).statesRestored());
        }
    }

    static Stream<Damage> damages() {
        return Stream.of(Damage.values());
    }

    @Test
    void anIntactJournalReadsAsBeforeWithStatusZero(@TempDir final Path dir) throws Exception {
        write(dir);
        final JournalFixture.Run stats = JournalFixture.run("journal", "stats", "-d", dir.toString());
        assertEquals(0, stats.status(), stats.err());
        assertTrue(stats.out().contains("records       " + RECORDS + "\n"), stats.out());
        assertTrue(stats.out().contains("damage        none\n"), stats.out());
        assertEquals("", stats.err());
        final JournalFixture.Run tail = JournalFixture.run("journal", "tail", "-d", dir.toString());
        assertEquals(0, tail.status(), tail.err());
        assertEquals(RECORDS, tail.lines().length);
    }

    /**
     * A journal that rolled while it was written: Chronicle ends the first file with its end-of-file
     * marker (header word 0xC0000000 and the text "EOF"), which is the end of the data, not damage.
     * The tools read both files with status 0, and the engine's open repairs nothing, moves nothing
     * and restores every record — again at a second start, after Chronicle's appender has looked
     * at both files.
     */
    @Test
    void aJournalThatRolledIsIntact(@TempDir final Path tmp) throws Exception {
        final Path dir = twoRollCycles(tmp);
        final JournalFixture.Run stats = JournalFixture.run("journal", "stats", "-d", dir.toString());
        assertEquals(0, stats.status(), stats.err());
        assertTrue(stats.out().contains("records       " + RECORDS + "\n"), stats.out());
        assertTrue(stats.out().contains("damage        none\n"), stats.out());
        final JournalFixture.Run tail = JournalFixture.run("journal", "tail", "-d", dir.toString());
        assertEquals(0, tail.status(), tail.err());
        assertEquals(RECORDS, tail.lines().length, tail.err());
        for (int start = 0; start < 2; start++) {
            final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
            final StateTable table = new StateTable(4096, 4, false, true, StateTimeouts.defaults(4096), 1, 0,
                    new StateCounters());
            try (EngineJournal journal = EngineJournal.open(dir, "hourly", 1000, 60, JournalFixture.CREATOR,
                    JournalFixture.CREATOR, new PrintStream(logBytes, true, StandardCharsets.UTF_8))) {
                assertFalse(journal.repair().damaged(), logBytes.toString(StandardCharsets.UTF_8));
                assertEquals(RECORDS, journal.recoverInto(table, System.currentTimeMillis()).statesRestored(),
                        logBytes.toString(StandardCharsets.UTF_8));
            }
            assertFalse(Files.exists(dir.resolve(JournalRepair.DAMAGED_DIR)), "start " + start);
        }
        // What follows the marker and its text must still be zero.
        final Path first = dir.resolve("20260101-10F.cq4");
        final long marker = endOfDataMarker(first);
        put(first, marker + 8, "garbage!".getBytes(StandardCharsets.US_ASCII));
        final JournalFixture.Run damaged = JournalFixture.run("journal", "stats", "-d", dir.toString());
        assertEquals(3, damaged.status(), damaged.err());
        assertTrue(damaged.err().contains(first + ": damaged at offset " + (marker + 8)), damaged.err());
        assertTrue(damaged.err().contains("garbage after the end of the data (at " + marker + ")"), damaged.err());
    }

    /** Offset of Chronicle's end-of-file marker (header word 0xC0000000, then the text "EOF") in a rolled file. */
    static long endOfDataMarker(final Path f) throws Exception {
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
            long pos = 0;
            while (true) {
                r.seek(pos);
                final int h = Integer.reverseBytes(r.readInt());
                if (h == 0xC000_0000) {
                    final byte[] text = new byte[4];
                    r.readFully(text);
                    assertEquals("\u00c3EOF", new String(text, StandardCharsets.ISO_8859_1), "after the marker at " + pos);
                    return pos;
                }
                assertTrue(h != 0, "no end-of-file marker in " + f);
                pos = (pos + 4 + (h & 0x3FFF_FFFF) + 3) & ~3L;
            }
        }
    }

    @Test
    void deletingTheLockFileDoesNotLetAnImportIn(@TempDir final Path dir) throws Exception {
        write(dir);
        final String states = "";
        try (EngineJournal engine = EngineJournal.open(dir, "hourly", 1000, 60, JournalFixture.CREATOR,
                JournalFixture.CREATOR, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            assertNotNull(engine);
            Files.delete(dir.resolve(EngineLock.FILE));
            assertTrue(EngineLock.heldByOther(dir), "the lock is still held after engine.lock was deleted");
            final JournalException e = assertThrows(JournalException.class, () -> StateImport.run(dir,
                    new BufferedReader(new StringReader(states)), "x", "hourly", System.currentTimeMillis()));
            assertTrue(e.getMessage().contains("an engine is running"), e.getMessage());
            final Path empty = Files.createFile(dir.getParent().resolve(dir.getFileName() + "-empty.jsonl"));
            final JournalFixture.Run run = JournalFixture.run("journal", "import", "-d", dir.toString(), empty.toString());
            assertEquals(1, run.status(), run.err());
            // A second engine is refused as well.
            assertThrows(JournalException.class, () -> EngineJournal.open(dir, "hourly", 1000, 60,
                    JournalFixture.CREATOR, JournalFixture.CREATOR, System.err));
            // Deleting the ownership file instead: the directory is no journal, so import refuses it.
            Files.copy(dir.resolve(JournalDirectory.OWNER_FILE), dir.resolve("owner.bak"));
            Files.delete(dir.resolve(JournalDirectory.OWNER_FILE));
            assertThrows(JournalException.class, () -> StateImport.run(dir,
                    new BufferedReader(new StringReader(states)), "x", "hourly", System.currentTimeMillis()));
            Files.move(dir.resolve("owner.bak"), dir.resolve(JournalDirectory.OWNER_FILE));
        }
        // Once the engine stopped, an import goes through.
        final StateImport.Result r = StateImport.run(dir, new BufferedReader(new StringReader(states)), "x", "hourly",
                System.currentTimeMillis());
        assertEquals(0, r.states());
    }

    /**
     * Two roll-cycle files (1,000 records each, an hour apart); the first is damaged. The tools and
     * recovery keep what is before the damage in the first file and all of the second.
     */
    @ParameterizedTest(name = "first of two files: {0}")
    @org.junit.jupiter.params.provider.EnumSource(value = Damage.class, names = {"ZEROED_HEADER", "BAD_LENGTH",
        "GARBAGE_RECORD_HEADER", "TRUNCATED"})
    void damageInAnEarlierFileDoesNotStopTheNext(final Damage damage, @TempDir final Path tmp) throws Exception {
        final Path dir = twoRollCycles(tmp);
        final Path first = dir.resolve("20260101-10F.cq4");
        final int keptInFirst;
        switch (damage) {
            case ZEROED_HEADER -> {
                put(first, 0, new byte[8]);
                keptInFirst = 0;
            }
            case BAD_LENGTH -> {
                put(first, recordHeader(first, 500), new byte[] {0, 0, (byte) 0xff, 0x3f});
                keptInFirst = 500;
            }
            case GARBAGE_RECORD_HEADER -> {
                put(first, recordHeader(first, 500), "garbage!".getBytes(StandardCharsets.US_ASCII));
                keptInFirst = 500;
            }
            case TRUNCATED -> {
                try (RandomAccessFile r = new RandomAccessFile(first.toFile(), "rw")) {
                    r.setLength(recordHeader(first, 700) + 100);
                }
                keptInFirst = 700;
            }
            default -> throw new AssertionError(damage);
        }
        final int kept = keptInFirst + RECORDS / 2;
        final JournalFixture.Run tail = JournalFixture.run("journal", "tail", "-d", dir.toString());
        assertEquals(3, tail.status(), tail.err());
        assertEquals(kept, tail.lines().length, tail.err());
        assertTrue(tail.err().contains(first + ": damaged at offset "), tail.err());
        assertTrue(tail.err().contains(keptInFirst + " records before it kept"), tail.err());
        assertNoStackTrace(tail);
        final JournalFixture.Run stats = JournalFixture.run("journal", "stats", "-d", dir.toString());
        assertEquals(3, stats.status(), stats.err());
        assertTrue(stats.out().contains("records       " + kept + "\n"), stats.out());

        final StateTable table = new StateTable(4096, 4, false, true, StateTimeouts.defaults(4096), 1, 0,
                new StateCounters());
        final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        try (EngineJournal journal = EngineJournal.open(dir, "hourly", 1000, 60, JournalFixture.CREATOR,
                JournalFixture.CREATOR, new PrintStream(logBytes, true, StandardCharsets.UTF_8))) {
            assertEquals(kept, journal.recoverInto(table, System.currentTimeMillis()).statesRestored(),
                    logBytes.toString(StandardCharsets.UTF_8));
        }
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains(first.toString()));
    }

    /**
     * Writes {@link #RECORDS} records into {@code tmp/journal} through one Chronicle appender whose
     * clock moves an hour half-way: two roll-cycle files, {@code 20260101-10F.cq4} (ended by
     * Chronicle's end-of-file marker when the appender rolled) and {@code 20260101-11F.cq4}.
     */
    static Path twoRollCycles(final Path tmp) throws Exception {
        final Path source = tmp.resolve("source");
        write(source);
        final Path dir = tmp.resolve("journal");
        Files.createDirectories(dir);
        Files.copy(source.resolve(JournalDirectory.OWNER_FILE), dir.resolve(JournalDirectory.OWNER_FILE));
        final java.util.List<byte[]> records = new java.util.ArrayList<>();
        try (io.tandem.engine.journal.Journal j = io.tandem.engine.journal.Journal.openForReading(source);
             net.openhft.chronicle.queue.ExcerptTailer t = j.queue().createTailer()) {
            while (true) {
                try (net.openhft.chronicle.wire.DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    records.add(dc.wire().bytes().toByteArray());
                }
            }
        }
        assertEquals(RECORDS, records.size());
        final long hour = java.time.Instant.parse("2026-01-01T10:00:00Z").toEpochMilli();
        final net.openhft.chronicle.core.time.SetTimeProvider clock =
                new net.openhft.chronicle.core.time.SetTimeProvider(java.time.Instant.ofEpochMilli(hour));
        try (net.openhft.chronicle.queue.impl.single.SingleChronicleQueue q =
                     net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder.binary(dir)
                             .rollCycle(net.openhft.chronicle.queue.RollCycles.FAST_HOURLY).timeProvider(clock).build();
             net.openhft.chronicle.queue.ExcerptAppender a = q.createAppender()) {
            for (int i = 0; i < RECORDS; i++) {
                if (i == RECORDS / 2) {
                    clock.advanceMillis(3_600_000L);
                }
                a.writeBytes(net.openhft.chronicle.bytes.BytesStore.wrap(records.get(i)));
            }
        }
        final Path first = dir.resolve("20260101-10F.cq4");
        final Path second = dir.resolve("20260101-11F.cq4");
        assertTrue(Files.isRegularFile(first) && Files.isRegularFile(second), java.util.Arrays.toString(
                dir.toFile().list()));
        return dir;
    }

    static void write(final Path dir) throws Exception {
        try (JournalFixture f = new JournalFixture(dir)) {
            for (int i = 0; i < RECORDS; i++) {
                f.v4(JournalRecordType.INSERT, JournalFixture.T0 + i, 0x1000 + i, 6, "10.0.0.1", 1024 + i, "10.0.0.2",
                        80, 1).expireAtMillis(0);
                f.append();
            }
        }
    }

    static Path cq4(final Path dir) throws Exception {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "2*.cq4")) {
            for (final Path p : s) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith("2020")) {
                    return p;
                }
            }
        }
        throw new AssertionError("no roll-cycle file in " + dir);
    }

    static void put(final Path f, final long offset, final byte[] bytes) throws Exception {
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.seek(offset);
            r.write(bytes);
        }
    }

    /** Offset of the header of data excerpt {@code n} (n = the count: the end of the data) in a Chronicle file. */
    static long recordHeader(final Path f, final int n) throws Exception {
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "r")) {
            long pos = 0;
            int seen = 0;
            while (true) {
                r.seek(pos);
                final int h = Integer.reverseBytes(r.readInt());
                if ((h & 0x4000_0000) == 0 && seen++ == n || h == 0) {
                    return pos;
                }
                pos = (pos + 4 + (h & 0x3FFF_FFFF) + 3) & ~3L;
            }
        }
    }

    static void assertNoStackTrace(final JournalFixture.Run run) {
        final String all = run.out() + run.err();
        assertFalse(all.contains("\tat ") || all.contains("Exception") || all.contains("InternalError"), all);
    }
}
