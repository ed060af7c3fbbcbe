package io.tandem.engine.journal;

import java.nio.ByteBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The records a deferred first packet waits for, handed from the packet thread straight to the sync
 * agent as well as through the journal: the INSERT of a state whose first packet is held (its INS goes
 * out at once). A held packet waits one sync round trip, and the journal's path (ring → journal thread →
 * Chronicle Queue → tailer) would add two thread wake-ups. (The peer's INS_ACK does not wait for a
 * record: its sync thread answers on arrival, {@code sync.FrameIngress}.)
 *
 * <p>Theory of operation. The {@link JournalRecorder} copies such a record, after sealing it with its
 * journal sequence number, into this single-producer single-consumer ring and rings the consumer's
 * doorbell. The sync agent drains the lane before it reads the journal and acts on each record exactly
 * as on a journal record; it remembers the sequence numbers it took from the lane and skips those
 * records when its journal tailer reaches them, so nothing is sent twice. The journal stays the record
 * of every change (recovery, tools, a restarted sync agent read only the journal): the lane only moves
 * a few records forward — and, while the journal cannot take records (suspended for lack of disk,
 * or its ring full), every record the sync agent acts on, so that pfsync goes on. Memory bound: a 256 KiB ring (about 1,000 records). Failure policy: a full lane
 * drops the copy and counts it; the record still reaches the sync agent through the journal, later.
 */
public final class UrgentRecordLane {
    private static final int RING_BYTES = 1 << 18;
    private static final int MSG_RECORD = 1;

    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    private volatile Runnable doorbell = () -> { };
    private volatile long dropped;

    /** Installs the consumer's doorbell (the sync agent's), rung after each record. */
    public void doorbell(final Runnable ring) {
        this.doorbell = ring == null ? () -> { } : ring;
    }

    /** Packet thread: hands a sealed record over; false (counted) when the lane is full. */
    public boolean offer(final UnsafeBuffer record, final int offset) {
        if (!ring.write(MSG_RECORD, record, offset, JournalRecordFlyweight.LENGTH)) {
            dropped++;
            return false;
        }
        doorbell.run();
        return true;
    }

    /** Sync thread: hands up to {@code limit} records to {@code handler}; returns how many. */
    public int drain(final MessageHandler handler, final int limit) {
        return ring.read(handler, limit);
    }

    /** Records that did not fit (they went through the journal only). */
    public long dropped() {
        return dropped;
    }
}
