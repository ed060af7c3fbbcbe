package io.tandem.engine.journal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

/**
 * Makes a damaged journal safe to write again, keeping everything before each damage: run by the
 * engine at start and by {@code tandem journal import}, while they hold the {@link JournalLock} and
 * before Chronicle opens the queue for writing.
 *
 * <p>Theory of operation. A writer must never open a damaged roll-cycle file: Chronicle's appender
 * looks for the end of the last file (and writes end markers into earlier ones), following the
 * header words into the damage — mapping a bad length grows the file to that length, and reading
 * it faults. So each damaged file found by {@link JournalFileCheck} is rebuilt: the intact records
 * before the damage are copied, excerpt by excerpt, into a fresh Chronicle file of the same cycle
 * (a queue in a scratch directory whose clock is set to the cycle's first millisecond, so that the
 * file gets the same name and the records the same indices), the damaged original is moved to
 * {@code DIR/damaged/} for inspection, and the rebuilt file takes its place. A file with nothing
 * before its damage (its header is gone), one that is not a regular file, and a {@code
 * metadata.cq4t} that is not a regular file are moved to {@code DIR/damaged/} whole; Chronicle
 * rebuilds its metadata. Recovery then reads an intact journal and restores everything before the
 * damage. Every action is one line in the {@link Report}.
 *
 * <p>Owner: the thread opening the journal, under the lock; setup time only. Memory bound: one
 * excerpt at a time. Failure policy: a file that cannot be rebuilt (its name does not match a roll
 * cycle) is moved aside whole and said so; I/O errors are thrown as {@link JournalException}.
 */
public final class JournalRepair {
    /** Where damaged files are moved, inside the journal directory. */
    public static final String DAMAGED_DIR = "damaged";

    /** What a repair found and did. */
    public record Report(JournalFileCheck.Result check, List<String> lines, long recordsKept, long recordsSkipped,
            long bytesSkipped, int filesMoved) {
        public boolean damaged() {
            return check.damaged();
        }
    }

    private JournalRepair() {
    }

    /** Checks {@code dir} and repairs what is damaged; {@code roll} is the roll cycle tried first. */
    public static Report run(final Path dir, final String roll) throws JournalException {
        final JournalFileCheck.Result check;
        try {
            if (!Files.isDirectory(dir)) {
                return new Report(new JournalFileCheck.Result(dir, List.of(), List.of()), List.of(), 0, 0, 0, 0);
            }
            check = JournalFileCheck.check(dir);
        } catch (final IOException e) {
            throw new JournalException("cannot check journal " + dir + ": " + e.getMessage(), e);
        }
        if (!check.damaged()) {
            return new Report(check, List.of(), 0, 0, 0, 0);
        }
        final List<String> lines = new ArrayList<>();
        int moved = 0;
        long kept = 0;
        try {
            final Path damaged = dir.resolve(DAMAGED_DIR);
            Files.createDirectories(damaged);
            final Path meta = dir.resolve(JournalFileCheck.METADATA_FILE);
            for (final String p : check.problems()) {
                if (Files.exists(meta, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS)) {
                    final Path to = moveAside(meta, damaged);
                    moved++;
                    lines.add(p + "; moved to " + to + ", Chronicle rebuilds it");
                } else {
                    lines.add(p);
                }
            }
            for (final JournalFileCheck.FileReport f : check.files()) {
                if (!f.damaged()) {
                    continue;
                }
                if (f.records() == 0 || !Files.isRegularFile(f.file(), LinkOption.NOFOLLOW_LINKS)) {
                    final Path to = moveAside(f.file(), damaged);
                    moved++;
                    lines.add(f.message() + "; moved to " + to);
                    continue;
                }
                final RollCycle cycle = rollCycleOf(f.file(), roll);
                if (cycle == null) {
                    final Path to = moveAside(f.file(), damaged);
                    moved++;
                    lines.add(f.message() + "; its name is not a roll cycle's, so its " + f.records()
                            + " intact records could not be rebuilt: moved to " + to);
                    continue;
                }
                final Path[] to = new Path[1];
                final boolean later = check.files().stream()
                        .anyMatch(o -> o.file().getFileName().toString().compareTo(f.file().getFileName().toString()) > 0
                                && Files.isRegularFile(o.file(), LinkOption.NOFOLLOW_LINKS) && !(o.damaged() && o.records() == 0));
                final long copied = rebuild(f.file(), cycle, damaged, to, later);
                kept += copied;
                moved++;
                lines.add(f.message() + "; rebuilt with the " + copied + " records before the damage, the damaged file"
                        + " moved to " + to[0]);
            }
        } catch (final IOException | RuntimeException e) {
            throw new JournalException("cannot repair damaged journal " + dir + ": " + e.getMessage(), e);
        }
        return new Report(check, List.copyOf(lines), kept, check.recordsSkipped(), check.bytesSkipped(), moved);
    }

    private static long rebuild(final Path file, final RollCycle cycle, final Path damaged, final Path[] movedTo,
            final boolean closeCycle) throws IOException {
        final Path scratch = damaged.resolve(".rebuild-" + file.getFileName());
        deleteTree(scratch);
        final long start = JournalFileCheck.cycleStartMillis(file, cycle);
        final long[] copied = {0};
        final SetTimeProvider clock = new SetTimeProvider(java.time.Instant.ofEpochMilli(start));
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(scratch).rollCycle(cycle)
                .timeProvider(clock).build();
             ExcerptAppender appender = q.createAppender()) {
            JournalFileCheck.copyIntact(file, (bytes, header) -> {
                appender.writeBytes(BytesStore.wrap(bytes));
                copied[0]++;
            });
            if (closeCycle) {
                // A later file follows: end this one with Chronicle's end-of-file marker, or readers
                // would wait at its end instead of going on. Rolling the scratch queue writes it (the
                // one excerpt that rolls it lands in a scratch file that is thrown away).
                if (copied[0] == 0) {
                    throw new IOException("nothing to rebuild in " + file);
                }
                clock.advanceMillis(cycle.lengthInMillis());
                appender.writeBytes(BytesStore.wrap(new byte[] {0}));
            }
        }
        final Path rebuilt = scratch.resolve(file.getFileName());
        if (!Files.isRegularFile(rebuilt)) {
            deleteTree(scratch);
            throw new IOException("rebuilding " + file + " made no file of the same name");
        }
        movedTo[0] = moveAside(file, damaged);
        Files.move(rebuilt, file, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(scratch);
        return copied[0];
    }

    /** The roll cycle whose file-name format {@code file} follows: {@code preferred} first. */
    static RollCycle rollCycleOf(final Path file, final String preferred) {
        final List<RollCycle> order = new ArrayList<>();
        try {
            order.add(Journal.rollCycle(preferred));
        } catch (final IllegalArgumentException e) {
            // none preferred
        }
        for (final String name : Journal.ROLL_NAMES) {
            order.add(Journal.rollCycle(name));
        }
        for (final RollCycle c : order) {
            if (JournalFileCheck.cycleStartMillis(file, c) != Long.MIN_VALUE) {
                return c;
            }
        }
        return null;
    }

    private static Path moveAside(final Path file, final Path damaged) throws IOException {
        Path to = damaged.resolve(file.getFileName());
        for (int n = 1; Files.exists(to, LinkOption.NOFOLLOW_LINKS); n++) {
            to = damaged.resolve(file.getFileName() + "." + n);
        }
        Files.move(file, to);
        return to;
    }

    private static void deleteTree(final Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                for (final Path e : entries) {
                    deleteTree(e);
                }
            }
        }
        Files.delete(p);
    }
}
