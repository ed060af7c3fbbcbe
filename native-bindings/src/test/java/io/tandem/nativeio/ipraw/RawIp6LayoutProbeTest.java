package io.tandem.nativeio.ipraw;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.tandem.nativeio.CProbe;
import io.tandem.nativeio.libc.LinuxConstants;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asks the C compiler: sizeof/offsetof of the IPv6 structs {@link RawIp6Socket} lays out by hand
 * ({@code sockaddr_in6}, {@code ipv6_mreq}, {@code in6_pktinfo}) and the IPv6 constants it uses, against the libc
 * headers. Skipped only when gcc is not on PATH.
 */
class RawIp6LayoutProbeTest {
    private static final String INCLUDES = "#define _GNU_SOURCE\n#include <errno.h>\n#include <sys/socket.h>\n"
        + "#include <netinet/in.h>\n";

    @TempDir
    Path temp;

    private static Map<String, Long> expected() {
        final Map<String, Long> m = new LinkedHashMap<>();
        m.put("sizeof(struct sockaddr_in6)", (long)SockAddrIn6Flyweight.LENGTH);
        m.put("offsetof(struct sockaddr_in6, sin6_family)", (long)SockAddrIn6Flyweight.FAMILY_OFFSET);
        m.put("offsetof(struct sockaddr_in6, sin6_port)", (long)SockAddrIn6Flyweight.PORT_OFFSET);
        m.put("offsetof(struct sockaddr_in6, sin6_flowinfo)", (long)SockAddrIn6Flyweight.FLOWINFO_OFFSET);
        m.put("offsetof(struct sockaddr_in6, sin6_addr)", (long)SockAddrIn6Flyweight.ADDRESS_OFFSET);
        m.put("offsetof(struct sockaddr_in6, sin6_scope_id)", (long)SockAddrIn6Flyweight.SCOPE_ID_OFFSET);
        m.put("sizeof(struct ipv6_mreq)", (long)RawIp6Socket.IPV6_MREQ_LENGTH);
        m.put("offsetof(struct ipv6_mreq, ipv6mr_interface)", (long)RawIp6Socket.IPV6_MREQ_INTERFACE_OFFSET);
        m.put("sizeof(struct in6_pktinfo)", (long)RawIp6Socket.IN6_PKTINFO_LENGTH);
        m.put("offsetof(struct in6_pktinfo, ipi6_ifindex)", (long)RawIp6Socket.IN6_PKTINFO_IFINDEX_OFFSET);
        m.put("AF_INET6", (long)LinuxConstants.AF_INET6);
        m.put("IPPROTO_IPV6", (long)LinuxConstants.IPPROTO_IPV6);
        m.put("IPV6_UNICAST_HOPS", (long)LinuxConstants.IPV6_UNICAST_HOPS);
        m.put("IPV6_MULTICAST_IF", (long)LinuxConstants.IPV6_MULTICAST_IF);
        m.put("IPV6_MULTICAST_HOPS", (long)LinuxConstants.IPV6_MULTICAST_HOPS);
        m.put("IPV6_MULTICAST_LOOP", (long)LinuxConstants.IPV6_MULTICAST_LOOP);
        m.put("IPV6_ADD_MEMBERSHIP", (long)LinuxConstants.IPV6_ADD_MEMBERSHIP);
        m.put("IPV6_DROP_MEMBERSHIP", (long)LinuxConstants.IPV6_DROP_MEMBERSHIP);
        m.put("IPV6_RECVPKTINFO", (long)LinuxConstants.IPV6_RECVPKTINFO);
        m.put("IPV6_PKTINFO", (long)LinuxConstants.IPV6_PKTINFO);
        m.put("IPV6_RECVHOPLIMIT", (long)LinuxConstants.IPV6_RECVHOPLIMIT);
        m.put("IPV6_HOPLIMIT", (long)LinuxConstants.IPV6_HOPLIMIT);
        m.put("IPV6_DONTFRAG", (long)LinuxConstants.IPV6_DONTFRAG);
        m.put("EAFNOSUPPORT", (long)LinuxConstants.EAFNOSUPPORT);
        return m;
    }

    @Test
    void javaLayoutsAndConstantsMatchTheHeaders() throws Exception {
        assumeTrue(CProbe.gccAvailable(), "gcc not on PATH");
        CProbe.assertMatches(temp, INCLUDES, expected());
    }

    @Test
    void pfsyncGroupIsFf12F0() {
        final long[] g = Ipv6Address.parse("ff12::f0");
        org.junit.jupiter.api.Assertions.assertEquals(Ipv6Address.PFSYNC_GROUP_HI, g[0]);
        org.junit.jupiter.api.Assertions.assertEquals(Ipv6Address.PFSYNC_GROUP_LO, g[1]);
        org.junit.jupiter.api.Assertions.assertTrue(Ipv6Address.isMulticast(g[0]));
        org.junit.jupiter.api.Assertions.assertFalse(Ipv6Address.isMulticast(Ipv6Address.parse("2001:db8::1")[0]));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("198.18.3.2"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Ipv6Address.parse("host:x"));
    }
}
