package io.tandem.engine.journal;

import io.tandem.engine.state.StateChangeListener;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.SyncHints;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Turns state changes into journal records, on the packet thread, without allocating.
 *
 * <p>Theory of operation. Installed as the {@link StateTable}'s {@link StateChangeListener}: every
 * insert, every update that matters (a TCP half's state, the timeout class) and every removal becomes
 * one 256-byte record, built in a preallocated staging buffer, stamped with a sequence number and
 * a CRC32C, and copied into the {@link JournalRing} — before the packet's verdict is sent, so an
 * acknowledged state change is never lost to a crash of the engine.
 *
 * <p>Rolling snapshot. {@link #snapshotSlice} is called once per duty cycle and walks the table
 * with a cursor, writing each live state as a SNAPSHOT record, so that one pass (an <i>epoch</i>,
 * bracketed by EPOCH_START and EPOCH_END records) takes about {@code set journal snapshot} seconds.
 * Recovery replays from the last complete epoch's start: its cost depends on the table's size,
 * not on the journal's age. Snapshot records are optional: a slice is skipped while the ring is more
 * than half full, so they never crowd out real changes.
 *
 * <p>Failure policy: a full ring or a suspended journal (disk nearly full) drops the record and
 * counts it in {@link JournalHealth}; filtering goes on, and so does pfsync: a record the sync agent
 * acts on goes to it by the {@link UrgentRecordLane} instead (counted as sent without the journal;
 * a full lane drops it too). The peers then hold states this node's journal lacks, which a restart
 * of this node gets back from them by bulk update. Single writer: the packet thread.
 */
public final class JournalRecorder implements StateChangeListener {
    /** Origin kinds (byte 5). */
    public static final int ORIGIN_RULE = 0;
    public static final int ORIGIN_PEER = 1;
    public static final int ORIGIN_IMPORT = 2;

    private static final int MAX_SNAPSHOT_SLOTS = 4096;

    private final JournalRing ring;
    private final JournalHealth health;
    private final byte[] staging = new byte[JournalRecordFlyweight.LENGTH];
    private final UnsafeBuffer stagingBuffer = new UnsafeBuffer(staging);
    private final JournalRecordFlyweight record = new JournalRecordFlyweight().wrap(stagingBuffer, 0);
    private final CRC32C crc = new CRC32C();
    private final long snapshotIntervalMillis;
    private final int creatorId;

    private final JournalHealth.RecorderCounts counts;
    /** This recorder's queue thread and how many there are ({@code set queue FIRST:LAST}); 0 and 1 for one queue. */
    private final int threadIndex;
    private final int threads;
    private UrgentRecordLane lane;
    /** The last sequence number this recorder used; it numbers {@code lastSequence + index + 1}, then every {@code threads}-th. */
    private long sequence;
    private long epoch;
    private int originKind = ORIGIN_RULE;
    private int peerCreator;
    private int snapshotCursor = -1;
    private long lastSliceMillis;
    /** Slots due but not yet examined, times the snapshot interval in ms (the fraction of a slot carried over). */
    private long slotCredit;
    private long epochStartSequence;
    /** An ordinary record went into the ring since the last {@link #wakeJournal}. */
    private boolean offeredOrdinary;

    /**
     * @param lastSequence the last sequence number in the journal (records continue after it)
     * @param lastEpoch    the last snapshot epoch in the journal (the next one is lastEpoch + 1)
     */
    public JournalRecorder(final JournalRing ring, final JournalHealth health, final int creatorId,
            final int snapshotSeconds, final long lastSequence, final long lastEpoch) {
        this(ring, health, creatorId, snapshotSeconds, lastSequence, lastEpoch, 0, 1);
    }

    /**
     * The recorder of queue thread {@code threadIndex} of {@code threads} ({@code set queue FIRST:LAST}):
     * its own ring; sequence numbers interleaved with the other threads' (this one uses
     * {@code lastSequence + threadIndex + 1}, then every {@code threads}-th), so they stay unique; its
     * epoch markers name the thread and the number of threads ({@link #epochThread}, {@link #epochThreads}),
     * so recovery finds a complete epoch of every thread.
     */
    public JournalRecorder(final JournalRing ring, final JournalHealth health, final int creatorId,
            final int snapshotSeconds, final long lastSequence, final long lastEpoch, final int threadIndex,
            final int threads) {
        this.ring = ring;
        this.health = health;
        this.counts = health.newRecorderCounts();
        this.creatorId = creatorId;
        this.snapshotIntervalMillis = snapshotSeconds * 1000L;
        this.threadIndex = threadIndex;
        this.threads = Math.max(1, threads);
        this.sequence = lastSequence + threadIndex + 1 - this.threads;
        this.epoch = lastEpoch;
    }

    /** The queue thread an EPOCH_START or EPOCH_END belongs to (its rule field; 0 in journals of one queue). */
    public static int epochThread(final JournalRecordFlyweight r) {
        return Math.max(0, r.rule());
    }

    /** How many queue threads the run that wrote an epoch marker had (its origin field; 0, read as 1, before). */
    public static int epochThreads(final JournalRecordFlyweight r) {
        return Math.max(1, r.origin());
    }

    @Override
    public void onUpdate(final StateTable table, final int slot, final int syncHints) {
        state(table, slot, JournalRecordType.UPDATE, 0, System.currentTimeMillis());
        record.syncHints(syncHints);
        commit();
    }

    /** An INSERT carrying sync hints ({@link SyncHints}). */
    @Override
    public void onInsert(final StateTable table, final int slot, final int syncHints) {
        state(table, slot, JournalRecordType.INSERT, 0, System.currentTimeMillis());
        record.syncHints(syncHints);
        commit();
    }

    /**
     * An INSERT with origin kind {@link #ORIGIN_IMPORT}: a state {@code tandem states load} put into
     * the table ({@link StateTable#restore} tells no listener). The sync agent announces it as an INS,
     * like a state a rule created. Packet thread only.
     *
     * @return false (counted) when the journal dropped it
     */
    public boolean onImported(final StateTable table, final int slot) {
        state(table, slot, JournalRecordType.INSERT, 0, System.currentTimeMillis());
        record.originKind(ORIGIN_IMPORT).origin(0);
        return commit();
    }

    /**
     * Whether a burst of records (a load's batch) should be journaled now: the ring is at most half
     * full, as for the rolling snapshot. Packet thread.
     */
    public boolean hasRoom() {
        return ring.size() <= ring.capacity() / 2;
    }

    /** True while the journal refuses records (disk nearly full: {@link JournalHealth#suspended()}). */
    public boolean suspended() {
        return health.suspended();
    }

    /**
     * A SYNC_REQUEST record: a peer named a state this node does not hold (a UPD_C for an unknown id),
     * so the sync agent asks the peers for it. Packet thread only, like every record.
     */
    public void onSyncRequest(final int creator, final long id) {
        header(JournalRecordType.SYNC_REQUEST, System.currentTimeMillis()).originKind(originKind)
                .origin(peerCreator).creatorId(creator).id(id);
        commit();
    }

    /**
     * A SYNC_DELETE record: a peer reported a state this node removed for good a moment ago, so the
     * sync agent sends DEL_C for it again. Packet thread only, like every record.
     */
    public void onSyncDelete(final int creator, final long id) {
        header(JournalRecordType.SYNC_DELETE, System.currentTimeMillis()).originKind(originKind)
                .origin(peerCreator).creatorId(creator).id(id);
        commit();
    }

    /**
     * A CLEAR record: every state of {@code creator} was flushed by this node ({@code tandem flush
     * states}); the caller removes them with {@link StateTable#removeCleared}. The sync agent sends it
     * as one CLR naming {@code creator}. Packet thread only.
     *
     * @return false (counted) when the record could not be journaled: the caller then removes the
     *         states one by one, each with its own DELETE
     */
    public boolean onClear(final int creator) {
        header(JournalRecordType.CLEAR, System.currentTimeMillis()).originKind(ORIGIN_RULE).creatorId(creator);
        return commit();
    }

    /**
     * The creator id whose states a CLEAR record removes, or 0 for every state: for a record from a
     * peer, the peer's creatorid in the origin field; otherwise the record's creatorid (written by
     * {@link #onClear}), 0 meaning every state.
     */
    public static int clearedCreator(final JournalRecordFlyweight r) {
        return r.originKind() == ORIGIN_PEER ? r.origin() : r.creatorId();
    }

    @Override
    public void onRemove(final StateTable table, final int slot, final StateRemoveReason reason) {
        state(table, slot, JournalRecordType.DELETE, JournalDeleteReason.codeOf(reason), System.currentTimeMillis());
        commit();
    }

    /**
     * Until {@link #endPeer()}, changes are recorded as coming from a pfsync peer ({@code creator}),
     * so that the sync agent does not send them back. Packet thread only.
     */
    public void beginPeer(final int creator) {
        originKind = ORIGIN_PEER;
        peerCreator = creator;
    }

    public void endPeer() {
        originKind = ORIGIN_RULE;
    }

    /**
     * Also hands the records a deferred first packet waits for to the sync agent directly
     * ({@link UrgentRecordLane}). Packet thread, before the first change.
     */
    public void urgentLane(final UrgentRecordLane l) {
        this.lane = l;
    }

    /** Whether records the sync agent needs also go to an urgent lane ({@link #urgentLane}). */
    public boolean feedsUrgentLane() {
        return lane != null;
    }

    /** Writes a START record (engine started; creatorid). */
    public void started(final long now) {
        header(JournalRecordType.START, now).creatorId(creatorId).epoch(epoch);
        commit();
    }

    /**
     * One slice of the rolling snapshot: examines up to the slots due since the last slice (so that a
     * pass takes the snapshot interval), writing SNAPSHOT records for live states and the epoch
     * markers at the ends of a pass.
     */
    public void snapshotSlice(final StateTable table, final long now) {
        final long elapsed = now - lastSliceMillis;
        if (elapsed <= 0 || ring.size() > ring.capacity() / 2 || health.suspended()) {
            return;
        }
        lastSliceMillis = now;
        final int capacity = table.capacity();
        // capacity slots per interval, the fraction carried from slice to slice: a pass takes the interval,
        // not the interval stretched by whole slots per millisecond (1.9 slots due each millisecond is not 1)
        slotCredit += capacity * Math.min(elapsed, snapshotIntervalMillis);
        int budget = (int) Math.min(MAX_SNAPSHOT_SLOTS, slotCredit / snapshotIntervalMillis);
        slotCredit = Math.min(slotCredit - (long) budget * snapshotIntervalMillis, snapshotIntervalMillis);
        if (budget == 0) {
            return;
        }
        if (snapshotCursor < 0) {
            epoch++;
            header(JournalRecordType.EPOCH_START, now).creatorId(creatorId).epoch(epoch).rule(threadIndex)
                    .origin(threads);
            if (!commit()) {
                return;
            }
            epochStartSequence = sequence;
            snapshotCursor = 0;
        }
        while (budget-- > 0 && snapshotCursor < capacity) {
            if (table.isLive(snapshotCursor)) {
                state(table, snapshotCursor, JournalRecordType.SNAPSHOT, 0, now);
                record.epoch(epoch);
                if (!commit()) {
                    snapshotCursor = -1; // a hole: this epoch can never be complete; start a new one
                    return;
                }
            }
            snapshotCursor++;
        }
        if (snapshotCursor >= capacity) {
            header(JournalRecordType.EPOCH_END, now).creatorId(creatorId).epoch(epoch).rule(threadIndex)
                    .origin(threads);
            record.packetId(epochStartSequence & 0xFFFF_FFFFL).queue((int) (epochStartSequence >>> 32));
            commit();
            snapshotCursor = -1;
        }
    }

    public long sequence() {
        return sequence;
    }

    public long epoch() {
        return epoch;
    }

    private JournalRecordFlyweight header(final JournalRecordType type, final long now) {
        return record.clear().type(type.code()).wallTimeMillis(now).monotonicNanos(System.nanoTime());
    }

    /** Fills the staging record: this writer's header, then the slot's whole state (copy-to). */
    private void state(final StateTable t, final int slot, final JournalRecordType type, final int reason,
            final long now) {
        header(type, now).reason(reason).originKind(originKind)
                .origin(originKind == ORIGIN_PEER ? peerCreator : t.rule(slot))
                .copyFrom(t, slot);
    }

    /** Whether ordinary records went into the ring since the last {@link #wakeJournal}. */
    public boolean journalWakePending() {
        return offeredOrdinary;
    }

    /**
     * Once per duty cycle that decided packets: when they put ordinary records into the ring, tells the
     * journal thread that traffic is journaling ({@link JournalRing#trafficJournaled}), so that it naps
     * on its own timer instead of sleeping until this thread wakes it ({@link #wakeJournal} then costs a
     * fence, not a wake-up of another CPU).
     */
    public void trafficJournaled(final long nowNanos) {
        if (offeredOrdinary) {
            ring.trafficJournaled(nowNanos);
        }
    }

    /**
     * Once per duty cycle, before the packet thread may sleep: when the cycle put ordinary records into
     * the ring, wakes a journal thread that sleeps until records come ({@link JournalRing#wakeConsumerIfAsleep};
     * one fence per such cycle, none otherwise). Urgent records wake it on their own, at once, but for the
     * INSERTs the urgent lane carries to the sync agent: those count as ordinary here.
     */
    public void wakeJournal() {
        if (offeredOrdinary) {
            offeredOrdinary = false;
            ring.wakeConsumerIfAsleep();
        }
    }

    /**
     * Seals and hands the staging record to the ring; false (counted) when the journal could not take
     * it. A record the sync agent acts on then still reaches it, by the lane ({@link #forPeers}): a
     * journal suspended for lack of disk, or a full ring, must not stop pfsync.
     */
    private boolean commit() {
        final boolean suspended = health.suspended();
        record.sequence(sequence + threads).seal(crc);
        final boolean urgent = (record.syncHints() & SyncHints.IMMEDIATE) != 0;
        // The lane gets its copy first, so the sync agent never reads the record from the journal before
        // the lane (it skips, by sequence number, what the lane gave it). A lane copy uses up its
        // sequence number even if the ring then drops the record.
        final boolean laned = !suspended && urgent && lane != null && record.type() == JournalRecordType.INSERT.code()
                && lane.offer(stagingBuffer, 0);
        if (!suspended && ring.offer(stagingBuffer, 0)) {
            sequence += threads;
            if (urgent && !laned) {
                ring.wakeConsumer(); // the sync agent is waiting for this one: no idle park on the way
                // (a laned INSERT reaches it by the lane: the journal thread is woken with the cycle's records)
            } else {
                ring.wakeConsumerIfFilling();
                offeredOrdinary = true;
            }
            return true;
        }
        counts.dropped++;
        final boolean forPeers = laned || forPeers();
        if (laned || forPeers && lane != null && lane.offer(stagingBuffer, 0)) {
            sequence += threads; // the journal has a gap here: the tools see the record as lost, which it is to recovery
            if (!laned) {
                counts.sentWithoutJournal++;
            }
        } else if (forPeers && lane != null) {
            counts.lostToPeers++; // neither journaled nor sent: the peers never learn of this change
        }
        return false;
    }

    /**
     * True for a record the sync agent sends something for: a local change, our answer to a peer
     * (REPLY), a request or a repeated deletion. Peers' changes
     * (never echoed) and snapshot records are not.
     */
    private boolean forPeers() {
        final int type = record.type();
        if (type == JournalRecordType.SYNC_REQUEST.code() || type == JournalRecordType.SYNC_DELETE.code()) {
            return true;
        }
        if (type != JournalRecordType.INSERT.code() && type != JournalRecordType.UPDATE.code()
                && type != JournalRecordType.DELETE.code() && type != JournalRecordType.CLEAR.code()) {
            return false;
        }
        return record.originKind() == ORIGIN_RULE || (record.syncHints() & SyncHints.REPLY) != 0;
    }
}
