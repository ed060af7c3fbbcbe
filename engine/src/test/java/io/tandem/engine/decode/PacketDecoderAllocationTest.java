package io.tandem.engine.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import io.tandem.engine.testing.AllocationMeter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The decoder must not allocate on the packet path: after warm-up, a million decodes over a mix of
 * valid and malformed packets allocate exactly 0 bytes on this thread.
 */
class PacketDecoderAllocationTest {
    private static final int WARM_UP = 300_000;
    private static final int MEASURED = 1_000_000;

    @Test
    void decodingAllocatesNothing() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        final List<PacketDecoderTest.Case> cases = PacketDecoderTest.cases();
        final int n = cases.size();
        final UnsafeBuffer[] buffers = new UnsafeBuffer[n];
        final int[] captured = new int[n];
        final int[] original = new int[n];
        final int[] hw = new int[n];
        for (int i = 0; i < n; i++) {
            final PacketDecoderTest.Case c = cases.get(i);
            buffers[i] = new UnsafeBuffer(java.util.Arrays.copyOf(c.packet(), c.packet().length + 16));
            captured[i] = c.captured();
            original[i] = c.original();
            hw[i] = c.hwProtocol();
        }
        final PacketDecoder decoder = new PacketDecoder();
        final DecodedPacket out = new DecodedPacket();

        final long[] sink = {run(decoder, out, buffers, captured, original, hw, WARM_UP)};
        final AllocationMeter meter = new AllocationMeter();
        final long allocated = meter.measure(3,
                () -> sink[0] += run(decoder, out, buffers, captured, original, hw, MEASURED));

        assertEquals(0, allocated, "bytes allocated by " + MEASURED + " decodes; " + meter.rounds());
        assertTrue(sink[0] > 0);
        assertTrue(decoder.count(DecodeResult.OK) > 0);
        assertTrue(decoder.count(DecodeResult.BAD_TCP_OPTIONS) > 0);
    }

    private static long run(final PacketDecoder decoder, final DecodedPacket out, final UnsafeBuffer[] buffers,
            final int[] captured, final int[] original, final int[] hw, final int iterations) {
        long sink = 0;
        final int n = buffers.length;
        for (int i = 0; i < iterations; i++) {
            final int k = i % n;
            final DecodeResult result = decoder.decode(buffers[k], 0, captured[k], original[k], hw[k], out);
            sink += result.ordinal() + out.srcPort + out.innerSrcPort;
        }
        return sink;
    }
}
