package io.tandem.engine.sync.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.testing.AllocationMeter;
import org.junit.jupiter.api.Test;

/**
 * Encoder and decoder must not allocate: after warm-up, a million encode + decode iterations of a
 * frame with every section kind we send allocate exactly 0 bytes on this thread.
 */
class PfsyncCodecAllocationTest {
    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 1_000_000;

    private final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
    private final PfsyncStats stats = new PfsyncStats();
    private final PfsyncFrameDecoder decoder = new PfsyncFrameDecoder(stats);
    private final PfsyncDigestHandler handler = new PfsyncDigestHandler();
    private final PfsyncStateValues tcp = PfsyncTestSupport.ipv4Tcp();
    private final PfsyncStateValues udp = PfsyncTestSupport.ipv6Udp();
    private final PfsyncStateValues back = new PfsyncStateValues();
    private final Reader reader = new Reader();

    @Test
    void encodingAndDecodingAllocateNothing() {
        run(WARM_UP);
        final AllocationMeter meter = new AllocationMeter();
        final long allocated = meter.measure(3, () -> run(MEASURED));
        assertEquals(0, allocated, "bytes allocated by " + MEASURED + " encode+decode; " + meter.rounds());
        assertTrue(handler.records > 0);
        assertEquals(0, stats.badval + stats.badlen + stats.badact);
    }

    private void run(final int iterations) {
        for (int i = 0; i < iterations; i++) {
            tcp.id = i + 1;
            encoder.beginFrame();
            encoder.beginSection(PfsyncConstants.ACT_INS);
            encoder.appendState1301(tcp);
            encoder.appendState1301(udp);
            encoder.beginSection(PfsyncConstants.ACT_INS_ACK);
            encoder.appendInsAck(i + 1, 0x0A0B0C0D);
            encoder.beginSection(PfsyncConstants.ACT_UPD_C);
            encoder.appendUpdC(tcp);
            encoder.beginSection(PfsyncConstants.ACT_DEL_C);
            encoder.appendDelC(i + 2, 0x0A0B0C0D);
            encoder.beginSection(PfsyncConstants.ACT_UPD_REQ);
            encoder.appendUpdReq(0, 0);
            encoder.beginSection(PfsyncConstants.ACT_CLR);
            encoder.appendClr("em0", 0x0A0B0C0D);
            encoder.beginSection(PfsyncConstants.ACT_BUS);
            encoder.appendBus(0x0A0B0C0D, 1, PfsyncConstants.PFSYNC_BUS_END);
            final int length = encoder.finish();
            encoder.countOutput(stats);
            decoder.decode(encoder.buffer(), 0, length, handler);
        }
        // Reading a record back into a holder is allocation-free too.
        encoder.beginFrame().beginSection(PfsyncConstants.ACT_UPD_1500).appendState1500(udp);
        decoder.decode(encoder.buffer(), 0, encoder.finish(), reader);
    }

    private final class Reader implements PfsyncRecordHandler {
        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
        }

        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord state) {
            back.read(state);
        }

        @Override
        public void onInsAck(final long id, final int creatorid) {
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight updC) {
        }

        @Override
        public void onUpdReq(final long id, final int creatorid) {
        }

        @Override
        public void onDelC(final long id, final int creatorid) {
        }

        @Override
        public void onBus(final int creatorid, final long endtime, final int status) {
        }
    }
}
