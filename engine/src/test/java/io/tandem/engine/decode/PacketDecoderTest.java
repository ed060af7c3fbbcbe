package io.tandem.engine.decode;

import static io.tandem.engine.decode.DecodedPacket.TH_ACK;
import static io.tandem.engine.decode.DecodedPacket.TH_FIN;
import static io.tandem.engine.decode.DecodedPacket.TH_PUSH;
import static io.tandem.engine.decode.DecodedPacket.TH_SYN;
import static io.tandem.engine.decode.PacketBuilder.concat;
import static io.tandem.engine.decode.PacketBuilder.ipv4;
import static io.tandem.engine.decode.PacketBuilder.ipv6;
import static io.tandem.engine.decode.PacketBuilder.mss;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven tests of {@link PacketDecoder}: one crafted packet per failure (every
 * {@link DecodeResult} is produced), and field extraction for valid packets of each kind.
 */
class PacketDecoderTest {
    /** The packet sits at this offset in a larger buffer, with junk around it. */
    private static final int OFFSET = 13;
    private static final int COPY_RANGE = 256;

    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket out = new DecodedPacket();

    // ---- decoding helpers ----------------------------------------------------------------------

    /** Decodes as NFQUEUE with copy range 256 would deliver it; hwProtocol 0. */
    private DecodeResult decode(final byte[] packet) {
        return decode(packet, 0);
    }

    private DecodeResult decode(final byte[] packet, final int hwProtocol) {
        return decode(packet, Math.min(packet.length, COPY_RANGE), packet.length, hwProtocol);
    }

    private DecodeResult decode(final byte[] packet, final int captured, final int original, final int hwProtocol) {
        final byte[] backing = new byte[OFFSET + packet.length + 32];
        java.util.Arrays.fill(backing, (byte) 0xA5);
        System.arraycopy(packet, 0, backing, OFFSET, packet.length);
        return decoder.decode(new UnsafeBuffer(backing), OFFSET, captured, original, hwProtocol, out);
    }

    private static byte[] patch(final byte[] packet, final Consumer<byte[]> patcher) {
        final byte[] copy = packet.clone();
        patcher.accept(copy);
        return copy;
    }

    private static void putShort(final byte[] b, final int index, final int value) {
        b[index] = (byte) (value >> 8);
        b[index + 1] = (byte) value;
    }

    // ---- fixtures ------------------------------------------------------------------------------

    static byte[] tcp4() {
        return ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, TH_ACK).payload(10).build();
    }

    static byte[] tcp6() {
        return ipv6("2001:db8::1", "2001:db8::2").tcp(40000, 443, TH_ACK).payload(10).build();
    }

    static byte[] tcp4WithOptions(final int... options) {
        return ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 5, 0, TH_SYN, 1024, options).build();
    }

    // ---- every failure, one crafted packet each ------------------------------------------------

    record Case(String name, byte[] packet, int captured, int original, int hwProtocol, DecodeResult expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(final String name, final byte[] packet, final DecodeResult expected) {
        return new Case(name, packet, Math.min(packet.length, COPY_RANGE), packet.length, 0, expected);
    }

    private static Case c(final String name, final byte[] packet, final int captured, final int original,
            final int hw, final DecodeResult expected) {
        return new Case(name, packet, captured, original, hw, expected);
    }

    static List<Case> cases() {
        final List<Case> cases = new ArrayList<>();
        final byte[] tcp4 = tcp4();
        final byte[] tcp6 = tcp6();
        cases.add(c("v4 tcp ok", tcp4, DecodeResult.OK));
        cases.add(c("v6 tcp ok", tcp6, DecodeResult.OK));
        cases.add(c("v4 with hw 0x0800", tcp4, tcp4.length, tcp4.length, 0x0800, DecodeResult.OK));
        cases.add(c("v6 with hw 0x86dd", tcp6, tcp6.length, tcp6.length, 0x86DD, DecodeResult.OK));

        cases.add(c("captured beyond buffer", tcp4, tcp4.length + 100, tcp4.length + 100, 0,
            DecodeResult.BAD_CAPTURE_RANGE));
        cases.add(c("negative captured", tcp4, -1, tcp4.length, 0, DecodeResult.BAD_CAPTURE_RANGE));

        cases.add(c("empty", new byte[0], DecodeResult.EMPTY_PACKET));

        cases.add(c("version 5", patch(tcp4, b -> b[0] = 0x55), DecodeResult.UNSUPPORTED_L3));
        cases.add(c("version 0", new byte[] {0}, DecodeResult.UNSUPPORTED_L3));
        cases.add(c("hw ipv4, version 6", tcp6, tcp6.length, tcp6.length, 0x0800, DecodeResult.UNSUPPORTED_L3));
        cases.add(c("hw ipv6, version 4", tcp4, tcp4.length, tcp4.length, 0x86DD, DecodeResult.UNSUPPORTED_L3));
        cases.add(c("hw arp", tcp4, tcp4.length, tcp4.length, 0x0806, DecodeResult.UNSUPPORTED_L3));

        cases.add(c("v4 19 bytes", tcp4, 19, tcp4.length, 0, DecodeResult.TRUNCATED_IPV4_HEADER));
        cases.add(c("v4 ihl 6 with 20 captured", patch(tcp4, b -> b[0] = 0x46), 20, tcp4.length, 0,
            DecodeResult.TRUNCATED_IPV4_HEADER));

        cases.add(c("ihl 4", patch(tcp4, b -> b[0] = 0x44), DecodeResult.BAD_IHL));
        cases.add(c("ihl 0", patch(tcp4, b -> b[0] = 0x40), DecodeResult.BAD_IHL));

        cases.add(c("v4 option overruns header",
            ipv4("10.0.0.1", "10.0.0.2").ipv4Options(7, 9, 4, 0).tcp(1, 2, TH_SYN).build(),
            DecodeResult.BAD_IPV4_OPTIONS));
        cases.add(c("v4 option length 1",
            ipv4("10.0.0.1", "10.0.0.2").ipv4Options(130, 1, 0, 0).tcp(1, 2, TH_SYN).build(),
            DecodeResult.BAD_IPV4_OPTIONS));
        cases.add(c("v4 option kind without length byte",
            ipv4("10.0.0.1", "10.0.0.2").ipv4Options(1, 1, 1, 68).tcp(1, 2, TH_SYN).build(),
            DecodeResult.BAD_IPV4_OPTIONS));

        cases.add(c("total length below ihl", patch(tcp4, b -> putShort(b, 2, 19)), DecodeResult.BAD_IP_LENGTH));
        cases.add(c("total length 0 (BIG TCP)", patch(tcp4, b -> putShort(b, 2, 0)), DecodeResult.BAD_IP_LENGTH));

        cases.add(c("captured above original", tcp4, tcp4.length, tcp4.length - 1, 0, DecodeResult.LENGTH_MISMATCH));
        cases.add(c("v4 total length above original", patch(tcp4, b -> putShort(b, 2, tcp4.length + 1)),
            DecodeResult.LENGTH_MISMATCH));
        cases.add(c("v6 payload length above original", patch(tcp6, b -> putShort(b, 4, tcp6.length)),
            DecodeResult.LENGTH_MISMATCH));

        cases.add(c("v6 39 bytes", tcp6, 39, tcp6.length, 0, DecodeResult.TRUNCATED_IPV6_HEADER));

        final int[] bigPadN = new int[230];
        bigPadN[0] = 1;
        bigPadN[1] = 228;
        final byte[] longChain = ipv6("2001:db8::1", "2001:db8::2").hopByHop().destinationOptions(bigPadN)
            .tcp(1, 2, TH_SYN).build();
        cases.add(c("v6 ext chain beyond copy range", longChain, DecodeResult.TRUNCATED_EXTENSION_HEADER));

        cases.add(c("hop-by-hop not first", ipv6("2001:db8::1", "2001:db8::2").destinationOptions().hopByHop()
            .tcp(1, 2, TH_SYN).build(), DecodeResult.BAD_EXTENSION_HEADER));
        cases.add(c("routing type 0", ipv6("2001:db8::1", "2001:db8::2").routing(0).tcp(1, 2, TH_SYN).build(),
            DecodeResult.BAD_EXTENSION_HEADER));
        cases.add(c("two fragment headers", ipv6("2001:db8::1", "2001:db8::2").fragmentHeader(0, true, 1)
            .fragmentHeader(0, true, 1).tcp(1, 2, TH_SYN).payload(4).build(), DecodeResult.BAD_EXTENSION_HEADER));
        cases.add(c("jumbo option", ipv6("2001:db8::1", "2001:db8::2").hopByHop(0xC2, 4, 0, 1, 0, 0)
            .tcp(1, 2, TH_SYN).build(), DecodeResult.BAD_EXTENSION_HEADER));
        cases.add(c("option TLV overruns header", ipv6("2001:db8::1", "2001:db8::2").destinationOptions(0x1E, 9)
            .tcp(1, 2, TH_SYN).build(), DecodeResult.BAD_EXTENSION_HEADER));
        final byte[] dstThenNothing = ipv6("2001:db8::1", "2001:db8::2").destinationOptions().protocol(59).build();
        cases.add(c("ext header length beyond ip length",
            patch(dstThenNothing, b -> b[41] = 3), DecodeResult.BAD_EXTENSION_HEADER));

        PacketBuilder nine = ipv6("2001:db8::1", "2001:db8::2");
        for (int i = 0; i < 9; i++) {
            nine = nine.destinationOptions();
        }
        cases.add(c("9 extension headers", nine.tcp(1, 2, TH_SYN).build(), DecodeResult.TOO_MANY_EXTENSION_HEADERS));

        cases.add(c("v4 first fragment with 16 bytes of tcp",
            ipv4("10.0.0.1", "10.0.0.2").fragment(0, true).protocol(6).payload(16).build(),
            DecodeResult.TINY_FRAGMENT));
        cases.add(c("v4 first fragment with tcp options cut",
            patch(ipv4("10.0.0.1", "10.0.0.2").fragment(0, true).tcp(1, 2, TH_SYN).payload(4).build(),
                b -> b[20 + 12] = (byte) 0x80), DecodeResult.TINY_FRAGMENT));
        cases.add(c("v6 first fragment with 8 bytes of tcp",
            ipv6("2001:db8::1", "2001:db8::2").fragment(0, true).protocol(6).payload(8).build(),
            DecodeResult.TINY_FRAGMENT));
        cases.add(c("v6 first fragment ending inside the destination options",
            ipv6("2001:db8::1", "2001:db8::2").fragment(0, true).protocol(60)
                .payload(new byte[] {17, 1, 1, 4, 0, 0, 0, 0}).build(),
            DecodeResult.TINY_FRAGMENT));
        cases.add(c("v4 first fragment with 0 bytes of udp",
            ipv4("10.0.0.1", "10.0.0.2").fragment(0, true).protocol(17).build(), DecodeResult.TINY_FRAGMENT));
        cases.add(c("v4 first fragment with 0 bytes of icmp",
            ipv4("10.0.0.1", "10.0.0.2").fragment(0, true).protocol(1).build(), DecodeResult.TINY_FRAGMENT));

        cases.add(c("v4 ping of death", ipv4("10.0.0.1", "10.0.0.2").fragment(65528, false).protocol(1).payload(16)
            .build(), DecodeResult.BAD_FRAGMENT));
        cases.add(c("v4 unaligned non-last fragment", ipv4("10.0.0.1", "10.0.0.2").fragment(8, true).protocol(17)
            .payload(10).build(), DecodeResult.BAD_FRAGMENT));
        cases.add(c("v6 unaligned non-last fragment", ipv6("2001:db8::1", "2001:db8::2").fragment(8, true)
            .protocol(17).payload(10).build(), DecodeResult.BAD_FRAGMENT));
        cases.add(c("v6 ping of death", ipv6("2001:db8::1", "2001:db8::2").fragment(65528, false)
            .protocol(17).payload(16).build(), DecodeResult.BAD_FRAGMENT));

        cases.add(c("icmpv6 in ipv4", ipv4("10.0.0.1", "10.0.0.2").protocol(58).payload(8).build(),
            DecodeResult.WRONG_ICMP_FAMILY));
        cases.add(c("icmp in ipv6", ipv6("2001:db8::1", "2001:db8::2").protocol(1).payload(8).build(),
            DecodeResult.WRONG_ICMP_FAMILY));

        cases.add(c("tcp 10 bytes", ipv4("10.0.0.1", "10.0.0.2").protocol(6).payload(10).build(),
            DecodeResult.TRUNCATED_TCP_HEADER));
        cases.add(c("tcp fixed header beyond capture", tcp4, 30, tcp4.length, 0, DecodeResult.TRUNCATED_TCP_HEADER));
        cases.add(c("tcp options beyond capture", tcp4WithOptions(mss(1460)), 40, 44, 0,
            DecodeResult.TRUNCATED_TCP_HEADER));

        cases.add(c("tcp data offset 4", patch(tcp4, b -> b[32] = 0x40), DecodeResult.BAD_TCP_DATA_OFFSET));
        cases.add(c("tcp data offset 15 beyond packet", patch(tcp4, b -> b[32] = (byte) 0xF0),
            DecodeResult.BAD_TCP_DATA_OFFSET));

        cases.add(c("mss length 3", tcp4WithOptions(2, 3, 5, 0), DecodeResult.BAD_TCP_OPTIONS));
        cases.add(c("wscale length 4", tcp4WithOptions(3, 4, 7, 0), DecodeResult.BAD_TCP_OPTIONS));
        cases.add(c("sack permitted length 3", tcp4WithOptions(4, 3, 0, 0), DecodeResult.BAD_TCP_OPTIONS));
        cases.add(c("timestamp length 8", tcp4WithOptions(8, 8, 0, 0, 0, 0, 0, 0), DecodeResult.BAD_TCP_OPTIONS));
        cases.add(c("sack length 9", tcp4WithOptions(5, 9, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1),
            DecodeResult.BAD_TCP_OPTIONS));
        cases.add(c("option length 0", tcp4WithOptions(30, 0, 0, 0), DecodeResult.BAD_TCP_OPTIONS));
        cases.add(c("option length 1", tcp4WithOptions(30, 1, 0, 0), DecodeResult.BAD_TCP_OPTIONS));
        cases.add(c("option beyond header", tcp4WithOptions(30, 5, 0, 0), DecodeResult.BAD_TCP_OPTIONS));
        cases.add(c("option kind without length byte", tcp4WithOptions(1, 1, 1, 30), DecodeResult.BAD_TCP_OPTIONS));

        cases.add(c("udp 4 bytes", ipv4("10.0.0.1", "10.0.0.2").protocol(17).payload(4).build(),
            DecodeResult.TRUNCATED_UDP_HEADER));
        cases.add(c("udp header beyond capture", ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(10).build(), 24,
            38, 0, DecodeResult.TRUNCATED_UDP_HEADER));

        cases.add(c("udp length 7", ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).udpLength(7).payload(10).build(),
            DecodeResult.BAD_UDP_LENGTH));
        cases.add(c("udp length above ip payload", ipv6("2001:db8::1", "2001:db8::2").udp(1, 2).udpLength(100)
            .payload(10).build(), DecodeResult.BAD_UDP_LENGTH));

        cases.add(c("icmp 4 bytes", ipv4("10.0.0.1", "10.0.0.2").protocol(1).payload(4).build(),
            DecodeResult.TRUNCATED_ICMP_HEADER));
        cases.add(c("icmpv6 4 bytes", ipv6("2001:db8::1", "2001:db8::2").protocol(58).payload(4).build(),
            DecodeResult.TRUNCATED_ICMP_HEADER));
        return cases;
    }

    static Stream<Arguments> caseArguments() {
        return cases().stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseArguments")
    void decodesToExpectedResult(final Case testCase) {
        final DecodeResult result =
            decode(testCase.packet(), testCase.captured(), testCase.original(), testCase.hwProtocol());
        assertEquals(testCase.expected(), result, testCase.name());
        assertEquals(1, decoder.count(testCase.expected()));
        if (result != DecodeResult.OK) {
            assertFalse(out.hasTransportHeader(), "failure leaves no transport header");
            assertEquals(0, out.innerFamily);
        }
    }

    @Test
    void everyResultHasACase() {
        final Set<DecodeResult> covered = EnumSet.noneOf(DecodeResult.class);
        for (final Case testCase : cases()) {
            covered.add(testCase.expected());
        }
        assertEquals(EnumSet.allOf(DecodeResult.class), covered);
    }

    @Test
    void resultDescriptorsAreWellFormed() {
        assertEquals(DecodeResult.OK, DecodeResult.values()[0]);
        final Set<String> names = new java.util.HashSet<>();
        for (final DecodeResult result : DecodeResult.values()) {
            assertTrue(result.reasonName().matches("[a-z][a-z0-9_]*"), result.reasonName());
            assertEquals(result.name().toLowerCase(java.util.Locale.ROOT), result.reasonName());
            assertFalse(result.help().isBlank());
            assertTrue(names.add(result.reasonName()));
            assertEquals(result != DecodeResult.OK, result.isFailure());
        }
        for (final DecodeNote note : DecodeNote.values()) {
            assertEquals(note.name().toLowerCase(java.util.Locale.ROOT), note.reasonName());
            assertFalse(note.help().isBlank());
        }
    }

    // ---- field extraction ----------------------------------------------------------------------

    private void assertAddresses(final String src, final String dst) {
        final long[] s = PacketBuilder.addressLongs(src);
        final long[] d = PacketBuilder.addressLongs(dst);
        assertEquals(s[0], out.srcHi, "srcHi");
        assertEquals(s[1], out.srcLo, "srcLo");
        assertEquals(d[0], out.dstHi, "dstHi");
        assertEquals(d[1], out.dstLo, "dstLo");
    }

    @Test
    void ipv4TcpSynWithAllOptions() {
        final int[] options = concat(mss(1460), new int[] {4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x80, 0, 0, 1},
            new int[] {1, 3, 3, 7});
        final byte[] packet = ipv4("192.168.1.10", "203.0.113.200").ttl(63).tos(0xB8).id(0xBEEF).dontFragment()
            .tcp(51234, 443, 0xFFFF_FFF0L, 0x8000_0000L, TH_SYN | 0xC0, 64240, options).build();
        assertEquals(DecodeResult.OK, decode(packet, 0x0800));
        assertEquals(DecodedPacket.FAMILY_INET, out.family);
        assertEquals(DecodedPacket.PROTO_TCP, out.protocol);
        assertAddresses("192.168.1.10", "203.0.113.200");
        assertEquals(0xC0A8010AL, out.srcLo);
        assertEquals(63, out.ttl);
        assertEquals(0xB8, out.tos);
        assertTrue(out.dontFragment);
        assertFalse(out.fragment);
        assertEquals(0xBEEF, out.fragmentId);
        assertEquals(packet.length, out.ipLength);
        assertEquals(OFFSET, out.l3Offset);
        assertEquals(OFFSET + 20, out.l4Offset);
        assertEquals(packet.length, out.capturedLength);
        assertEquals(51234, out.srcPort);
        assertEquals(443, out.dstPort);
        assertEquals(0xFFFF_FFF0L, out.seq);
        assertEquals(0x8000_0000L, out.ack);
        assertEquals(TH_SYN | DecodedPacket.TH_ECE | DecodedPacket.TH_CWR, out.tcpFlags);
        assertEquals(64240, out.window);
        assertEquals(0, out.payloadLength);
        assertEquals(1460, out.mss);
        assertEquals(7, out.wscale);
        assertTrue(out.sackPermitted);
        assertTrue(out.hasTimestamp);
        assertEquals(0x11223344L, out.tsVal);
        assertEquals(0x80000001L, out.tsEcr);
        assertFalse(out.ipOptions);
        assertFalse(out.icmpError);
    }

    @Test
    void tcpWithoutOptionsHasDefaults() {
        assertEquals(DecodeResult.OK, decode(tcp4()));
        assertEquals(0, out.mss);
        assertEquals(-1, out.wscale);
        assertFalse(out.sackPermitted);
        assertFalse(out.hasTimestamp);
        assertEquals(10, out.payloadLength);
    }

    @Test
    void sackBlocksAndEolAreAccepted() {
        final byte[] packet = tcp4WithOptions(1, 1, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 9, 9, 9);
        assertEquals(DecodeResult.OK, decode(packet));
    }

    @Test
    void truncatedAtCopyRangeIsOk() {
        final byte[] packet = ipv4("10.1.1.1", "10.2.2.2").tcp(1234, 80, 1, 2, TH_ACK | TH_PUSH, 500).payload(1460)
            .build();
        assertEquals(1500, packet.length);
        assertEquals(DecodeResult.OK, decode(packet));
        assertEquals(256, out.capturedLength);
        assertEquals(1500, out.ipLength);
        assertEquals(1460, out.payloadLength);
        assertEquals(TH_ACK | TH_PUSH, out.tcpFlags);
    }

    @Test
    void gsoSuperPacketIsOk() {
        final byte[] packet = ipv6("2001:db8::1", "2001:db8::2").tcp(1, 2, TH_ACK).payload(65000).build();
        assertEquals(DecodeResult.OK, decode(packet, 0x86DD));
        assertEquals(65000, out.payloadLength);
    }

    @Test
    void trailingBytesAreIgnoredAndNoted() {
        final byte[] packet = tcp4();
        final byte[] padded = java.util.Arrays.copyOf(packet, packet.length + 6);
        assertEquals(DecodeResult.OK, decode(padded));
        assertEquals(packet.length, out.ipLength);
        assertEquals(10, out.payloadLength);
        assertEquals(1, decoder.count(DecodeNote.TRAILING_BYTES));
    }

    @Test
    void ipv4OptionsAreWalkedAndFlagged() {
        final byte[] routerAlert = ipv4("10.0.0.1", "10.0.0.2").ipv4Options(148, 4, 0, 0).udp(5, 6).build();
        assertEquals(DecodeResult.OK, decode(routerAlert));
        assertFalse(out.ipOptions, "router alert is allowed like pf does");
        assertEquals(OFFSET + 24, out.l4Offset);

        final byte[] recordRoute = ipv4("10.0.0.1", "10.0.0.2").ipv4Options(1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0)
            .udp(5, 6).build();
        assertEquals(DecodeResult.OK, decode(recordRoute));
        assertTrue(out.ipOptions);
        assertEquals(5, out.srcPort);

        final byte[] eolOnly = ipv4("10.0.0.1", "10.0.0.2").ipv4Options(0, 99, 99, 99).udp(5, 6).build();
        assertEquals(DecodeResult.OK, decode(eolOnly), "bytes after EOL are not options");
        assertFalse(out.ipOptions);
    }

    @Test
    void ipv6WithHopByHopDestinationOptionsAndFirstFragment() {
        final byte[] packet = ipv6("2001:db8:1:2::10", "fe80::1:2:3:4").ttl(17).tos(0x2E)
            .hopByHop(5, 2, 0, 0)
            .destinationOptions(0x1E, 2, 0xAA, 0xBB)
            .fragmentHeader(0, true, 0xDEADBEEFL)
            .tcp(2222, 22, 7, 8, TH_SYN, 1000, mss(1220))
            .payload(8)
            .build();
        assertEquals(DecodeResult.OK, decode(packet, 0x86DD));
        assertEquals(DecodedPacket.FAMILY_INET6, out.family);
        assertAddresses("2001:db8:1:2::10", "fe80::1:2:3:4");
        assertEquals(0x20010db800010002L, out.srcHi);
        assertEquals(0x10L, out.srcLo);
        assertEquals(17, out.ttl);
        assertEquals(0x2E, out.tos);
        assertEquals(DecodedPacket.PROTO_TCP, out.protocol);
        assertTrue(out.fragment);
        assertTrue(out.firstFragment);
        assertTrue(out.moreFragments);
        assertEquals(0, out.fragmentOffset);
        assertEquals(0xDEADBEEFL, out.fragmentId);
        assertTrue(out.ipOptions, "unknown destination option 0x1e");
        assertEquals(OFFSET + 40 + 8 + 8 + 8, out.l4Offset);
        assertEquals(2222, out.srcPort);
        assertEquals(22, out.dstPort);
        assertEquals(1220, out.mss);
        assertEquals(8, out.payloadLength);
    }

    @Test
    void ipv6LaterFragmentHasNoTransportHeader() {
        final byte[] packet = ipv6("2001:db8::1", "2001:db8::2").hopByHop().fragmentHeader(1448, false, 77)
            .protocol(17).payload(100).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertTrue(out.fragment);
        assertFalse(out.firstFragment);
        assertFalse(out.moreFragments);
        assertEquals(1448, out.fragmentOffset);
        assertEquals(77, out.fragmentId);
        assertEquals(DecodedPacket.PROTO_UDP, out.protocol);
        assertEquals(-1, out.l4Offset);
        assertFalse(out.hasTransportHeader());
        assertEquals(0, out.srcPort);
        assertEquals(100, out.payloadLength);
    }

    @Test
    void ipv6AtomicFragmentIsNotAFragment() {
        final byte[] packet = ipv6("2001:db8::1", "2001:db8::2").fragmentHeader(0, false, 5).udp(53, 5353).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertFalse(out.fragment);
        assertEquals(5, out.fragmentId);
        assertEquals(53, out.srcPort);
    }

    @Test
    void ipv6AuthenticationHeaderAndRoutingAreWalked() {
        final byte[] packet = ipv6("2001:db8::1", "2001:db8::2").routing(4).authenticationHeader(3)
            .tcp(10, 20, TH_ACK).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertEquals(OFFSET + 40 + 8 + 24, out.l4Offset);
        assertEquals(10, out.srcPort);
    }

    @Test
    void eightExtensionHeadersAreAllowed() {
        PacketBuilder eight = ipv6("2001:db8::1", "2001:db8::2");
        for (int i = 0; i < 8; i++) {
            eight = eight.destinationOptions();
        }
        assertEquals(DecodeResult.OK, decode(eight.udp(1, 2).build()));
        assertEquals(1, out.srcPort);
    }

    @Test
    void ipv4LaterFragmentHasNoTransportHeader() {
        final byte[] packet = ipv4("10.0.0.1", "10.0.0.2").id(4242).fragment(1480, true).protocol(17).payload(1480)
            .build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertTrue(out.fragment);
        assertFalse(out.firstFragment);
        assertTrue(out.moreFragments);
        assertEquals(1480, out.fragmentOffset);
        assertEquals(4242, out.fragmentId);
        assertEquals(DecodedPacket.PROTO_UDP, out.protocol);
        assertEquals(-1, out.l4Offset);
        assertEquals(1480, out.payloadLength);
    }

    @Test
    void ipv4FirstFragmentCarriesPorts() {
        final byte[] packet = ipv4("10.0.0.1", "10.0.0.2").fragment(0, true).udp(5000, 6000).udpLength(3000)
            .payload(1472).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertTrue(out.fragment);
        assertTrue(out.firstFragment);
        assertEquals(5000, out.srcPort);
        assertEquals(6000, out.dstPort);
    }

    @Test
    void udpPortsAndPayload() {
        final byte[] packet = ipv6("::1", "::2").udp(65535, 0).payload(33).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertEquals(65535, out.srcPort);
        assertEquals(0, out.dstPort);
        assertEquals(33, out.payloadLength);
        assertEquals(0L, out.srcHi);
        assertEquals(1L, out.srcLo);
    }

    @Test
    void udpLengthBelowIpPayloadIsAccepted() {
        final byte[] packet = ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).udpLength(12).payload(10).build();
        assertEquals(DecodeResult.OK, decode(packet));
    }

    @Test
    void icmpEchoIdIsTheKey() {
        assertEquals(DecodeResult.OK, decode(ipv4("10.0.0.1", "10.0.0.2").echoRequest(0xABCD, 1).payload(56).build()));
        assertEquals(8, out.icmpType);
        assertEquals(0xABCD, out.icmpId);
        assertEquals(0xABCD, out.srcPort);
        assertEquals(0xABCD, out.dstPort);
        assertFalse(out.icmpError);

        assertEquals(DecodeResult.OK, decode(ipv4("10.0.0.2", "10.0.0.1").echoReply(0xABCD, 1).build()));
        assertEquals(0, out.icmpType);
        assertEquals(0xABCD, out.srcPort);

        assertEquals(DecodeResult.OK, decode(ipv6("2001:db8::1", "2001:db8::2").echoRequest(7, 9).build()));
        assertEquals(DecodedPacket.PROTO_ICMPV6, out.protocol);
        assertEquals(128, out.icmpType);
        assertEquals(7, out.icmpId);
        assertEquals(7, out.dstPort);

        assertEquals(DecodeResult.OK, decode(ipv6("2001:db8::2", "2001:db8::1").echoReply(7, 9).build()));
        assertEquals(129, out.icmpType);
        assertEquals(7, out.srcPort);
    }

    @Test
    void icmpOtherTypesHaveNoId() {
        assertEquals(DecodeResult.OK, decode(ipv6("fe80::1", "ff02::1").icmp(134, 0, 0x40000708).payload(8).build()));
        assertEquals(134, out.icmpType);
        assertEquals(0, out.icmpId);
        assertEquals(0, out.srcPort);
        assertFalse(out.icmpError);
        assertEquals(8, out.payloadLength);
    }

    @Test
    void icmpErrorQuotingTcp() {
        final byte[] original = ipv4("10.0.0.1", "198.51.100.7").tcp(40000, 80, 0xCAFEBABEL, 1, TH_SYN, 100).build();
        final byte[] packet = ipv4("192.0.2.1", "10.0.0.1").icmpError(3, 4, original, 28).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertEquals(3, out.icmpType);
        assertEquals(4, out.icmpCode);
        assertTrue(out.icmpError);
        assertEquals(0, out.srcPort, "outer ports stay 0 for errors");
        assertEquals(DecodedPacket.FAMILY_INET, out.innerFamily);
        assertEquals(DecodedPacket.PROTO_TCP, out.innerProtocol);
        assertEquals(PacketBuilder.addressLongs("10.0.0.1")[1], out.innerSrcLo);
        assertEquals(PacketBuilder.addressLongs("198.51.100.7")[1], out.innerDstLo);
        assertEquals(0, out.innerSrcHi);
        assertEquals(40000, out.innerSrcPort);
        assertEquals(80, out.innerDstPort);
        assertEquals(0xCAFEBABEL, out.innerSeq);
    }

    @Test
    void icmpTimeExceededQuotingUdpWithOptions() {
        final byte[] original = ipv4("10.0.0.1", "10.9.9.9").ipv4Options(148, 4, 0, 0).udp(33434, 53).payload(20)
            .build();
        final byte[] packet = ipv4("192.0.2.1", "10.0.0.1").icmpError(11, 0, original, original.length).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertEquals(DecodedPacket.PROTO_UDP, out.innerProtocol);
        assertEquals(33434, out.innerSrcPort);
        assertEquals(53, out.innerDstPort);
        assertEquals(0, out.innerSeq);
    }

    @Test
    void icmpErrorQuotingEcho() {
        final byte[] original = ipv4("10.0.0.1", "10.9.9.9").echoRequest(0x4321, 3).build();
        final byte[] packet = ipv4("192.0.2.1", "10.0.0.1").icmpError(11, 0, original, 28).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertEquals(DecodedPacket.PROTO_ICMP, out.innerProtocol);
        assertEquals(0x4321, out.innerSrcPort);
        assertEquals(0x4321, out.innerDstPort);
    }

    @Test
    void icmpv6PacketTooBigQuotingTcpBehindExtensionHeaders() {
        final byte[] original = ipv6("2001:db8::1", "2001:db8:ffff::99").destinationOptions()
            .tcp(443, 50000, 0x7FFFFFFFL, 5, TH_ACK, 100).payload(1400).build();
        final byte[] packet = ipv6("2001:db8::fe", "2001:db8::1").icmpError(2, 0, original, 1232).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertEquals(2, out.icmpType);
        assertTrue(out.icmpError);
        assertEquals(DecodedPacket.FAMILY_INET6, out.innerFamily);
        assertEquals(DecodedPacket.PROTO_TCP, out.innerProtocol);
        final long[] s = PacketBuilder.addressLongs("2001:db8::1");
        final long[] d = PacketBuilder.addressLongs("2001:db8:ffff::99");
        assertEquals(s[0], out.innerSrcHi);
        assertEquals(s[1], out.innerSrcLo);
        assertEquals(d[0], out.innerDstHi);
        assertEquals(d[1], out.innerDstLo);
        assertEquals(443, out.innerSrcPort);
        assertEquals(50000, out.innerDstPort);
        assertEquals(0x7FFFFFFFL, out.innerSeq);
    }

    @Test
    void icmpv6ErrorQuotingEcho() {
        final byte[] original = ipv6("2001:db8::1", "2001:db8::2").echoRequest(99, 1).build();
        final byte[] packet = ipv6("2001:db8::fe", "2001:db8::1").icmpError(1, 3, original, original.length).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertEquals(DecodedPacket.PROTO_ICMPV6, out.innerProtocol);
        assertEquals(99, out.innerSrcPort);
    }

    @Test
    void truncatedQuoteIsCountedButNotFatal() {
        final byte[] original = ipv4("10.0.0.1", "10.9.9.9").tcp(1, 2, TH_SYN).build();
        final byte[] packet = ipv4("192.0.2.1", "10.0.0.1").icmpError(3, 1, original, 24).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertTrue(out.icmpError);
        assertEquals(0, out.innerFamily);
        assertEquals(0, out.innerSrcPort);
        assertEquals(1, decoder.count(DecodeNote.ICMP_QUOTE_TRUNCATED));

        final byte[] empty = ipv6("2001:db8::fe", "2001:db8::1").icmpError(3, 0, original, 0).build();
        assertEquals(DecodeResult.OK, decode(empty));
        assertEquals(0, out.innerFamily);
        assertEquals(2, decoder.count(DecodeNote.ICMP_QUOTE_TRUNCATED));
    }

    @Test
    void malformedQuoteIsCountedButNotFatal() {
        final byte[] v6inner = tcp6();
        final byte[] packet = ipv4("192.0.2.1", "10.0.0.1").icmpError(3, 1, v6inner, 48).build();
        assertEquals(DecodeResult.OK, decode(packet));
        assertTrue(out.icmpError);
        assertEquals(0, out.innerFamily);
        assertEquals(1, decoder.count(DecodeNote.ICMP_QUOTE_MALFORMED));

        final byte[] laterFragment = ipv4("10.0.0.1", "10.9.9.9").fragment(8, false).protocol(17).payload(8).build();
        assertEquals(DecodeResult.OK,
            decode(ipv4("192.0.2.1", "10.0.0.1").icmpError(11, 1, laterFragment, 28).build()));
        assertEquals(0, out.innerFamily);
        assertEquals(2, decoder.count(DecodeNote.ICMP_QUOTE_MALFORMED));
    }

    @Test
    void otherProtocolsDecodeWithoutPorts() {
        assertEquals(DecodeResult.OK, decode(ipv4("10.0.0.1", "10.0.0.2").protocol(47).payload(24).build()));
        assertEquals(47, out.protocol);
        assertEquals(0, out.srcPort);
        assertEquals(OFFSET + 20, out.l4Offset);
        assertEquals(24, out.payloadLength);

        assertEquals(DecodeResult.OK, decode(ipv6("2001:db8::1", "2001:db8::2").protocol(50).payload(40).build()));
        assertEquals(50, out.protocol);

        assertEquals(DecodeResult.OK, decode(ipv6("2001:db8::1", "2001:db8::2").hopByHop().protocol(59).build()));
        assertEquals(59, out.protocol);
        assertEquals(-1, out.l4Offset);
    }

    // ---- TCP cases that stress pf's tracker (decoded as given) ---------------------------------

    @Test
    void zeroWindow() {
        assertEquals(DecodeResult.OK, decode(ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 5, 6, TH_ACK, 0).build()));
        assertEquals(0, out.window);
    }

    @Test
    void windowScaleAbove14IsDecodedAsGiven() {
        assertEquals(DecodeResult.OK, decode(tcp4WithOptions(3, 3, 15, 0)));
        assertEquals(15, out.wscale);
        assertEquals(DecodeResult.OK, decode(tcp4WithOptions(3, 3, 255, 0)));
        assertEquals(255, out.wscale);
    }

    @Test
    void synWithData() {
        assertEquals(DecodeResult.OK,
            decode(ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 100, 0, TH_SYN, 1000, mss(536)).payload(100).build()));
        assertEquals(TH_SYN, out.tcpFlags);
        assertEquals(100, out.payloadLength);
        assertEquals(536, out.mss);
    }

    @Test
    void finWithoutAck() {
        assertEquals(DecodeResult.OK, decode(ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, TH_FIN).build()));
        assertEquals(TH_FIN, out.tcpFlags);
    }

    @Test
    void allFlagsAndNoFlags() {
        assertEquals(DecodeResult.OK, decode(ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 0xFF).build()));
        assertEquals(0xFF, out.tcpFlags);
        assertEquals(DecodeResult.OK, decode(ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, 0).build()));
        assertEquals(0, out.tcpFlags);
    }

    // ---- reuse ---------------------------------------------------------------------------------

    @Test
    void fieldsAreResetBetweenPackets() {
        decode(tcp4WithOptions(3, 3, 7, 0));
        assertEquals(7, out.wscale);
        assertEquals(DecodeResult.OK, decode(ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build()));
        assertEquals(-1, out.wscale);
        assertEquals(0, out.tcpFlags);
        assertEquals(DecodeResult.TRUNCATED_IPV6_HEADER, decode(tcp6(), 20, 60, 0));
        assertEquals(0, out.srcPort);
        assertEquals(0, out.family);
    }

    @Test
    void countsEveryResult() {
        decode(tcp4());
        decode(tcp4());
        decode(new byte[0]);
        assertEquals(2, decoder.count(DecodeResult.OK));
        assertEquals(1, decoder.count(DecodeResult.EMPTY_PACKET));
        assertEquals(0, decoder.count(DecodeResult.BAD_IHL));
    }

    // ---- fuzz seeds ----------------------------------------------------------------------------

    @Test
    void fuzzSeedsAreValidPacketsAndCheckedIn() throws java.io.IOException {
        for (final java.util.Map.Entry<String, byte[]> seed : PacketDecoderFuzzSeeds.seeds().entrySet()) {
            final byte[] input = seed.getValue();
            final byte[] packet = java.util.Arrays.copyOfRange(input, PacketDecoderFuzzTest.HEADER, input.length);
            final int cut = ((input[2] & 0xFF) << 8) | (input[3] & 0xFF);
            final int captured = cut == 0 || cut >= packet.length ? packet.length : cut;
            assertEquals(DecodeResult.OK, decode(packet, captured, packet.length, 0), seed.getKey());
            try (java.io.InputStream in = PacketDecoderTest.class.getResourceAsStream(
                    "PacketDecoderFuzzTestInputs/decode/" + seed.getKey())) {
                assertTrue(in != null, "seed checked in: " + seed.getKey());
                org.junit.jupiter.api.Assertions.assertArrayEquals(input, in.readAllBytes(), seed.getKey());
            }
        }
    }

    /**
     * The decoder clears only the optional field groups (fragment, TCP options, ICMP and its quote)
     * that it wrote for the packet before: every seed packet, decoded after every other into one
     * reused packet, must read exactly as decoded into a fresh one.
     */
    @Test
    void decodingIntoAUsedPacketGivesTheFieldsOfAFreshOne() {
        final List<byte[]> inputs = new ArrayList<>(PacketDecoderFuzzSeeds.seeds().values());
        final DecodedPacket reused = new DecodedPacket();
        int pairs = 0;
        for (final byte[] before : inputs) {
            for (final byte[] after : inputs) {
                decodeSeed(before, reused);
                final DecodeResult result = decodeSeed(after, reused);
                final DecodedPacket fresh = new DecodedPacket();
                assertEquals(result, decodeSeed(after, fresh));
                PacketDecoderFuzzTest.assertSameFields(fresh, reused);
                pairs++;
            }
        }
        assertEquals(inputs.size() * inputs.size(), pairs);
        assertTrue(inputs.size() >= 10, "the seeds cover the field groups");
    }

    /** Decodes a fuzz seed (control header, then the packet) as the fuzz target does, whole. */
    private DecodeResult decodeSeed(final byte[] seed, final DecodedPacket into) {
        final int offset = seed[0] & 0x0F;
        final int hw = new int[] {0, PacketDecoder.ETH_P_IP, PacketDecoder.ETH_P_IPV6, 0x0806}[seed[1] & 3];
        final int length = seed.length - PacketDecoderFuzzTest.HEADER;
        final byte[] buffer = new byte[offset + length];
        System.arraycopy(seed, PacketDecoderFuzzTest.HEADER, buffer, offset, length);
        return decoder.decode(new UnsafeBuffer(buffer), offset, length, length, hw, into);
    }
}
