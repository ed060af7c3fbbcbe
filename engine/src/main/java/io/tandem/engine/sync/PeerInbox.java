package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * How state learned from pfsync peers reaches the state table without a second writer.
 *
 * <p>Theory of operation. The sync thread turns each valid pfsync record into a journal-format
 * record (origin kind = peer, origin = the peer's creatorid) and {@link #offer}s it into a bounded
 * single-producer single-consumer ring. The packet thread {@link #drain}s a bounded number per duty
 * cycle and applies them: an INS or UPD of an unknown state is imported (identity, counters, expiry
 * deadline = now + the record's remaining lifetime; TCP windows re-learned from the next packets, as
 * after recovery); an UPD of a known state is merged half by half, never backwards, and refreshed;
 * a DEL_C removes the state. Every change is journaled through the recorder with the peer as its
 * origin, so the sync agent does not send it back. Failure policy: a full ring drops the record and
 * counts it; a record that cannot be applied (table full, a different state with the same key) is
 * counted. Memory bound: the ring (1 MiB) and one staging record.
 */
public final class PeerInbox {
    private static final int MSG = 1;

    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect((1 << 20) + RingBufferDescriptor.TRAILER_LENGTH)));
    private final JournalRecordFlyweight record = new JournalRecordFlyweight();
    private final org.agrona.concurrent.MessageHandler handler = this::apply;

    private StateTable table;
    private JournalRecorder recorder;
    private long now;

    // Counters: offered/dropped written by the sync thread; the rest by the packet thread.
    private volatile long dropped;
    private long imported;
    private long merged;
    private long deleted;
    private long refused;

    /** Sync thread: hands one journal-format record over; false (counted) when the ring is full. */
    public boolean offer(final UnsafeBuffer source, final int offset) {
        if (ring.write(MSG, source, offset, JournalRecordFlyweight.LENGTH)) {
            return true;
        }
        dropped++;
        return false;
    }

    /** Packet thread: applies up to {@code limit} records; returns how many. */
    public int drain(final StateTable states, final JournalRecorder journal, final long nowMillis, final int limit) {
        this.table = states;
        this.recorder = journal;
        this.now = nowMillis;
        return ring.read(handler, limit);
    }

    private void apply(final int type, final org.agrona.MutableDirectBuffer buffer, final int index, final int length) {
        record.wrap(buffer, index);
        final int creator = record.creatorId();
        if (recorder != null) {
            recorder.beginPeer(record.origin());
        }
        try {
            if (record.type() == JournalRecordType.DELETE.code()) {
                final int slot = table.findById(creator, record.id());
                if (slot >= 0) {
                    table.remove(slot, StateRemoveReason.FLUSHED);
                    deleted++;
                }
                return;
            }
            int slot = table.findById(creator, record.id());
            if (slot < 0) {
                if (table.findSlot(record.af(), record.proto(), record.ifindex(), record.srcHi(), record.srcLo(),
                        record.dstHi(), record.dstLo(), record.srcPort(), record.dstPort()) >= 0) {
                    refused++; // another state already holds this connection
                    return;
                }
                final int timeout = record.timeoutClass();
                final long timeoutMillis = table.timeouts().seconds(Math.min(timeout, StateTimeouts.COUNT - 1)) * 1000L;
                final long deadline = record.expireAtMillis() > 0 ? record.expireAtMillis() : now + timeoutMillis;
                slot = table.restore(record.af(), record.proto(), record.srcHi(), record.srcLo(), record.dstHi(),
                        record.dstLo(), record.srcPort(), record.dstPort(), record.ifindex(), -1, record.direction(),
                        creator, record.id(), record.creationMillis(), deadline - timeoutMillis, timeout,
                        record.packets(0), record.packets(1), record.bytes(0), record.bytes(1));
                if (slot < 0) {
                    refused++;
                    return;
                }
                for (int peer = 0; peer < 2; peer++) {
                    table.restorePeer(slot, peer, record.seqLo(peer), record.seqHi(peer), record.seqDiff(peer),
                            record.maxWin(peer), record.mss(peer), record.peerState(peer), record.wscale(peer));
                }
                imported++;
                if (recorder != null) {
                    recorder.onInsert(table, slot);
                }
                return;
            }
            for (int peer = 0; peer < 2; peer++) {
                table.mergeFromPeer(slot, peer, record.seqLo(peer), record.seqHi(peer), record.maxWin(peer),
                        record.peerState(peer));
            }
            table.refreshFromPeer(slot, record.timeoutClass(), now);
            merged++;
            if (recorder != null) {
                recorder.onUpdate(table, slot);
            }
        } finally {
            if (recorder != null) {
                recorder.endPeer();
            }
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
}
