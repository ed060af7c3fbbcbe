package io.tandem.nativeio.nfqueue;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * Read-only flyweight over {@code struct nfqnl_msg_packet_hdr}, the value of {@code NFQA_PACKET_HDR}: packed, 7
 * bytes, big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                     packet_id (big-endian)                    |  0
 * +-------------------------------+---------------+---------------+
 * |    hw_protocol (big-endian)   |     hook      |                  4
 * +-------------------------------+---------------+
 * </pre>
 */
public final class NfqnlPacketHdrFlyweight {
    /** {@code be32 packet_id}. */
    public static final int PACKET_ID_OFFSET = 0;
    /** {@code be16 hw_protocol}: the ethertype, e.g. 0x0800. */
    public static final int HW_PROTOCOL_OFFSET = PACKET_ID_OFFSET + 4;
    /** {@code u8 hook}. */
    public static final int HOOK_OFFSET = HW_PROTOCOL_OFFSET + 2;
    /** {@code sizeof(struct nfqnl_msg_packet_hdr)}, packed. */
    public static final int LENGTH = HOOK_OFFSET + 1;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @param buffer the buffer
     * @param offset where the attribute value starts
     * @return this
     */
    public NfqnlPacketHdrFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return {@code packet_id}, unsigned */
    public long packetId() {
        return buffer.getInt(offset + PACKET_ID_OFFSET, ByteOrder.BIG_ENDIAN) & 0xffff_ffffL;
    }

    /** @return {@code hw_protocol}, unsigned */
    public int hwProtocol() {
        return buffer.getShort(offset + HW_PROTOCOL_OFFSET, ByteOrder.BIG_ENDIAN) & 0xffff;
    }

    /** @return {@code hook} */
    public int hook() {
        return buffer.getByte(offset + HOOK_OFFSET) & 0xff;
    }
}
