package io.tandem.engine.journal;

import java.nio.file.Path;
import java.util.Locale;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

/**
 * The Chronicle Queue behind a journal directory: opening it with the configured roll cycle, for
 * writing (the engine) or read-only (the tools).
 *
 * <p>Each record is one Chronicle excerpt holding exactly {@link JournalRecordFlyweight#LENGTH}
 * bytes. Roll cycles become files {@code YYYYMMDD-HHMM….cq4}; retention deletes whole cycles
 * ({@link JournalRetention}).
 */
public final class Journal implements AutoCloseable {
    /** Roll cycle names accepted by {@code set journal roll}. */
    public static final String[] ROLL_NAMES = {"five-minutely", "ten-minutely", "half-hourly", "hourly", "daily", "weekly"};

    private final JournalDirectory directory;
    private final SingleChronicleQueue queue;
    private volatile Runnable urgentListener = () -> { };
    private volatile boolean tailerAsleep;

    private Journal(final JournalDirectory directory, final SingleChronicleQueue queue) {
        this.directory = directory;
        this.queue = queue;
    }

    /** Opens the queue for appending (the engine). */
    public static Journal openForWriting(final JournalDirectory dir, final String roll) {
        return new Journal(dir, SingleChronicleQueueBuilder.binary(dir.path()).rollCycle(rollCycle(roll)).build());
    }

    /** Opens an existing journal read-only (the tools, recovery). */
    public static Journal openForReading(final Path dir) throws JournalException {
        final JournalDirectory d = JournalDirectory.read(dir);
        try {
            return new Journal(d, SingleChronicleQueueBuilder.binary(dir).readOnly(true).build());
        } catch (final Exception | InternalError e) { // Chronicle rethrows checked exceptions undeclared
            throw new JournalException("cannot open journal " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Opens an existing journal for recovery by its writer (not read-only: the writer keeps it). */
    public static Journal openForRecovery(final JournalDirectory dir, final String roll) {
        return openForWriting(dir, roll);
    }

    public JournalDirectory directory() {
        return directory;
    }

    public SingleChronicleQueue queue() {
        return queue;
    }

    /**
     * Installs what the writer calls after appending records that a tailer must act on at once (sync
     * hint IMMEDIATE), and after appending any record while the tailer sleeps ({@link #tailerAsleep}):
     * the sync agent's doorbell. Any thread may read it; one sets it.
     */
    public void onUrgentAppend(final Runnable listener) {
        this.urgentListener = listener == null ? () -> { } : listener;
    }

    /**
     * The tailer (the sync agent) says it is about to sleep long and must be woken by the next append
     * ({@code true}), or is awake again. It sets the flag, then looks for records once more before it
     * sleeps; the writer appends, then reads the flag ({@link #appended}): one of them sees the other.
     */
    public void tailerAsleep(final boolean asleep) {
        this.tailerAsleep = asleep;
    }

    /** Called by the writer's thread after an urgent record is in the queue. */
    void urgentAppended() {
        urgentListener.run();
    }

    /** Called by the writer's thread after records were appended: wakes a sleeping tailer. */
    void appended() {
        if (tailerAsleep) {
            urgentListener.run();
        }
    }

    @Override
    public void close() {
        queue.close();
    }

    static RollCycle rollCycle(final String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "five-minutely": return RollCycles.FIVE_MINUTELY;
            case "ten-minutely": return RollCycles.TEN_MINUTELY;
            case "half-hourly": return RollCycles.HALF_HOURLY;
            case "hourly": return RollCycles.FAST_HOURLY;
            case "daily": return RollCycles.FAST_DAILY;
            case "weekly": return RollCycles.WEEKLY;
            default: throw new IllegalArgumentException("unknown journal roll cycle '" + name + "'");
        }
    }
}
