package io.tandem.engine.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Jazzer fuzz target for {@link PacketDecoder}. In the normal test run it replays the seed inputs
 * under {@code PacketDecoderFuzzTestInputs/decode/} (regression mode); with {@code JAZZER_FUZZ=1}
 * it fuzzes.
 *
 * <p>Input layout: byte 0 low nibble = offset of the packet in the buffer; byte 1 low 2 bits select
 * the hardware protocol (0, IPv4, IPv6, ARP); bytes 2-3 = capture cut (0 or at least the packet
 * length: no cut); bytes 4-5 = signed delta added to the packet length to form the original length;
 * the rest is the packet. {@link PacketDecoderFuzzSeeds} writes the seeds.
 *
 * <p>Properties: decoding never throws; the buffer handed to the decoder ends exactly at
 * {@code offset + capturedLength} (Agrona bounds checks catch any read past it); bytes before the
 * offset and after the capture do not change any decoded field (no out-of-range reads); the result
 * is consistent with the fields; decoding into a packet that held another gives the same fields as
 * decoding into a fresh one (the decoder clears only the field groups it wrote last time).
 */
class PacketDecoderFuzzTest {
    static final int HEADER = 6;
    private static final int[] HW = {0, PacketDecoder.ETH_P_IP, PacketDecoder.ETH_P_IPV6, 0x0806};
    private static final Field[] FIELDS = publicFields();

    private final DecodedPacket first = new DecodedPacket();
    private final DecodedPacket second = new DecodedPacket();

    @FuzzTest(maxDuration = "20s")
    void decode(final byte[] input) {
        final int offset = byteAt(input, 0) & 0x0F;
        final int hw = HW[byteAt(input, 1) & 3];
        final int cut = (byteAt(input, 2) << 8) | byteAt(input, 3);
        final int delta = (short) ((byteAt(input, 4) << 8) | byteAt(input, 5));
        final byte[] packet = input.length > HEADER ? Arrays.copyOfRange(input, HEADER, input.length) : new byte[0];
        final int captured = cut == 0 || cut >= packet.length ? packet.length : cut;
        final int original = packet.length + delta;

        // Buffer 1: exactly offset + captured bytes, zeros before the packet.
        final byte[] tight = new byte[offset + captured];
        System.arraycopy(packet, 0, tight, offset, captured);
        // Buffer 2: junk before the packet, the uncaptured rest of the packet and more junk after it.
        final byte[] loose = new byte[offset + packet.length + 64];
        Arrays.fill(loose, (byte) 0xFF);
        System.arraycopy(packet, 0, loose, offset, packet.length);

        final PacketDecoder decoder = new PacketDecoder(); // fresh counters: Jazzer reuses the instance
        final DecodeResult result = decoder.decode(new UnsafeBuffer(tight), offset, captured, original, hw, first);
        final DecodeResult again = decoder.decode(new UnsafeBuffer(loose), offset, captured, original, hw, second);
        assertNotNull(result);
        assertEquals(result, again, "bytes outside the capture changed the result");
        assertSameFields(first, second);
        // first and second are reused across inputs: decoding into a used packet must give what a fresh one gets.
        final DecodedPacket fresh = new DecodedPacket();
        decoder.decode(new UnsafeBuffer(tight), offset, captured, original, hw, fresh);
        assertSameFields(fresh, first);
        assertEquals(3, decoder.count(result));
        assertConsistent(result, first, offset, captured, original);
    }

    static void assertConsistent(final DecodeResult result, final DecodedPacket p, final int offset,
            final int captured, final int original) {
        if (result != DecodeResult.OK) {
            assertEquals(-1, p.l4Offset, "failure leaves no transport header");
            assertEquals(0, p.innerFamily, "failure leaves no inner packet");
            return;
        }
        assertTrue(p.family == DecodedPacket.FAMILY_INET || p.family == DecodedPacket.FAMILY_INET6);
        assertTrue(p.family == DecodedPacket.FAMILY_INET6 || (p.srcHi == 0 && p.dstHi == 0));
        assertEquals(offset, p.l3Offset);
        assertEquals(captured, p.capturedLength);
        assertTrue(p.ipLength <= original && p.ipLength >= 20);
        assertTrue(p.payloadLength >= 0 && p.payloadLength <= p.ipLength);
        assertTrue(p.protocol >= 0 && p.protocol <= 255);
        assertTrue(!p.firstFragment || p.fragment);
        if (p.fragment && !p.firstFragment) {
            assertEquals(-1, p.l4Offset, "later fragments have no transport header");
            assertTrue(p.fragmentOffset > 0);
        }
        if (p.l4Offset != -1) {
            assertTrue(p.l4Offset >= offset + 20 && p.l4Offset <= offset + captured, "l4Offset inside capture");
        }
        final boolean ports = p.protocol == DecodedPacket.PROTO_TCP || p.protocol == DecodedPacket.PROTO_UDP;
        if (ports && (!p.fragment || p.firstFragment)) {
            assertTrue(p.l4Offset >= 0);
        }
        // Like pf, the family of ICMP is checked only where the transport header is (not later fragments).
        if (p.protocol == DecodedPacket.PROTO_ICMP && p.hasTransportHeader()) {
            assertEquals(DecodedPacket.FAMILY_INET, p.family);
        }
        if (p.protocol == DecodedPacket.PROTO_ICMPV6 && p.hasTransportHeader()) {
            assertEquals(DecodedPacket.FAMILY_INET6, p.family);
        }
        if (!ports && p.icmpId == 0) {
            assertEquals(0, p.srcPort);
            assertEquals(0, p.dstPort);
        }
        if (p.innerFamily != 0) {
            assertTrue(p.icmpError);
            assertEquals(p.family, p.innerFamily);
        }
        assertTrue(p.wscale >= -1 && p.wscale <= 255);
        assertTrue(p.seq >= 0 && p.seq <= 0xFFFF_FFFFL && p.ack >= 0 && p.ack <= 0xFFFF_FFFFL);
    }

    static void assertSameFields(final DecodedPacket a, final DecodedPacket b) {
        for (final Field field : FIELDS) {
            try {
                assertEquals(field.get(a), field.get(b), field.getName());
            } catch (final IllegalAccessException ex) {
                throw new AssertionError(ex);
            }
        }
    }

    private static Field[] publicFields() {
        return Arrays.stream(DecodedPacket.class.getFields())
            .filter(f -> !Modifier.isStatic(f.getModifiers()))
            .toArray(Field[]::new);
    }

    private static int byteAt(final byte[] input, final int index) {
        return index < input.length ? input[index] & 0xFF : 0;
    }
}
