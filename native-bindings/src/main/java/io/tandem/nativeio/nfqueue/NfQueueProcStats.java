package io.tandem.nativeio.nfqueue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of {@code /proc/net/netfilter/nfnetlink_queue}: one row per bound queue, nine columns (spec §12).
 *
 * <p>{@code /proc/net} follows the network namespace of the process (its thread-group leader), not of the calling
 * thread; a thread moved with {@code setns} must read {@code /proc/thread-self/net/...}, which {@link #read()} does.
 * A missing file gives an empty snapshot; malformed lines are skipped and counted. Reporting time only (allocates).
 */
public final class NfQueueProcStats {
    /** The process's view. */
    public static final Path PROCESS_PATH = Path.of("/proc/net/netfilter/nfnetlink_queue");
    /** The calling thread's view (follows setns). */
    public static final Path THREAD_PATH = Path.of("/proc/thread-self/net/netfilter/nfnetlink_queue");

    /**
     * One line of the file.
     *
     * @param queue        queue number (513 instead of 258 means a swapped res_id)
     * @param portId       netlink port id of the bound socket, unsigned
     * @param queueTotal   packets queued now, held ones included
     * @param copyMode     0 none, 1 meta, 2 packet
     * @param copyRange    copy range
     * @param queueDropped dropped because the queue was full (without fail-open)
     * @param userDropped  dropped because the socket was full (without fail-open)
     * @param idSequence   last packet id assigned
     */
    public record Row(int queue, long portId, long queueTotal, int copyMode, int copyRange, long queueDropped,
                      long userDropped, long idSequence) {
    }

    private final List<Row> rows;
    private final int malformedLines;
    private final boolean fileFound;

    private NfQueueProcStats(final List<Row> rows, final int malformedLines, final boolean fileFound) {
        this.rows = Collections.unmodifiableList(rows);
        this.malformedLines = malformedLines;
        this.fileFound = fileFound;
    }

    /** @return the calling thread's view, falling back to the process's when {@code thread-self} is missing */
    public static NfQueueProcStats read() {
        return Files.exists(THREAD_PATH.getParent()) ? read(THREAD_PATH) : read(PROCESS_PATH);
    }

    /**
     * @param path the file
     * @return the snapshot; empty when the file is missing or unreadable
     */
    public static NfQueueProcStats read(final Path path) {
        final String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (final NoSuchFileException ex) {
            return new NfQueueProcStats(new ArrayList<>(), 0, false);
        } catch (final IOException | RuntimeException ex) {
            return new NfQueueProcStats(new ArrayList<>(), 0, false);
        }
        return parse(text);
    }

    /**
     * @param text the file's content
     * @return the snapshot
     */
    public static NfQueueProcStats parse(final String text) {
        final List<Row> rows = new ArrayList<>();
        int malformed = 0;
        for (final String line : text.split("\n")) {
            final String trimmed = line.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            final String[] columns = trimmed.split("\\s+");
            if (columns.length < 8) {
                malformed++;
                continue;
            }
            try {
                rows.add(new Row(
                    Integer.parseInt(columns[0]),
                    Long.parseLong(columns[1]),
                    Long.parseLong(columns[2]),
                    Integer.parseInt(columns[3]),
                    Integer.parseInt(columns[4]),
                    Long.parseLong(columns[5]),
                    Long.parseLong(columns[6]),
                    Long.parseLong(columns[7])));
            } catch (final NumberFormatException ex) {
                malformed++;
            }
        }
        return new NfQueueProcStats(rows, malformed, true);
    }

    /** @return the rows in file order */
    public List<Row> rows() {
        return rows;
    }

    /** @return lines that could not be parsed */
    public int malformedLines() {
        return malformedLines;
    }

    /** @return false when the file was missing or unreadable */
    public boolean fileFound() {
        return fileFound;
    }

    /**
     * @param queue a queue number
     * @return its row, if bound
     */
    public Optional<Row> find(final int queue) {
        for (final Row row : rows) {
            if (row.queue() == queue) {
                return Optional.of(row);
            }
        }
        return Optional.empty();
    }
}
