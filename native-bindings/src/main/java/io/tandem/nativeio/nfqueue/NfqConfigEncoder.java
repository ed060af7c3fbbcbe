package io.tandem.nativeio.nfqueue;

import io.tandem.nativeio.netlink.NetlinkConstants;
import io.tandem.nativeio.netlink.NfGenMsgFlyweight;
import io.tandem.nativeio.netlink.NlAttrFlyweight;
import io.tandem.nativeio.netlink.NlMsgHdrFlyweight;

import org.agrona.MutableDirectBuffer;

/**
 * Encodes {@code NFQNL_MSG_CONFIG} messages, always with {@code NLM_F_REQUEST | NLM_F_ACK}.
 *
 * <p>The bind message is the single combined one of spec §4/§15 example 1: {@code CMD}=BIND, {@code PARAMS},
 * {@code QUEUE_MAXLEN}, {@code FLAGS}, {@code MASK} in that order (64 bytes), so that no packet finds the queue in
 * {@code COPY_NONE} between a bare BIND and a later PARAMS. The same message without {@code CMD} (56 bytes) answers
 * EBUSY; UNBIND is 28 bytes. {@code MASK} always equals {@code FLAGS}. Every attribute is padded to 4 bytes and
 * {@code nlmsg_len} includes the padding.
 *
 * <p>Setup time only; not thread safe (holds flyweights); one instance per session.
 */
public final class NfqConfigEncoder {
    /** Length of the combined BIND config message. */
    public static final int BIND_CONFIG_LENGTH = NlMsgHdrFlyweight.LENGTH + NfGenMsgFlyweight.LENGTH
        + NetlinkConstants.align(NlAttrFlyweight.LENGTH + NfqnlConfigCmdFlyweight.LENGTH)
        + NetlinkConstants.align(NlAttrFlyweight.LENGTH + NfqnlConfigParamsFlyweight.LENGTH)
        + 3 * NetlinkConstants.align(NlAttrFlyweight.LENGTH + 4);
    /** Length of the config message without {@code CMD}. */
    public static final int PARAMS_CONFIG_LENGTH = BIND_CONFIG_LENGTH
        - NetlinkConstants.align(NlAttrFlyweight.LENGTH + NfqnlConfigCmdFlyweight.LENGTH);
    /** Length of the UNBIND message. */
    public static final int UNBIND_LENGTH = NlMsgHdrFlyweight.LENGTH + NfGenMsgFlyweight.LENGTH
        + NetlinkConstants.align(NlAttrFlyweight.LENGTH + NfqnlConfigCmdFlyweight.LENGTH);

    private final NlMsgHdrFlyweight header = new NlMsgHdrFlyweight();
    private final NfGenMsgFlyweight nfgen = new NfGenMsgFlyweight();
    private final NfqnlConfigCmdFlyweight cmd = new NfqnlConfigCmdFlyweight();
    private final NfqnlConfigParamsFlyweight params = new NfqnlConfigParamsFlyweight();

    /**
     * Encode the combined BIND config (spec §15 example 1).
     *
     * @param buffer      destination, at least {@link #BIND_CONFIG_LENGTH} bytes from offset
     * @param offset      where the message starts
     * @param queue       queue number (res_id)
     * @param seq         {@code nlmsg_seq} to match the ACK
     * @param copyMode    e.g. {@link NfqConstants#NFQNL_COPY_PACKET}
     * @param copyRange   bytes per packet
     * @param queueMaxLen kernel queue length
     * @param flags       {@code NFQA_CFG_F_*} bits; also written as the mask
     * @return bytes written
     */
    public int encodeBind(final MutableDirectBuffer buffer, final int offset, final int queue, final int seq,
                          final int copyMode, final int copyRange, final int queueMaxLen, final int flags) {
        return encode(buffer, offset, queue, seq, NfqConstants.NFQNL_CFG_CMD_BIND, copyMode, copyRange, queueMaxLen,
            flags);
    }

    /**
     * Encode the config without {@code CMD}: reconfigures a queue this socket already owns (the EBUSY answer).
     *
     * @param buffer      destination, at least {@link #PARAMS_CONFIG_LENGTH} bytes from offset
     * @param offset      where the message starts
     * @param queue       queue number
     * @param seq         {@code nlmsg_seq}
     * @param copyMode    copy mode
     * @param copyRange   copy range
     * @param queueMaxLen queue length
     * @param flags       flags, also the mask
     * @return bytes written
     */
    public int encodeParams(final MutableDirectBuffer buffer, final int offset, final int queue, final int seq,
                            final int copyMode, final int copyRange, final int queueMaxLen, final int flags) {
        return encode(buffer, offset, queue, seq, NfqConstants.NFQNL_CFG_CMD_NONE, copyMode, copyRange, queueMaxLen,
            flags);
    }

    /**
     * Encode {@code CMD}=UNBIND; destroys the queue instance and drops everything still queued.
     *
     * @param buffer destination, at least {@link #UNBIND_LENGTH} bytes from offset
     * @param offset where the message starts
     * @param queue  queue number
     * @param seq    {@code nlmsg_seq}
     * @return bytes written
     */
    public int encodeUnbind(final MutableDirectBuffer buffer, final int offset, final int queue, final int seq) {
        int position = putHeaders(buffer, offset, queue, seq);
        position += putCommand(buffer, position, NfqConstants.NFQNL_CFG_CMD_UNBIND);
        return finish(position - offset);
    }

    private int encode(final MutableDirectBuffer buffer, final int offset, final int queue, final int seq,
                       final int command, final int copyMode, final int copyRange, final int queueMaxLen,
                       final int flags) {
        int position = putHeaders(buffer, offset, queue, seq);
        if (command != NfqConstants.NFQNL_CFG_CMD_NONE) {
            position += putCommand(buffer, position, command);
        }
        final int paramsLength = NlAttrFlyweight.putHeaderAndPad(buffer, position, NfqConstants.NFQA_CFG_PARAMS,
            NfqnlConfigParamsFlyweight.LENGTH);
        params.wrap(buffer, position + NlAttrFlyweight.VALUE_OFFSET).set(copyRange, copyMode);
        position += paramsLength;
        position += NlAttrFlyweight.putU32BigEndian(buffer, position, NfqConstants.NFQA_CFG_QUEUE_MAXLEN, queueMaxLen);
        position += NlAttrFlyweight.putU32BigEndian(buffer, position, NfqConstants.NFQA_CFG_FLAGS, flags);
        position += NlAttrFlyweight.putU32BigEndian(buffer, position, NfqConstants.NFQA_CFG_MASK, flags);
        return finish(position - offset);
    }

    private int putHeaders(final MutableDirectBuffer buffer, final int offset, final int queue, final int seq) {
        header.wrap(buffer, offset)
            .messageLength(0)
            .type(NfqConstants.TYPE_CONFIG)
            .flags(NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK)
            .seq(seq)
            .pid(0);
        nfgen.wrap(buffer, offset + NlMsgHdrFlyweight.LENGTH)
            .family(NfqConstants.NFPROTO_UNSPEC)
            .version(NfGenMsgFlyweight.NFNETLINK_V0)
            .resId(queue);
        return offset + NlMsgHdrFlyweight.LENGTH + NfGenMsgFlyweight.LENGTH;
    }

    private int putCommand(final MutableDirectBuffer buffer, final int position, final int command) {
        final int length = NlAttrFlyweight.putHeaderAndPad(buffer, position, NfqConstants.NFQA_CFG_CMD,
            NfqnlConfigCmdFlyweight.LENGTH);
        cmd.wrap(buffer, position + NlAttrFlyweight.VALUE_OFFSET).set(command, 0);
        return length;
    }

    private int finish(final int length) {
        header.messageLength(length);
        return length;
    }
}
