package io.tandem.engine.sync.wire;

import static io.tandem.engine.sync.wire.PfsyncTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteOrder;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Every bad input of C.1, C.4, W.3 and W.4, counted under FreeBSD's pfsyncstats name, with the
 * frame continuing or not as specified.
 */
class PfsyncFrameDecoderValidationTest {
    private static final String HDR_ZERO = " 00*16 ";
    private static final String DELC_A = " 07 00 00 01  00 00 00 00 00 00 00 0a  0a 0b 0c 0d ";
    private static final String DELC_B = " 07 00 00 01  00 00 00 00 00 00 00 0b  0a 0b 0c 0d ";
    private static final String EOF = " 0c 00 00 01 ";

    private final PfsyncStats stats = new PfsyncStats();
    private final PfsyncFrameDecoder decoder = new PfsyncFrameDecoder(stats);
    private PfsyncTestSupport.Recorder recorder;

    private PfsyncDecodeResult decode(final byte[] frame, final int length) {
        recorder = new PfsyncTestSupport.Recorder();
        return decoder.decode(new UnsafeBuffer(frame), 0, length, recorder);
    }

    private PfsyncDecodeResult decode(final String hexFrame) {
        final byte[] frame = hex(hexFrame);
        return decode(frame, frame.length);
    }

    @Test
    void shorterThanTheHeaderIsHdrops() {
        assertEquals(PfsyncDecodeResult.TOO_SHORT, decode("05 00 00 18 00*15"));
        assertEquals(PfsyncDecodeResult.TOO_SHORT, decode(""));
        assertEquals(2, stats.hdrops);
        assertEquals(2, stats.ipackets);
        assertEquals(List.of(), recorder.events);
    }

    @Test
    void versionOtherThan5IsBadver() {
        assertEquals(PfsyncDecodeResult.BAD_VERSION, decode("04 00 00 28" + HDR_ZERO + DELC_A + EOF));
        assertEquals(PfsyncDecodeResult.BAD_VERSION, decode("06 00 00 28" + HDR_ZERO + DELC_A + EOF));
        assertEquals(2, stats.badver);
        assertEquals(List.of(), recorder.events);
    }

    @Test
    void packetShorterThanLenIsBadlenAndDropped() {
        assertEquals(PfsyncDecodeResult.BAD_LENGTH, decode("05 00 00 29" + HDR_ZERO + DELC_A + EOF));
        assertEquals(1, stats.badlen);
        assertEquals(List.of(), recorder.events);
        assertEquals(0, stats.iacts[PfsyncConstants.ACT_DEL_C]);
    }

    @Test
    void noEofBeforeTheEndOfLenIsBadlenAndAppliesNothing() {
        // Valid DEL_C then the frame ends (len 36): no EOF.
        assertEquals(PfsyncDecodeResult.BAD_LENGTH, decode("05 00 00 24" + HDR_ZERO + DELC_A));
        // EOF present in the packet but beyond len.
        assertEquals(PfsyncDecodeResult.BAD_LENGTH, decode("05 00 00 24" + HDR_ZERO + DELC_A + EOF));
        // len smaller than header + EOF.
        assertEquals(PfsyncDecodeResult.BAD_LENGTH, decode("05 00 00 10" + HDR_ZERO + EOF));
        assertEquals(3, stats.badlen);
        assertEquals(List.of(), recorder.events);
    }

    @Test
    void sectionRunningPastLenIsBadlenAndAppliesNothing() {
        // DEL_C says count 2 but only one record follows before EOF.
        assertEquals(PfsyncDecodeResult.BAD_LENGTH,
            decode("05 00 00 38" + HDR_ZERO + DELC_A + " 07 00 00 02 00 00 00 00 00 00 00 0c 0a 0b 0c 0d" + EOF));
        assertEquals(1, stats.badlen);
        assertEquals(List.of(), recorder.events);
    }

    @Test
    void bytesAfterEofAreAppliedAndCountBadlen() {
        // FreeBSD 9 style: a 20-byte EOF body inside len.
        assertEquals(PfsyncDecodeResult.TRAILING_BYTES, decode("05 00 00 3c" + HDR_ZERO + DELC_A + EOF + "00*20"));
        assertEquals(List.of("delc a 0a0b0c0d"), recorder.events);
        // An authenticated peer's 48-byte trailer outside len (IP payload = len + 48).
        assertEquals(PfsyncDecodeResult.TRAILING_BYTES, decode("05 00 00 28" + HDR_ZERO + DELC_A + EOF + "ab*48"));
        assertEquals(List.of("delc a 0a0b0c0d"), recorder.events);
        assertEquals(2, stats.badlen);
    }

    @Test
    void unknownActionIsBadactAndDiscardsTheRestOfTheFrame() {
        for (final String bad : new String[] {"11 00 00 01", "ff 00 00 00", "08 00 00 01", "09 00 00 00"}) {
            assertEquals(PfsyncDecodeResult.BAD_ACTION, decode("05 00 00 38" + HDR_ZERO + DELC_A + bad + DELC_B + EOF));
            assertEquals(List.of("delc a 0a0b0c0d"), recorder.events, bad);
        }
        assertEquals(4, stats.badact);
        assertEquals(1, stats.iacts[PfsyncConstants.ACT_INS_F]);
        assertEquals(0, stats.iacts[PfsyncConstants.ACT_DEL_F]);
        assertEquals(4, stats.iacts[PfsyncConstants.ACT_DEL_C]);
        assertEquals(0, stats.badlen);
    }

    @Test
    void fullDelIsHandledAsDelC() {
        final byte[] frame = hex("05 00 01 0e" + HDR_ZERO + "06 00 00 01 00*242" + EOF);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        b.putLong(24, 0x77, ByteOrder.BIG_ENDIAN);
        b.putInt(24 + 228, 0x0A0B0C0D, ByteOrder.BIG_ENDIAN);
        b.putByte(24 + 239, (byte) 99); // fields other than (id, creatorid) are not looked at
        assertEquals(PfsyncDecodeResult.OK, decode(frame, frame.length));
        assertEquals(List.of("delc 77 0a0b0c0d"), recorder.events);
        assertEquals(1, stats.iacts[PfsyncConstants.ACT_DEL]);
        assertEquals(0, stats.badval);
    }

    @Test
    void tdbIsSkippedByLength() {
        assertEquals(PfsyncDecodeResult.OK, decode("05 00 00 8c" + HDR_ZERO + "0b 00 00 02 ee*96" + DELC_A + EOF));
        assertEquals(List.of("delc a 0a0b0c0d"), recorder.events);
        assertEquals(2, stats.iacts[PfsyncConstants.ACT_TDB]);
    }

    @Test
    void eofCountIsNotCheckedAndEmptySectionsAreAccepted() {
        assertEquals(PfsyncDecodeResult.OK, decode("05 00 00 2c" + HDR_ZERO + "04 00 00 00" + DELC_A + "0c 00 00 05"));
        assertEquals(List.of("delc a 0a0b0c0d"), recorder.events);
        assertEquals(5, stats.iacts[PfsyncConstants.ACT_EOF]);
    }

    @Test
    void ipv6FramesCountIpackets6() {
        final byte[] frame = hex("05 00 00 28" + HDR_ZERO + DELC_A + EOF);
        decoder.decodeIpv6(new UnsafeBuffer(frame), 0, frame.length, new PfsyncTestSupport.Recorder());
        assertEquals(1, stats.ipackets6);
        assertEquals(0, stats.ipackets);
    }

    // Per-record validation: the bad record is skipped and counted in badval; the rest goes on.

    private interface Mutation {
        void apply(UnsafeBuffer record);
    }

    /** Encodes INS of [good, bad, good] with {@code action}'s format, mutates the middle one, decodes. */
    private void assertStateRejected(final int action, final Mutation mutation) {
        final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(9000);
        final PfsyncStateValues v = PfsyncTestSupport.ipv4Tcp();
        encoder.beginFrame().beginSection(action);
        for (int i = 1; i <= 3; i++) {
            v.id = i;
            switch (PfsyncConstants.stateFormat(action)) {
                case 1301 -> encoder.appendState1301(v);
                case 1400 -> encoder.appendState1400(v);
                default -> encoder.appendState1500(v);
            }
        }
        final int length = encoder.finish();
        final byte[] frame = PfsyncTestSupport.frame(encoder);
        final int recordLength = PfsyncConstants.recordLength(action);
        mutation.apply(new UnsafeBuffer(frame, 24 + recordLength, recordLength));
        final long before = stats.badval;
        assertEquals(PfsyncDecodeResult.OK, decode(frame, length));
        assertEquals(before + 1, stats.badval);
        assertEquals(List.of(String.format("state %d %d 1 0a0b0c0d", action, PfsyncConstants.stateFormat(action)),
            String.format("state %d %d 3 0a0b0c0d", action, PfsyncConstants.stateFormat(action))), recorder.events);
    }

    @Test
    void badStateRecordsAreSkippedAndCountBadval() {
        for (final int action : new int[] {1, 3, 13, 14, 15, 16}) {
            final int format = PfsyncConstants.stateFormat(action);
            final int creatorid = 228;
            final int af = format == 1500 ? 344 : 232;
            final int direction = format == 1500 ? 351 : 234;
            final int timeout = format == 1500 ? 350 : 239;
            assertStateRejected(action, r -> r.putInt(creatorid, 0));
            assertStateRejected(action, r -> r.putByte(af, (byte) 10));   // Linux AF_INET6 on the wire
            assertStateRejected(action, r -> r.putByte(af, (byte) 24));   // OpenBSD AF_INET6
            assertStateRejected(action, r -> r.putByte(direction, (byte) 3));
            assertStateRejected(action, r -> r.putByte(timeout, (byte) 25));
            assertStateRejected(action, r -> r.putByte(96 + 24, (byte) 13));  // src.state
            assertStateRejected(action, r -> r.putByte(128 + 24, (byte) 13)); // dst.state
            assertStateRejected(action, r -> r.putBytes(8, "abcdefghijklmnop".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)));                  // ifname unterminated
        }
        assertStateRejected(15, r -> r.putByte(345, (byte) 28));             // 1500: wire_af != stack_af
    }

    @Test
    void boundaryValuesAreAccepted() {
        final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
        encoder.beginFrame().beginSection(PfsyncConstants.ACT_UPD).appendState1301(PfsyncTestSupport.ipv4Tcp());
        final int length = encoder.finish();
        final byte[] frame = PfsyncTestSupport.frame(encoder);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        b.putByte(24 + 239, (byte) 24);     // timeout 24 (FreeBSD 14 SCTP class)
        b.putByte(24 + 96 + 24, (byte) 12); // PF_TCPS_PROXY_DST
        b.putByte(24 + 234, (byte) 0);      // PF_INOUT
        decode(frame, length);
        assertEquals(0, stats.badval);
        assertEquals(1, recorder.events.size());
    }

    @Test
    void badUpdCRecordsAreSkipped() {
        final String good = "00 00 00 00 00 00 00 01 00*64 0a 0b 0c 0d 00 00 00 00 02 00 00 00";
        final String[] bad = {
            "00 00 00 00 00 00 00 02 00*64 00 00 00 00 00 00 00 00 02 00 00 00",         // creatorid 0
            "00 00 00 00 00 00 00 02 00*64 0a 0b 0c 0d 00 00 00 00 19 00 00 00",         // timeout 25
            "00 00 00 00 00 00 00 02 00*24 0d 00*39 0a 0b 0c 0d 00 00 00 00 02 00 00 00", // src.state 13
            "00 00 00 00 00 00 00 02 00*56 0d 00*7 0a 0b 0c 0d 00 00 00 00 02 00 00 00",  // dst.state 13
        };
        for (final String b : bad) {
            assertEquals(PfsyncDecodeResult.OK,
                decode("05 00 01 18" + HDR_ZERO + "04 00 00 03 " + good + " " + b + " " + good + EOF));
            assertEquals(2, recorder.events.size(), b);
        }
        assertEquals(4, stats.badval);
        assertEquals(12, stats.iacts[PfsyncConstants.ACT_UPD_C]);
    }

    @Test
    void smallRecordsWithCreatorid0AreSkipped() {
        decode("05 00 00 34" + HDR_ZERO + "02 00 00 02 00*7 01 00*4  00*7 02 00 00 00 07" + EOF);
        assertEquals(List.of("insack 2 00000007"), recorder.events);
        decode("05 00 00 34" + HDR_ZERO + "07 00 00 02 00*7 01 00*4  00*7 02 00 00 00 07" + EOF);
        assertEquals(List.of("delc 2 00000007"), recorder.events);
        // UPD_REQ: (0, 0) is the bulk request; (id, 0) is invalid.
        decode("05 00 00 34" + HDR_ZERO + "05 00 00 02 00*7 01 00*4  00*12" + EOF);
        assertEquals(List.of("updreq 0 00000000"), recorder.events);
        // CLR: creatorid 0, or an unterminated ifname.
        decode("05 00 00 58" + HDR_ZERO + "00 00 00 03  00*16 00*4  41*16 00 00 00 07  00*16 00 00 00 07" + EOF);
        assertEquals(List.of("clr  00000007"), recorder.events);
        assertEquals(5, stats.badval);
    }

    @Test
    void busIsPassedThroughUnchecked() {
        decode("05 00 00 34" + HDR_ZERO + "0a 00 00 02  00*4 00 00 00 05 01 00*3  00*4 00 00 00 05 09 00*3" + EOF);
        assertEquals(List.of("bus 00000000 5 1", "bus 00000000 5 9"), recorder.events);
        assertEquals(0, stats.badval);
    }

    @Test
    void invalidArgumentsAreTreatedAsShortFrames() {
        final byte[] frame = hex("05 00 00 28" + HDR_ZERO + DELC_A + EOF);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        final PfsyncTestSupport.Recorder r = new PfsyncTestSupport.Recorder();
        assertEquals(PfsyncDecodeResult.TOO_SHORT, decoder.decode(b, -1, 40, r));
        assertEquals(PfsyncDecodeResult.TOO_SHORT, decoder.decode(b, 30, 40, r));
        assertEquals(PfsyncDecodeResult.TOO_SHORT, decoder.decode(b, 0, -5, r));
        // length beyond the buffer is clamped to it.
        assertEquals(PfsyncDecodeResult.OK, decoder.decode(b, 0, 1000, r));
        assertEquals(3, stats.hdrops);
    }
}
