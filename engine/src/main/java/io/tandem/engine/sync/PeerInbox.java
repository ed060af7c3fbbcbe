package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.state.SyncHints;
import java.nio.ByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * How what pfsync peers say reaches the state table without a second writer.
 *
 * <p>Theory of operation. The sync thread turns each valid pfsync record into a message — a
 * journal-format record plus a kind ({@link #STATE}, {@link #COMPRESSED}, {@link #DELETE},
 * {@link #REQUEST}, {@link #CLEAR}) — and {@link #offer}s it into a bounded single-producer
 * single-consumer ring. The packet thread {@link #drain}s a bounded number per duty cycle and acts
 * as pf's pfsync input handlers do (spec C.5):
 * <ul>
 *   <li>STATE (INS or UPD, full record): an unknown (creatorid, id) is imported — identity, counters,
 *       deadline = now + the record's remaining lifetime; TCP windows re-learned from the next
 *       packets, as after recovery. A record that collides with another state on the connection key
 *       is refused (counted in {@code badstate}) and our own state is sent back in full. A known one is
 *       merged like COMPRESSED.</li>
 *   <li>COMPRESSED (UPD_C): merged half by half ({@link StateTable#mergeHalfFromPeer}); where the
 *       peer's half is stale we keep ours and send our version back at once (a REPLY); if no half was
 *       stale the timeout class is the peer's and the state is refreshed. An unknown id is asked for:
 *       a SYNC_REQUEST journal record makes the sync agent send UPD_REQ.</li>
 *   <li>DELETE (DEL_C): the state is removed; unknown ids count {@code badstate}.</li>
 *   <li>REQUEST (UPD_REQ for one state): the state is journaled again, marked to be sent in full at
 *       once; unknown ids count {@code badstate}.</li>
 *   <li>CLEAR (CLR): every state of that creator (on that interface, when one is named) is removed.</li>
 * </ul>
 * Every change is journaled with the peer as its origin, so the sync agent does not echo it — only
 * records marked {@link SyncHints#REPLY} go back out. Failure policy: a full ring drops the message
 * and counts it; nothing here throws. Memory bound: the ring (1 MiB, about 3,900 messages).
 */
public final class PeerInbox {
    /** A full state record (INS, UPD; any format). */
    public static final int STATE = 1;
    /** A compressed update (UPD_C): identity, both halves, timeout class; no key. */
    public static final int COMPRESSED = 2;
    /** DEL_C: identity only. */
    public static final int DELETE = 3;
    /** UPD_REQ for one state: identity only. */
    public static final int REQUEST = 4;
    /** CLR: creatorid, and in the ifindex field the local interface (0 = every interface). */
    public static final int CLEAR = 5;

    private static final int RING_BYTES = 1 << 20;

    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    private final JournalRecordFlyweight record = new JournalRecordFlyweight();
    private final MessageHandler handler = this::apply;

    private StateTable table;
    private JournalRecorder recorder;
    private long now;

    // Counters: dropped is written by the sync thread; the rest by the packet thread.
    private volatile long dropped;
    private long imported;
    private long merged;
    private long deleted;
    private long refused;
    private long stale;
    private long badState;
    private long requested;
    private long answered;
    private long cleared;

    /** Sync thread: hands one message over; false (counted) when the ring is full. */
    public boolean offer(final int kind, final UnsafeBuffer source, final int offset) {
        if (ring.write(kind, source, offset, JournalRecordFlyweight.LENGTH)) {
            return true;
        }
        dropped++;
        return false;
    }

    /** Sync thread: true when at least {@code messages} more fit (the receiver stops reading before that). */
    public boolean hasRoomFor(final int messages) {
        return RING_BYTES - ring.size() > messages * (JournalRecordFlyweight.LENGTH + 8);
    }

    /** Packet thread: applies up to {@code limit} messages; returns how many. */
    public int drain(final StateTable states, final JournalRecorder journal, final long nowMillis, final int limit) {
        this.table = states;
        this.recorder = journal;
        this.now = nowMillis;
        return ring.read(handler, limit);
    }

    private void apply(final int kind, final MutableDirectBuffer buffer, final int index, final int length) {
        record.wrap(buffer, index);
        if (recorder != null) {
            recorder.beginPeer(record.origin());
        }
        try {
            switch (kind) {
                case DELETE -> delete();
                case REQUEST -> request();
                case CLEAR -> clear();
                case COMPRESSED -> update(false);
                default -> update(true);
            }
        } finally {
            if (recorder != null) {
                recorder.endPeer();
            }
        }
    }

    private void delete() {
        final int slot = table.findById(record.creatorId(), record.id());
        if (slot < 0) {
            badState++;
            return;
        }
        table.remove(slot, StateRemoveReason.FLUSHED);
        deleted++;
    }

    private void request() {
        final int slot = table.findById(record.creatorId(), record.id());
        if (slot < 0) {
            badState++;
            return;
        }
        answered++;
        journalUpdate(slot, SyncHints.REPLY | SyncHints.FULL | SyncHints.IMMEDIATE);
    }

    private void clear() {
        final int creator = record.creatorId();
        final int ifindex = record.ifindex();
        for (int slot = 0, n = table.capacity(); slot < n; slot++) {
            if (table.isLive(slot) && table.creatorId(slot) == creator
                    && (ifindex == 0 || table.ifindex(slot) == ifindex)) {
                table.remove(slot, StateRemoveReason.FLUSHED);
                cleared++;
            }
        }
    }

    private void update(final boolean full) {
        final int creator = record.creatorId();
        int slot = table.findById(creator, record.id());
        if (slot < 0) {
            if (!full) {
                requested++;
                if (recorder != null) {
                    recorder.onSyncRequest(creator, record.id());
                }
                return;
            }
            importState();
            return;
        }
        int staleHalves = 0;
        for (int half = 0; half < 2; half++) {
            if (table.mergeHalfFromPeer(slot, half, record.seqLo(half), record.seqHi(half), record.maxWin(half),
                    record.peerState(half))) {
                staleHalves++;
            }
        }
        if (staleHalves == 0) {
            table.refreshFromPeer(slot, record.timeoutClass(), now);
        } else {
            stale++;
        }
        if (staleHalves == 1) {
            table.refreshFromPeer(slot, table.timeoutClass(slot), now); // alive, but keep our (further) class
        }
        if (staleHalves < 2) {
            table.markPeerUpdate(slot, now);
        }
        merged++;
        journalUpdate(slot, staleHalves > 0 ? SyncHints.REPLY | SyncHints.IMMEDIATE : 0);
    }

    private void importState() {
        final int creator = record.creatorId();
        final int existing = table.findSlot(record.af(), record.proto(), record.ifindex(), record.srcHi(),
                record.srcLo(), record.dstHi(), record.dstLo(), record.srcPort(), record.dstPort());
        if (existing >= 0 && table.creatorId(existing) == creator) {
            // The same creator reused the connection (a client port used again): its new state
            // supersedes our copy of its old one, whose DEL_C follows in the same frame (A.6 order).
            table.remove(existing, StateRemoveReason.FLUSHED);
        } else if (existing >= 0) {
            // Another state holds this connection (spec C.7 [ENG]): keep ours, count, send ours in full.
            refused++;
            badState++;
            journalUpdate(existing, SyncHints.REPLY | SyncHints.FULL | SyncHints.IMMEDIATE);
            return;
        }
        final int timeout = record.timeoutClass();
        final long timeoutMillis = table.timeouts().seconds(Math.min(timeout, StateTimeouts.COUNT - 1)) * 1000L;
        final long deadline = record.expireAtMillis() > 0 ? record.expireAtMillis() : now + timeoutMillis;
        final int slot = table.restore(record.af(), record.proto(), record.srcHi(), record.srcLo(), record.dstHi(),
                record.dstLo(), record.srcPort(), record.dstPort(), record.ifindex(), -1, record.direction(),
                creator, record.id(), record.creationMillis(), deadline - timeoutMillis, timeout,
                record.packets(0), record.packets(1), record.bytes(0), record.bytes(1));
        if (slot < 0) {
            refused++;
            badState++;
            return;
        }
        for (int peer = 0; peer < 2; peer++) {
            table.restorePeer(slot, peer, record.seqLo(peer), record.seqHi(peer), record.seqDiff(peer),
                    record.maxWin(peer), record.mss(peer), record.peerState(peer), record.wscale(peer));
        }
        table.markPeerUpdate(slot, now);
        imported++;
        if (recorder != null) {
            recorder.onInsert(table, slot, (record.syncHints() & SyncHints.ACK) != 0 ? SyncHints.ACK : 0);
        }
    }

    private void journalUpdate(final int slot, final int hints) {
        if (recorder != null) {
            recorder.onUpdate(table, slot, hints);
        }
    }

    public long dropped() {
        return dropped;
    }

    public long imported() {
        return imported;
    }

    public long merged() {
        return merged;
    }

    public long deleted() {
        return deleted;
    }

    public long refused() {
        return refused;
    }

    /** Peer updates with at least one half behind ours (pfsyncstats {@code stale}). */
    public long stale() {
        return stale;
    }

    /** Requests, deletions and imports naming a state that could not be found or made (pfsyncstats {@code badstate}). */
    public long badState() {
        return badState;
    }

    /** Compressed updates for unknown states, answered with a request for the full state. */
    public long requested() {
        return requested;
    }

    /** Requests for one state answered with the full state. */
    public long answered() {
        return answered;
    }

    /** States removed by peers' CLR messages. */
    public long cleared() {
        return cleared;
    }
}
