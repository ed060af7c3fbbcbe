package io.tandem.engine.journal;

import io.tandem.engine.state.SyncHints;
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
 * or its ring full), every record the sync agent acts on, so that pfsync goes on.
 *
 * <p>Sent by the packet thread. With a {@link Sender} attached ({@link #sender}: {@code sync.DirectInsSender},
 * when sync runs without authentication) the INS of an INSERT sent at once (and of no other record) is sent by
 * the packet thread itself, at the end of
 * its duty cycle, and the record goes into the lane marked as sent: the sync agent then only notes it (its
 * sequence number, so the journal's copy is skipped; a held first packet's state, for the acknowledgements
 * that release it) and sends nothing for it. That saves a held packet the sync thread's wake-up (tens of
 * microseconds on a virtual machine, and its tail) on the way out, so such a record does not ring the sync
 * agent's doorbell either: the peer's INS_ACK wakes it, and it reads the lane before it receives. The
 * doorbell is rung anyway once the lane is a quarter full. A sender that cannot send (its socket did not
 * open) refuses the record, which then goes in unmarked, as without a sender.
 *
 * <p>Memory bound: a 256 KiB ring (about 1,000 records). Failure policy: a full lane
 * drops the copy and counts it (and the packet thread does not send it either); the record still reaches the
 * sync agent through the journal, later.
 */
public final class UrgentRecordLane {
    private static final int RING_BYTES = 1 << 18;
    /** A record the sync agent acts on. */
    public static final int MSG_RECORD = 1;
    /** A record whose message the packet thread sent itself ({@link Sender}): the sync agent only notes it. */
    public static final int MSG_RECORD_SENT = 2;
    private static final int WAKE_AT_BYTES = RING_BYTES / 4;

    /**
     * The packet thread's own way out for a lane record's message ({@code sync.DirectInsSender}). Packet thread
     * only.
     */
    public interface Sender {
        /** Takes the record's message to send at the end of the duty cycle; false when it cannot send. */
        boolean take(UnsafeBuffer record, int offset);
    }

    private Sender sender;
    private final JournalRecordFlyweight offered = new JournalRecordFlyweight();

    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    private volatile Runnable doorbell = () -> { };
    private volatile long dropped;

    /** Installs the consumer's doorbell (the sync agent's), rung after each record. */
    public void doorbell(final Runnable ring) {
        this.doorbell = ring == null ? () -> { } : ring;
    }

    /** Attaches the packet thread's own sender (before the packet thread starts), or null for none. */
    public void sender(final Sender s) {
        this.sender = s;
    }

    /**
     * Packet thread: hands a sealed record over; false (counted) when the lane is full. With a {@link Sender}
     * that takes it, the record goes in marked {@link #MSG_RECORD_SENT}.
     */
    public boolean offer(final UnsafeBuffer record, final int offset) {
        final Sender s = sender;
        if (s != null && forSender(record, offset)) {
            final int index = ring.tryClaim(MSG_RECORD_SENT, JournalRecordFlyweight.LENGTH);
            if (index < 0) {
                dropped++;
                return false;
            }
            if (s.take(record, offset)) {
                ring.buffer().putBytes(index, record, offset, JournalRecordFlyweight.LENGTH);
                ring.commit(index);
                if (ring.size() >= WAKE_AT_BYTES) {
                    doorbell.run();
                }
                return true;
            }
            ring.abort(index); // cannot send: the sync agent sends it, as without a sender
        }
        if (!ring.write(MSG_RECORD, record, offset, JournalRecordFlyweight.LENGTH)) {
            dropped++;
            return false;
        }
        doorbell.run();
        return true;
    }

    /**
     * Whether the sender gets the record: an INSERT whose INS goes out at once (a held first packet's or an
     * announced state's). Every other record the lane carries — while the journal cannot take records, every
     * change the sync agent acts on: updates, removals, requests, clears — goes to the sync agent, which sends
     * each as its type asks; the sender only sends INS.
     */
    private boolean forSender(final UnsafeBuffer record, final int offset) {
        offered.wrap(record, offset);
        return offered.type() == JournalRecordType.INSERT.code() && (offered.syncHints() & SyncHints.IMMEDIATE) != 0;
    }

    /**
     * Sync thread: hands up to {@code limit} records to {@code handler} (message type {@link #MSG_RECORD} or
     * {@link #MSG_RECORD_SENT}); returns how many.
     */
    public int drain(final MessageHandler handler, final int limit) {
        return ring.read(handler, limit);
    }

    /** Records that did not fit (they went through the journal only). */
    public long dropped() {
        return dropped;
    }
}
