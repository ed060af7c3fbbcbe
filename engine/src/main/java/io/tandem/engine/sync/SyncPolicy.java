package io.tandem.engine.sync;

import static io.tandem.engine.state.PfConstants.PF_WSCALE_MASK;
import static io.tandem.engine.state.PfConstants.TCPS_SYN_SENT;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.StateHalves;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateSyncHooks;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.SyncHints;

/**
 * pfsync's policy for one {@link StateTable}: which local changes are reported to the peers and
 * when, which states are on a split path, and whether a peer's update is behind what we told it —
 * the bookkeeping FreeBSD keeps in {@code pfsync_time}, {@code sync_updates} and its update queue
 * ({@code if_pfsync.c}). The table calls it through {@link StateSyncHooks}; the packet agent calls
 * {@link #reportDue} each duty cycle; the {@link PeerInbox} calls {@link #mergeFromPeer},
 * {@link #markPeerUpdate} and {@link #markReported}.
 *
 * <p><b>Reporting (spec B.4 UPDATE).</b> A protocol-state change is reported at once (marked
 * {@link SyncHints#IMMEDIATE} on a split path). With {@link #enableSyncUpdates} an ordinary update
 * (windows or counters moved) is reported at most once per {@link #SYNC_UPDATE_INTERVAL_MILLIS}: the
 * first update after that interval is reported, and a change that came within it waits in a FIFO
 * until the interval ends ({@link #reportDue}), so no change stays unsent. It is reported at once
 * after {@code maxUpdates} updates of a TCP state, when a half's {@code seqlo} moved far
 * ({@link #REPORT_REACH_MIN}), or, on a split path, when {@code max_win} grew (the other node's window
 * checks lean on it). Once a state has been quiet for a second, its last report is repeated in full
 * (as UPD_C once a peer acknowledged its INS: {@link #insAcknowledged}), up to {@link #SETTLE_REPEATS}
 * times over 11 s, until a peer's record shows it has it, so that a lost frame does not leave the
 * peers apart (pfsync itself never repeats).
 *
 * <p><b>Split path.</b> A state a peer created or updated within {@link #SYNC_SPLIT_WINDOW_MILLIS} is on
 * a split path (pf's {@code pfsync_time} test); with sync updates on, the TCP tracker applies the
 * split-path bounds to every state ({@link #clusterChecks}).
 *
 * <p><b>Corrections.</b> When the two directions cross different nodes each knows some fields better,
 * so a peer's record is nearly always behind ours somewhere — no reason to answer. A record behind
 * what we <i>reported</i> is: the peer missed or lost our message (or a FreeBSD peer overwrote a half
 * with an older one, opnsense/src#327). A report younger than {@link #REPORT_SETTLE_MILLIS} may be
 * crossing the peer's record on the link, so the record is then judged against the report before it.
 * Then {@link #MERGE_BEHIND} (pfsync's {@code stale}) and, at most once per
 * {@link #CORRECTION_INTERVAL_MILLIS} per state, {@link #MERGE_CORRECT}: our version goes back at once.
 *
 * <p><b>Owner.</b> The table's packet thread, the single writer. <b>Life cycle:</b> {@link #of}
 * attaches one policy to a table, before its first state, and it lives as long as the table.
 * <b>Memory bound:</b> fixed at construction, 93 bytes per slot (times, counts, flags, the queue
 * entry, and per half the values of the last two reports): about 9 MB for 100,000 states, plus
 * {@link RemovedStates}' fixed 1.3 MB. Nothing
 * allocates after construction. <b>Failure policy:</b> none needed on the packet path; the FIFO holds
 * at most one entry per slot, and an entry of a freed slot is recognised by its generation.
 */
public final class SyncPolicy implements StateSyncHooks {
    /** pf's 1-second timer: an updated state is reported at least this often. */
    public static final long SYNC_UPDATE_INTERVAL_MILLIS = 1000;
    /** pf's split-path window: a state a peer updated this recently is reported on every local update. */
    public static final long SYNC_SPLIT_WINDOW_MILLIS = 2000;
    /**
     * A connection that runs beyond the split-path bounds of a state no peer updated for this long may
     * be taken over ({@link #peerFellSilent}): the peer that carried it is taken to have failed.
     */
    public static final long TAKEOVER_QUIET_MILLIS = 100;
    /** A peer's update that is behind our last report is answered at most this often per state. */
    public static final long CORRECTION_INTERVAL_MILLIS = 1000;
    /**
     * A report this recent may still be on its way (a peer's update sent meanwhile crosses it), so a
     * peer's record is judged against the report before it. Far above a sync link's round trip.
     */
    public static final long REPORT_SETTLE_MILLIS = 100;
    /**
     * With sync updates on, every report is repeated up to this many times once the state has gone quiet
     * (a change in between is reported instead and starts the count again), in full
     * ({@link SyncHints#FULL}; as UPD_C once a peer acknowledged the INS, {@link #insAcknowledged}),
     * {@link #REPEAT_GAPS_MILLIS} apart: about 1, 2, 3, 5, 7 and 11 s after the
     * report (a longer gap may end up to a second late: the queue is checked each second). pfsync
     * sends each change once and a lost frame is never sent again, so without repeats a lost INS
     * leaves the state on one node and a lost last update leaves the peers' half states apart until
     * the state expires. The repeats stop as soon as a peer's record of the state shows it has
     * what we reported ({@link #mergeFromPeer}): on a split path, where both nodes report, that is
     * usually the first exchange. The chance that a report and all its repeats are lost is 0.3^7, 0.02%,
     * with 30% of frames lost; with two repeats it was 2.7%, and a closing connection's last change
     * stayed apart in about one run in three (LossySyncSystemTest).
     */
    public static final int SETTLE_REPEATS = 6;
    /** The quiet time before each repeat, the first first: see {@link #SETTLE_REPEATS}. */
    static final long[] REPEAT_GAPS_MILLIS = {1000, 1000, 1000, 2000, 2000, 4000};
    /** The least progress of a half's seqlo that makes a state reported at once ({@link #movedFar}). */
    public static final long REPORT_REACH_MIN = 64 * 1024;

    /** {@link #mergeFromPeer} result bit: the peer's record lacks something we reported (pfsync's stale). */
    public static final int MERGE_BEHIND = 1;
    /** {@link #mergeFromPeer} result bit: ... and our version should go back to it now (rate-limited). */
    public static final int MERGE_CORRECT = 2;
    /** {@link #mergeFromPeer} result bit: the merge let this node conclude more than the peer's record says. */
    public static final int MERGE_DERIVED = StateTable.MERGE_DERIVED;

    private final StateTable table;
    private final int capacity;
    /** Per slot: when a pfsync peer last updated (or created) this state; 0 = never. */
    private final long[] peerSyncMillis;
    /** Per slot: which peer did ({@link SyncPeers} index + 1; 0 = not known). */
    private final byte[] updatedBy;
    /**
     * Whose frames tell whether a state's carrier still speaks ({@link #watchPeers}); null = not known.
     * Set once by the assembly while the packet thread may already run, read on its drop path only.
     */
    private volatile SyncPeers peers;
    /** Per slot: when the last change of this state was reported for sync. */
    private final long[] syncReportedMillis;
    /** Per slot: local updates since the last report (pf's sync_updates). */
    private final int[] syncUpdates;
    /**
     * Per half: the values last reported for sync (what the peers were told), and those of the report
     * before it ("settled": old enough that every peer must have them), for the correction rule.
     */
    private final int[] reportedSeqLo;
    private final int[] reportedSeqHi;
    private final byte[] reportedState;
    private final int[] settledSeqLo;
    private final int[] settledSeqHi;
    private final byte[] settledState;
    /** Per slot: when the last report was made. */
    private final long[] reportedAtMillis;
    /** Per slot: when our version was last sent back to correct a peer. */
    private final long[] lastCorrectionMillis;
    /** Per slot: changed since its last report, and whether it waits in the trailing-report queue. */
    private final boolean[] syncDirty;
    private final boolean[] syncQueued;
    /** Per slot: repeats of the last report still to send ({@link #SETTLE_REPEATS}). */
    private final byte[] repeatsLeft;
    /** Per slot: a peer acknowledged the state's INS (INS_ACK), so the peers hold it: repeats go compressed. */
    private final boolean[] insAcknowledged;
    /** FIFO of dirty slots (slot | generation << 32) and when each was queued; at most one entry per slot. */
    private final long[] dirtyQueue;
    private final long[] dirtyQueuedMillis;
    /** Tombstones of states removed for good, against peers' reports that cross the removal. */
    private final RemovedStates removedStates = new RemovedStates();
    /** The packet thread's clock as last given ({@link #reportDue}, {@link #tick}). */
    private long clockMillis;
    private long repeated;
    private long confirmed;
    private int dirtyHead;
    private int dirtyCount;
    private boolean syncUpdatesEnabled;
    private int syncMaxUpdates = 128;

    private SyncPolicy(final StateTable table) {
        this.table = table;
        this.capacity = table.capacity();
        peerSyncMillis = new long[capacity];
        updatedBy = new byte[capacity];
        syncReportedMillis = new long[capacity];
        syncUpdates = new int[capacity];
        reportedSeqLo = new int[capacity * 2];
        reportedSeqHi = new int[capacity * 2];
        reportedState = new byte[capacity * 2];
        settledSeqLo = new int[capacity * 2];
        settledSeqHi = new int[capacity * 2];
        settledState = new byte[capacity * 2];
        reportedAtMillis = new long[capacity];
        lastCorrectionMillis = new long[capacity];
        syncDirty = new boolean[capacity];
        syncQueued = new boolean[capacity];
        repeatsLeft = new byte[capacity];
        insAcknowledged = new boolean[capacity];
        dirtyQueue = new long[capacity];
        dirtyQueuedMillis = new long[capacity];
    }

    /**
     * The sync policy of {@code table}: the one already attached, or a new one attached now. Attach it
     * before the table's first state (the engine assembly does; so must tests), because states created
     * before it have no record of what was reported.
     */
    public static SyncPolicy of(final StateTable table) {
        if (table.syncHooks() instanceof SyncPolicy p && p.table == table) {
            return p;
        }
        final SyncPolicy p = new SyncPolicy(table);
        table.setSyncHooks(p);
        return p;
    }

    /**
     * Turns on the reporting of ordinary updates, throttled the way pf's sync queue sends them, and the
     * split-path bounds for every state; {@code maxUpdates} TCP updates force a report (0: every
     * update). Off by default: without sync nobody needs them.
     */
    public void enableSyncUpdates(final int maxUpdates) {
        syncUpdatesEnabled = true;
        syncMaxUpdates = maxUpdates;
    }

    // ---- StateSyncHooks (called by the table) ------------------------------------------------

    @Override
    public boolean clusterChecks() {
        return syncUpdatesEnabled;
    }

    /** True when a pfsync peer updated (or created) the state within the split window (pf's pfsync_time test). */
    @Override
    public boolean splitPath(final int slot, final long nowMillis) {
        final long t = peerSyncMillis[slot];
        return t != 0 && nowMillis - t < SYNC_SPLIT_WINDOW_MILLIS;
    }

    /**
     * True when a peer updated the state once but not within {@link #TAKEOVER_QUIET_MILLIS}, and no frame
     * came from that peer within it either ({@link #watchPeers}; without them, or when the peer is not
     * known, the update's age alone): a node carrying a busy connection reports it every few
     * milliseconds, and any other it reports before its sender gets a window ahead, so a connection
     * running ahead of a report this old, from a peer that says nothing at all, lost its carrier.
     */
    @Override
    public boolean peerFellSilent(final int slot, final long nowMillis) {
        final long t = peerSyncMillis[slot];
        if (t == 0 || nowMillis - t < TAKEOVER_QUIET_MILLIS) {
            return false;
        }
        // The peer that last updated it must be silent too: a live carrier sends frames (its other
        // states' reports) whenever it carries traffic, so a state it reports is not taken from it.
        final int by = updatedBy[slot] - 1;
        return by < 0 || peers == null || nowMillis - peers.lastHeardMillis(by) >= TAKEOVER_QUIET_MILLIS;
    }

    @Override
    public void tookOver(final int slot) {
        peerSyncMillis[slot] = 0;
        updatedBy[slot] = 0;
    }

    /**
     * The peer ({@link SyncPeers} index; -1 = not known) whose frame carried the update just applied
     * ({@link #markPeerUpdate} or {@link #mergeFromPeer}): the state's carrier, for {@link #peerFellSilent}.
     */
    public void updatedBy(final int slot, final int peerIndex) {
        updatedBy[slot] = (byte) (peerIndex < 0 || peerIndex >= SyncPeers.MAX_PEERS ? 0 : peerIndex + 1);
    }

    /** At assembly, before the sync agent starts: its peers, whose frames show who still speaks. */
    public void watchPeers(final SyncPeers syncPeers) {
        this.peers = syncPeers;
    }

    @Override
    public void created(final int slot, final long nowMillis) {
        reset(slot, nowMillis);
        markReported(slot, nowMillis);
        scheduleRepeats(slot, nowMillis);
    }

    @Override
    public void restored(final int slot, final long lastActivityMillis) {
        reset(slot, lastActivityMillis);
    }

    @Override
    public int changed(final int slot, final long nowMillis) {
        final int hints = splitPath(slot, nowMillis) ? SyncHints.IMMEDIATE : 0;
        reported(slot, nowMillis);
        return hints;
    }

    @Override
    public int updated(final int slot, final long nowMillis, final boolean windowGrew) {
        if (!syncUpdatesEnabled) {
            return NO_REPORT;
        }
        final boolean tcp = table.protocol(slot) == DecodedPacket.PROTO_TCP;
        if (windowGrew && splitPath(slot, nowMillis) || tcp && movedFar(slot)) {
            reported(slot, nowMillis);
            return SyncHints.IMMEDIATE;
        }
        if (nowMillis - syncReportedMillis[slot] >= SYNC_UPDATE_INTERVAL_MILLIS) {
            reported(slot, nowMillis);
            return 0;
        }
        if (tcp && ++syncUpdates[slot] >= syncMaxUpdates) {
            reported(slot, nowMillis);
            return SyncHints.IMMEDIATE;
        }
        markDirty(slot, nowMillis);
        return NO_REPORT;
    }

    /**
     * A state removed for good — flushed, killed, deleted by a peer, closed or reused — leaves a
     * tombstone ({@link RemovedStates}); one that expired or gave way in a collision does not.
     */
    @Override
    public void removed(final int slot, final StateRemoveReason reason) {
        if (reason == StateRemoveReason.FLUSHED || reason == StateRemoveReason.CLOSED
                || reason == StateRemoveReason.REUSED) {
            removedStates.add(table.creatorId(slot), table.id(slot), clockMillis);
        }
    }

    /** True when the state {@code (creator, id)} was removed for good here within {@link RemovedStates#WINDOW_MILLIS}. */
    public boolean removedRecently(final int creator, final long id, final long nowMillis) {
        return removedStates.contains(creator, id, nowMillis);
    }

    /** The removed-state tombstones (for counters and tests). */
    public RemovedStates removedStates() {
        return removedStates;
    }

    /** Packet thread: the time tombstones are stamped with until the next tick. */
    public void tick(final long nowMillis) {
        clockMillis = nowMillis;
    }

    @Override
    public void freed(final int slot) {
        syncQueued[slot] = false;
        repeatsLeft[slot] = 0;
        insAcknowledged[slot] = false;
    }

    // ---- the packet agent and the inbox -------------------------------------------------------

    /**
     * Reports the states whose last change came within the throttle interval and was not yet sent
     * (pf sends its queue on a one-second timer, so no change stays unsent): examines at most
     * {@code budget} queued states that waited an interval. Packet thread, every duty cycle.
     *
     * @return states reported
     */
    public int reportDue(final long nowMillis, final int budget) {
        clockMillis = nowMillis;
        int reported = 0;
        for (int n = 0; n < budget && dirtyCount > 0; n++) {
            final int head = dirtyHead;
            if (nowMillis - dirtyQueuedMillis[head] < SYNC_UPDATE_INTERVAL_MILLIS) {
                break;
            }
            final long entry = dirtyQueue[head];
            dirtyHead = (head + 1) % capacity;
            dirtyCount--;
            final int slot = (int) entry;
            if (table.generation(slot) != (int) (entry >>> 32)) {
                continue; // the state is gone; its slot's flag was reset when it was freed
            }
            syncQueued[slot] = false;
            if (!table.isLive(slot)) {
                continue;
            }
            if (syncDirty[slot]) {
                if (nowMillis - syncReportedMillis[slot] >= SYNC_UPDATE_INTERVAL_MILLIS) {
                    reported(slot, nowMillis);
                    table.announce(slot, 0);
                    reported++;
                } else {
                    markDirty(slot, nowMillis); // reported since it was queued: wait for its own interval
                }
            } else if (repeatsLeft[slot] > 0) {
                if (nowMillis - syncReportedMillis[slot] >= REPEAT_GAPS_MILLIS[SETTLE_REPEATS - repeatsLeft[slot]]) {
                    repeatsLeft[slot]--;
                    syncReportedMillis[slot] = nowMillis;
                    markReported(slot, nowMillis);
                    // the same values again, idempotent at the peer: in full, unless a peer acknowledged the
                    // INS, so that the peers hold the state and UPD_C carries all a repeat can change
                    table.announce(slot, insAcknowledged[slot] ? 0 : SyncHints.FULL);
                    repeated++;
                    reported++;
                }
                if (repeatsLeft[slot] > 0) {
                    enqueue(slot, nowMillis);
                }
            }
        }
        return reported;
    }

    /**
     * Milliseconds until {@link #reportDue} has something to look at (the oldest queued state's interval
     * ends; 0 when it has already), or -1 when nothing is queued: how long the packet thread may wait.
     */
    public long millisToNextReport(final long nowMillis) {
        return dirtyCount == 0 ? -1
                : Math.max(0, dirtyQueuedMillis[dirtyHead] + SYNC_UPDATE_INTERVAL_MILLIS - nowMillis);
    }

    /** Repeats of quiet states' last reports sent ({@link #SETTLE_REPEATS}). */
    public long repeated() {
        return repeated;
    }

    /** Reports whose remaining repeats were cancelled because a peer's record showed it had them. */
    public long confirmed() {
        return confirmed;
    }

    /**
     * States whose last change waits for its trailing report ({@link #reportDue}); states queued only
     * for the repeats of a change already reported are not counted. Walks the queue: for tests and
     * status, not the packet path.
     */
    public int reportsPending() {
        int pending = 0;
        for (int n = 0; n < dirtyCount; n++) {
            final long entry = dirtyQueue[(dirtyHead + n) % capacity];
            final int slot = (int) entry;
            if (table.generation(slot) == (int) (entry >>> 32) && table.isLive(slot) && syncDirty[slot]) {
                pending++;
            }
        }
        return pending;
    }

    /** States queued for a trailing report or a repeat. */
    public int queued() {
        return dirtyCount;
    }

    /**
     * The packet thread answered a peer's record about this state (a correction of a record behind what we
     * reported, or a conclusion the peer cannot draw): remembered as reported ({@link #markReported}) and,
     * with sync updates on, repeated like any report once the state is quiet, until a peer's record shows
     * it has it. Sent once, a lost answer about a closing connection left its halves apart on the two
     * nodes until the state expired (LossySyncSystemTest, 30% of frames lost).
     */
    public void replied(final int slot, final long nowMillis) {
        markReported(slot, nowMillis);
        scheduleRepeats(slot, nowMillis);
    }

    /**
     * Remembers the state's current half values as the ones the peers were told: the journal record of
     * this change goes to them. Called for every change sent for sync (inserts, updates, and the
     * packet thread's answers to peers). {@link #mergeFromPeer} compares a peer's record with these.
     */
    public void markReported(final int slot, final long nowMillis) {
        final boolean settle = nowMillis - reportedAtMillis[slot] >= REPORT_SETTLE_MILLIS;
        for (int h = 0; h < 2; h++) {
            final int i = slot * 2 + h;
            if (settle) {
                settledSeqLo[i] = reportedSeqLo[i];
                settledSeqHi[i] = reportedSeqHi[i];
                settledState[i] = reportedState[i];
            }
            reportedSeqLo[i] = (int) table.seqLo(slot, h);
            reportedSeqHi[i] = (int) table.seqHi(slot, h);
            reportedState[i] = (byte) table.peerState(slot, h);
        }
        reportedAtMillis[slot] = nowMillis;
    }

    /**
     * A peer acknowledged this state's INS (INS_ACK, deferral): the peers hold it, so its repeats go
     * as UPD_C, which carries every field a report can change (both halves, expiry, timeout), at a
     * third of a full state's bytes. A peer that lost the state all the same asks for it (UPD_REQ) on
     * the first UPD_C, and gets it in full. Packet thread.
     */
    public void insAcknowledged(final int slot) {
        insAcknowledged[slot] = true;
    }

    /** When a pfsync peer last created, updated or answered about this state (0 = never, since it was made here or recovered). */
    public long peerSyncMillis(final int slot) {
        return peerSyncMillis[slot];
    }

    /** Marks a state as just created or updated by a pfsync peer (pf's pfsync_time): split-path detection. */
    public void markPeerUpdate(final int slot, final long nowMillis) {
        peerSyncMillis[slot] = nowMillis;
    }

    /**
     * Merges a peer's view of a state into ours ({@link StateTable#mergeHalves}: every field only moves
     * forward, the state is refreshed) after judging it against what we reported (see the class
     * comment), and marks the state as updated by a peer.
     *
     * @param swapped the peer's initiator is our responder (a state both nodes created, one of them
     *                from the reply)
     * @return {@link #MERGE_BEHIND}, {@link #MERGE_CORRECT} and {@link #MERGE_DERIVED} bits
     */
    public int mergeFromPeer(final int slot, final StateHalves v, final boolean swapped, final long nowMillis) {
        final boolean tcp = table.protocol(slot) == DecodedPacket.PROTO_TCP;
        int result = 0;
        final boolean recent = nowMillis - reportedAtMillis[slot] < REPORT_SETTLE_MILLIS;
        for (int half = 0; half < 2; half++) {
            final int h = swapped ? 1 - half : half;
            final int i = slot * 2 + half;
            if (recent ? behind(v.peerState(h), (int) v.seqLo(h), (int) v.seqHi(h), tcp, settledState[i],
                    settledSeqLo[i], settledSeqHi[i]) : behind(v.peerState(h), (int) v.seqLo(h), (int) v.seqHi(h),
                    tcp, reportedState[i], reportedSeqLo[i], reportedSeqHi[i])) {
                result |= MERGE_BEHIND;
            }
        }
        if (repeatsLeft[slot] > 0 && !syncDirty[slot] && hasReported(slot, v, swapped, tcp)) {
            repeatsLeft[slot] = 0; // the peer has our last report: nothing to repeat (its queue entry lapses)
            confirmed++;
        }
        result |= table.mergeHalves(slot, v, swapped, nowMillis);
        peerSyncMillis[slot] = nowMillis;
        if ((result & MERGE_BEHIND) != 0 && nowMillis - lastCorrectionMillis[slot] >= CORRECTION_INTERVAL_MILLIS) {
            lastCorrectionMillis[slot] = nowMillis;
            result |= MERGE_CORRECT;
        }
        return result;
    }

    // ---- internals -----------------------------------------------------------------------------

    /** True when a peer's view of the state is not behind what we last reported, in either half. */
    private boolean hasReported(final int slot, final StateHalves v, final boolean swapped, final boolean tcp) {
        for (int half = 0; half < 2; half++) {
            final int h = swapped ? 1 - half : half;
            final int i = slot * 2 + half;
            if (behind(v.peerState(h), (int) v.seqLo(h), (int) v.seqHi(h), tcp, reportedState[i], reportedSeqLo[i],
                    reportedSeqHi[i])) {
                return false;
            }
        }
        return true;
    }

    /** The bookkeeping of a new slot: nothing reported, not split. */
    private void reset(final int slot, final long reportedMillis) {
        peerSyncMillis[slot] = 0;
        updatedBy[slot] = 0;
        syncReportedMillis[slot] = reportedMillis;
        syncUpdates[slot] = 0;
        lastCorrectionMillis[slot] = 0;
        syncDirty[slot] = false;
        repeatsLeft[slot] = 0;
        insAcknowledged[slot] = false;
        reportedAtMillis[slot] = 0;
        for (int i = slot * 2; i <= slot * 2 + 1; i++) {
            reportedSeqLo[i] = 0;
            reportedSeqHi[i] = 0;
            reportedState[i] = 0;
            settledSeqLo[i] = 0;
            settledSeqHi[i] = 0;
            settledState[i] = 0;
        }
    }

    /** The state is being reported now: throttle restarted, values remembered, repeats scheduled. */
    private void reported(final int slot, final long nowMillis) {
        syncUpdates[slot] = 0;
        syncReportedMillis[slot] = nowMillis;
        syncDirty[slot] = false;
        markReported(slot, nowMillis);
        scheduleRepeats(slot, nowMillis);
    }

    /** With sync updates on: the report just made is repeated once the state has been quiet a second. */
    private void scheduleRepeats(final int slot, final long nowMillis) {
        if (syncUpdatesEnabled && SETTLE_REPEATS > 0) {
            repeatsLeft[slot] = SETTLE_REPEATS;
            enqueue(slot, nowMillis);
        }
    }

    /**
     * True when a half's {@code seqlo} moved more than a quarter of the other half's largest window
     * (at least {@link #REPORT_REACH_MIN} bytes) since the last report. A peer that takes over the
     * connection checks it against what we reported, with about a window of slack; with GSO
     * super-packets {@code maxupdates} packets can be megabytes, so packets alone do not bound how
     * far behind a peer's view falls.
     */
    private boolean movedFar(final int slot) {
        for (int h = 0; h < 2; h++) {
            final int i = slot * 2 + h;
            final int seqLo = (int) table.seqLo(slot, h);
            if (reportedSeqLo[i] == 0 || seqLo == 0) {
                continue;
            }
            final int own = table.wscale(slot, h);
            final int other = table.wscale(slot, 1 - h);
            final int shift = own != 0 && other != 0 ? other & PF_WSCALE_MASK : 0;
            final long reach = Math.max(REPORT_REACH_MIN, ((long) table.maxWin(slot, 1 - h) << shift) / 4);
            if (Integer.toUnsignedLong(seqLo - reportedSeqLo[i]) > reach && seqLo - reportedSeqLo[i] > 0) {
                return true;
            }
        }
        return false;
    }

    private void markDirty(final int slot, final long nowMillis) {
        syncDirty[slot] = true;
        enqueue(slot, nowMillis);
    }

    /** Puts the slot on the FIFO (once) to be looked at a second from now. */
    private void enqueue(final int slot, final long nowMillis) {
        if (!syncQueued[slot] && dirtyCount < capacity) {
            final int tail = (dirtyHead + dirtyCount) % capacity;
            dirtyQueue[tail] = slot | (long) table.generation(slot) << 32;
            dirtyQueuedMillis[tail] = nowMillis;
            dirtyCount++;
            syncQueued[slot] = true;
        }
    }

    /** True when a peer's half is behind one we reported: in state, or (TCP) in seqlo or seqhi. */
    private static boolean behind(final int theirState, final int lo, final int hi, final boolean tcp,
            final int reportedState, final int reportedLo, final int reportedHi) {
        if (StateTable.halfStateRank(theirState) < StateTable.halfStateRank(reportedState)) {
            return true;
        }
        if (!tcp || reportedState < TCPS_SYN_SENT || reportedLo == 0) {
            return false;
        }
        if (lo == 0 || lo - reportedLo < 0) {
            return true;
        }
        return reportedHi != 0 && reportedHi != 1 && (hi == 0 || hi == 1 || hi - reportedHi < 0);
    }
}
