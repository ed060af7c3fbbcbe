package io.tandem.nativeio.netlink;

import java.nio.ByteOrder;

/**
 * Generic netlink constants from {@code <linux/netlink.h>} and {@code <sys/socket.h>}, checked against the headers by
 * the struct/constant probe test.
 */
public final class NetlinkConstants {
    /** Byte order of every netlink header field: the host's. */
    public static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();

    /** {@code NETLINK_ROUTE}: rtnetlink (links, addresses, routes). */
    public static final int NETLINK_ROUTE = 0;
    /** {@code RTMGRP_LINK}: the rtnetlink multicast group of link changes (bind's nl_groups bit). */
    public static final int RTMGRP_LINK = 1;
    /** {@code RTM_NEWLINK}: a link appeared or changed (name, state). */
    public static final int RTM_NEWLINK = 16;
    /** {@code RTM_DELLINK}: a link went away. */
    public static final int RTM_DELLINK = 17;
    /** {@code NETLINK_NETFILTER}: the nfnetlink protocol. */
    public static final int NETLINK_NETFILTER = 12;

    /** {@code SOL_NETLINK}. */
    public static final int SOL_NETLINK = 270;
    /** {@code NETLINK_NO_ENOBUFS}: overruns drop only what does not fit, recv never fails with ENOBUFS. */
    public static final int NETLINK_NO_ENOBUFS = 5;
    /** {@code NETLINK_CAP_ACK}: errors do not echo the request payload (not used by Tandem). */
    public static final int NETLINK_CAP_ACK = 10;

    /** {@code NLM_F_REQUEST}. */
    public static final short NLM_F_REQUEST = 0x1;
    /** {@code NLM_F_MULTI}. */
    public static final short NLM_F_MULTI = 0x2;
    /** {@code NLM_F_ACK}. */
    public static final short NLM_F_ACK = 0x4;

    /** {@code NLMSG_NOOP}. */
    public static final int NLMSG_NOOP = 1;
    /** {@code NLMSG_ERROR}: an error, or an ACK when the error is 0. */
    public static final int NLMSG_ERROR = 2;
    /** {@code NLMSG_DONE}. */
    public static final int NLMSG_DONE = 3;
    /** {@code NLMSG_OVERRUN}. */
    public static final int NLMSG_OVERRUN = 4;
    /** {@code NLMSG_MIN_TYPE}: types below are netlink control messages. */
    public static final int NLMSG_MIN_TYPE = 0x10;

    /** {@code NLMSG_ALIGNTO} and {@code NLA_ALIGNTO}. */
    public static final int ALIGNTO = 4;
    /** {@code NLA_F_NESTED}. */
    public static final int NLA_F_NESTED = 0x8000;
    /** {@code NLA_F_NET_BYTEORDER}. */
    public static final int NLA_F_NET_BYTEORDER = 0x4000;
    /** {@code NLA_TYPE_MASK}: strips the two flag bits. */
    public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

    private NetlinkConstants() {
    }

    /**
     * @param length a message or attribute length
     * @return the length rounded up to the 4-byte netlink alignment ({@code NLMSG_ALIGN}, {@code NLA_ALIGN})
     */
    public static int align(final int length) {
        return (length + ALIGNTO - 1) & ~(ALIGNTO - 1);
    }
}
