package io.tandem.engine.journal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.openhft.chronicle.queue.RollCycle;

/**
 * Deletes old roll-cycle files ({@code *.cq4}) of the journal: keeps the newest {@code keep}
 * files, and never one whose cycle is at or after the recovery point (the start of the last complete
 * snapshot epoch) — a cycle is deleted only when recovery no longer needs it. (Named tailers of the
 * pfsync SyncAgent will add their positions to the protected set.)
 *
 * <p>Runs on the journal thread once a minute. A file's cycle comes from its name, which the roll
 * cycle's pattern formats from the cycle's start time (UTC).
 */
public final class JournalRetention {
    private final Path dir;
    private final int keep;
    private final RollCycle rollCycle;
    private final DateTimeFormatter names;
    private long protectedCycle = Long.MIN_VALUE;

    public JournalRetention(final Path dir, final int keep, final RollCycle rollCycle) {
        this.dir = dir;
        this.keep = keep;
        this.rollCycle = rollCycle;
        this.names = new DateTimeFormatterBuilder().appendPattern(rollCycle.format())
                .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
                .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
                .toFormatter();
    }

    /** Protects the cycle holding this Chronicle index and every later one (-1: nothing known yet). */
    public void protectFromIndex(final long chronicleIndex) {
        if (chronicleIndex >= 0) {
            protectedCycle = rollCycle.toCycle(chronicleIndex);
        }
    }

    /** The cycle number a file name stands for, or -1 when the name does not parse. */
    long cycleOf(final String fileName) {
        try {
            final String stem = fileName.substring(0, fileName.length() - ".cq4".length());
            final long millis = LocalDateTime.parse(stem, names).toInstant(ZoneOffset.UTC).toEpochMilli();
            return Math.floorDiv(millis - rollCycle.defaultEpoch(), rollCycle.lengthInMillis());
        } catch (final RuntimeException e) {
            return -1;
        }
    }

    /** Deletes what may go; returns the number of files deleted. */
    public int apply(final PrintStream log) {
        if (protectedCycle == Long.MIN_VALUE) {
            return 0; // no complete epoch yet: recovery may need everything
        }
        final List<String> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.cq4")) {
            for (final Path p : entries) {
                files.add(p.getFileName().toString());
            }
        } catch (final IOException e) {
            return 0;
        }
        Collections.sort(files);
        int deleted = 0;
        for (int i = 0; i < files.size() - keep; i++) {
            final String name = files.get(i);
            final long cycle = cycleOf(name);
            if (cycle < 0 || cycle >= protectedCycle) {
                break;
            }
            try {
                Files.deleteIfExists(dir.resolve(name));
                deleted++;
            } catch (final IOException e) {
                log.println("tandem: journal: cannot delete old cycle " + name + ": " + e.getMessage());
            }
        }
        if (deleted > 0) {
            log.println("tandem: journal: retention deleted " + deleted + " old roll-cycle file(s)");
        }
        return deleted;
    }
}
