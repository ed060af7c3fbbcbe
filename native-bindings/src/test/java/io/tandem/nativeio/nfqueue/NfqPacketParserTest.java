package io.tandem.nativeio.nfqueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import io.tandem.nativeio.TestBytes;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Parser tests over hand-built fixtures ({@link NfqFixtures}); queue 258 throughout. */
class NfqPacketParserTest {
    private final NfqPacketParser parser = new NfqPacketParser();

    private static long bits(final int... types) {
        long mask = 0;
        for (final int t : types) {
            mask |= 1L << t;
        }
        return mask;
    }

    @Test
    void packetWithUnpaddedLastPayloadAndOddLength() {
        final byte[] bytes = NfqFixtures.packet(false, 0);
        assertEquals(97, bytes.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);

        assertEquals(NetlinkParseStatus.OK_PACKET, parser.parse(buffer, 0, bytes.length));
        assertEquals(97, parser.messageLength());
        assertEquals(0x0300, parser.messageType());
        assertEquals(bits(1, 5, 6, 10, 13, 14), parser.attributesSeen());
        assertEquals(2, parser.family());
        assertEquals(258, parser.queue());
        assertEquals(0x01020304L, parser.packetId());
        assertEquals(0x0800, parser.hwProtocol());
        assertEquals(NfqConstants.NF_INET_FORWARD, parser.hook());
        assertFalse(parser.hasMark());
        assertEquals(0, parser.mark());
        assertEquals(7, parser.indev());
        assertEquals(9, parser.outdev());
        assertEquals(0, parser.physIndev());
        assertEquals(0, parser.physOutdev());
        assertTrue(parser.hasCapLen());
        assertEquals(1500, parser.capLen());
        assertEquals(NfqConstants.NFQA_SKB_CSUMNOTREADY | NfqConstants.NFQA_SKB_GSO, parser.skbInfo());
        assertEquals(68, parser.payloadOffset());
        assertEquals(29, parser.payloadLength());
        assertArrayEquals(NfqFixtures.PAYLOAD, TestBytes.copy(buffer, parser.payloadOffset(), parser.payloadLength()));
        assertFalse(parser.truncated());
        assertEquals(97, parser.nextOffset()); // aligned 100, bounded by the datagram
        assertEquals(100, NfqPacketParser.alignedMessageLength(97));
    }

    @Test
    void markPresent() {
        final byte[] bytes = NfqFixtures.packet(true, 0);
        assertEquals(NetlinkParseStatus.OK_PACKET, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
        assertTrue(parser.hasMark());
        assertEquals(0xcafe0001, parser.mark());
        assertEquals(bits(1, 3, 5, 6, 10, 13, 14), parser.attributesSeen());
        assertEquals(29, parser.payloadLength());
    }

    @Test
    void capLenDefaultsToPayloadLengthWhenAbsent() {
        final byte[] bytes = new TestBytes()
            .le32(20 + 12 + 4 + 29).le16(0x0300).le16(0).le32(0).le32(0)
            .u8(10).u8(0).be16(258)
            .le16(11).le16(1).be32(1).be16(0x86dd).u8(3).zeros(1)
            .le16(33).le16(10).raw(NfqFixtures.PAYLOAD)
            .toByteArray();
        assertEquals(NetlinkParseStatus.OK_PACKET, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
        assertFalse(parser.hasCapLen());
        assertEquals(29, parser.capLen());
        assertEquals(10, parser.family());
        assertEquals(0x86dd, parser.hwProtocol());
        assertEquals(1L, parser.packetId());
    }

    @Test
    void unsignedPacketIdAndTypeFlagsMasked() {
        final byte[] bytes = new TestBytes()
            .le32(20 + 12 + 4 + 29).le16(0x0300).le16(0).le32(0).le32(0)
            .u8(2).u8(0).be16(258)
            .le16(11).le16(0x4000 | 1).be32(0xfffffff0).be16(0x0800).u8(0).zeros(1) // NET_BYTEORDER bit set
            .le16(33).le16(0x8000 | 10).raw(NfqFixtures.PAYLOAD)                   // NESTED bit set
            .toByteArray();
        assertEquals(NetlinkParseStatus.OK_PACKET, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
        assertEquals(0xfffffff0L, parser.packetId());
    }

    @Test
    void errorWithEchoedVerdict() {
        final byte[] bytes = NfqFixtures.verdictError(42, NfqConstants.NF_ACCEPT);
        assertEquals(NetlinkParseStatus.OK_ERROR, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
        assertEquals(-2, parser.error());
        assertEquals(2, parser.errno());
        assertEquals(0x0301, parser.echoedType());
        assertEquals(42, parser.echoedSeq());
        assertTrue(parser.hasEchoedVerdict());
        assertEquals(NfqConstants.NF_ACCEPT, parser.echoedVerdict());
        assertEquals(42L, parser.echoedPacketId());
        assertEquals(44, NfqPacketParser.ECHOED_VERDICT_OFFSET);
        assertEquals(48, NfqPacketParser.ECHOED_PACKET_ID_OFFSET);
    }

    @Test
    void ackHasNoEchoedVerdict() {
        final byte[] bytes = NfqFixtures.ack(1, 0);
        assertEquals(NetlinkParseStatus.OK_ERROR, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
        assertEquals(0, parser.error());
        assertEquals(1, parser.echoedSeq());
        assertEquals(0x0302, parser.echoedType());
        assertFalse(parser.hasEchoedVerdict());
    }

    @Test
    void stepsThroughErrorsInterleavedWithPackets() {
        final byte[] packet = NfqFixtures.packet(false, 3); // padded to 100 inside the datagram
        final byte[] error = NfqFixtures.verdictError(5, NfqConstants.NF_DROP);
        final byte[] ack = NfqFixtures.ack(9, -16);
        final byte[] datagram = new TestBytes().raw(error).raw(packet).raw(ack).raw(NfqFixtures.packet(true, 0))
            .toByteArray();
        final UnsafeBuffer buffer = new UnsafeBuffer(datagram);
        final Set<String> seen = new HashSet<>();
        int offset = 0;
        int messages = 0;
        while (offset < datagram.length) {
            final NetlinkParseStatus status = parser.parse(buffer, offset, datagram.length);
            assertTrue(status.isOk(), status.reasonName());
            if (status == NetlinkParseStatus.OK_ERROR) {
                seen.add("error " + parser.errno() + " seq " + parser.echoedSeq());
            } else {
                seen.add("packet " + parser.packetId() + " mark " + parser.hasMark());
            }
            offset = parser.nextOffset();
            messages++;
        }
        assertEquals(4, messages);
        assertEquals(Set.of("error 2 seq 5", "packet 16909060 mark false", "error 16 seq 9",
            "packet 16909060 mark true"), seen);
        assertEquals(2, parser.count(NetlinkParseStatus.OK_ERROR));
        assertEquals(2, parser.count(NetlinkParseStatus.OK_PACKET));
    }

    @Test
    void otherTypesAreSkipped() {
        final byte[] bytes = new TestBytes().le32(16).le16(NfqConstants.TYPE_VERDICT).le16(0).le32(0).le32(0)
            .toByteArray();
        assertEquals(NetlinkParseStatus.OK_OTHER, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
        assertEquals(16, parser.nextOffset());
    }

    @Test
    void truncatedHeader() {
        final byte[] bytes = Arrays.copyOf(NfqFixtures.packet(false, 0), 15);
        assertEquals(NetlinkParseStatus.TRUNCATED_HEADER, parser.parse(new UnsafeBuffer(bytes), 0, 15));
        assertEquals(15, parser.nextOffset());
        assertEquals("truncated_header", NetlinkParseStatus.TRUNCATED_HEADER.reasonName());
        assertTrue(NetlinkParseStatus.TRUNCATED_HEADER.endsDatagram());
    }

    @Test
    void messageLongerThanDatagram() {
        final byte[] bytes = Arrays.copyOf(NfqFixtures.packet(false, 0), 60);
        assertEquals(NetlinkParseStatus.BAD_MESSAGE_LENGTH, parser.parse(new UnsafeBuffer(bytes), 0, 60));
        assertEquals(60, parser.nextOffset());
    }

    @Test
    void messageLengthBelowHeader() {
        final byte[] bytes = NfqFixtures.packet(false, 0);
        bytes[0] = 15;
        assertEquals(NetlinkParseStatus.BAD_MESSAGE_LENGTH, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
        bytes[0] = (byte)0xff;
        bytes[3] = (byte)0xff; // nlmsg_len negative as int
        assertEquals(NetlinkParseStatus.BAD_MESSAGE_LENGTH, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    @Test
    void packetTooShortForNfgenmsg() {
        final byte[] bytes = new TestBytes().le32(18).le16(0x0300).le16(0).le32(0).le32(0).u8(2).u8(0).toByteArray();
        assertEquals(NetlinkParseStatus.TRUNCATED_NFGEN_HEADER, parser.parse(new UnsafeBuffer(bytes), 0, 18));
    }

    @Test
    void errorTooShort() {
        final byte[] bytes = new TestBytes().le32(18).le16(2).le16(0).le32(0).le32(0).u8(0xfe).u8(0xff).toByteArray();
        assertEquals(NetlinkParseStatus.TRUNCATED_ERROR, parser.parse(new UnsafeBuffer(bytes), 0, 18));
    }

    @Test
    void attributeLengthBelowHeader() {
        final byte[] bytes = NfqFixtures.packet(false, 0);
        bytes[32] = 2; // INDEV nla_len 8 -> 2
        assertEquals(NetlinkParseStatus.BAD_ATTRIBUTE_LENGTH, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    @Test
    void attributePastMessageEnd() {
        final byte[] bytes = NfqFixtures.packet(false, 8);
        bytes[64] = 40; // PAYLOAD nla_len 33 -> 40: beyond nlmsg_len 97 although inside the datagram
        assertEquals(NetlinkParseStatus.BAD_ATTRIBUTE_LENGTH, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    @Test
    void shortKnownAttribute() {
        final byte[] bytes = NfqFixtures.packet(false, 0);
        bytes[20] = 8; // PACKET_HDR nla_len 11 -> 8 (value 4 < 7)
        assertEquals(NetlinkParseStatus.SHORT_ATTRIBUTE, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    @Test
    void missingPacketHeader() {
        final byte[] bytes = NfqFixtures.packet(false, 0);
        bytes[22] = 21; // PACKET_HDR type 1 -> 21 (PRIORITY): unknown to the switch, value ignored
        assertEquals(NetlinkParseStatus.MISSING_PACKET_HEADER,
            parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
    }

    @Test
    void missingPayload() {
        final byte[] bytes = NfqFixtures.packet(false, 0);
        bytes[66] = 18; // PAYLOAD type 10 -> 18 (SECCTX)
        assertEquals(NetlinkParseStatus.MISSING_PAYLOAD, parser.parse(new UnsafeBuffer(bytes), 0, bytes.length));
        assertEquals(1, parser.count(NetlinkParseStatus.MISSING_PAYLOAD));
    }

    @Test
    void truncatedDatagramStillYieldsTheHeadOfThePacket() {
        final byte[] full = NfqFixtures.packet(true, 0);
        final byte[] cut = Arrays.copyOf(full, 90); // as if MSG_TRUNC at 90 bytes
        assertEquals(NetlinkParseStatus.BAD_MESSAGE_LENGTH, parser.parse(new UnsafeBuffer(cut), 0, cut.length));
        assertEquals(NetlinkParseStatus.OK_PACKET, parser.parse(new UnsafeBuffer(cut), 0, cut.length, true));
        assertTrue(parser.truncated());
        assertEquals(0x01020304L, parser.packetId());
        assertEquals(76, parser.payloadOffset());
        assertEquals(14, parser.payloadLength());
        assertEquals(1500, parser.capLen());
        assertEquals(cut.length, parser.nextOffset());
    }

    @Test
    void garbageNeverThrows() {
        final java.util.Random random = new java.util.Random(258);
        final byte[] bytes = new byte[512];
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        for (int i = 0; i < 20_000; i++) {
            random.nextBytes(bytes);
            if (i % 2 == 0) { // plausible headers so the attribute walk runs
                buffer.putInt(0, 16 + random.nextInt(496), java.nio.ByteOrder.LITTLE_ENDIAN);
                buffer.putShort(4, (short)(i % 4 == 0 ? 0x0300 : 2), java.nio.ByteOrder.LITTLE_ENDIAN);
            }
            final int limit = random.nextInt(513);
            int offset = 0;
            int steps = 0;
            while (offset < limit && steps++ < 64) {
                final NetlinkParseStatus status = parser.parse(buffer, offset, limit, random.nextBoolean());
                if (status == NetlinkParseStatus.OK_PACKET) {
                    assertTrue(parser.payloadOffset() >= offset && parser.payloadOffset() + parser.payloadLength()
                        <= limit);
                }
                assertTrue(parser.nextOffset() > offset && parser.nextOffset() <= limit);
                offset = parser.nextOffset();
            }
        }
    }

    @Test
    void reasonNamesAreLowercaseAndUnique() {
        final Set<String> names = new HashSet<>();
        for (final NetlinkParseStatus status : NetlinkParseStatus.values()) {
            assertEquals(status.name().toLowerCase(java.util.Locale.ROOT), status.reasonName());
            assertTrue(names.add(status.reasonName()));
            assertFalse(status.help().isEmpty());
        }
    }
}
