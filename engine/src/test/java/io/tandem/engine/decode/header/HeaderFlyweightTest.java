package io.tandem.engine.decode.header;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Golden-byte tests: known wire bytes (at a non-zero offset) read back as the expected fields. */
class HeaderFlyweightTest {
    private static UnsafeBuffer at(final int offset, final int... bytes) {
        final byte[] backing = new byte[offset + bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            backing[offset + i] = (byte) bytes[i];
        }
        return new UnsafeBuffer(backing);
    }

    @Test
    void offsetsAndLengths() {
        assertEquals(20, Ipv4HeaderFlyweight.MIN_LENGTH);
        assertEquals(9, Ipv4HeaderFlyweight.PROTOCOL_OFFSET);
        assertEquals(12, Ipv4HeaderFlyweight.SOURCE_ADDRESS_OFFSET);
        assertEquals(40, Ipv6HeaderFlyweight.LENGTH);
        assertEquals(6, Ipv6HeaderFlyweight.NEXT_HEADER_OFFSET);
        assertEquals(8, Ipv6HeaderFlyweight.SOURCE_ADDRESS_OFFSET);
        assertEquals(24, Ipv6HeaderFlyweight.DESTINATION_ADDRESS_OFFSET);
        assertEquals(8, Ipv6FragmentHeaderFlyweight.LENGTH);
        assertEquals(20, TcpHeaderFlyweight.MIN_LENGTH);
        assertEquals(13, TcpHeaderFlyweight.FLAGS_OFFSET);
        assertEquals(14, TcpHeaderFlyweight.WINDOW_OFFSET);
        assertEquals(8, UdpHeaderFlyweight.LENGTH);
        assertEquals(8, IcmpHeaderFlyweight.LENGTH);
    }

    @Test
    void ipv4() {
        final UnsafeBuffer b = at(3,
            0x46, 0xB8, 0x05, 0xDC, 0xBE, 0xEF, 0x60, 0x10, 0x40, 0x06, 0xAB, 0xCD,
            0xC0, 0xA8, 0x01, 0x0A, 0xFF, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01, 0x00);
        final Ipv4HeaderFlyweight ip = new Ipv4HeaderFlyweight();
        assertSame(ip, ip.wrap(b, 3));
        assertEquals(4, ip.version());
        assertEquals(6, ip.ihl());
        assertEquals(24, ip.headerLength());
        assertEquals(0xB8, ip.tos());
        assertEquals(1500, ip.totalLength());
        assertEquals(0xBEEF, ip.identification());
        assertTrue(ip.dontFragment());
        assertTrue(ip.moreFragments());
        assertEquals(0x10 * 8, ip.fragmentOffset());
        assertEquals(64, ip.ttl());
        assertEquals(6, ip.protocol());
        assertEquals(0xABCD, ip.checksum());
        assertEquals(0xC0A8010AL, ip.sourceAddress());
        assertEquals(0xFF000001L, ip.destinationAddress());
    }

    @Test
    void ipv6() {
        final int[] bytes = new int[40];
        bytes[0] = 0x6B;
        bytes[1] = 0x8F;
        bytes[2] = 0xED;
        bytes[3] = 0xCB;
        bytes[4] = 0x12;
        bytes[5] = 0x34;
        bytes[6] = 44;
        bytes[7] = 255;
        bytes[8] = 0x20;
        bytes[9] = 0x01;
        bytes[23] = 0x01;
        bytes[24] = 0xFE;
        bytes[25] = 0x80;
        bytes[39] = 0xFF;
        final Ipv6HeaderFlyweight ip = new Ipv6HeaderFlyweight().wrap(at(5, bytes), 5);
        assertEquals(6, ip.version());
        assertEquals(0xB8, ip.trafficClass());
        assertEquals(0xFEDCB, ip.flowLabel());
        assertEquals(0x1234, ip.payloadLength());
        assertEquals(44, ip.nextHeader());
        assertEquals(255, ip.hopLimit());
        assertEquals(0x2001000000000000L, ip.sourceAddressHi());
        assertEquals(1L, ip.sourceAddressLo());
        assertEquals(0xFE80000000000000L, ip.destinationAddressHi());
        assertEquals(0xFFL, ip.destinationAddressLo());
    }

    @Test
    void ipv6ExtensionAndFragment() {
        final Ipv6ExtensionHeaderFlyweight ext = new Ipv6ExtensionHeaderFlyweight()
            .wrap(at(1, 6, 2, 4, 0, 0, 0, 0, 0), 1);
        assertEquals(6, ext.nextHeader());
        assertEquals(2, ext.hdrExtLen());
        assertEquals(4, ext.routingType());
        assertEquals(24, ext.headerLength(Ipv6ExtensionHeaderFlyweight.IPPROTO_ROUTING));
        assertEquals(16, ext.headerLength(Ipv6ExtensionHeaderFlyweight.IPPROTO_AH));
        assertEquals(8, ext.headerLength(Ipv6ExtensionHeaderFlyweight.IPPROTO_FRAGMENT));
        assertTrue(Ipv6ExtensionHeaderFlyweight.isWalkable(60));
        assertFalse(Ipv6ExtensionHeaderFlyweight.isWalkable(50));
        assertFalse(Ipv6ExtensionHeaderFlyweight.isWalkable(59));

        final Ipv6FragmentHeaderFlyweight frag = new Ipv6FragmentHeaderFlyweight()
            .wrap(at(2, 17, 0, 0x05, 0xA9, 0xDE, 0xAD, 0xBE, 0xEF), 2);
        assertEquals(17, frag.nextHeader());
        assertEquals(0x05A8, frag.fragmentOffset());
        assertTrue(frag.moreFragments());
        assertEquals(0xDEADBEEFL, frag.identification());
    }

    /**
     * The TCP flyweight reads its fixed fields without a check per read (see
     * {@link #fixedHeadersMustFitWhereTheyAreWrapped}): the same numbers from heap and off-heap buffers.
     */
    @Test
    void tcp() {
        final UnsafeBuffer heap = at(4,
            0xC8, 0x22, 0x01, 0xBB, 0xFF, 0xFF, 0xFF, 0xF0, 0x80, 0x00, 0x00, 0x01,
            0x80, 0xC2, 0xFA, 0xF0, 0x12, 0x34, 0x00, 0x07);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(heap.capacity()));
        direct.putBytes(0, heap, 0, heap.capacity());
        for (final UnsafeBuffer b : new UnsafeBuffer[] {heap, direct}) {
            final TcpHeaderFlyweight th = new TcpHeaderFlyweight().wrap(b, 4);
            assertEquals(51234, th.sourcePort());
            assertEquals(443, th.destinationPort());
            assertEquals(0xFFFFFFF0L, th.sequence());
            assertEquals(0x80000001L, th.acknowledgment());
            assertEquals(8, th.dataOffset());
            assertEquals(32, th.headerLength());
            assertEquals(0xC2, th.flags());
            assertEquals(64240, th.window());
            assertEquals(0x1234, th.checksum());
            assertEquals(7, th.urgentPointer());
        }
    }

    @Test
    void udpAndIcmp() {
        final UdpHeaderFlyweight uh = new UdpHeaderFlyweight().wrap(at(0, 0xFF, 0xFF, 0x00, 0x35, 0x00, 0x1C, 0xAB,
            0xCD), 0);
        assertEquals(65535, uh.sourcePort());
        assertEquals(53, uh.destinationPort());
        assertEquals(28, uh.length());
        assertEquals(0xABCD, uh.checksum());

        final IcmpHeaderFlyweight ih = new IcmpHeaderFlyweight().wrap(at(7, 8, 0, 0xF7, 0xFF, 0xAB, 0xCD, 0x00,
            0x02), 7);
        assertEquals(8, ih.type());
        assertEquals(0, ih.code());
        assertEquals(0xF7FF, ih.checksum());
        assertEquals(0xABCD, ih.identifier());
        assertEquals(2, ih.sequence());
        assertEquals(0xABCD0002L, ih.restOfHeader());
    }

    /**
     * The IPv4 and TCP flyweights read their fixed fields without a check per read, so wrap checks that
     * the whole fixed header lies inside the buffer ({@link #tcp} reads heap and off-heap buffers alike).
     */
    @Test
    void fixedHeadersMustFitWhereTheyAreWrapped() {
        final UnsafeBuffer twenty = new UnsafeBuffer(new byte[20]);
        new TcpHeaderFlyweight().wrap(twenty, 0);
        new Ipv4HeaderFlyweight().wrap(twenty, 0);
        assertThrows(IndexOutOfBoundsException.class, () -> new TcpHeaderFlyweight().wrap(twenty, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> new Ipv4HeaderFlyweight().wrap(twenty, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> new TcpHeaderFlyweight().wrap(twenty, -1));
        assertThrows(IndexOutOfBoundsException.class,
            () -> new Ipv4HeaderFlyweight().wrap(new UnsafeBuffer(new byte[19]), 0));
    }

    /** Options are read only inside the header length made readable, which must fit in the buffer. */
    @Test
    void tcpOptionsAreReadInsideTheCheckedHeaderOnly() {
        final int[] bytes = new int[32];
        bytes[12] = 0x80; // data offset 8: 32 bytes
        bytes[20] = 1;
        bytes[21] = 1;
        bytes[22] = 8;
        bytes[23] = 10;
        bytes[24] = 0x12;
        bytes[25] = 0x34;
        bytes[26] = 0x56;
        bytes[27] = 0x78;
        bytes[28] = 0x9A;
        bytes[29] = 0xBC;
        bytes[30] = 0xDE;
        bytes[31] = 0xF0;
        final UnsafeBuffer b = at(2, bytes);
        final TcpHeaderFlyweight th = new TcpHeaderFlyweight().wrap(b, 2).readableUpTo(32);
        assertEquals(8, th.byteAt(22));
        assertEquals(0x1234_5678L, th.u32At(24));
        assertEquals(0x9ABC, th.u16At(28));
        assertEquals(0x9ABC_DEF0L, th.u32At(28));
        assertThrows(IndexOutOfBoundsException.class, () -> new TcpHeaderFlyweight().wrap(b, 2).readableUpTo(33));
        // Beyond what was made readable: refused while assertions are on (the tests run with -ea).
        assertThrows(AssertionError.class, () -> new TcpHeaderFlyweight().wrap(b, 2).readableUpTo(24).u32At(24));
        assertThrows(AssertionError.class, () -> new TcpHeaderFlyweight().wrap(b, 2).byteAt(20));
    }
}
