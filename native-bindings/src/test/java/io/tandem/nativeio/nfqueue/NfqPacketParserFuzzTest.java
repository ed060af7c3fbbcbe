package io.tandem.nativeio.nfqueue;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Jazzer target: arbitrary bytes as one received datagram, stepped through message by message, both as a complete
 * datagram and as one cut by MSG_TRUNC. The parser must never throw, always make progress and keep every reported
 * region inside the datagram. Seeds live in {@code NfqPacketParserFuzzTestInputs/fuzzParser/}; the normal test run
 * replays them (regression mode), {@code JAZZER_FUZZ=1} fuzzes.
 */
class NfqPacketParserFuzzTest {
    private final NfqPacketParser parser = new NfqPacketParser();

    @FuzzTest(maxDuration = "20s")
    void fuzzParser(final byte[] data) {
        final UnsafeBuffer buffer = new UnsafeBuffer(data);
        walk(buffer, data.length, false);
        walk(buffer, data.length, true);
    }

    private void walk(final UnsafeBuffer buffer, final int limit, final boolean truncated) {
        int offset = 0;
        while (offset < limit) {
            final NetlinkParseStatus status = parser.parse(buffer, offset, limit, truncated);
            final int next = parser.nextOffset();
            assertTrue(next > offset && next <= limit, "no progress or out of bounds: " + offset + " -> " + next);
            if (status == NetlinkParseStatus.OK_PACKET) {
                assertTrue(parser.payloadOffset() >= offset + 20, "payload before attributes");
                assertTrue(parser.payloadLength() >= 0, "negative payload length");
                assertTrue((long)parser.payloadOffset() + parser.payloadLength() <= limit, "payload past the end");
            }
            offset = next;
        }
    }
}
