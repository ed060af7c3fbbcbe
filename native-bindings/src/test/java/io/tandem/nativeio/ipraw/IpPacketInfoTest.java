package io.tandem.nativeio.ipraw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;

import io.tandem.nativeio.TestBytes;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.netlink.RecvmmsgBatch;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes for the IPv4 header readers, the {@code IP_PKTINFO} control-message walk and the native-struct
 * flyweights (x86-64, little-endian host order), plus the wiring of a {@link RawIpReceiveBatch}.
 */
class IpPacketInfoTest {
    /** A pfsync frame's IPv4 header as FreeBSD sends it: 198.19.0.1 to 224.0.0.240, 120 bytes, DF, TTL 255. */
    private static final String PFSYNC_HEADER = "45 10 00 78  1a 2b 40 00  ff f0 00 00  c6 13 00 01  e0 00 00 f0";

    @BeforeAll
    static void littleEndianHost() {
        assertEquals(ByteOrder.LITTLE_ENDIAN, ByteOrder.nativeOrder(), "golden bytes assume x86-64");
    }

    private static UnsafeBuffer offHeap(final byte[] bytes, final int capacity) {
        final UnsafeBuffer buffer = OffHeap.allocate(capacity);
        buffer.putBytes(0, bytes);
        return buffer;
    }

    @Test
    void readsEveryHeaderField() {
        final UnsafeBuffer packet = offHeap(TestBytes.hex("ff ff " + PFSYNC_HEADER), 64);
        final int at = 2;
        assertEquals(4, IpPacketInfo.version(packet, at));
        assertEquals(20, IpPacketInfo.headerLength(packet, at));
        assertEquals(0x10, IpPacketInfo.tos(packet, at));
        assertEquals(120, IpPacketInfo.totalLength(packet, at));
        assertEquals(0x1a2b, IpPacketInfo.id(packet, at));
        assertEquals(0x4000, IpPacketInfo.fragment(packet, at));
        assertTrue(IpPacketInfo.dontFragment(packet, at));
        assertEquals(255, IpPacketInfo.ttl(packet, at));
        assertEquals(240, IpPacketInfo.protocol(packet, at));
        assertEquals(Ipv4Address.parse("198.19.0.1"), IpPacketInfo.sourceAddress(packet, at));
        assertEquals(Ipv4Address.PFSYNC_GROUP, IpPacketInfo.destinationAddress(packet, at));
        assertTrue(IpPacketInfo.headerComplete(packet, at, 20));
    }

    @Test
    void headerCompleteRejectsShortWrongVersionAndBadIhl() {
        final UnsafeBuffer packet = offHeap(TestBytes.hex(PFSYNC_HEADER), 64);
        assertFalse(IpPacketInfo.headerComplete(packet, 0, 19));
        packet.putByte(0, (byte)0x46); // IHL 6 = 24 bytes of header, only 20 received
        assertFalse(IpPacketInfo.headerComplete(packet, 0, 20));
        assertTrue(IpPacketInfo.headerComplete(packet, 0, 24));
        assertEquals(24, IpPacketInfo.headerLength(packet, 0));
        packet.putByte(0, (byte)0x44); // IHL 4: shorter than the fixed header
        assertFalse(IpPacketInfo.headerComplete(packet, 0, 40));
        packet.putByte(0, (byte)0x65); // version 6
        assertFalse(IpPacketInfo.headerComplete(packet, 0, 40));
        packet.putByte(0, (byte)0x45);
        packet.putShort(IpPacketInfo.FRAGMENT_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        assertFalse(IpPacketInfo.dontFragment(packet, 0));
    }

    @Test
    void findsPktinfoAfterAnotherControlMessage() {
        // SO_TIMESTAMP (level 1, type 29, 16 bytes of timeval) then IP_PKTINFO (level 0, type 8): ifindex 7,
        // spec_dst 198.19.0.2, addr 224.0.0.240
        final byte[] control = TestBytes.hex(
            "20 00 00 00 00 00 00 00  01 00 00 00  1d 00 00 00  11 11 11 11 11 11 11 11 22 22 22 22 22 22 22 22"
                + "1c 00 00 00 00 00 00 00  00 00 00 00  08 00 00 00  07 00 00 00  c6 13 00 02  e0 00 00 f0"
                + "00 00 00 00");
        assertEquals(64, control.length);
        final UnsafeBuffer buffer = offHeap(control, 64);
        assertEquals(7, IpPacketInfo.interfaceIndex(buffer, 0, 64));
        assertEquals(32 + 16, IpPacketInfo.findPktinfo(buffer, 0, 64));
        assertEquals(Ipv4Address.PFSYNC_GROUP, InPktinfoFlyweight.addr(buffer, 48));
        assertEquals(Ipv4Address.parse("198.19.0.2"), new InPktinfoFlyweight().wrap(buffer, 48).specDst());
        // msg_controllen 60 = CMSG_SPACE(16) + CMSG_LEN(12): still complete
        assertEquals(7, IpPacketInfo.interfaceIndex(buffer, 0, 60));
        // cut inside the pktinfo message, or nothing at all
        assertEquals(IpPacketInfo.NO_INTERFACE, IpPacketInfo.interfaceIndex(buffer, 0, 56));
        assertEquals(IpPacketInfo.NO_INTERFACE, IpPacketInfo.interfaceIndex(buffer, 0, 0));
        assertEquals(IpPacketInfo.NO_INTERFACE, IpPacketInfo.interfaceIndex(buffer, 0, 32));
    }

    @Test
    void malformedControlMessageEndsTheWalk() {
        final UnsafeBuffer buffer = OffHeap.allocate(64);
        final CmsgHdrFlyweight cmsg = new CmsgHdrFlyweight().wrap(buffer, 0);
        cmsg.len(8).level(LinuxConstants.IPPROTO_IP).type(LinuxConstants.IP_PKTINFO); // below sizeof(cmsghdr)
        assertEquals(IpPacketInfo.NO_INTERFACE, IpPacketInfo.interfaceIndex(buffer, 0, 64));
        cmsg.len(1L << 40); // past the end
        assertEquals(IpPacketInfo.NO_INTERFACE, IpPacketInfo.interfaceIndex(buffer, 0, 64));
        cmsg.len(CmsgHdrFlyweight.cmsgLen(8)); // IP_PKTINFO with too little data
        assertEquals(IpPacketInfo.NO_INTERFACE, IpPacketInfo.interfaceIndex(buffer, 0, 64));
        cmsg.len(CmsgHdrFlyweight.cmsgLen(InPktinfoFlyweight.LENGTH));
        new InPktinfoFlyweight().wrap(buffer, CmsgHdrFlyweight.LENGTH).ifindex(3);
        assertEquals(3, IpPacketInfo.interfaceIndex(buffer, 0, 64));
        assertEquals(28L, cmsg.len());
        assertEquals(0, cmsg.level());
        assertEquals(8, cmsg.type());
    }

    @Test
    void sockAddrInGoldenBytes() {
        final UnsafeBuffer buffer = OffHeap.allocate(16);
        buffer.setMemory(0, 16, (byte)0x5a);
        final SockAddrInFlyweight sin = new SockAddrInFlyweight().wrap(buffer, 0).set(Ipv4Address.PFSYNC_GROUP);
        assertArrayEquals(TestBytes.hex("02 00 00 00  e0 00 00 f0  00 00 00 00 00 00 00 00"),
            TestBytes.copy(buffer, 0, 16));
        assertEquals(LinuxConstants.AF_INET, sin.family());
        assertEquals(0, sin.port());
        assertEquals(Ipv4Address.PFSYNC_GROUP, sin.address());
    }

    @Test
    void ipMreqnGoldenBytes() {
        final UnsafeBuffer buffer = OffHeap.allocate(12);
        final IpMreqnFlyweight mreqn = new IpMreqnFlyweight().wrap(buffer, 0)
            .multiaddr(Ipv4Address.PFSYNC_GROUP).address(Ipv4Address.parse("198.19.0.1")).ifindex(3);
        assertArrayEquals(TestBytes.hex("e0 00 00 f0  c6 13 00 01  03 00 00 00"), TestBytes.copy(buffer, 0, 12));
        assertEquals(Ipv4Address.PFSYNC_GROUP, mreqn.multiaddr());
        assertEquals(Ipv4Address.parse("198.19.0.1"), mreqn.address());
        assertEquals(3, mreqn.ifindex());
    }

    @Test
    void ipv4AddressParseAndFormat() {
        assertEquals(0xe00000f0, Ipv4Address.parse("224.0.0.240"));
        assertEquals(0xc6130002, Ipv4Address.parse("198.19.0.2"));
        assertEquals("224.0.0.240", Ipv4Address.format(Ipv4Address.PFSYNC_GROUP));
        assertEquals("255.255.255.255", Ipv4Address.format(-1));
        assertTrue(Ipv4Address.isMulticast(Ipv4Address.PFSYNC_GROUP));
        assertFalse(Ipv4Address.isMulticast(Ipv4Address.LOOPBACK));
        for (final String bad : new String[] {"1.2.3", "1.2.3.4.5", "1.2.3.256", "a.b.c.d", "1..2.3", "", "1.2.3.-4"}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(bad), bad);
        }
    }

    @Test
    void receiveBatchWiresNameControlAndIovecPerSlot() {
        final RawIpReceiveBatch batch = new RawIpReceiveBatch(4, 1500);
        final ByteOrder host = ByteOrder.nativeOrder();
        for (int i = 0; i < 4; i++) {
            final int msg = i * RecvmmsgBatch.MMSGHDR_LENGTH;
            final UnsafeBuffer m = batch.mmsghdrs();
            assertEquals(batch.names().addressOffset() + i * 16L, m.getLong(msg + RecvmmsgBatch.MSG_NAME_OFFSET, host));
            assertEquals(16, m.getInt(msg + RecvmmsgBatch.MSG_NAMELEN_OFFSET, host));
            assertEquals(1L, m.getLong(msg + RecvmmsgBatch.MSG_IOVLEN_OFFSET, host));
            assertEquals(batch.controls().addressOffset() + i * 64L,
                m.getLong(msg + RecvmmsgBatch.MSG_CONTROL_OFFSET, host));
            assertEquals(64L, m.getLong(msg + RecvmmsgBatch.MSG_CONTROLLEN_OFFSET, host));
            final long iov = m.getLong(msg + RecvmmsgBatch.MSG_IOV_OFFSET, host);
            final UnsafeBuffer iovec = new UnsafeBuffer(iov, RecvmmsgBatch.IOVEC_LENGTH);
            assertEquals(batch.slot(i).addressOffset(), iovec.getLong(RecvmmsgBatch.IOV_BASE_OFFSET, host));
            assertEquals(1500L, iovec.getLong(RecvmmsgBatch.IOV_LEN_OFFSET, host));
            assertEquals(0, batch.slot(i).addressOffset() % 8);
            assertEquals(0, (batch.controls().addressOffset() + i * 64L) % 8);
        }
        assertEquals(-LinuxConstants.EBADF, batch.receive(-1));
        assertEquals(0, batch.count());
        assertThrows(IllegalArgumentException.class, () -> new RawIpReceiveBatch(0, 1500));
        assertThrows(IllegalArgumentException.class, () -> new RawIpReceiveBatch(1, 19));
    }

    @Test
    void openRejectsProtocolOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> RawIpSocket.openIpv4(0));
        assertThrows(IllegalArgumentException.class, () -> RawIpSocket.openIpv4(255));
    }
}
