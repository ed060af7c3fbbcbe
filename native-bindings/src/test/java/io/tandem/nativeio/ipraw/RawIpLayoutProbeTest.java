package io.tandem.nativeio.ipraw;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.netlink.RecvmmsgBatch;

import io.tandem.nativeio.CProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asks the C compiler, not memory: compiles a probe against the libc headers that prints sizeof/offsetof of every
 * struct the raw IP transport lays out by hand ({@code sockaddr_in}, {@code ip_mreqn}, {@code msghdr},
 * {@code iovec}, {@code mmsghdr}, {@code cmsghdr}, {@code in_pktinfo}, {@code iphdr}) and every constant it adds,
 * and compares each with the Java constant. Skipped only when gcc is not on PATH.
 */
class RawIpLayoutProbeTest {
    private static final String INCLUDES = "#include <errno.h>\n#include <net/if.h>\n" + "#include <sys/socket.h>\n#include <sys/uio.h>\n#include <netinet/in.h>\n" + "#include <netinet/ip.h>\n#include <arpa/inet.h>\n";

    @TempDir
    Path temp;

    private static Map<String, Long> expected() {
        final Map<String, Long> m = new LinkedHashMap<>();
        // struct sockaddr_in
        m.put("sizeof(struct sockaddr_in)", (long)SockAddrInFlyweight.LENGTH);
        m.put("offsetof(struct sockaddr_in, sin_family)", (long)SockAddrInFlyweight.FAMILY_OFFSET);
        m.put("offsetof(struct sockaddr_in, sin_port)", (long)SockAddrInFlyweight.PORT_OFFSET);
        m.put("offsetof(struct sockaddr_in, sin_addr)", (long)SockAddrInFlyweight.ADDRESS_OFFSET);
        m.put("offsetof(struct sockaddr_in, sin_zero)", (long)SockAddrInFlyweight.ZERO_OFFSET);
        // struct ip_mreqn
        m.put("sizeof(struct ip_mreqn)", (long)IpMreqnFlyweight.LENGTH);
        m.put("offsetof(struct ip_mreqn, imr_multiaddr)", (long)IpMreqnFlyweight.MULTIADDR_OFFSET);
        m.put("offsetof(struct ip_mreqn, imr_address)", (long)IpMreqnFlyweight.ADDRESS_OFFSET);
        m.put("offsetof(struct ip_mreqn, imr_ifindex)", (long)IpMreqnFlyweight.IFINDEX_OFFSET);
        // struct msghdr, iovec, mmsghdr (shared with RecvmmsgBatch)
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
        m.put("offsetof(struct mmsghdr, msg_len)", (long)RecvmmsgBatch.MMSG_LEN_OFFSET);
        // struct cmsghdr and the CMSG_* macros
        m.put("sizeof(struct cmsghdr)", (long)CmsgHdrFlyweight.LENGTH);
        m.put("offsetof(struct cmsghdr, cmsg_len)", (long)CmsgHdrFlyweight.LEN_OFFSET);
        m.put("offsetof(struct cmsghdr, cmsg_level)", (long)CmsgHdrFlyweight.LEVEL_OFFSET);
        m.put("offsetof(struct cmsghdr, cmsg_type)", (long)CmsgHdrFlyweight.TYPE_OFFSET);
        m.put("CMSG_LEN(0)", (long)CmsgHdrFlyweight.cmsgLen(0));
        m.put("CMSG_ALIGN(13)", CmsgHdrFlyweight.align(13));
        m.put("CMSG_LEN(sizeof(struct in_pktinfo))", (long)CmsgHdrFlyweight.cmsgLen(InPktinfoFlyweight.LENGTH));
        m.put("CMSG_SPACE(sizeof(struct in_pktinfo))", (long)CmsgHdrFlyweight.cmsgSpace(InPktinfoFlyweight.LENGTH));
        // struct in_pktinfo
        m.put("sizeof(struct in_pktinfo)", (long)InPktinfoFlyweight.LENGTH);
        m.put("offsetof(struct in_pktinfo, ipi_ifindex)", (long)InPktinfoFlyweight.IFINDEX_OFFSET);
        m.put("offsetof(struct in_pktinfo, ipi_spec_dst)", (long)InPktinfoFlyweight.SPEC_DST_OFFSET);
        m.put("offsetof(struct in_pktinfo, ipi_addr)", (long)InPktinfoFlyweight.ADDR_OFFSET);
        // struct iphdr (version/ihl are bit-fields of the first byte)
        m.put("sizeof(struct iphdr)", (long)IpPacketInfo.MIN_HEADER_LENGTH);
        m.put("offsetof(struct iphdr, tos)", (long)IpPacketInfo.TOS_OFFSET);
        m.put("offsetof(struct iphdr, tot_len)", (long)IpPacketInfo.TOTAL_LENGTH_OFFSET);
        m.put("offsetof(struct iphdr, id)", (long)IpPacketInfo.ID_OFFSET);
        m.put("offsetof(struct iphdr, frag_off)", (long)IpPacketInfo.FRAGMENT_OFFSET);
        m.put("offsetof(struct iphdr, ttl)", (long)IpPacketInfo.TTL_OFFSET);
        m.put("offsetof(struct iphdr, protocol)", (long)IpPacketInfo.PROTOCOL_OFFSET);
        m.put("offsetof(struct iphdr, check)", (long)IpPacketInfo.CHECKSUM_OFFSET);
        m.put("offsetof(struct iphdr, saddr)", (long)IpPacketInfo.SOURCE_OFFSET);
        m.put("offsetof(struct iphdr, daddr)", (long)IpPacketInfo.DESTINATION_OFFSET);
        m.put("IP_DF", (long)IpPacketInfo.IP_DF);
        m.put("IP_MF", (long)IpPacketInfo.IP_MF);
        m.put("IP_OFFMASK", (long)IpPacketInfo.IP_OFFMASK);
        m.put("IPTOS_LOWDELAY", (long)RawIpSocket.IPTOS_LOWDELAY);
        m.put("MAXTTL", (long)RawIpSocket.PFSYNC_TTL);
        // constants added to LinuxConstants for this package
        m.put("AF_INET", (long)LinuxConstants.AF_INET);
        m.put("SOCK_RAW", (long)LinuxConstants.SOCK_RAW);
        m.put("SOCK_NONBLOCK", (long)LinuxConstants.SOCK_NONBLOCK);
        m.put("SOCK_CLOEXEC", (long)LinuxConstants.SOCK_CLOEXEC);
        m.put("IPPROTO_IP", (long)LinuxConstants.IPPROTO_IP);
        m.put("IPPROTO_RAW", (long)LinuxConstants.IPPROTO_RAW);
        m.put("IP_TOS", (long)LinuxConstants.IP_TOS);
        m.put("IP_TTL", (long)LinuxConstants.IP_TTL);
        m.put("IP_HDRINCL", (long)LinuxConstants.IP_HDRINCL);
        m.put("IP_PKTINFO", (long)LinuxConstants.IP_PKTINFO);
        m.put("IP_MTU_DISCOVER", (long)LinuxConstants.IP_MTU_DISCOVER);
        m.put("IP_PMTUDISC_DO", (long)LinuxConstants.IP_PMTUDISC_DO);
        m.put("IP_MULTICAST_IF", (long)LinuxConstants.IP_MULTICAST_IF);
        m.put("IP_MULTICAST_TTL", (long)LinuxConstants.IP_MULTICAST_TTL);
        m.put("IP_MULTICAST_LOOP", (long)LinuxConstants.IP_MULTICAST_LOOP);
        m.put("IP_ADD_MEMBERSHIP", (long)LinuxConstants.IP_ADD_MEMBERSHIP);
        m.put("IP_DROP_MEMBERSHIP", (long)LinuxConstants.IP_DROP_MEMBERSHIP);
        m.put("SOL_SOCKET", (long)LinuxConstants.SOL_SOCKET);
        m.put("SO_BINDTODEVICE", (long)LinuxConstants.SO_BINDTODEVICE);
        m.put("MSG_DONTWAIT", (long)LinuxConstants.MSG_DONTWAIT);
        m.put("MSG_TRUNC", (long)LinuxConstants.MSG_TRUNC);
        m.put("MSG_CTRUNC", (long)LinuxConstants.MSG_CTRUNC);
        m.put("IF_NAMESIZE", (long)LinuxConstants.IF_NAMESIZE);
        m.put("EACCES", (long)LinuxConstants.EACCES);
        m.put("ENODEV", (long)LinuxConstants.ENODEV);
        m.put("EMSGSIZE", (long)LinuxConstants.EMSGSIZE);
        m.put("ENOPROTOOPT", (long)LinuxConstants.ENOPROTOOPT);
        m.put("EPROTONOSUPPORT", (long)LinuxConstants.EPROTONOSUPPORT);
        m.put("EADDRINUSE", (long)LinuxConstants.EADDRINUSE);
        m.put("EADDRNOTAVAIL", (long)LinuxConstants.EADDRNOTAVAIL);
        m.put("ENETUNREACH", (long)LinuxConstants.ENETUNREACH);
        m.put("EHOSTUNREACH", (long)LinuxConstants.EHOSTUNREACH);
        m.put("ntohl(htonl(INADDR_LOOPBACK))", (long)Ipv4Address.LOOPBACK);
        return m;
    }

    @Test
    void javaLayoutsAndConstantsMatchTheHeaders() throws Exception {
        assumeTrue(CProbe.gccAvailable(), "gcc not on PATH");
        CProbe.assertMatches(temp, INCLUDES, expected());
    }
}
