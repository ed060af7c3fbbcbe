package io.tandem.engine.sync.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Jazzer fuzz target for {@link PfsyncFrameDecoder}. In the normal test run it replays the seed
 * inputs under {@code PfsyncFrameDecoderFuzzTestInputs/decode/} (regression mode); with
 * {@code JAZZER_FUZZ=1} it fuzzes. The input is the pfsync part of a frame (no IP header).
 *
 * <p>Properties: decoding never throws; the frame is decoded twice, once from a buffer that ends
 * exactly at the frame (Agrona bounds checks, on in tests, catch any read past it) and once at an
 * offset inside junk, and both give the same result, counters and record digest (no read outside
 * the bounds); the counters are consistent with the result.
 */
class PfsyncFrameDecoderFuzzTest {
    private static final int OFFSET = 13;

    @FuzzTest(maxDuration = "20s")
    void decode(final byte[] input) {
        final PfsyncStats tightStats = new PfsyncStats();
        final PfsyncDigestHandler tightDigest = new PfsyncDigestHandler();
        final PfsyncDecodeResult tight = new PfsyncFrameDecoder(tightStats)
            .decode(new UnsafeBuffer(input.clone()), 0, input.length, tightDigest);

        final byte[] loose = new byte[OFFSET + input.length + 64];
        Arrays.fill(loose, (byte) 0x0C);
        System.arraycopy(input, 0, loose, OFFSET, input.length);
        final PfsyncStats looseStats = new PfsyncStats();
        final PfsyncDigestHandler looseDigest = new PfsyncDigestHandler();
        final PfsyncDecodeResult again = new PfsyncFrameDecoder(looseStats)
            .decode(new UnsafeBuffer(loose), OFFSET, input.length, looseDigest);

        assertNotNull(tight);
        assertEquals(tight, again, "bytes outside the frame changed the result");
        assertEquals(tightDigest.digest, looseDigest.digest);
        assertEquals(tightDigest.records, looseDigest.records);
        assertArrayEquals(tightStats.iacts, looseStats.iacts);
        assertEquals(tightStats.badval, looseStats.badval);

        assertEquals(1, tightStats.ipackets);
        final long drops = tightStats.hdrops + tightStats.badver;
        assertTrue(drops <= 1);
        if (!tight.applied()) {
            assertEquals(0, tightDigest.records, "a dropped frame applies nothing");
            assertEquals(0, Arrays.stream(tightStats.iacts).sum());
        }
        assertEquals(tight == PfsyncDecodeResult.BAD_ACTION ? 1 : 0, tightStats.badact);
        assertEquals(tight == PfsyncDecodeResult.BAD_LENGTH || tight == PfsyncDecodeResult.TRAILING_BYTES ? 1 : 0,
            tightStats.badlen);
        assertTrue(tightDigest.records + tightStats.badval <= input.length / 12 + 1);
    }
}
