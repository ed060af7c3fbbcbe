package io.tandem.nativeio.nfqueue;

import static io.tandem.nativeio.TestBytes.copy;
import static io.tandem.nativeio.TestBytes.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes from spec §15 (queue 258 = 0x0102, which a swapped res_id would turn into 513). Expected bytes are
 * the spec's hex, never the encoder's output.
 */
class NfqGoldenBytesTest {
    private static final int QUEUE = 258;

    /** Spec §15 example 1, verbatim. */
    static final String CONFIG_EXAMPLE_1 =
        "40 00 00 00  02 03  05 00  01 00 00 00  00 00 00 00"
            + " 00 00 01 02"
            + " 08 00 01 00  01 00 00 00"
            + " 09 00 02 00  00 00 01 00  02 00 00 00"
            + " 08 00 03 00 00 00 20 00"
            + " 08 00 05 00 00 00 00 05"
            + " 08 00 04 00 00 00 00 05";

    /** Spec §15 example 2, verbatim. */
    static final String VERDICT_EXAMPLE_2 =
        "20 00 00 00  01 03  01 00  03 00 00 00  00 00 00 00"
            + " 00 00 01 02"
            + " 0c 00 02 00  00 00 00 01  00 00 00 03";

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final NfqConfigEncoder config = new NfqConfigEncoder();

    @Test
    void configBindMatchesExample1() {
        final int length = config.encodeBind(buffer, 0, QUEUE, 1, NfqConstants.NFQNL_COPY_PACKET, 256, 8192,
            NfqConstants.NFQA_CFG_F_FAIL_OPEN | NfqConstants.NFQA_CFG_F_GSO);
        assertEquals(64, length);
        assertEquals(NfqConfigEncoder.BIND_CONFIG_LENGTH, length);
        assertArrayEquals(hex(CONFIG_EXAMPLE_1), copy(buffer, 0, length));
    }

    @Test
    void configBindWithoutFailOpenHasFlagWords04() {
        final int length = config.encodeBind(buffer, 0, QUEUE, 1, NfqConstants.NFQNL_COPY_PACKET, 256, 8192,
            NfqConstants.NFQA_CFG_F_GSO);
        final String expected = CONFIG_EXAMPLE_1
            .replace("08 00 05 00 00 00 00 05", "08 00 05 00 00 00 00 04")
            .replace("08 00 04 00 00 00 00 05", "08 00 04 00 00 00 00 04");
        assertArrayEquals(hex(expected), copy(buffer, 0, length));
    }

    @Test
    void configWithoutCommandDropsTheCmdAttribute() {
        buffer.setMemory(0, buffer.capacity(), (byte)0x5a); // stale bytes must not leak into padding
        final int length = config.encodeParams(buffer, 0, QUEUE, 2, NfqConstants.NFQNL_COPY_PACKET, 256, 8192,
            NfqConstants.NFQA_CFG_F_FAIL_OPEN | NfqConstants.NFQA_CFG_F_GSO);
        final String expected =
            "38 00 00 00  02 03  05 00  02 00 00 00  00 00 00 00"
                + " 00 00 01 02"
                + " 09 00 02 00  00 00 01 00  02 00 00 00"
                + " 08 00 03 00 00 00 20 00"
                + " 08 00 05 00 00 00 00 05"
                + " 08 00 04 00 00 00 00 05";
        assertEquals(56, length);
        assertArrayEquals(hex(expected), copy(buffer, 0, length));
    }

    @Test
    void unbind() {
        final int length = config.encodeUnbind(buffer, 0, QUEUE, 7);
        final String expected =
            "1c 00 00 00  02 03  05 00  07 00 00 00  00 00 00 00"
                + " 00 00 01 02"
                + " 08 00 01 00  02 00 00 00";
        assertEquals(28, length);
        assertArrayEquals(hex(expected), copy(buffer, 0, length));
    }

    @Test
    void verdictAcceptMatchesExample2() {
        final NfqVerdictEncoder encoder = new NfqVerdictEncoder();
        assertTrue(encoder.appendVerdict(QUEUE, 3, NfqConstants.NF_ACCEPT));
        assertEquals(32, encoder.length());
        assertArrayEquals(hex(VERDICT_EXAMPLE_2), copy(encoder.buffer(), 0, encoder.length()));
    }

    @Test
    void verdictDrop() {
        final NfqVerdictEncoder encoder = new NfqVerdictEncoder();
        encoder.appendVerdict(QUEUE, 3, NfqConstants.NF_DROP);
        final String expected = VERDICT_EXAMPLE_2.replace("00 00 00 01  00 00 00 03", "00 00 00 00  00 00 00 03");
        assertArrayEquals(hex(expected), copy(encoder.buffer(), 0, encoder.length()));
    }

    @Test
    void verdictWithMark() {
        final NfqVerdictEncoder encoder = new NfqVerdictEncoder();
        encoder.appendVerdictWithMark(QUEUE, 3, NfqConstants.NF_ACCEPT, 0x11223344);
        final String expected = VERDICT_EXAMPLE_2.replaceFirst("20 00 00 00", "28 00 00 00")
            + " 08 00 03 00  11 22 33 44";
        assertEquals(40, encoder.length());
        assertArrayEquals(hex(expected), copy(encoder.buffer(), 0, encoder.length()));
    }

    @Test
    void verdictBatch() {
        final NfqVerdictEncoder encoder = new NfqVerdictEncoder();
        encoder.appendBatchVerdict(QUEUE, 3, NfqConstants.NF_ACCEPT);
        final String expected = VERDICT_EXAMPLE_2.replace("01 03  01 00", "03 03  01 00");
        assertArrayEquals(hex(expected), copy(encoder.buffer(), 0, encoder.length()));
    }

    @Test
    void verdictBatchWithMark() {
        final NfqVerdictEncoder encoder = new NfqVerdictEncoder();
        encoder.appendBatchVerdictWithMark(QUEUE, 3, NfqConstants.NF_DROP, 0x7f);
        final String expected = VERDICT_EXAMPLE_2.replaceFirst("20 00 00 00", "28 00 00 00")
            .replace("01 03  01 00", "03 03  01 00")
            .replace("00 00 00 01  00 00 00 03", "00 00 00 00  00 00 00 03")
            + " 08 00 03 00  00 00 00 7f";
        assertArrayEquals(hex(expected), copy(encoder.buffer(), 0, encoder.length()));
    }

    @Test
    void unsignedPacketIdAndSeqUseTheLow32Bits() {
        final NfqVerdictEncoder encoder = new NfqVerdictEncoder();
        encoder.appendVerdict(QUEUE, 0xfffffffeL, NfqConstants.NF_ACCEPT);
        final String expected = VERDICT_EXAMPLE_2.replace("03 00 00 00  00 00 00 00", "fe ff ff ff  00 00 00 00")
            .replace("00 00 00 01  00 00 00 03", "00 00 00 01  ff ff ff fe");
        assertArrayEquals(hex(expected), copy(encoder.buffer(), 0, encoder.length()));
    }

    @Test
    void severalMessagesConcatenateAndFullBufferRefuses() {
        final NfqVerdictEncoder encoder = new NfqVerdictEncoder(100);
        assertTrue(encoder.appendVerdict(QUEUE, 3, NfqConstants.NF_ACCEPT));
        assertTrue(encoder.appendVerdictWithMark(QUEUE, 3, NfqConstants.NF_ACCEPT, 0x11223344));
        assertEquals(72, encoder.length());
        assertEquals(2, encoder.messageCount());
        assertEquals(28, encoder.remaining());
        assertFalse(encoder.appendVerdict(QUEUE, 4, NfqConstants.NF_ACCEPT));
        assertEquals(72, encoder.length());
        assertArrayEquals(hex(VERDICT_EXAMPLE_2), copy(encoder.buffer(), 0, 32));
        assertArrayEquals(hex(VERDICT_EXAMPLE_2.replaceFirst("20 00 00 00", "28 00 00 00")
            + " 08 00 03 00  11 22 33 44"), copy(encoder.buffer(), 32, 40));
        encoder.reset();
        assertEquals(0, encoder.length());
        assertEquals(100, encoder.remaining());
    }

    @Test
    void requeueVerdict() {
        assertEquals(0x01020003, NfqConstants.requeue(258));
    }
}
