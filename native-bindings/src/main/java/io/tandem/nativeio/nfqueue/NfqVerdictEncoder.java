package io.tandem.nativeio.nfqueue;

import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.netlink.NetlinkConstants;
import io.tandem.nativeio.netlink.NetlinkSocket;
import io.tandem.nativeio.netlink.NfGenMsgFlyweight;
import io.tandem.nativeio.netlink.NlAttrFlyweight;
import io.tandem.nativeio.netlink.NlMsgHdrFlyweight;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Appends {@code VERDICT} and {@code VERDICT_BATCH} messages into one preallocated off-heap send buffer; the owner
 * sends the whole buffer as one datagram (the kernel processes each message in turn) and resets it.
 *
 * <p>Each message (spec §7, §15 example 2): {@code nlmsghdr} with {@code NLM_F_REQUEST} only (no ACK on the hot path;
 * errors still come back in the packet stream) and {@code nlmsg_seq} = the packet id (low 32 bits), so an
 * {@code NLMSG_ERROR} names its packet; {@code nfgenmsg} family 0 with {@code res_id} = queue; {@code VERDICT_HDR};
 * optionally {@code MARK}. 32 bytes, 40 with a mark.
 *
 * <p>Owner: the packet agent. Memory bound: the capacity given at construction. Failure policy: an append that does
 * not fit writes nothing and returns false, so the caller flushes and appends again. Never throws on the hot path,
 * never allocates.
 */
public final class NfqVerdictEncoder {
    /** Bytes of a verdict message without a mark. */
    public static final int VERDICT_LENGTH = NlMsgHdrFlyweight.LENGTH + NfGenMsgFlyweight.LENGTH
        + NlAttrFlyweight.LENGTH + NfqnlVerdictHdrFlyweight.LENGTH;
    /** Bytes of a verdict message with {@code NFQA_MARK}. */
    public static final int VERDICT_WITH_MARK_LENGTH = VERDICT_LENGTH + NlAttrFlyweight.LENGTH + 4;
    /** Default capacity: 128 verdicts with marks, about one page and a quarter. */
    public static final int DEFAULT_CAPACITY = 128 * VERDICT_WITH_MARK_LENGTH;

    private final UnsafeBuffer buffer;
    private final long address;
    private final NlMsgHdrFlyweight header = new NlMsgHdrFlyweight();
    private final NfGenMsgFlyweight nfgen = new NfGenMsgFlyweight();
    private final NfqnlVerdictHdrFlyweight verdictHdr = new NfqnlVerdictHdrFlyweight();
    private int length;
    private int messages;

    /** Encoder with {@link #DEFAULT_CAPACITY}. */
    public NfqVerdictEncoder() {
        this(DEFAULT_CAPACITY);
    }

    /**
     * @param capacity send buffer bytes, at least {@link #VERDICT_WITH_MARK_LENGTH}
     */
    public NfqVerdictEncoder(final int capacity) {
        if (capacity < VERDICT_WITH_MARK_LENGTH) {
            throw new IllegalArgumentException("capacity must be at least " + VERDICT_WITH_MARK_LENGTH);
        }
        buffer = OffHeap.allocate(capacity);
        address = buffer.addressOffset();
    }

    /**
     * Verdict one packet.
     *
     * @param queue    queue number
     * @param packetId the packet id from {@code NFQA_PACKET_HDR}
     * @param verdict  e.g. {@link NfqConstants#NF_ACCEPT}
     * @return false when the buffer is full (nothing written)
     */
    public boolean appendVerdict(final int queue, final long packetId, final int verdict) {
        return append(NfqConstants.TYPE_VERDICT, queue, packetId, verdict, false, 0);
    }

    /**
     * Verdict one packet and set its mark.
     *
     * @param queue    queue number
     * @param packetId the packet id
     * @param verdict  the verdict
     * @param mark     the new packet mark
     * @return false when the buffer is full (nothing written)
     */
    public boolean appendVerdictWithMark(final int queue, final long packetId, final int verdict, final int mark) {
        return append(NfqConstants.TYPE_VERDICT, queue, packetId, verdict, true, mark);
    }

    /**
     * Verdict every queued packet with id up to {@code highestId} (wrap-safe). Only for a contiguous run that ends
     * below the lowest held id (spec §7).
     *
     * @param queue     queue number
     * @param highestId the last id of the run
     * @param verdict   the verdict
     * @return false when the buffer is full (nothing written)
     */
    public boolean appendBatchVerdict(final int queue, final long highestId, final int verdict) {
        return append(NfqConstants.TYPE_VERDICT_BATCH, queue, highestId, verdict, false, 0);
    }

    /**
     * Batch verdict that also sets the mark of every released packet.
     *
     * @param queue     queue number
     * @param highestId the last id of the run
     * @param verdict   the verdict
     * @param mark      the new packet mark
     * @return false when the buffer is full (nothing written)
     */
    public boolean appendBatchVerdictWithMark(final int queue, final long highestId, final int verdict,
                                              final int mark) {
        return append(NfqConstants.TYPE_VERDICT_BATCH, queue, highestId, verdict, true, mark);
    }

    private boolean append(final int type, final int queue, final long id, final int verdict, final boolean withMark,
                           final int mark) {
        final int messageLength = withMark ? VERDICT_WITH_MARK_LENGTH : VERDICT_LENGTH;
        final int offset = length;
        if (offset + messageLength > buffer.capacity()) {
            return false;
        }
        header.wrap(buffer, offset)
            .messageLength(messageLength)
            .type(type)
            .flags(NetlinkConstants.NLM_F_REQUEST)
            .seq((int)id)
            .pid(0);
        nfgen.wrap(buffer, offset + NlMsgHdrFlyweight.LENGTH)
            .family(NfqConstants.NFPROTO_UNSPEC)
            .version(NfGenMsgFlyweight.NFNETLINK_V0)
            .resId(queue);
        int position = offset + NlMsgHdrFlyweight.LENGTH + NfGenMsgFlyweight.LENGTH;
        position += NlAttrFlyweight.putHeaderAndPad(buffer, position, NfqConstants.NFQA_VERDICT_HDR,
            NfqnlVerdictHdrFlyweight.LENGTH);
        verdictHdr.wrap(buffer, position - NfqnlVerdictHdrFlyweight.LENGTH).verdict(verdict).id(id);
        if (withMark) {
            NlAttrFlyweight.putU32BigEndian(buffer, position, NfqConstants.NFQA_MARK, mark);
        }
        length = offset + messageLength;
        messages++;
        return true;
    }

    /**
     * Send everything appended as one datagram and reset. Never throws, never allocates.
     *
     * @param socket the queue's socket
     * @return bytes sent (0 when empty), or a negative errno; the buffer is reset either way
     */
    public long flushTo(final NetlinkSocket socket) {
        if (length == 0) {
            return 0;
        }
        final long result = socket.send(address, length);
        reset();
        return result;
    }

    /** Forget everything appended. */
    public void reset() {
        length = 0;
        messages = 0;
    }

    /** @return bytes appended so far */
    public int length() {
        return length;
    }

    /** @return messages appended so far */
    public int messageCount() {
        return messages;
    }

    /** @return bytes still free */
    public int remaining() {
        return buffer.capacity() - length;
    }

    /** @return capacity in bytes */
    public int capacity() {
        return buffer.capacity();
    }

    /** @return native address of the first byte, for {@link NetlinkSocket#send(long, int)} */
    public long address() {
        return address;
    }

    /** @return the send buffer (for tests and dumps) */
    public UnsafeBuffer buffer() {
        return buffer;
    }
}
