package io.tandem.nativeio.netlink;

import static io.tandem.nativeio.netlink.NetlinkConstants.HOST_ORDER;

import org.agrona.DirectBuffer;

/**
 * Read-only flyweight over an {@code NLMSG_ERROR} message: {@code nlmsghdr}, then {@code struct nlmsgerr}
 * ({@code s32 error} and the echoed request header), then, for a real error without {@code NETLINK_CAP_ACK}, the
 * echoed request payload. Wrap it at the start of the message (the outer {@code nlmsghdr}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          nlmsghdr, type NLMSG_ERROR (2), 16 bytes             |  0
 * +---------------------------------------------------------------+
 * |  error: s32, host order, negative errno; 0 = ACK              | 16
 * +---------------------------------------------------------------+
 * |     echoed request nlmsghdr (len, type, flags, seq, pid)      | 20
 * +---------------------------------------------------------------+
 * |     echoed request payload (errors only): nfgenmsg @36,       | 36
 * |     for a verdict: NFQA_VERDICT_HDR @40, verdict @44, id @48  |
 * +---------------------------------------------------------------+
 * </pre>
 */
public final class NlMsgErrFlyweight {
    /** {@code s32 error}, host order. */
    public static final int ERROR_OFFSET = NlMsgHdrFlyweight.LENGTH;
    /** The echoed request {@code nlmsghdr}. */
    public static final int ECHOED_HEADER_OFFSET = ERROR_OFFSET + 4;
    /** Message length of an ACK, and {@code sizeof(struct nlmsgerr)} plus the outer header. */
    public static final int LENGTH = ECHOED_HEADER_OFFSET + NlMsgHdrFlyweight.LENGTH;
    /** The echoed request payload, present for errors. */
    public static final int ECHOED_PAYLOAD_OFFSET = LENGTH;

    private DirectBuffer buffer;
    private int offset;

    /**
     * @param buffer the buffer
     * @param offset where the outer {@code nlmsghdr} starts
     * @return this
     */
    public NlMsgErrFlyweight wrap(final DirectBuffer buffer, final int offset) {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return {@code error}: 0 for an ACK, otherwise a negative errno */
    public int error() {
        return buffer.getInt(offset + ERROR_OFFSET, HOST_ORDER);
    }

    /** @return echoed {@code nlmsg_len} */
    public int echoedMessageLength() {
        return buffer.getInt(offset + ECHOED_HEADER_OFFSET + NlMsgHdrFlyweight.MESSAGE_LENGTH_OFFSET, HOST_ORDER);
    }

    /** @return echoed {@code nlmsg_type}, unsigned */
    public int echoedType() {
        return buffer.getShort(offset + ECHOED_HEADER_OFFSET + NlMsgHdrFlyweight.TYPE_OFFSET, HOST_ORDER) & 0xffff;
    }

    /** @return echoed {@code nlmsg_flags}, unsigned */
    public int echoedFlags() {
        return buffer.getShort(offset + ECHOED_HEADER_OFFSET + NlMsgHdrFlyweight.FLAGS_OFFSET, HOST_ORDER) & 0xffff;
    }

    /** @return echoed {@code nlmsg_seq} */
    public int echoedSeq() {
        return buffer.getInt(offset + ECHOED_HEADER_OFFSET + NlMsgHdrFlyweight.SEQ_OFFSET, HOST_ORDER);
    }

    /** @return echoed {@code nlmsg_pid} */
    public int echoedPid() {
        return buffer.getInt(offset + ECHOED_HEADER_OFFSET + NlMsgHdrFlyweight.PID_OFFSET, HOST_ORDER);
    }
}
