package io.tandem.bench.journal;

import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.state.StateTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An {@link EngineJournal} in a fresh temporary directory, opened and attached to a state table the
 * way the engine does it: {@link EngineJournal#open} (lock, Chronicle Queue, in-flight ring, journal
 * thread started) then {@link EngineJournal#recoverInto} on the calling thread — the packet thread's
 * part, which installs the {@link JournalRecorder} as the table's listener. {@link #close} stops the
 * journal (the thread drains the ring first) and deletes the directory.
 *
 * <p>Settings: the engine's defaults ({@code set journal roll hourly}, {@code retention 48},
 * {@code snapshot 60}). The directory is created under {@code java.io.tmpdir}, or under the system
 * property {@value #DIR_PROPERTY} when set.
 */
final class TempJournal implements AutoCloseable {
    static final String DIR_PROPERTY = "tandem.bench.journal.dir";
    static final String ROLL = "hourly";
    static final int RETENTION = 48;
    static final int SNAPSHOT_SECONDS = 60;
    /** The creatorid stored in a fresh journal (no {@code set hostid}). */
    static final int CREATOR_ID = 0x7A4D_0001;

    private final Path dir;
    private final boolean deleteOnClose;
    private EngineJournal journal;

    private TempJournal(final Path dir, final boolean deleteOnClose) {
        this.dir = dir;
        this.deleteOnClose = deleteOnClose;
    }

    /** A new, empty journal directory (not opened yet). */
    static TempJournal create() {
        try {
            final String parent = System.getProperty(DIR_PROPERTY);
            final Path base = parent == null ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(parent);
            Files.createDirectories(base);
            return new TempJournal(Files.createTempDirectory(base, "tandem-journal-bench-"), true);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot create a journal directory: " + e.getMessage(), e);
        }
    }

    /** Opens and attaches in one go (JMH setup): the recorder is {@code table}'s listener afterwards. */
    static TempJournal attachTo(final StateTable table) {
        final TempJournal j = create();
        try {
            j.open();
            j.recoverInto(table);
            return j;
        } catch (final RuntimeException e) {
            j.close();
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    /** {@link EngineJournal#open} with the engine's defaults; starts the journal thread. */
    EngineJournal open() {
        if (journal != null) {
            throw new IllegalStateException("journal already open");
        }
        try {
            journal = EngineJournal.open(dir, ROLL, RETENTION, SNAPSHOT_SECONDS, 0, CREATOR_ID, System.err);
        } catch (final JournalException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return journal;
    }

    /** {@link EngineJournal#recoverInto} on the calling thread (the engine's packet thread). */
    void recoverInto(final StateTable table) {
        journal.recoverInto(table, System.currentTimeMillis());
    }

    EngineJournal journal() {
        return journal;
    }

    JournalRecorder recorder() {
        return journal.recorder();
    }

    JournalHealth health() {
        return journal.health();
    }

    /** Records the recorder handed to the ring but the journal thread has not appended yet. */
    long pending() {
        return recorder().sequence() - journal.recovery().lastSequence() - health().written();
    }

    /** Stops the journal (idempotent) and keeps the directory. */
    void stop() {
        if (journal != null) {
            journal.close();
            journal = null;
        }
    }

    /** Stops the journal and deletes the directory. */
    @Override
    public void close() {
        try {
            stop();
        } finally {
            if (deleteOnClose) {
                deleteTree(dir);
            }
        }
    }

    /** Bytes of the Chronicle Queue files ({@code *.cq4}): apparent size. */
    static long cq4Bytes(final Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".cq4")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Bytes the {@code *.cq4} files occupy on disk ({@code du -B1}: Chronicle maps its files sparsely,
     * so their apparent size is rounded up to the mapped chunks), or -1 when {@code du} fails.
     */
    static long cq4AllocatedBytes(final Path dir) {
        final List<String> command = new ArrayList<>(List.of("du", "-c", "-B1"));
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().endsWith(".cq4")).forEach(p -> command.add(p.toString()));
        } catch (final IOException e) {
            return -1;
        }
        try {
            final Process du = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            final String output = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (du.waitFor() != 0) {
                return -1;
            }
            final String[] lines = output.strip().split("\n");
            return Long.parseLong(lines[lines.length - 1].split("\\s+")[0]);
        } catch (final IOException | NumberFormatException e) {
            return -1;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static void deleteTree(final Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (final IOException e) {
                    System.err.println("bench: cannot delete " + p + ": " + e.getMessage());
                }
            });
        } catch (final IOException e) {
            System.err.println("bench: cannot delete " + root + ": " + e.getMessage());
        }
    }
}
