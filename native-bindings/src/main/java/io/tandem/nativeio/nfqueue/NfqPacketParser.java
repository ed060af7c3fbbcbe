package io.tandem.nativeio.nfqueue;

import static io.tandem.nativeio.netlink.NetlinkConstants.HOST_ORDER;

import java.nio.ByteOrder;

import io.tandem.nativeio.netlink.NetlinkConstants;
import io.tandem.nativeio.netlink.NfGenMsgFlyweight;
import io.tandem.nativeio.netlink.NlAttrFlyweight;
import io.tandem.nativeio.netlink.NlMsgErrFlyweight;
import io.tandem.nativeio.netlink.NlMsgHdrFlyweight;

import org.agrona.DirectBuffer;

/**
 * Decodes one netlink message of an nfqueue socket into preallocated fields.
 *
 * <p>Theory of operation. The owner calls {@link #parse(DirectBuffer, int, int)} with the offset of a message and the
 * end of the received bytes, reads the fields that match the returned {@link NetlinkParseStatus}, and continues at
 * {@link #nextOffset()} ({@code offset + NLMSG_ALIGN(nlmsg_len)}) while it is below the end; nfqueue sends one packet
 * per datagram, but errors and other messages may share one. The fields stay valid until the next parse; payload
 * fields are offsets into the caller's buffer, not copies.
 *
 * <p>Validation ladder (each rung returns its own status and bumps its counter, see {@link #count}): room for an
 * {@code nlmsghdr}; {@code nlmsg_len} between 16 and the bytes received; dispatch on {@code nlmsg_type}
 * ({@code NLMSG_ERROR}, packet, other); room for {@code nfgenmsg}; each attribute's {@code nla_len} at least 4 and
 * inside {@code nlmsg_len} (the last attribute may be unpadded); known attributes at least their fixed size; packet
 * header present; payload present. A datagram cut by {@code MSG_TRUNC} can still be parsed with
 * {@link #parse(DirectBuffer, int, int, boolean)}: the payload is clipped and {@link #truncated()} is set.
 *
 * <p>Owner: the packet agent; not thread safe. Memory: fixed fields only. Failure policy: never throws on any byte
 * input (given {@code 0 <= offset} and {@code limit <= buffer.capacity()}; other arguments return
 * {@link NetlinkParseStatus#TRUNCATED_HEADER}), never allocates, never reads outside {@code [offset, limit)}.
 */
public final class NfqPacketParser {
    private static final int NFGEN_OFFSET = NlMsgHdrFlyweight.LENGTH;
    private static final int ATTRIBUTES_OFFSET = NFGEN_OFFSET + NfGenMsgFlyweight.LENGTH;
    /** Where the echoed request's first attribute sits in an error for one of our verdicts (40). */
    public static final int ECHOED_ATTRIBUTE_OFFSET = NlMsgErrFlyweight.ECHOED_PAYLOAD_OFFSET + NfGenMsgFlyweight.LENGTH;
    /** Verdict in an error for one of our verdicts (44). */
    public static final int ECHOED_VERDICT_OFFSET = ECHOED_ATTRIBUTE_OFFSET + NlAttrFlyweight.VALUE_OFFSET
        + NfqnlVerdictHdrFlyweight.VERDICT_OFFSET;
    /** Packet id in an error for one of our verdicts (48). */
    public static final int ECHOED_PACKET_ID_OFFSET = ECHOED_ATTRIBUTE_OFFSET + NlAttrFlyweight.VALUE_OFFSET
        + NfqnlVerdictHdrFlyweight.ID_OFFSET;
    private static final int ECHOED_VERDICT_END = ECHOED_PACKET_ID_OFFSET + 4;

    private final NlMsgHdrFlyweight header = new NlMsgHdrFlyweight();
    private final NfGenMsgFlyweight nfgen = new NfGenMsgFlyweight();
    private final NlAttrFlyweight attribute = new NlAttrFlyweight();
    private final NlMsgErrFlyweight error = new NlMsgErrFlyweight();
    private final NfqnlPacketHdrFlyweight packetHdr = new NfqnlPacketHdrFlyweight();
    private final NfqnlVerdictHdrFlyweight echoedVerdictHdr = new NfqnlVerdictHdrFlyweight();
    private final long[] counts = new long[NetlinkParseStatus.count()];

    private NetlinkParseStatus status = NetlinkParseStatus.TRUNCATED_HEADER;
    private int nextOffset;
    private int messageLength;
    private int messageType;
    private int messageFlags;
    private int seq;
    private boolean truncated;

    private int family;
    private int queue;
    private long attributesSeen;
    private boolean hasPacketHeader;
    private long packetId;
    private int hwProtocol;
    private int hook;
    private boolean hasMark;
    private int mark;
    private int indev;
    private int outdev;
    private int physIndev;
    private int physOutdev;
    private boolean hasCapLen;
    private int capLen;
    private int skbInfo;
    private boolean hasCtInfo;
    private int ctInfo;
    private boolean hasUid;
    private int uid;
    private boolean hasGid;
    private int gid;
    private boolean hasTimestamp;
    private long timestampSeconds;
    private long timestampMicros;
    private boolean hasPayload;
    private int payloadOffset;
    private int payloadLength;

    private int errorCode;
    private int echoedType;
    private int echoedSeq;
    private boolean hasEchoedVerdict;
    private int echoedVerdict;
    private long echoedPacketId;

    /**
     * Parse one message from a complete (not truncated) datagram.
     *
     * @param buffer the receive buffer
     * @param offset where the message starts
     * @param limit  end of the received bytes (exclusive), e.g. {@code offset + msg_len} for the first message
     * @return the status; {@link #nextOffset()} says where to continue
     */
    public NetlinkParseStatus parse(final DirectBuffer buffer, final int offset, final int limit) {
        return parse(buffer, offset, limit, false);
    }

    /**
     * Parse one message.
     *
     * @param buffer            the receive buffer
     * @param offset            where the message starts
     * @param limit             end of the received bytes (exclusive)
     * @param datagramTruncated the kernel reported {@code MSG_TRUNC}: accept a message longer than the bytes
     *                          received, clip the payload and set {@link #truncated()}
     * @return the status; {@link #nextOffset()} says where to continue
     */
    public NetlinkParseStatus parse(final DirectBuffer buffer, final int offset, final int limit,
                                    final boolean datagramTruncated) {
        return record(decode(buffer, offset, limit, datagramTruncated));
    }

    private NetlinkParseStatus record(final NetlinkParseStatus result) {
        counts[result.ordinal()]++;
        status = result;
        return result;
    }

    private NetlinkParseStatus decode(final DirectBuffer buffer, final int offset, final int limit,
                                      final boolean datagramTruncated) {
        clear();
        nextOffset = limit;
        if (offset < 0 || limit > buffer.capacity() || limit - offset < NlMsgHdrFlyweight.LENGTH) {
            return NetlinkParseStatus.TRUNCATED_HEADER;
        }
        header.wrap(buffer, offset);
        final int length = header.messageLength();
        messageLength = length;
        messageType = header.type();
        messageFlags = header.flags();
        seq = header.seq();
        if (length < NlMsgHdrFlyweight.LENGTH) {
            return NetlinkParseStatus.BAD_MESSAGE_LENGTH;
        }
        final int bound;
        if (length > limit - offset) {
            if (!datagramTruncated) {
                return NetlinkParseStatus.BAD_MESSAGE_LENGTH;
            }
            truncated = true;
            bound = limit;
        } else {
            bound = offset + length;
            nextOffset = (int)Math.min(limit, (long)offset + NetlinkConstants.align(length));
        }

        if (messageType == NetlinkConstants.NLMSG_ERROR) {
            return decodeError(buffer, offset, bound);
        }
        if (messageType != NfqConstants.TYPE_PACKET) {
            return NetlinkParseStatus.OK_OTHER;
        }
        if (bound - offset < ATTRIBUTES_OFFSET) {
            return NetlinkParseStatus.TRUNCATED_NFGEN_HEADER;
        }
        nfgen.wrap(buffer, offset + NFGEN_OFFSET);
        family = nfgen.family();
        queue = nfgen.resId();

        int position = offset + ATTRIBUTES_OFFSET;
        while (bound - position >= NlAttrFlyweight.LENGTH) {
            attribute.wrap(buffer, position);
            final int attributeLength = attribute.attributeLength();
            final int type = attribute.type();
            if (attributeLength < NlAttrFlyweight.LENGTH) {
                return NetlinkParseStatus.BAD_ATTRIBUTE_LENGTH;
            }
            if (attributeLength > bound - position) {
                if (!truncated) {
                    return NetlinkParseStatus.BAD_ATTRIBUTE_LENGTH;
                }
                if (type == NfqConstants.NFQA_PAYLOAD) {
                    markSeen(type);
                    hasPayload = true;
                    payloadOffset = position + NlAttrFlyweight.VALUE_OFFSET;
                    payloadLength = bound - payloadOffset;
                }
                break; // cut off by MSG_TRUNC: keep what came before
            }
            final NetlinkParseStatus attributeStatus =
                decodeAttribute(buffer, type, position + NlAttrFlyweight.VALUE_OFFSET, attributeLength - 4);
            if (attributeStatus != null) {
                return attributeStatus;
            }
            position += NetlinkConstants.align(attributeLength);
        }

        if (!hasPacketHeader) {
            return NetlinkParseStatus.MISSING_PACKET_HEADER;
        }
        if (!hasPayload) {
            return NetlinkParseStatus.MISSING_PAYLOAD;
        }
        if (!hasCapLen) {
            capLen = payloadLength;
        }
        return NetlinkParseStatus.OK_PACKET;
    }

    /** Returns null to continue, or the failure. */
    private NetlinkParseStatus decodeAttribute(final DirectBuffer buffer, final int type, final int valueOffset,
                                               final int valueLength) {
        markSeen(type);
        switch (type) {
            case NfqConstants.NFQA_PACKET_HDR:
                if (valueLength < NfqnlPacketHdrFlyweight.LENGTH) {
                    return NetlinkParseStatus.SHORT_ATTRIBUTE;
                }
                packetHdr.wrap(buffer, valueOffset);
                packetId = packetHdr.packetId();
                hwProtocol = packetHdr.hwProtocol();
                hook = packetHdr.hook();
                hasPacketHeader = true;
                return null;
            case NfqConstants.NFQA_PAYLOAD:
                hasPayload = true;
                payloadOffset = valueOffset;
                payloadLength = valueLength;
                return null;
            case NfqConstants.NFQA_TIMESTAMP:
                if (valueLength < 16) {
                    return NetlinkParseStatus.SHORT_ATTRIBUTE;
                }
                hasTimestamp = true;
                timestampSeconds = buffer.getLong(valueOffset, ByteOrder.BIG_ENDIAN);
                timestampMicros = buffer.getLong(valueOffset + 8, ByteOrder.BIG_ENDIAN);
                return null;
            case NfqConstants.NFQA_MARK:
            case NfqConstants.NFQA_IFINDEX_INDEV:
            case NfqConstants.NFQA_IFINDEX_OUTDEV:
            case NfqConstants.NFQA_IFINDEX_PHYSINDEV:
            case NfqConstants.NFQA_IFINDEX_PHYSOUTDEV:
            case NfqConstants.NFQA_CT_INFO:
            case NfqConstants.NFQA_CAP_LEN:
            case NfqConstants.NFQA_SKB_INFO:
            case NfqConstants.NFQA_UID:
            case NfqConstants.NFQA_GID:
                if (valueLength < 4) {
                    return NetlinkParseStatus.SHORT_ATTRIBUTE;
                }
                decodeU32(type, buffer.getInt(valueOffset, ByteOrder.BIG_ENDIAN));
                return null;
            default:
                return null; // HWADDR, CT, EXP, SECCTX, VLAN, L2HDR, newer ones: seen, not decoded
        }
    }

    private void decodeU32(final int type, final int value) {
        switch (type) {
            case NfqConstants.NFQA_MARK:
                hasMark = true;
                mark = value;
                break;
            case NfqConstants.NFQA_IFINDEX_INDEV:
                indev = value;
                break;
            case NfqConstants.NFQA_IFINDEX_OUTDEV:
                outdev = value;
                break;
            case NfqConstants.NFQA_IFINDEX_PHYSINDEV:
                physIndev = value;
                break;
            case NfqConstants.NFQA_IFINDEX_PHYSOUTDEV:
                physOutdev = value;
                break;
            case NfqConstants.NFQA_CT_INFO:
                hasCtInfo = true;
                ctInfo = value;
                break;
            case NfqConstants.NFQA_CAP_LEN:
                hasCapLen = true;
                capLen = value;
                break;
            case NfqConstants.NFQA_SKB_INFO:
                skbInfo = value;
                break;
            case NfqConstants.NFQA_UID:
                hasUid = true;
                uid = value;
                break;
            case NfqConstants.NFQA_GID:
                hasGid = true;
                gid = value;
                break;
            default:
                break;
        }
    }

    private NetlinkParseStatus decodeError(final DirectBuffer buffer, final int offset, final int bound) {
        final int available = bound - offset;
        if (available < NlMsgErrFlyweight.ECHOED_HEADER_OFFSET) {
            return NetlinkParseStatus.TRUNCATED_ERROR;
        }
        error.wrap(buffer, offset);
        errorCode = error.error();
        if (available >= NlMsgErrFlyweight.LENGTH) {
            echoedType = error.echoedType();
            echoedSeq = error.echoedSeq();
            if ((echoedType == NfqConstants.TYPE_VERDICT || echoedType == NfqConstants.TYPE_VERDICT_BATCH)
                && available >= ECHOED_VERDICT_END) {
                attribute.wrap(buffer, offset + ECHOED_ATTRIBUTE_OFFSET);
                if (attribute.type() == NfqConstants.NFQA_VERDICT_HDR
                    && attribute.attributeLength() >= NlAttrFlyweight.LENGTH + NfqnlVerdictHdrFlyweight.LENGTH) {
                    echoedVerdictHdr.wrap(buffer, offset + ECHOED_ATTRIBUTE_OFFSET + NlAttrFlyweight.VALUE_OFFSET);
                    hasEchoedVerdict = true;
                    echoedVerdict = echoedVerdictHdr.verdict();
                    echoedPacketId = echoedVerdictHdr.id();
                }
            }
        }
        return NetlinkParseStatus.OK_ERROR;
    }

    private void markSeen(final int type) {
        if (type < Long.SIZE) {
            attributesSeen |= 1L << type;
        }
    }

    private void clear() {
        messageLength = 0;
        messageType = 0;
        messageFlags = 0;
        seq = 0;
        truncated = false;
        family = 0;
        queue = 0;
        attributesSeen = 0;
        hasPacketHeader = false;
        packetId = 0;
        hwProtocol = 0;
        hook = 0;
        hasMark = false;
        mark = 0;
        indev = 0;
        outdev = 0;
        physIndev = 0;
        physOutdev = 0;
        hasCapLen = false;
        capLen = 0;
        skbInfo = 0;
        hasCtInfo = false;
        ctInfo = 0;
        hasUid = false;
        uid = 0;
        hasGid = false;
        gid = 0;
        hasTimestamp = false;
        timestampSeconds = 0;
        timestampMicros = 0;
        hasPayload = false;
        payloadOffset = 0;
        payloadLength = 0;
        errorCode = 0;
        echoedType = 0;
        echoedSeq = 0;
        hasEchoedVerdict = false;
        echoedVerdict = 0;
        echoedPacketId = 0;
    }

    /**
     * @param nlmsgLen {@code nlmsg_len}
     * @return the distance to the next message: {@code (nlmsgLen + 3) & ~3}
     */
    public static int alignedMessageLength(final int nlmsgLen) {
        return NetlinkConstants.align(nlmsgLen);
    }

    /**
     * @param status a status
     * @return how many parses returned it since construction
     */
    public long count(final NetlinkParseStatus status) {
        return counts[status.ordinal()];
    }

    /** @return the status of the last parse */
    public NetlinkParseStatus status() {
        return status;
    }

    /** @return where the next message of the datagram starts; equals the limit when there is none */
    public int nextOffset() {
        return nextOffset;
    }

    /** @return {@code nlmsg_len} of the last message (0 if there was no header) */
    public int messageLength() {
        return messageLength;
    }

    /** @return full {@code nlmsg_type}, e.g. 0x0300 for a packet, 2 for an error */
    public int messageType() {
        return messageType;
    }

    /** @return {@code nlmsg_flags} */
    public int messageFlags() {
        return messageFlags;
    }

    /** @return {@code nlmsg_seq} (0 in kernel packet messages) */
    public int seq() {
        return seq;
    }

    /** @return true when the message was cut by {@code MSG_TRUNC}; the payload is clipped */
    public boolean truncated() {
        return truncated;
    }

    /** @return {@code nfgen_family}: the hook's protocol family (2 IPv4, 10 IPv6, 7 bridge) */
    public int family() {
        return family;
    }

    /** @return {@code res_id}: the queue number */
    public int queue() {
        return queue;
    }

    /** @return bit {@code n} set when attribute type {@code n} (below 64) was present */
    public long attributesSeen() {
        return attributesSeen;
    }

    /** @return packet id, unsigned 32-bit */
    public long packetId() {
        return packetId;
    }

    /** @return ethertype of the packet, e.g. 0x0800 */
    public int hwProtocol() {
        return hwProtocol;
    }

    /** @return netfilter hook, e.g. {@link NfqConstants#NF_INET_FORWARD} */
    public int hook() {
        return hook;
    }

    /** @return whether {@code NFQA_MARK} was present (the kernel sends it only when non-zero) */
    public boolean hasMark() {
        return hasMark;
    }

    /** @return packet mark, 0 when absent */
    public int mark() {
        return mark;
    }

    /** @return input ifindex, 0 when absent */
    public int indev() {
        return indev;
    }

    /** @return output ifindex, 0 when absent */
    public int outdev() {
        return outdev;
    }

    /** @return bridge port input ifindex, 0 when absent */
    public int physIndev() {
        return physIndev;
    }

    /** @return bridge port output ifindex, 0 when absent */
    public int physOutdev() {
        return physOutdev;
    }

    /** @return whether {@code NFQA_CAP_LEN} was present (the payload was cut at the copy range) */
    public boolean hasCapLen() {
        return hasCapLen;
    }

    /** @return original packet length: {@code NFQA_CAP_LEN}, or the payload length when absent */
    public int capLen() {
        return capLen;
    }

    /** @return {@code NFQA_SKB_INFO} bits, 0 when absent */
    public int skbInfo() {
        return skbInfo;
    }

    /** @return whether {@code NFQA_CT_INFO} was present */
    public boolean hasCtInfo() {
        return hasCtInfo;
    }

    /** @return conntrack info, valid when {@link #hasCtInfo()} */
    public int ctInfo() {
        return ctInfo;
    }

    /** @return whether {@code NFQA_UID} was present */
    public boolean hasUid() {
        return hasUid;
    }

    /** @return socket owner uid, valid when {@link #hasUid()} */
    public int uid() {
        return uid;
    }

    /** @return whether {@code NFQA_GID} was present */
    public boolean hasGid() {
        return hasGid;
    }

    /** @return socket owner gid, valid when {@link #hasGid()} */
    public int gid() {
        return gid;
    }

    /** @return whether {@code NFQA_TIMESTAMP} was present */
    public boolean hasTimestamp() {
        return hasTimestamp;
    }

    /** @return timestamp seconds */
    public long timestampSeconds() {
        return timestampSeconds;
    }

    /** @return timestamp microseconds */
    public long timestampMicros() {
        return timestampMicros;
    }

    /** @return whether {@code NFQA_PAYLOAD} was present */
    public boolean hasPayload() {
        return hasPayload;
    }

    /** @return buffer offset of the L3 packet */
    public int payloadOffset() {
        return payloadOffset;
    }

    /** @return bytes of the L3 packet present in the buffer */
    public int payloadLength() {
        return payloadLength;
    }

    /** @return {@code nlmsgerr.error}: 0 for an ACK, otherwise a negative errno */
    public int error() {
        return errorCode;
    }

    /** @return the positive errno of an error message, 0 for an ACK */
    public int errno() {
        return -errorCode;
    }

    /** @return echoed request {@code nlmsg_type} (0 when not present) */
    public int echoedType() {
        return echoedType;
    }

    /** @return echoed request {@code nlmsg_seq}: the packet id for Tandem's verdicts, the config seq for setup */
    public int echoedSeq() {
        return echoedSeq;
    }

    /** @return whether the error echoed a verdict header (bytes 44..51) */
    public boolean hasEchoedVerdict() {
        return hasEchoedVerdict;
    }

    /** @return echoed verdict, valid when {@link #hasEchoedVerdict()} */
    public int echoedVerdict() {
        return echoedVerdict;
    }

    /** @return echoed packet id, valid when {@link #hasEchoedVerdict()} */
    public long echoedPacketId() {
        return echoedPacketId;
    }
}
