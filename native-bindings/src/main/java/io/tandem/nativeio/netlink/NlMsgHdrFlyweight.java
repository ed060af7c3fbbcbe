package io.tandem.nativeio.netlink;

import static io.tandem.nativeio.netlink.NetlinkConstants.HOST_ORDER;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight over {@code struct nlmsghdr}, 16 bytes, every field in host byte order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            nlmsg_len: whole message incl. this header         |  0
 * +-------------------------------+-------------------------------+
 * |          nlmsg_type           |          nlmsg_flags          |  4
 * +-------------------------------+-------------------------------+
 * |                           nlmsg_seq                           |  8
 * +---------------------------------------------------------------+
 * |                           nlmsg_pid                           | 12
 * +---------------------------------------------------------------+
 * </pre>
 *
 * Not thread safe; one instance per owner. Accessors do no bounds checks beyond Agrona's.
 */
public final class NlMsgHdrFlyweight {
    /** {@code u32 nlmsg_len}. */
    public static final int MESSAGE_LENGTH_OFFSET = 0;
    /** {@code u16 nlmsg_type}. */
    public static final int TYPE_OFFSET = MESSAGE_LENGTH_OFFSET + 4;
    /** {@code u16 nlmsg_flags}. */
    public static final int FLAGS_OFFSET = TYPE_OFFSET + 2;
    /** {@code u32 nlmsg_seq}. */
    public static final int SEQ_OFFSET = FLAGS_OFFSET + 2;
    /** {@code u32 nlmsg_pid}. */
    public static final int PID_OFFSET = SEQ_OFFSET + 4;
    /** {@code sizeof(struct nlmsghdr)}. */
    public static final int LENGTH = PID_OFFSET + 4;

    private DirectBuffer buffer;
    private MutableDirectBuffer mutableBuffer;
    private int offset;

    /**
     * Wrap for reading.
     *
     * @param buffer the buffer
     * @param offset where the header starts
     * @return this
     */
    public NlMsgHdrFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutableBuffer = null;
        this.offset = offset;
        return this;
    }

    /**
     * Wrap for reading and writing.
     *
     * @param buffer the buffer
     * @param offset where the header starts
     * @return this
     */
    public NlMsgHdrFlyweight wrap(final MutableDirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.mutableBuffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return the wrapped offset */
    public int offset() {
        return offset;
    }

    /** @return {@code nlmsg_len}, as a signed int (a hostile value may be negative) */
    public int messageLength() {
        return buffer.getInt(offset + MESSAGE_LENGTH_OFFSET, HOST_ORDER);
    }

    /**
     * @param length {@code nlmsg_len}
     * @return this
     */
    public NlMsgHdrFlyweight messageLength(final int length) {
        mutableBuffer.putInt(offset + MESSAGE_LENGTH_OFFSET, length, HOST_ORDER);
        return this;
    }

    /** @return {@code nlmsg_type}, unsigned */
    public int type() {
        return buffer.getShort(offset + TYPE_OFFSET, HOST_ORDER) & 0xffff;
    }

    /**
     * @param type {@code nlmsg_type}
     * @return this
     */
    public NlMsgHdrFlyweight type(final int type) {
        mutableBuffer.putShort(offset + TYPE_OFFSET, (short)type, HOST_ORDER);
        return this;
    }

    /** @return {@code nlmsg_flags}, unsigned */
    public int flags() {
        return buffer.getShort(offset + FLAGS_OFFSET, HOST_ORDER) & 0xffff;
    }

    /**
     * @param flags {@code nlmsg_flags}
     * @return this
     */
    public NlMsgHdrFlyweight flags(final int flags) {
        mutableBuffer.putShort(offset + FLAGS_OFFSET, (short)flags, HOST_ORDER);
        return this;
    }

    /** @return {@code nlmsg_seq} */
    public int seq() {
        return buffer.getInt(offset + SEQ_OFFSET, HOST_ORDER);
    }

    /**
     * @param seq {@code nlmsg_seq}
     * @return this
     */
    public NlMsgHdrFlyweight seq(final int seq) {
        mutableBuffer.putInt(offset + SEQ_OFFSET, seq, HOST_ORDER);
        return this;
    }

    /** @return {@code nlmsg_pid} */
    public int pid() {
        return buffer.getInt(offset + PID_OFFSET, HOST_ORDER);
    }

    /**
     * @param pid {@code nlmsg_pid}
     * @return this
     */
    public NlMsgHdrFlyweight pid(final int pid) {
        mutableBuffer.putInt(offset + PID_OFFSET, pid, HOST_ORDER);
        return this;
    }

    /**
     * @param messageLength {@code nlmsg_len}
     * @return where the next message of a datagram starts, relative to this one: {@code NLMSG_ALIGN(len)}
     */
    public static int alignedLength(final int messageLength) {
        return NetlinkConstants.align(messageLength);
    }
}
