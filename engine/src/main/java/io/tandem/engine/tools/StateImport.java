package io.tandem.engine.tools;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalDirectory;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalRepair;
import io.tandem.engine.journal.JournalWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code tandem journal import}: appends the states of an export file to a journal as one new,
 * complete snapshot epoch — EPOCH_START, one SNAPSHOT per state (origin kind 2, import), EPOCH_END
 * — so that the next engine start, whose recovery begins at the last complete epoch, restores
 * exactly those states (plus nothing older: a complete epoch is the whole table).
 *
 * <p>Life cycle: the file is read and checked completely first (a bad line fails the import before
 * anything is written); then the engine lock is taken (refused while an engine runs on the
 * journal), the journal is read for its last sequence number and epoch, and the records are
 * appended with sequence numbers and the epoch number continuing after the journal's. The epoch's
 * marker records carry the journal owner's creatorid; the states keep their own (pfsync identity).
 * A damaged journal is repaired first, under the lock, as the engine does at start
 * ({@link JournalRepair}); what was found is in {@link Result#damage()}.
 */
public final class StateImport {
    /** What an import wrote. */
    public record Result(int states, long epoch, long firstSequence, long lastSequence, int expired,
            List<String> damage) {
    }

    private StateImport() {
    }

    /**
     * Imports the JSON lines of {@code in} into the journal in {@code dir}.
     *
     * @param source      the file's name, for error messages
     * @param defaultRoll the roll cycle to create the queue with when the journal has no files yet
     * @throws JournalException for anything that stops the import, with a one-line message
     */
    public static Result run(final Path dir, final BufferedReader in, final String source, final String defaultRoll,
            final long nowMillis) throws JournalException, IOException {
        final JournalDirectory directory = JournalDirectory.read(dir);
        final List<String> lines = readChecked(in, source);
        int expired = 0;
        final JournalRecordFlyweight scratch = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        for (final String line : lines) {
            scratch.clear();
            StateJsonCodec.read(line, scratch);
            if (scratch.expireAtMillis() != 0 && scratch.expireAtMillis() < nowMillis) {
                expired++;
            }
        }
        try (EngineLock lock = EngineLock.tryAcquire(dir)) {
            if (lock == null) {
                throw new JournalException("an engine is running on " + dir + " (it holds " + dir.resolve(EngineLock.FILE)
                        + "): stop it before importing; the next `tandem run` recovers the imported states");
            }
            // Under the lock, before Chronicle opens the queue for writing: a damaged file is rebuilt
            // with the records before its damage, the original moved to DIR/damaged/ (JournalRepair).
            final JournalRepair.Report repair = JournalRepair.run(dir, defaultRoll);
            long lastSequence = 0;
            long lastEpoch = 0;
            String roll = defaultRoll;
            if (hasCycleFiles(dir)) {
                try (JournalScan scan = JournalScan.open(dir, new PrintWriter(PrintWriter.nullWriter()), false)) {
                    roll = scan.journal() == null ? defaultRoll : rollName(scan.journal(), defaultRoll);
                    while (scan.next() == JournalReadStatus.OK) {
                        final JournalRecordFlyweight r = scan.record();
                        lastSequence = Math.max(lastSequence, r.sequence());
                        lastEpoch = Math.max(lastEpoch, r.epoch());
                    }
                }
            }
            final long epoch = lastEpoch + 1;
            int failed = 0;
            long firstSequence;
            try (Journal journal = Journal.openForWriting(directory, roll);
                 JournalWriter writer = new JournalWriter(journal, new JournalHealth(dir, 0), lastSequence)) {
                marker(writer, JournalRecordType.EPOCH_START, directory.creatorId(), epoch, nowMillis);
                failed += writer.append() ? 0 : 1;
                firstSequence = writer.sequence();
                for (final String line : lines) {
                    final JournalRecordFlyweight r = writer.record();
                    StateJsonCodec.read(line, r);
                    r.type(JournalRecordType.SNAPSHOT.code()).originKind(JournalRecorder.ORIGIN_IMPORT).origin(0)
                            .epoch(epoch).wallTimeMillis(nowMillis).monotonicNanos(System.nanoTime());
                    failed += writer.append() ? 0 : 1;
                }
                marker(writer, JournalRecordType.EPOCH_END, directory.creatorId(), epoch, nowMillis)
                        .packetId(firstSequence & 0xFFFF_FFFFL).queue((int) (firstSequence >>> 32));
                failed += writer.append() ? 0 : 1;
                if (failed > 0) {
                    throw new JournalException("the journal refused " + failed + " of " + (lines.size() + 2)
                            + " records: epoch " + epoch + " is incomplete and will not be recovered; check the disk"
                            + " and import again");
                }
                return new Result(lines.size(), epoch, firstSequence, writer.sequence(), expired, repair.lines());
            }
        }
    }

    private static JournalRecordFlyweight marker(final JournalWriter writer, final JournalRecordType type,
            final int creatorId, final long epoch, final long nowMillis) {
        return writer.record().type(type.code()).creatorId(creatorId).epoch(epoch)
                .originKind(JournalRecorder.ORIGIN_IMPORT).wallTimeMillis(nowMillis).monotonicNanos(System.nanoTime());
    }

    /** Reads the non-blank lines, failing on the first that is not a valid state. */
    private static List<String> readChecked(final BufferedReader in, final String source) throws JournalException,
            IOException {
        final List<String> lines = new ArrayList<>();
        final JournalRecordFlyweight scratch = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        String line;
        int n = 0;
        while ((line = in.readLine()) != null) {
            n++;
            if (line.isBlank()) {
                continue;
            }
            try {
                scratch.clear();
                StateJsonCodec.read(line, scratch);
            } catch (final IllegalArgumentException e) {
                throw new JournalException(source + ":" + n + ": " + e.getMessage() + "; nothing was imported");
            }
            lines.add(line);
        }
        return lines;
    }

    static boolean hasCycleFiles(final Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.cq4")) {
            return files.iterator().hasNext();
        }
    }

    /** The {@code set journal roll} name of an existing queue's roll cycle (by its length). */
    static String rollName(final Journal journal, final String fallback) {
        final long length = journal.queue().rollCycle().lengthInMillis();
        final long minute = 60_000L;
        if (length == 5 * minute) {
            return "five-minutely";
        }
        if (length == 10 * minute) {
            return "ten-minutely";
        }
        if (length == 30 * minute) {
            return "half-hourly";
        }
        if (length == 60 * minute) {
            return "hourly";
        }
        if (length == 24 * 60 * minute) {
            return "daily";
        }
        if (length == 7 * 24 * 60 * minute) {
            return "weekly";
        }
        return fallback;
    }
}
