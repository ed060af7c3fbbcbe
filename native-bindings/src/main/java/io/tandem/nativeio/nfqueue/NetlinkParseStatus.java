package io.tandem.nativeio.nfqueue;

/**
 * Outcome of {@link NfqPacketParser#parse}: three kinds of success and one named failure per rung of the validation
 * ladder. Each has a lowercase {@link #reasonName()} for metric labels and a one-line {@link #help()} text.
 */
public enum NetlinkParseStatus {
    /** A packet message with a packet header and a payload. */
    OK_PACKET("ok_packet", "NFQUEUE packet message decoded"),
    /** An {@code NLMSG_ERROR}: an ACK (error 0) or a failed request. */
    OK_ERROR("ok_error", "netlink error or ACK decoded"),
    /** A well-formed message of any other type; count and skip it. */
    OK_OTHER("ok_other", "netlink message of another type, skipped"),
    /** Fewer than 16 bytes left: no room for an {@code nlmsghdr}. The rest of the datagram is dropped. */
    TRUNCATED_HEADER("truncated_header", "fewer bytes left than an nlmsghdr (16)"),
    /** {@code nlmsg_len} below 16 or beyond the received bytes. The rest of the datagram is dropped. */
    BAD_MESSAGE_LENGTH("bad_message_length", "nlmsg_len below 16 or beyond the bytes received"),
    /** A packet message too short for its {@code nfgenmsg}. */
    TRUNCATED_NFGEN_HEADER("truncated_nfgen_header", "packet message shorter than nlmsghdr + nfgenmsg (20)"),
    /** An {@code NLMSG_ERROR} too short for its error code. */
    TRUNCATED_ERROR("truncated_error", "NLMSG_ERROR shorter than nlmsghdr + error code (20)"),
    /** {@code nla_len} below 4, or an attribute past {@code nlmsg_len}. */
    BAD_ATTRIBUTE_LENGTH("bad_attribute_length", "nla_len below 4 or attribute past the end of the message"),
    /** A known attribute whose value is shorter than its fixed size (e.g. a 2-byte mark). */
    SHORT_ATTRIBUTE("short_attribute", "known attribute shorter than its fixed value size"),
    /** A packet message without {@code NFQA_PACKET_HDR}: no id, so no verdict is possible. */
    MISSING_PACKET_HEADER("missing_packet_header", "packet message without NFQA_PACKET_HDR (no packet id)"),
    /** A packet message without {@code NFQA_PAYLOAD}: the queue is not in copy-packet mode. */
    MISSING_PAYLOAD("missing_payload", "packet message without NFQA_PAYLOAD (copy mode not PACKET?)");

    private static final NetlinkParseStatus[] VALUES = values();

    private final String reasonName;
    private final String help;

    NetlinkParseStatus(final String reasonName, final String help) {
        this.reasonName = reasonName;
        this.help = help;
    }

    /** @return lowercase, metric-label friendly name */
    public String reasonName() {
        return reasonName;
    }

    /** @return one-line description */
    public String help() {
        return help;
    }

    /** @return true for the three OK statuses */
    public boolean isOk() {
        return this == OK_PACKET || this == OK_ERROR || this == OK_OTHER;
    }

    /** @return true when the datagram cannot be stepped through any further after this status */
    public boolean endsDatagram() {
        return this == TRUNCATED_HEADER || this == BAD_MESSAGE_LENGTH;
    }

    /**
     * @param ordinal an ordinal
     * @return the status with that ordinal, without cloning {@code values()}
     */
    public static NetlinkParseStatus ofOrdinal(final int ordinal) {
        return VALUES[ordinal];
    }

    /** @return the number of statuses */
    public static int count() {
        return VALUES.length;
    }
}
