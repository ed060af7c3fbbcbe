package io.tandem.nativeio;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.tandem.nativeio.libc.CpuAffinity;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.UnixDatagramSocket;
import io.tandem.nativeio.netlink.NetlinkConstants;
import io.tandem.nativeio.netlink.NetlinkSocket;
import io.tandem.nativeio.netlink.NfGenMsgFlyweight;
import io.tandem.nativeio.netlink.NlAttrFlyweight;
import io.tandem.nativeio.netlink.NlMsgErrFlyweight;
import io.tandem.nativeio.netlink.NlMsgHdrFlyweight;
import io.tandem.nativeio.netlink.RecvmmsgBatch;
import io.tandem.nativeio.netlink.SockAddrNlFlyweight;
import io.tandem.nativeio.nfqueue.NfqConstants;
import io.tandem.nativeio.nfqueue.NfqnlConfigCmdFlyweight;
import io.tandem.nativeio.nfqueue.NfqnlConfigParamsFlyweight;
import io.tandem.nativeio.nfqueue.NfqnlPacketHdrFlyweight;
import io.tandem.nativeio.nfqueue.NfqnlVerdictHdrFlyweight;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asks the C compiler, not memory: compiles a probe against the uapi and libc headers that prints sizeof/offsetof of
 * every struct Tandem lays out by hand and the value of every constant it hard-codes, and compares each with the
 * Java constant. Skipped only when gcc is not on PATH.
 */
class NativeLayoutProbeTest {
    private static final String INCLUDES = "#include <errno.h>\n#include <fcntl.h>\n" + "#include <poll.h>\n#include <sched.h>\n#include <net/if.h>\n#include <sys/socket.h>\n" + "#include <sys/uio.h>\n#include <sys/un.h>\n#include <linux/netlink.h>\n#include <linux/filter.h>\n#include <linux/netfilter.h>\n" + "#include <linux/netfilter/nfnetlink.h>\n#include <linux/netfilter/nfnetlink_queue.h>\n";

    @TempDir
    Path temp;

    private static Map<String, Long> expected() {
        final Map<String, Long> m = new LinkedHashMap<>();
        // struct nlmsghdr
        m.put("sizeof(struct nlmsghdr)", (long)NlMsgHdrFlyweight.LENGTH);
        m.put("offsetof(struct nlmsghdr, nlmsg_len)", (long)NlMsgHdrFlyweight.MESSAGE_LENGTH_OFFSET);
        m.put("offsetof(struct nlmsghdr, nlmsg_type)", (long)NlMsgHdrFlyweight.TYPE_OFFSET);
        m.put("offsetof(struct nlmsghdr, nlmsg_flags)", (long)NlMsgHdrFlyweight.FLAGS_OFFSET);
        m.put("offsetof(struct nlmsghdr, nlmsg_seq)", (long)NlMsgHdrFlyweight.SEQ_OFFSET);
        m.put("offsetof(struct nlmsghdr, nlmsg_pid)", (long)NlMsgHdrFlyweight.PID_OFFSET);
        // struct nfgenmsg
        m.put("sizeof(struct nfgenmsg)", (long)NfGenMsgFlyweight.LENGTH);
        m.put("offsetof(struct nfgenmsg, nfgen_family)", (long)NfGenMsgFlyweight.FAMILY_OFFSET);
        m.put("offsetof(struct nfgenmsg, version)", (long)NfGenMsgFlyweight.VERSION_OFFSET);
        m.put("offsetof(struct nfgenmsg, res_id)", (long)NfGenMsgFlyweight.RES_ID_OFFSET);
        m.put("NFNETLINK_V0", (long)NfGenMsgFlyweight.NFNETLINK_V0);
        // struct nlattr
        m.put("sizeof(struct nlattr)", (long)NlAttrFlyweight.LENGTH);
        m.put("offsetof(struct nlattr, nla_len)", (long)NlAttrFlyweight.ATTRIBUTE_LENGTH_OFFSET);
        m.put("offsetof(struct nlattr, nla_type)", (long)NlAttrFlyweight.TYPE_OFFSET);
        // struct nlmsgerr, relative to the outer header
        m.put("sizeof(struct nlmsgerr)", (long)(NlMsgErrFlyweight.LENGTH - NlMsgHdrFlyweight.LENGTH));
        m.put("offsetof(struct nlmsgerr, error)", (long)(NlMsgErrFlyweight.ERROR_OFFSET - NlMsgHdrFlyweight.LENGTH));
        m.put("offsetof(struct nlmsgerr, msg)",
            (long)(NlMsgErrFlyweight.ECHOED_HEADER_OFFSET - NlMsgHdrFlyweight.LENGTH));
        // nfqueue structs
        m.put("sizeof(struct nfqnl_msg_packet_hdr)", (long)NfqnlPacketHdrFlyweight.LENGTH);
        m.put("offsetof(struct nfqnl_msg_packet_hdr, packet_id)", (long)NfqnlPacketHdrFlyweight.PACKET_ID_OFFSET);
        m.put("offsetof(struct nfqnl_msg_packet_hdr, hw_protocol)", (long)NfqnlPacketHdrFlyweight.HW_PROTOCOL_OFFSET);
        m.put("offsetof(struct nfqnl_msg_packet_hdr, hook)", (long)NfqnlPacketHdrFlyweight.HOOK_OFFSET);
        m.put("sizeof(struct nfqnl_msg_verdict_hdr)", (long)NfqnlVerdictHdrFlyweight.LENGTH);
        m.put("offsetof(struct nfqnl_msg_verdict_hdr, verdict)", (long)NfqnlVerdictHdrFlyweight.VERDICT_OFFSET);
        m.put("offsetof(struct nfqnl_msg_verdict_hdr, id)", (long)NfqnlVerdictHdrFlyweight.ID_OFFSET);
        m.put("sizeof(struct nfqnl_msg_config_cmd)", (long)NfqnlConfigCmdFlyweight.LENGTH);
        m.put("offsetof(struct nfqnl_msg_config_cmd, command)", (long)NfqnlConfigCmdFlyweight.COMMAND_OFFSET);
        m.put("offsetof(struct nfqnl_msg_config_cmd, _pad)", (long)NfqnlConfigCmdFlyweight.PAD_OFFSET);
        m.put("offsetof(struct nfqnl_msg_config_cmd, pf)", (long)NfqnlConfigCmdFlyweight.PF_OFFSET);
        m.put("sizeof(struct nfqnl_msg_config_params)", (long)NfqnlConfigParamsFlyweight.LENGTH);
        m.put("offsetof(struct nfqnl_msg_config_params, copy_range)",
            (long)NfqnlConfigParamsFlyweight.COPY_RANGE_OFFSET);
        m.put("offsetof(struct nfqnl_msg_config_params, copy_mode)", (long)NfqnlConfigParamsFlyweight.COPY_MODE_OFFSET);
        // sockaddr_nl
        m.put("sizeof(struct sockaddr_nl)", (long)SockAddrNlFlyweight.LENGTH);
        m.put("offsetof(struct sockaddr_nl, nl_family)", (long)SockAddrNlFlyweight.FAMILY_OFFSET);
        m.put("offsetof(struct sockaddr_nl, nl_pad)", (long)SockAddrNlFlyweight.PAD_OFFSET);
        m.put("offsetof(struct sockaddr_nl, nl_pid)", (long)SockAddrNlFlyweight.PID_OFFSET);
        m.put("offsetof(struct sockaddr_nl, nl_groups)", (long)SockAddrNlFlyweight.GROUPS_OFFSET);
        // iovec, msghdr, mmsghdr, pollfd, cpu_set_t
        m.put("sizeof(struct iovec)", (long)RecvmmsgBatch.IOVEC_LENGTH);
        m.put("offsetof(struct iovec, iov_base)", (long)RecvmmsgBatch.IOV_BASE_OFFSET);
        m.put("offsetof(struct iovec, iov_len)", (long)RecvmmsgBatch.IOV_LEN_OFFSET);
        m.put("sizeof(struct msghdr)", (long)RecvmmsgBatch.MSGHDR_LENGTH);
        m.put("offsetof(struct msghdr, msg_name)", (long)RecvmmsgBatch.MSG_NAME_OFFSET);
        m.put("offsetof(struct msghdr, msg_namelen)", (long)RecvmmsgBatch.MSG_NAMELEN_OFFSET);
        m.put("offsetof(struct msghdr, msg_iov)", (long)RecvmmsgBatch.MSG_IOV_OFFSET);
        m.put("offsetof(struct msghdr, msg_iovlen)", (long)RecvmmsgBatch.MSG_IOVLEN_OFFSET);
        m.put("offsetof(struct msghdr, msg_control)", (long)RecvmmsgBatch.MSG_CONTROL_OFFSET);
        m.put("offsetof(struct msghdr, msg_controllen)", (long)RecvmmsgBatch.MSG_CONTROLLEN_OFFSET);
        m.put("offsetof(struct msghdr, msg_flags)", (long)RecvmmsgBatch.MSG_FLAGS_OFFSET);
        m.put("sizeof(struct mmsghdr)", (long)RecvmmsgBatch.MMSGHDR_LENGTH);
        m.put("offsetof(struct mmsghdr, msg_hdr)", (long)RecvmmsgBatch.MMSG_HDR_OFFSET);
        m.put("offsetof(struct mmsghdr, msg_len)", (long)RecvmmsgBatch.MMSG_LEN_OFFSET);
        m.put("sizeof(struct pollfd)", (long)NetlinkSocket.POLLFD_LENGTH);
        m.put("offsetof(struct pollfd, events)", (long)NetlinkSocket.POLLFD_EVENTS_OFFSET);
        m.put("offsetof(struct pollfd, revents)", (long)NetlinkSocket.POLLFD_REVENTS_OFFSET);
        m.put("sizeof(cpu_set_t)", (long)CpuAffinity.CPU_SET_BYTES);
        // nfnetlink / nfqueue numbers
        m.put("NFNL_SUBSYS_QUEUE", (long)NfqConstants.NFNL_SUBSYS_QUEUE);
        m.put("NFQNL_MSG_PACKET", (long)NfqConstants.NFQNL_MSG_PACKET);
        m.put("NFQNL_MSG_VERDICT", (long)NfqConstants.NFQNL_MSG_VERDICT);
        m.put("NFQNL_MSG_CONFIG", (long)NfqConstants.NFQNL_MSG_CONFIG);
        m.put("NFQNL_MSG_VERDICT_BATCH", (long)NfqConstants.NFQNL_MSG_VERDICT_BATCH);
        final String[] nfqa = {"NFQA_PACKET_HDR", "NFQA_VERDICT_HDR", "NFQA_MARK", "NFQA_TIMESTAMP",
            "NFQA_IFINDEX_INDEV", "NFQA_IFINDEX_OUTDEV", "NFQA_IFINDEX_PHYSINDEV", "NFQA_IFINDEX_PHYSOUTDEV",
            "NFQA_HWADDR", "NFQA_PAYLOAD", "NFQA_CT", "NFQA_CT_INFO", "NFQA_CAP_LEN", "NFQA_SKB_INFO", "NFQA_EXP",
            "NFQA_UID", "NFQA_GID", "NFQA_SECCTX", "NFQA_VLAN", "NFQA_L2HDR", "NFQA_PRIORITY"};
        final int[] nfqaJava = {NfqConstants.NFQA_PACKET_HDR, NfqConstants.NFQA_VERDICT_HDR, NfqConstants.NFQA_MARK,
            NfqConstants.NFQA_TIMESTAMP, NfqConstants.NFQA_IFINDEX_INDEV, NfqConstants.NFQA_IFINDEX_OUTDEV,
            NfqConstants.NFQA_IFINDEX_PHYSINDEV, NfqConstants.NFQA_IFINDEX_PHYSOUTDEV, NfqConstants.NFQA_HWADDR,
            NfqConstants.NFQA_PAYLOAD, NfqConstants.NFQA_CT, NfqConstants.NFQA_CT_INFO, NfqConstants.NFQA_CAP_LEN,
            NfqConstants.NFQA_SKB_INFO, NfqConstants.NFQA_EXP, NfqConstants.NFQA_UID, NfqConstants.NFQA_GID,
            NfqConstants.NFQA_SECCTX, NfqConstants.NFQA_VLAN, NfqConstants.NFQA_L2HDR, NfqConstants.NFQA_PRIORITY};
        for (int i = 0; i < nfqa.length; i++) {
            m.put(nfqa[i], (long)nfqaJava[i]);
        }
        m.put("NFQA_CFG_CMD", (long)NfqConstants.NFQA_CFG_CMD);
        m.put("NFQA_CFG_PARAMS", (long)NfqConstants.NFQA_CFG_PARAMS);
        m.put("NFQA_CFG_QUEUE_MAXLEN", (long)NfqConstants.NFQA_CFG_QUEUE_MAXLEN);
        m.put("NFQA_CFG_MASK", (long)NfqConstants.NFQA_CFG_MASK);
        m.put("NFQA_CFG_FLAGS", (long)NfqConstants.NFQA_CFG_FLAGS);
        m.put("NFQNL_CFG_CMD_NONE", (long)NfqConstants.NFQNL_CFG_CMD_NONE);
        m.put("NFQNL_CFG_CMD_BIND", (long)NfqConstants.NFQNL_CFG_CMD_BIND);
        m.put("NFQNL_CFG_CMD_UNBIND", (long)NfqConstants.NFQNL_CFG_CMD_UNBIND);
        m.put("NFQNL_CFG_CMD_PF_BIND", (long)NfqConstants.NFQNL_CFG_CMD_PF_BIND);
        m.put("NFQNL_CFG_CMD_PF_UNBIND", (long)NfqConstants.NFQNL_CFG_CMD_PF_UNBIND);
        m.put("NFQNL_COPY_NONE", (long)NfqConstants.NFQNL_COPY_NONE);
        m.put("NFQNL_COPY_META", (long)NfqConstants.NFQNL_COPY_META);
        m.put("NFQNL_COPY_PACKET", (long)NfqConstants.NFQNL_COPY_PACKET);
        m.put("NFQA_CFG_F_FAIL_OPEN", (long)NfqConstants.NFQA_CFG_F_FAIL_OPEN);
        m.put("NFQA_CFG_F_CONNTRACK", (long)NfqConstants.NFQA_CFG_F_CONNTRACK);
        m.put("NFQA_CFG_F_GSO", (long)NfqConstants.NFQA_CFG_F_GSO);
        m.put("NFQA_CFG_F_UID_GID", (long)NfqConstants.NFQA_CFG_F_UID_GID);
        m.put("NFQA_CFG_F_SECCTX", (long)NfqConstants.NFQA_CFG_F_SECCTX);
        m.put("NFQA_CFG_F_MAX", (long)NfqConstants.NFQA_CFG_F_MAX);
        m.put("NFQA_SKB_CSUMNOTREADY", (long)NfqConstants.NFQA_SKB_CSUMNOTREADY);
        m.put("NFQA_SKB_GSO", (long)NfqConstants.NFQA_SKB_GSO);
        m.put("NFQA_SKB_CSUM_NOTVERIFIED", (long)NfqConstants.NFQA_SKB_CSUM_NOTVERIFIED);
        m.put("NF_DROP", (long)NfqConstants.NF_DROP);
        m.put("NF_ACCEPT", (long)NfqConstants.NF_ACCEPT);
        m.put("NF_STOLEN", (long)NfqConstants.NF_STOLEN);
        m.put("NF_QUEUE", (long)NfqConstants.NF_QUEUE);
        m.put("NF_REPEAT", (long)NfqConstants.NF_REPEAT);
        m.put("NF_STOP", (long)NfqConstants.NF_STOP);
        m.put("NF_INET_PRE_ROUTING", (long)NfqConstants.NF_INET_PRE_ROUTING);
        m.put("NF_INET_LOCAL_IN", (long)NfqConstants.NF_INET_LOCAL_IN);
        m.put("NF_INET_FORWARD", (long)NfqConstants.NF_INET_FORWARD);
        m.put("NF_INET_LOCAL_OUT", (long)NfqConstants.NF_INET_LOCAL_OUT);
        m.put("NF_INET_POST_ROUTING", (long)NfqConstants.NF_INET_POST_ROUTING);
        m.put("NFPROTO_UNSPEC", (long)NfqConstants.NFPROTO_UNSPEC);
        m.put("NFPROTO_IPV4", (long)NfqConstants.NFPROTO_IPV4);
        m.put("NFPROTO_BRIDGE", (long)NfqConstants.NFPROTO_BRIDGE);
        m.put("NFPROTO_IPV6", (long)NfqConstants.NFPROTO_IPV6);
        // netlink
        m.put("NETLINK_NETFILTER", (long)NetlinkConstants.NETLINK_NETFILTER);
        m.put("SOL_NETLINK", (long)NetlinkConstants.SOL_NETLINK);
        m.put("NETLINK_NO_ENOBUFS", (long)NetlinkConstants.NETLINK_NO_ENOBUFS);
        m.put("NETLINK_CAP_ACK", (long)NetlinkConstants.NETLINK_CAP_ACK);
        m.put("NLM_F_REQUEST", (long)NetlinkConstants.NLM_F_REQUEST);
        m.put("NLM_F_MULTI", (long)NetlinkConstants.NLM_F_MULTI);
        m.put("NLM_F_ACK", (long)NetlinkConstants.NLM_F_ACK);
        m.put("NLMSG_NOOP", (long)NetlinkConstants.NLMSG_NOOP);
        m.put("NLMSG_ERROR", (long)NetlinkConstants.NLMSG_ERROR);
        m.put("NLMSG_DONE", (long)NetlinkConstants.NLMSG_DONE);
        m.put("NLMSG_OVERRUN", (long)NetlinkConstants.NLMSG_OVERRUN);
        m.put("NLMSG_MIN_TYPE", (long)NetlinkConstants.NLMSG_MIN_TYPE);
        m.put("NLMSG_ALIGNTO", (long)NetlinkConstants.ALIGNTO);
        m.put("NLA_ALIGNTO", (long)NetlinkConstants.ALIGNTO);
        m.put("NLA_F_NESTED", (long)NetlinkConstants.NLA_F_NESTED);
        m.put("NLA_F_NET_BYTEORDER", (long)NetlinkConstants.NLA_F_NET_BYTEORDER);
        m.put("NLA_TYPE_MASK & 0xffff", (long)NetlinkConstants.NLA_TYPE_MASK);
        m.put("NLMSG_HDRLEN", (long)NlMsgHdrFlyweight.LENGTH);
        m.put("NLA_HDRLEN", (long)NlAttrFlyweight.LENGTH);
        // libc
        m.put("AF_NETLINK", (long)LinuxConstants.AF_NETLINK);
        m.put("SOCK_RAW", (long)LinuxConstants.SOCK_RAW);
        m.put("SOCK_CLOEXEC", (long)LinuxConstants.SOCK_CLOEXEC);
        m.put("SOL_SOCKET", (long)LinuxConstants.SOL_SOCKET);
        m.put("SO_RCVBUF", (long)LinuxConstants.SO_RCVBUF);
        m.put("SO_RCVBUFFORCE", (long)LinuxConstants.SO_RCVBUFFORCE);
        m.put("SO_ATTACH_FILTER", (long)LinuxConstants.SO_ATTACH_FILTER);
        m.put("sizeof(struct sock_fprog)", (long)LinuxConstants.SOCK_FPROG_LENGTH);
        m.put("offsetof(struct sock_fprog, filter)", (long)LinuxConstants.SOCK_FPROG_FILTER_OFFSET);
        m.put("sizeof(struct sock_filter)", (long)LinuxConstants.SOCK_FILTER_LENGTH);
        m.put("BPF_RET | BPF_K", (long)LinuxConstants.BPF_RET_K);
        m.put("MSG_DONTWAIT", (long)LinuxConstants.MSG_DONTWAIT);
        m.put("MSG_TRUNC", (long)LinuxConstants.MSG_TRUNC);
        m.put("MSG_WAITFORONE", (long)LinuxConstants.MSG_WAITFORONE);
        m.put("POLLIN", (long)LinuxConstants.POLLIN);
        m.put("POLLERR", (long)LinuxConstants.POLLERR);
        m.put("O_RDONLY", (long)LinuxConstants.O_RDONLY);
        m.put("O_CLOEXEC", (long)LinuxConstants.O_CLOEXEC);
        m.put("CLONE_NEWNET", (long)LinuxConstants.CLONE_NEWNET);
        m.put("IF_NAMESIZE", (long)LinuxConstants.IF_NAMESIZE);
        m.put("EPERM", (long)LinuxConstants.EPERM);
        m.put("ENOENT", (long)LinuxConstants.ENOENT);
        m.put("EINTR", (long)LinuxConstants.EINTR);
        m.put("EBADF", (long)LinuxConstants.EBADF);
        m.put("EAGAIN", (long)LinuxConstants.EAGAIN);
        m.put("EBUSY", (long)LinuxConstants.EBUSY);
        m.put("EINVAL", (long)LinuxConstants.EINVAL);
        m.put("EOPNOTSUPP", (long)LinuxConstants.EOPNOTSUPP);
        m.put("ENOBUFS", (long)LinuxConstants.ENOBUFS);
        m.put("ETIMEDOUT", (long)LinuxConstants.ETIMEDOUT);
        m.put("ECONNREFUSED", (long)LinuxConstants.ECONNREFUSED);
        m.put("AF_UNIX", (long)LinuxConstants.AF_UNIX);
        m.put("SOCK_DGRAM", (long)LinuxConstants.SOCK_DGRAM);
        m.put("MSG_NOSIGNAL", (long)LinuxConstants.MSG_NOSIGNAL);
        // sockaddr_un (the systemd notification socket)
        m.put("sizeof(struct sockaddr_un)", (long)UnixDatagramSocket.SOCKADDR_UN_LENGTH);
        m.put("offsetof(struct sockaddr_un, sun_path)", (long)UnixDatagramSocket.SUN_PATH_OFFSET);
        return m;
    }

    @Test
    void javaLayoutsAndConstantsMatchTheHeaders() throws Exception {
        assumeTrue(CProbe.gccAvailable(), "gcc not on PATH");
        CProbe.assertMatches(temp, INCLUDES, expected());
    }
}
