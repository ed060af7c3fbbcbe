package io.tandem.nativeio.nfqueue;

/**
 * Numbers of {@code <linux/netfilter/nfnetlink_queue.h>}, {@code <linux/netfilter/nfnetlink.h>} and
 * {@code <linux/netfilter.h>}, checked against the headers by the struct/constant probe test.
 */
public final class NfqConstants {
    /** {@code NFNL_SUBSYS_QUEUE}: the high byte of every nfqueue {@code nlmsg_type}. */
    public static final int NFNL_SUBSYS_QUEUE = 3;

    /** {@code NFQNL_MSG_PACKET}: kernel to user. */
    public static final int NFQNL_MSG_PACKET = 0;
    /** {@code NFQNL_MSG_VERDICT}. */
    public static final int NFQNL_MSG_VERDICT = 1;
    /** {@code NFQNL_MSG_CONFIG}. */
    public static final int NFQNL_MSG_CONFIG = 2;
    /** {@code NFQNL_MSG_VERDICT_BATCH}. */
    public static final int NFQNL_MSG_VERDICT_BATCH = 3;

    /** Full {@code nlmsg_type} of a packet message, 0x0300. */
    public static final int TYPE_PACKET = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET;
    /** Full {@code nlmsg_type} of a verdict, 0x0301. */
    public static final int TYPE_VERDICT = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_VERDICT;
    /** Full {@code nlmsg_type} of a config message, 0x0302. */
    public static final int TYPE_CONFIG = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_CONFIG;
    /** Full {@code nlmsg_type} of a batch verdict, 0x0303. */
    public static final int TYPE_VERDICT_BATCH = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_VERDICT_BATCH;

    /** {@code NFQA_PACKET_HDR}: id, hw protocol, hook. */
    public static final int NFQA_PACKET_HDR = 1;
    /** {@code NFQA_VERDICT_HDR}: verdict, id. */
    public static final int NFQA_VERDICT_HDR = 2;
    /** {@code NFQA_MARK}. */
    public static final int NFQA_MARK = 3;
    /** {@code NFQA_TIMESTAMP}. */
    public static final int NFQA_TIMESTAMP = 4;
    /** {@code NFQA_IFINDEX_INDEV}. */
    public static final int NFQA_IFINDEX_INDEV = 5;
    /** {@code NFQA_IFINDEX_OUTDEV}. */
    public static final int NFQA_IFINDEX_OUTDEV = 6;
    /** {@code NFQA_IFINDEX_PHYSINDEV}. */
    public static final int NFQA_IFINDEX_PHYSINDEV = 7;
    /** {@code NFQA_IFINDEX_PHYSOUTDEV}. */
    public static final int NFQA_IFINDEX_PHYSOUTDEV = 8;
    /** {@code NFQA_HWADDR}. */
    public static final int NFQA_HWADDR = 9;
    /** {@code NFQA_PAYLOAD}. */
    public static final int NFQA_PAYLOAD = 10;
    /** {@code NFQA_CT}. */
    public static final int NFQA_CT = 11;
    /** {@code NFQA_CT_INFO}. */
    public static final int NFQA_CT_INFO = 12;
    /** {@code NFQA_CAP_LEN}. */
    public static final int NFQA_CAP_LEN = 13;
    /** {@code NFQA_SKB_INFO}. */
    public static final int NFQA_SKB_INFO = 14;
    /** {@code NFQA_EXP}. */
    public static final int NFQA_EXP = 15;
    /** {@code NFQA_UID}. */
    public static final int NFQA_UID = 16;
    /** {@code NFQA_GID}. */
    public static final int NFQA_GID = 17;
    /** {@code NFQA_SECCTX}. */
    public static final int NFQA_SECCTX = 18;
    /** {@code NFQA_VLAN}. */
    public static final int NFQA_VLAN = 19;
    /** {@code NFQA_L2HDR}. */
    public static final int NFQA_L2HDR = 20;
    /** {@code NFQA_PRIORITY}. */
    public static final int NFQA_PRIORITY = 21;
    /** {@code NFQA_CGROUP_CLASSID}. */
    public static final int NFQA_CGROUP_CLASSID = 22;
    /** One above the highest attribute number Tandem knows; sizes dispatch tables. */
    public static final int NFQA_KNOWN_LIMIT = 23;

    /** {@code NFQA_CFG_CMD}. */
    public static final int NFQA_CFG_CMD = 1;
    /** {@code NFQA_CFG_PARAMS}. */
    public static final int NFQA_CFG_PARAMS = 2;
    /** {@code NFQA_CFG_QUEUE_MAXLEN}. */
    public static final int NFQA_CFG_QUEUE_MAXLEN = 3;
    /** {@code NFQA_CFG_MASK}. */
    public static final int NFQA_CFG_MASK = 4;
    /** {@code NFQA_CFG_FLAGS}. */
    public static final int NFQA_CFG_FLAGS = 5;

    /** No command. */
    public static final int NFQNL_CFG_CMD_NONE = 0;
    /** {@code NFQNL_CFG_CMD_BIND}. */
    public static final int NFQNL_CFG_CMD_BIND = 1;
    /** {@code NFQNL_CFG_CMD_UNBIND}. */
    public static final int NFQNL_CFG_CMD_UNBIND = 2;
    /** {@code NFQNL_CFG_CMD_PF_BIND}: obsolete since 3.8, never sent. */
    public static final int NFQNL_CFG_CMD_PF_BIND = 3;
    /** {@code NFQNL_CFG_CMD_PF_UNBIND}: obsolete since 3.8, never sent. */
    public static final int NFQNL_CFG_CMD_PF_UNBIND = 4;

    /** {@code NFQNL_COPY_NONE}. */
    public static final int NFQNL_COPY_NONE = 0;
    /** {@code NFQNL_COPY_META}. */
    public static final int NFQNL_COPY_META = 1;
    /** {@code NFQNL_COPY_PACKET}. */
    public static final int NFQNL_COPY_PACKET = 2;
    /** Largest useful copy range: 0xffff minus the attribute header; 0 or more means this. */
    public static final int MAX_COPY_RANGE = 0xffff - 4;

    /** {@code NFQA_CFG_F_FAIL_OPEN}: accept instead of drop when the queue or socket is full. */
    public static final int NFQA_CFG_F_FAIL_OPEN = 0x1;
    /** {@code NFQA_CFG_F_CONNTRACK}: needs nf_conntrack_netlink. */
    public static final int NFQA_CFG_F_CONNTRACK = 0x2;
    /** {@code NFQA_CFG_F_GSO}: deliver GSO super-packets unsegmented. */
    public static final int NFQA_CFG_F_GSO = 0x4;
    /** {@code NFQA_CFG_F_UID_GID}. */
    public static final int NFQA_CFG_F_UID_GID = 0x8;
    /** {@code NFQA_CFG_F_SECCTX}. */
    public static final int NFQA_CFG_F_SECCTX = 0x10;
    /** {@code NFQA_CFG_F_MAX}: anything at or above is refused. */
    public static final int NFQA_CFG_F_MAX = 0x20;
    /** Flags that a kernel may refuse with EOPNOTSUPP and that setup drops on retry. */
    public static final int OPTIONAL_FLAGS = NFQA_CFG_F_CONNTRACK | NFQA_CFG_F_UID_GID | NFQA_CFG_F_SECCTX;

    /** {@code NF_DROP}. */
    public static final int NF_DROP = 0;
    /** {@code NF_ACCEPT}. */
    public static final int NF_ACCEPT = 1;
    /** {@code NF_STOLEN}: refused by nfqueue with EINVAL. */
    public static final int NF_STOLEN = 2;
    /** {@code NF_QUEUE}: target queue in the upper 16 bits, see {@link #requeue(int)}. */
    public static final int NF_QUEUE = 3;
    /** {@code NF_REPEAT}: the hook runs again; mark the packet so the rule does not re-queue it. */
    public static final int NF_REPEAT = 4;
    /** {@code NF_STOP}. */
    public static final int NF_STOP = 5;

    /** {@code NFQA_SKB_CSUMNOTREADY}: the L4 checksum is partial; never drop for it. */
    public static final int NFQA_SKB_CSUMNOTREADY = 1;
    /** {@code NFQA_SKB_GSO}: a GSO super-packet. */
    public static final int NFQA_SKB_GSO = 1 << 1;
    /** {@code NFQA_SKB_CSUM_NOTVERIFIED}. */
    public static final int NFQA_SKB_CSUM_NOTVERIFIED = 1 << 2;

    /** {@code NF_INET_PRE_ROUTING}. */
    public static final int NF_INET_PRE_ROUTING = 0;
    /** {@code NF_INET_LOCAL_IN}. */
    public static final int NF_INET_LOCAL_IN = 1;
    /** {@code NF_INET_FORWARD}. */
    public static final int NF_INET_FORWARD = 2;
    /** {@code NF_INET_LOCAL_OUT}. */
    public static final int NF_INET_LOCAL_OUT = 3;
    /** {@code NF_INET_POST_ROUTING}. */
    public static final int NF_INET_POST_ROUTING = 4;

    /** {@code NFPROTO_UNSPEC} / {@code AF_UNSPEC}: config and verdicts. */
    public static final int NFPROTO_UNSPEC = 0;
    /** {@code NFPROTO_IPV4}. */
    public static final int NFPROTO_IPV4 = 2;
    /** {@code NFPROTO_BRIDGE}. */
    public static final int NFPROTO_BRIDGE = 7;
    /** {@code NFPROTO_IPV6}. */
    public static final int NFPROTO_IPV6 = 10;

    private NfqConstants() {
    }

    /**
     * @param queue target queue number
     * @return the {@code NF_QUEUE} verdict that moves the packet to {@code queue}
     */
    public static int requeue(final int queue) {
        return (queue << 16) | NF_QUEUE;
    }
}
