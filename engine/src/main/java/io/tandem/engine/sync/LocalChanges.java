package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalDeleteReason;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalReader;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.UrgentRecordLane;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.SyncHints;
import java.util.function.IntConsumer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What this node tells its peers: journal records (and the copies the {@link UrgentRecordLane}
 * brings early) turned into outbox messages.
 *
 * <p>Theory of operation. {@link #accept} decides per record, as pf's sync queues would: a local
 * change (origin = a rule, or a state loaded by {@code tandem states load}) is queued — INSERT as
 * INS, UPDATE as UPD_C (UPD when marked {@link SyncHints#FULL}), DELETE as DEL_C (not for a peer's
 * state that merely expired here).
 * Changes that came from a peer are never echoed, except those the packet thread marked
 * {@link SyncHints#REPLY} (our version answering a stale update, a request, a collision). A local
 * CLEAR (a flush) goes out at once as a CLR of the creator it names, after everything queued before it.
 * (INS_ACKs do not come from records: {@link FrameIngress} answers a peer's INS on arrival.) A
 * SYNC_DELETE record queues DEL_C again for a state a peer
 * still reports after we removed it; a SYNC_REQUEST record queues UPD_REQ for a state a peer
 * named but we lack. {@link SyncHints#IMMEDIATE} asks the outbox to send in this loop. Records taken
 * from the lane are remembered by journal sequence number and skipped when the journal brings them; a lane
 * record marked {@link UrgentRecordLane#MSG_RECORD_SENT} had its INS sent by the packet thread
 * ({@link DirectInsSender}) and is only noted (and, for a held first packet, registered with the quorum).
 * A full outbox is sent first, then the message is queued.
 *
 * <p>Aged records. A state record journaled more than {@link #AGED_RECORD_MILLIS} ago — written by a
 * previous run and read after a restart (the tailer resumes where it stopped), or read late — still
 * goes out, since a creation, a protocol state change or a removal does not age, but without its TCP
 * sequence windows (seqlo and seqhi 0: "not known", which a peer's merge skips and an import
 * re-learns from the next packet, as pf does). A connection moves gigabytes in a few seconds, and
 * sequence numbers compare modulo 2^32: windows seconds old can look <i>ahead</i> of the live ones
 * and, merged as the further value, would make the peer drop every packet of the connection. Counted
 * as {@link #agedRecords()}.
 *
 * <p>Owner: the sync thread. Memory bound: the outbox, one record of scratch space and
 * {@link #LANE_SEQUENCES} remembered sequence numbers per lane. Failure policy: none needed; a record of an
 * unknown type is ignored.
 */
final class LocalChanges {
    static final int LANE_SEQUENCES = 1024;
    /** Age beyond which a record's TCP windows are not sent (see the class comment). */
    static final long AGED_RECORD_MILLIS = 1000;
    private static final int IPPROTO_TCP = 6;
    private static final int JOURNAL_RECORDS_PER_LOOP = 1024;

    private final SyncOutbox outbox;
    private final int ownCreatorId;
    private final JournalRecordFlyweight laneRecord = new JournalRecordFlyweight();
    /** Scratch copy of an aged record, its windows cleared. */
    private final UnsafeBuffer agedBuffer = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
    private final JournalRecordFlyweight agedCopy = new JournalRecordFlyweight().wrap(agedBuffer, 0);
    /** Written by the sync thread, read by the scrape and control threads. */
    private volatile long agedRecords;
    /** Written by the sync thread, read by tests (the status counts the senders' own frames instead). */
    private volatile long packetThreadSent;
    private final MessageHandler laneHandler = this::onLaneRecord;
    /**
     * Per lane (queue thread), the journal sequence numbers of records taken from it, oldest first. The
     * threads' sequence numbers interleave (thread i of N uses every N-th), and the journal brings each
     * thread's records in order, so a journal record is matched against the lane whose numbers are
     * congruent to its own modulo N.
     */
    private long[][] laneSequences = new long[1][LANE_SEQUENCES];
    private int[] laneHead = new int[1];
    private int[] laneCount = new int[1];
    private int currentLane;
    /** The lanes {@link #readLanes} was last given. */
    private java.util.List<UrgentRecordLane> lanes = java.util.List.of();
    private long now;
    private IntConsumer sender;

    private AckQuorum quorum;

    /** The INS of a held first packet is registered with {@code q} ({@link AckQuorum}); null: none. */
    void ackQuorum(final AckQuorum q) {
        this.quorum = q;
    }

    LocalChanges(final SyncOutbox outbox, final int ownCreatorId) {
        this.outbox = outbox;
        this.ownCreatorId = ownCreatorId;
    }

    /** Takes what every queue thread's lane holds (lane i is thread i's); returns how many records. */
    int readLanes(final java.util.List<UrgentRecordLane> lanes, final long nowMillis, final IntConsumer frameSender) {
        this.now = nowMillis;
        this.sender = frameSender;
        this.lanes = lanes;
        if (lanes.size() != laneHead.length && !lanes.isEmpty()) {
            laneSequences = new long[lanes.size()][LANE_SEQUENCES]; // once, at the first call
            laneHead = new int[lanes.size()];
            laneCount = new int[lanes.size()];
        }
        int n = 0;
        for (int i = 0; i < lanes.size(); i++) {
            currentLane = i;
            n += lanes.get(i).drain(laneHandler, LANE_SEQUENCES);
        }
        return n;
    }

    /** Reads up to a loop's worth of journal records; returns how many were read. */
    int readJournal(final JournalReader reader, final long nowMillis, final IntConsumer frameSender) {
        this.now = nowMillis;
        this.sender = frameSender;
        int n = 0;
        JournalReadStatus st;
        while (n < JOURNAL_RECORDS_PER_LOOP && (st = reader.next()) != JournalReadStatus.END) {
            if (st != JournalReadStatus.OK) {
                continue;
            }
            n++;
            fromJournal(reader.record(), nowMillis, frameSender);
        }
        return n;
    }

    /**
     * One journal record: skipped when its copy came by the lane, else accepted. A record with a lane
     * copy can reach the journal reader before that copy reaches {@link #readLanes} (the packet thread
     * put it in the lane, then the journal thread wrote it, both between this loop's lane read and its
     * journal read): such a record — an INSERT sent at once, a held first packet's or an announced
     * one's — makes the lanes be read again before it is judged, so its INS goes out once.
     */
    void fromJournal(final JournalRecordFlyweight r, final long nowMillis, final IntConsumer frameSender) {
        final long sequence = r.sequence();
        if (takenFromLane(sequence)) {
            return;
        }
        if (!lanes.isEmpty() && r.type() == JournalRecordType.INSERT.code()
                && (r.syncHints() & SyncHints.IMMEDIATE) != 0
                && readLanes(lanes, nowMillis, frameSender) > 0 && takenFromLane(sequence)) {
            return;
        }
        accept(r, nowMillis, frameSender);
    }

    private void onLaneRecord(final int type, final MutableDirectBuffer buffer, final int index, final int length) {
        if (length != JournalRecordFlyweight.LENGTH) {
            return;
        }
        laneRecord.wrap(buffer, index);
        final int l = currentLane;
        if (laneCount[l] == LANE_SEQUENCES) {
            laneHead[l] = (laneHead[l] + 1) % LANE_SEQUENCES; // forget the oldest: at worst it is sent twice
            laneCount[l]--;
        }
        laneSequences[l][(laneHead[l] + laneCount[l]++) % LANE_SEQUENCES] = laneRecord.sequence();
        if (type == UrgentRecordLane.MSG_RECORD_SENT) {
            notePacketThreadSent(laneRecord); // its INS went out from the packet thread (DirectInsSender)
        } else {
            accept(laneRecord, now, sender);
        }
    }

    /**
     * An INSERT whose INS the packet thread sent itself: nothing to send, but a held first packet's state is
     * registered with the {@link AckQuorum} as {@link #accept} would.
     */
    private void notePacketThreadSent(final JournalRecordFlyweight r) {
        packetThreadSent++;
        if (quorum != null && r.type() == JournalRecordType.INSERT.code()
                && r.originKind() != JournalRecorder.ORIGIN_PEER && (r.stateFlags() & PfConstants.PFSTATE_ACK) != 0) {
            quorum.sent(r.id(), now);
        }
    }

    /** Lane records whose message a packet thread had sent itself. */
    long packetThreadSent() {
        return packetThreadSent;
    }

    /**
     * True when the journal reached a record already taken from its thread's lane (that lane's older
     * entries are dropped: the journal has passed them).
     */
    boolean takenFromLane(final long sequence) {
        final int lanes = laneHead.length;
        for (int l = 0; l < lanes; l++) {
            if (laneCount[l] == 0 || (lanes > 1 && Math.floorMod(laneSequences[l][laneHead[l]] - sequence, lanes) != 0)) {
                continue; // empty, or another thread's numbers
            }
            while (laneCount[l] > 0 && laneSequences[l][laneHead[l]] < sequence) {
                laneHead[l] = (laneHead[l] + 1) % LANE_SEQUENCES;
                laneCount[l]--;
            }
            if (laneCount[l] > 0 && laneSequences[l][laneHead[l]] == sequence) {
                laneHead[l] = (laneHead[l] + 1) % LANE_SEQUENCES;
                laneCount[l]--;
                return true;
            }
            return false;
        }
        return false;
    }

    /** One local change: what it means for the outbox. */
    void accept(final JournalRecordFlyweight r, final long nowMillis, final IntConsumer frameSender) {
        this.now = nowMillis;
        this.sender = frameSender;
        final int hints = r.syncHints();
        final int type = r.type();
        // Ours to announce: made by a rule here, or loaded by `tandem states load` (an INSERT of origin
        // import; `tandem journal import` writes only SNAPSHOT records, which are never sent).
        final boolean local = r.originKind() != JournalRecorder.ORIGIN_PEER;
        if (type == JournalRecordType.SYNC_REQUEST.code()) {
            if (!outbox.offerRequest(r.id(), r.creatorId(), now)) {
                outbox.flush(now, sender);
                outbox.offerRequest(r.id(), r.creatorId(), now);
            }
            return;
        }
        if (type == JournalRecordType.SYNC_DELETE.code()) {
            if (!outbox.offerDelete(r.id(), r.creatorId(), now)) {
                outbox.flush(now, sender);
                outbox.offerDelete(r.id(), r.creatorId(), now);
            }
            return;
        }
        if (type == JournalRecordType.CLEAR.code()) {
            if (local && r.creatorId() != 0) {
                outbox.sendClear(r.creatorId(), now, sender); // a flush: one CLR per creator (StateCommand)
            }
            return;
        }
        if (!local && (hints & SyncHints.REPLY) == 0) {
            return; // learned from a peer: never echoed
        }
        if (type == JournalRecordType.INSERT.code()) {
            queueState(r, SyncOutbox.Q_INS);
            if (quorum != null && local && (r.stateFlags() & PfConstants.PFSTATE_ACK) != 0) {
                quorum.sent(r.id(), now); // its first packet is held: which acknowledgements release it
            }
        } else if (type == JournalRecordType.UPDATE.code()) {
            queueState(r, (hints & SyncHints.FULL) != 0 ? SyncOutbox.Q_UPD : SyncOutbox.Q_UPD_C);
        } else if (type == JournalRecordType.DELETE.code() && local && announcesDelete(r, ownCreatorId)) {
            if (!outbox.offerDelete(r.id(), r.creatorId(), now)) {
                outbox.flush(now, sender);
                outbox.offerDelete(r.id(), r.creatorId(), now);
            }
        } else {
            return;
        }
        if ((hints & SyncHints.IMMEDIATE) != 0) {
            outbox.requestImmediate();
        }
    }

    private void queueState(final JournalRecordFlyweight record, final int q) {
        final JournalRecordFlyweight r = now - record.wallTimeMillis() > AGED_RECORD_MILLIS
                ? withoutWindows(record) : record;
        if (!outbox.offerState(r, q, now)) {
            outbox.flush(now, sender);
            outbox.offerState(r, q, now);
        }
    }

    /** A copy of an aged record whose TCP halves say "sequence numbers not known". */
    private JournalRecordFlyweight withoutWindows(final JournalRecordFlyweight r) {
        agedRecords++;
        agedBuffer.putBytes(0, r.buffer(), r.offset(), JournalRecordFlyweight.LENGTH);
        if (agedCopy.proto() == IPPROTO_TCP) {
            for (int h = 0; h < 2; h++) {
                agedCopy.peer(h, 0, 0, agedCopy.seqDiff(h), agedCopy.maxWin(h), agedCopy.mss(h), agedCopy.peerState(h),
                        agedCopy.wscale(h));
            }
        }
        return agedCopy;
    }

    /** State records sent without their windows because they were older than {@link #AGED_RECORD_MILLIS}. */
    long agedRecords() {
        return agedRecords;
    }

    /**
     * Whether a local removal is sent as DEL_C. A peer's state that merely <i>expired</i> here is not:
     * its creator refreshes it with every update it sends and announces its end itself, and our copy
     * can time out up to a second before the original (updates are sent at most once a second), so
     * announcing it would delete the creator's live state. Closed (FIN/RST seen here), reused and
     * flushed states are announced whoever created them, as pf does.
     */
    static boolean announcesDelete(final JournalRecordFlyweight r, final int ownCreatorId) {
        return r.creatorId() == ownCreatorId || r.reason() != JournalDeleteReason.EXPIRED.code();
    }
}
