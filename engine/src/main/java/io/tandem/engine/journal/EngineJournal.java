package io.tandem.engine.journal;

import io.tandem.engine.agent.AgentFailure;
import io.tandem.engine.counters.CounterRegistry;
import io.tandem.engine.state.StateTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Everything the engine needs of its journal, opened and closed as one: the directory and its
 * ownership file, the lock {@code engine.lock} that keeps a second engine (and {@code tandem
 * journal import}) away, the Chronicle Queue, the in-flight ring, the journal thread, and — on the
 * packet thread — recovery and the recorder.
 *
 * <p>Life cycle: {@link #open} (main thread: lock, open, start the journal thread, which first
 * drains what a previous run left in the ring) → {@link #recoverInto} (packet thread, before the
 * queue is bound: rebuild the table, then install the recorder as the table's listener) → run →
 * {@link #close} (main thread, after the packet thread stopped: drain the ring, stop the thread,
 * unlock).
 *
 * <p>Lock and damage. The lock ({@link JournalLock}) is taken before anything in the directory is
 * read or changed; deleting {@code engine.lock} does not release it. Then the roll-cycle files are
 * checked and a damaged journal repaired ({@link JournalRepair}): each damaged file is rebuilt with
 * the records before its damage and the original moved to {@code DIR/damaged/}, so that neither the
 * writer nor recovery ever lets Chronicle read past a damage. Each damage is logged with its file,
 * offset and what was kept and skipped; the counts are kept for the metrics
 * ({@link #damagedFiles()}, {@link #recordsKeptFromDamagedFiles()}, {@link #recordsSkippedAtDamage()},
 * {@link #bytesSkippedAtDamage()}).
 */
public final class EngineJournal implements AutoCloseable {
    public static final String LOCK_FILE = "engine.lock";
    /** Ring size: 16k records. */
    public static final int RING_CAPACITY = 4 << 20;
    /** Free space below which the journal is suspended. */
    public static final long DISK_RESERVE_BYTES = 64L << 20;

    private final JournalDirectory directory;
    private final JournalLock lock;
    private final JournalRepair.Report repair;
    private final Journal journal;
    /** One in-flight ring per queue thread ({@code set queue FIRST:LAST}); one with one queue. */
    private final java.util.List<JournalRing> rings;
    private final int threads;
    private final JournalHealth health;
    private final JournalAgent agent;
    private final int snapshotSeconds;
    private final long leftoversDrained;
    private final JournalRecorder[] recorders;
    private final JournalRecovery.Result[] recoveries;
    /** One urgent lane per queue thread (each lane has one producer: that thread's recorder). */
    private final UrgentRecordLane[] urgentLanes;
    /**
     * The journal's last sequence number as the first queue thread to recover found it: every recorder
     * numbers from it (interleaved), although a thread that recovers later may already read a record
     * another one wrote meanwhile (thread 0's START), which would make two threads use one number.
     */
    private long startSequence = -1;
    private volatile JournalRecovery.Result recovery;

    private EngineJournal(final JournalDirectory directory, final JournalLock lock, final JournalRepair.Report repair,
            final Journal journal, final java.util.List<JournalRing> rings, final int threads,
            final JournalHealth health, final JournalAgent agent, final int snapshotSeconds,
            final long leftoversDrained) {
        this.directory = directory;
        this.lock = lock;
        this.repair = repair;
        this.journal = journal;
        this.rings = java.util.List.copyOf(rings);
        this.threads = threads;
        this.recorders = new JournalRecorder[threads];
        this.recoveries = new JournalRecovery.Result[threads];
        this.urgentLanes = new UrgentRecordLane[threads];
        for (int i = 0; i < threads; i++) {
            urgentLanes[i] = new UrgentRecordLane();
        }
        this.health = health;
        this.agent = agent;
        this.snapshotSeconds = snapshotSeconds;
        this.leftoversDrained = leftoversDrained;
    }

    /**
     * The sync thread reads this node's ordinary changes from the journal (pfsync on): each queue
     * thread's recorder then also feeds its urgent lane ({@link #urgentLanes}), which the sync thread
     * drains. Without it no recorder feeds a lane: no
     * thread would drain it, and once full it would count every record the ring dropped as lost to
     * peers that do not exist. The sync thread reads the rest through the journal, so the journal thread's
     * nap while packets journal ({@link JournalAgent#napMillis}) is also made no longer than the sync
     * thread's {@code flushDelayMillis}. Call before the queue threads start ({@link #recoverInto}).
     */
    public void feedsPeers(final int flushDelayMillis) {
        peersFed = true;
        agent.napMillis(Math.min(JournalAgent.NAP_MILLIS, flushDelayMillis));
    }

    /** The journal thread (tests). */
    JournalAgent agent() {
        return agent;
    }

    /** {@link #feedsPeers} was called: the recorders feed the urgent lanes. */
    private volatile boolean peersFed;

    /**
     * Opens the journal for this engine.
     *
     * @throws JournalException with a one-line explanation (not a journal, another node's, in use)
     */
    public static EngineJournal open(final Path dir, final String roll, final int retention, final int snapshotSeconds,
            final int configuredCreatorId, final int randomCreatorId, final PrintStream log) throws JournalException {
        return open(dir, roll, retention, snapshotSeconds, configuredCreatorId, randomCreatorId, log,
                new AgentFailure(log));
    }

    /**
     * Opens the journal for this engine; the journal thread runs under {@code failure}, the engine's
     * failure policy.
     *
     * @throws JournalException with a one-line explanation (not a journal, another node's, in use)
     */
    public static EngineJournal open(final Path dir, final String roll, final int retention, final int snapshotSeconds,
            final int configuredCreatorId, final int randomCreatorId, final PrintStream log, final AgentFailure failure)
            throws JournalException {
        return open(dir, roll, retention, snapshotSeconds, configuredCreatorId, randomCreatorId, log, failure, 1);
    }

    /**
     * Opens the journal for an engine of {@code threads} queue threads ({@code set queue FIRST:LAST}): one
     * in-flight ring each ({@link JournalRing#fileName}); rings a previous run with more threads left behind
     * are drained too.
     *
     * @throws JournalException with a one-line explanation (not a journal, another node's, in use)
     */
    public static EngineJournal open(final Path dir, final String roll, final int retention, final int snapshotSeconds,
            final int configuredCreatorId, final int randomCreatorId, final PrintStream log, final AgentFailure failure,
            final int threads) throws JournalException {
        JournalLock lock = null;
        try {
            try {
                Files.createDirectories(dir);
                lock = JournalLock.tryAcquire(dir);
            } catch (final IOException e) {
                throw new JournalException("cannot use journal directory " + dir + ": " + e.getMessage(), e);
            }
            if (lock == null) {
                throw new JournalException("journal " + dir + " is in use by another running tandem (it holds "
                        + dir.resolve(LOCK_FILE) + "); give each engine its own `set journal dir`");
            }
            final JournalDirectory d = JournalDirectory.openForWriting(dir, configuredCreatorId, randomCreatorId);
            if (!lock.lockOwnerFile(dir)) {
                throw new JournalException("journal " + dir + " is in use by another running tandem (it holds "
                        + dir.resolve(JournalDirectory.OWNER_FILE) + "); give each engine its own `set journal dir`");
            }
            final JournalRepair.Report repair = JournalRepair.run(dir, roll);
            for (final String line : repair.lines()) {
                log.println("journal: damaged: " + line);
            }
            if (repair.damaged()) {
                log.println("journal " + dir + ": " + repair.check().damagedFiles() + " damaged files: "
                        + repair.recordsKept() + " records before the damage kept, about " + repair.recordsSkipped()
                        + " records (" + repair.bytesSkipped() + " bytes) after it skipped");
            }
            final Journal journal = Journal.openForWriting(d, roll);
            final java.util.List<JournalRing> rings = new java.util.ArrayList<>();
            for (int i = 0; i < threads || Files.exists(dir.resolve(JournalRing.fileName(i))); i++) {
                final JournalRing ring = JournalRing.open(dir, RING_CAPACITY, i);
                if (ring.unfinishedSkipped() > 0 || ring.claimedBytesSkipped() > 0) {
                    log.println("journal " + dir + ": in-flight ring " + JournalRing.fileName(i) + ": skipped "
                            + ring.unfinishedSkipped() + " record(s) a killed engine had not finished writing (their"
                            + " packets had no verdict yet) and " + ring.claimedBytesSkipped() + " bytes it had only"
                            + " claimed; without that the journal thread could read no further");
                }
                rings.add(ring);
            }
            final JournalHealth health = new JournalHealth(dir, DISK_RESERVE_BYTES);
            final JournalAgent agent = new JournalAgent(journal, rings, health,
                    new JournalRetention(dir, retention, journal.queue().rollCycle()), log);
            agent.start(failure);
            final long drained;
            try {
                drained = agent.awaitReady(30, TimeUnit.SECONDS);
            } catch (final RuntimeException e) {
                agent.close();
                throw new JournalException("cannot open journal " + dir + ": " + e.getMessage(), e);
            }
            if (agent.duplicatesSkippedAtStart() > 0) {
                log.println("journal " + dir + ": " + agent.duplicatesSkippedAtStart() + " record(s) of the in-flight"
                        + " ring were in the journal already (the journal thread had appended them and was stopped"
                        + " before releasing them): not appended again");
            }
            return new EngineJournal(d, lock, repair, journal, rings, threads, health, agent, snapshotSeconds, drained);
        } catch (final IOException e) {
            closeQuietly(lock);
            throw new JournalException("cannot open journal " + dir + ": " + e.getMessage(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(lock);
            throw new JournalException("interrupted while opening journal " + dir);
        } catch (final JournalException | RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
    }

    /** The creatorid this node uses (configured, stored in the journal, or drawn once and stored). */
    public int creatorId() {
        return directory.creatorId();
    }

    public Path path() {
        return directory.path();
    }

    /** Queue thread {@code index}'s in-flight ring (tests: its consumer flags, a stand-in consumer thread). */
    public JournalRing ring(final int index) {
        return rings.get(index);
    }

    /** The Chronicle Queue (readers such as the sync agent create their own tailers on it). */
    public Journal journal() {
        return journal;
    }

    public JournalHealth health() {
        return health;
    }

    /** Records a previous run left in the ring and the journal thread moved into the journal at open. */
    public long leftoversDrained() {
        return leftoversDrained;
    }

    /** The group of the journal's entries in a {@link CounterRegistry}. */
    public static final String COUNTER_GROUP = "journal";

    /** Adds the journal's health (its thread's counters, the disk watchdog) and recovery's result to {@code registry}. */
    public void registerCounters(final CounterRegistry registry) {
        final JournalHealth h = health;
        registry.counter("tandem_journal_records", "State-change records written to the journal")
                .group(COUNTER_GROUP).read(h::written);
        registry.counter("tandem_journal_dropped",
                "Records not journaled: in-flight ring full, or journal suspended for lack of disk")
                .group(COUNTER_GROUP).read(h::dropped);
        registry.counter("tandem_journal_sent_without_journal", "Records the journal could not take (suspended or"
                + " ring full) that still reached the pfsync agent through the urgent lane: the peers have them,"
                + " this node's journal does not").group(COUNTER_GROUP).read(h::sentWithoutJournal);
        registry.counter("tandem_journal_lost", "Records the journal could not take that the pfsync agent needed and"
                + " the urgent lane could not take either: changes neither journaled nor sent to the peers")
                .group(COUNTER_GROUP).read(h::lostToPeers);
        registry.counter("tandem_journal_failures", "Journal appends that failed (Chronicle Queue errors)")
                .group(COUNTER_GROUP).read(h::failed);
        registry.gauge("tandem_journal_suspended", "1 while the journal is suspended because the disk is nearly full")
                .group(COUNTER_GROUP).read(() -> h.suspended() ? 1 : 0);
        registry.gauge("tandem_journal_free_bytes", "Free bytes on the journal's file system")
                .group(COUNTER_GROUP).read(h::usableBytes);
        registry.gauge("tandem_journal_recovered_states", "States rebuilt from the journal at start")
                .group(COUNTER_GROUP).read(() -> {
                    final JournalRecovery.Result r = recovery;
                    return r == null ? 0 : r.statesRestored();
                });
        registry.gauge("tandem_journal_recovery_seconds", "How long recovery took at start")
                .group(COUNTER_GROUP).divisor(1000.0).read(() -> {
                    final JournalRecovery.Result r = recovery;
                    return r == null ? 0 : r.elapsedMillis();
                });
        registry.gauge("tandem_journal_damaged_files",
                "Journal files found damaged at start (rebuilt from the records before the damage, originals in damaged/)")
                .group(COUNTER_GROUP).read(this::damagedFiles);
        registry.gauge("tandem_journal_records_skipped_at_damage",
                "Records (estimated) lost after the damage in the journal files found damaged at start")
                .group(COUNTER_GROUP).read(this::recordsSkippedAtDamage);
    }

    /** Recovery's result (null before {@link #recoverInto}). */
    public JournalRecovery.Result recovery() {
        return recovery;
    }

    /**
     * The direct lanes from the recorders to the sync agent for the records deferral waits on: every queue
     * thread's, in thread order; the sync agent drains them all.
     */
    public java.util.List<UrgentRecordLane> urgentLanes() {
        return java.util.List.of(urgentLanes);
    }

    /** The recorder (null before {@link #recoverInto}); the packet thread calls its snapshot slices. */
    public JournalRecorder recorder() {
        return recorder(0);
    }

    /** Queue thread {@code index}'s recorder (null before its {@link #recoverInto}). */
    public synchronized JournalRecorder recorder(final int index) {
        return recorders[index];
    }

    /**
     * On the packet thread, before the queue is bound: rebuild {@code table} from the journal, then
     * journal every later change through a recorder installed as the table's listener.
     */
    public JournalRecovery.Result recoverInto(final StateTable table, final long nowMillis) {
        return recoverInto(table, nowMillis, 0);
    }

    /**
     * As above for queue thread {@code index} ({@code set queue FIRST:LAST}), on that thread: its table gets
     * the recovered states whose flows it owns; its recorder writes to its own ring and feeds its own urgent
     * lane ({@link #urgentLanes}). Only the first thread writes the START record. Every recorder numbers
     * its records from the same last sequence number (the first recovery's), interleaved.
     */
    public JournalRecovery.Result recoverInto(final StateTable table, final long nowMillis, final int index) {
        final JournalRecovery.Result r = JournalRecovery.recover(journal, table, index, threads);
        final long firstSequence;
        synchronized (this) {
            if (startSequence < 0) {
                startSequence = r.lastSequence();
            }
            firstSequence = startSequence;
        }
        final JournalRecorder rec = new JournalRecorder(rings.get(index), health, directory.creatorId(),
                snapshotSeconds, firstSequence, r.lastEpoch(), index, threads);
        if (index == 0) {
            rec.started(nowMillis);
        }
        if (peersFed) {
            rec.urgentLane(urgentLanes[index]);
        }
        table.setListener(rec);
        synchronized (this) {
            recorders[index] = rec;
            recoveries[index] = r;
            recovery = combined();
        }
        return r;
    }

    /** The recoveries of every queue thread so far as one result (states and records summed). */
    private JournalRecovery.Result combined() {
        long read = 0;
        long skipped = 0;
        int restored = 0;
        int refused = 0;
        long elapsed = 0;
        JournalRecovery.Result first = null;
        for (final JournalRecovery.Result r : recoveries) {
            if (r != null) {
                first = first == null ? r : first;
                read += r.recordsRead();
                skipped += r.recordsSkipped();
                restored += r.statesRestored();
                refused += r.statesRefused();
                elapsed = Math.max(elapsed, r.elapsedMillis());
            }
        }
        return new JournalRecovery.Result(read, skipped, restored, refused, first.epochReplayed(), first.lastSequence(),
                first.lastEpoch(), elapsed, first.fromCompleteEpoch());
    }

    @Override
    public void close() {
        agent.close();
        for (final JournalRing ring : rings) {
            try {
                ring.close();
            } catch (final IOException e) {
                // best effort
            }
        }
        journal.close();
        closeQuietly(lock);
    }

    private static void closeQuietly(final JournalLock l) {
        if (l != null) {
            try {
                l.close();
            } catch (final IOException e) {
                // released when the process exits
            }
        }
    }

    /** What the check and repair at open found and did (no damage: an empty report). */
    public JournalRepair.Report repair() {
        return repair;
    }

    /** Roll-cycle files found damaged at open (rebuilt or moved to {@code DIR/damaged/}); for the metrics. */
    public long damagedFiles() {
        return repair.check().damagedFiles();
    }

    /** Records before a damage that were kept (rebuilt) at open; for the metrics. */
    public long recordsKeptFromDamagedFiles() {
        return repair.recordsKept();
    }

    /** Whole records found after a damage, skipped at open (an estimate from their headers); for the metrics. */
    public long recordsSkippedAtDamage() {
        return repair.recordsSkipped();
    }

    /** Bytes of written data after a damage, skipped at open; for the metrics. */
    public long bytesSkippedAtDamage() {
        return repair.bytesSkipped();
    }
}
