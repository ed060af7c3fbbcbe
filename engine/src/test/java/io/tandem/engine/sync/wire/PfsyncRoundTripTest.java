package io.tandem.engine.sync.wire;

import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_BUS;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_CLR;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_DEL_C;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_1400;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_ACK;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_1500;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_C;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_REQ;
import static io.tandem.engine.sync.wire.PfsyncTestSupport.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Encode → decode → the same values, for every record type and all three state formats. */
class PfsyncRoundTripTest {
    private final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(9000);
    private final PfsyncStats stats = new PfsyncStats();
    private final PfsyncFrameDecoder decoder = new PfsyncFrameDecoder(stats);

    @Test
    void stateRecordsInAllFormats() {
        final PfsyncStateValues tcp = PfsyncTestSupport.ipv4Tcp();
        final PfsyncStateValues udp = PfsyncTestSupport.ipv6Udp();
        encoder.beginFrame();
        encoder.beginSection(ACT_INS);
        encoder.appendState1301(tcp);
        encoder.appendState1301(udp);
        encoder.beginSection(ACT_INS_1400);
        encoder.appendState1400(tcp);
        encoder.beginSection(ACT_UPD);
        encoder.appendState1301(udp);
        encoder.beginSection(ACT_UPD_1500);
        encoder.appendState1500(udp);
        encoder.appendState1500(tcp);
        encoder.finish();

        final PfsyncTestSupport.Recorder r = PfsyncTestSupport.decode(decoder, frame(encoder));
        assertEquals(List.of(1, 1, 13, 3, 16, 16), r.stateActions);
        final PfsyncStateValues[] expected = {tcp, udp, tcp, udp, udp, tcp};
        for (int i = 0; i < expected.length; i++) {
            assertTrue(expected[i].sameAs(r.states.get(i)), "state " + i);
        }
        assertEquals(PfsyncConstants.AF_INET6_FREEBSD, r.states.get(1).af, "IPv6 goes out as 28");
        assertEquals(PfsyncConstants.AF_INET6_LINUX, PfsyncConstants.linuxAf(r.states.get(1).af));
        assertEquals(0, stats.badval);
        assertEquals(2, stats.iacts[ACT_INS]);
        assertEquals(2, stats.iacts[ACT_UPD_1500]);
    }

    @Test
    void format1400FieldsAtTheirDocumentedOffsets() {
        // Bytes set by hand at the A.4.8 offsets of the 1400 tail; decoded through the flyweight.
        final byte[] frame = frameWithOneRecord(ACT_INS_1400, 277);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        final int r = 24;
        writeCommonHead(b, r);
        b.putByte(r + 232, (byte) 28);                                 // af
        b.putByte(r + 233, (byte) 17);                                 // proto
        b.putByte(r + 234, (byte) 2);                                  // direction
        b.putByte(r + 235, (byte) 0x01);                               // state_flags u16 = 0x0110
        b.putByte(r + 236, (byte) 0x10);
        b.putByte(r + 237, (byte) 1);                                  // log
        b.putByte(r + 239, (byte) 24);                                 // timeout: SCTP class, < 25
        b.putByte(r + 240, (byte) 0x04);                               // sync_flags
        b.putShort(r + 242, (short) 0x0102, java.nio.ByteOrder.BIG_ENDIAN);   // qid
        b.putShort(r + 244, (short) 0x0304, java.nio.ByteOrder.BIG_ENDIAN);   // pqid
        b.putShort(r + 246, (short) 0x0506, java.nio.ByteOrder.BIG_ENDIAN);   // dnpipe
        b.putShort(r + 248, (short) 0x0708, java.nio.ByteOrder.BIG_ENDIAN);   // dnrpipe
        b.putInt(r + 250, -2, java.nio.ByteOrder.BIG_ENDIAN);          // rtableid
        b.putByte(r + 254, (byte) 64);                                 // min_ttl
        b.putByte(r + 255, (byte) 0x10);                               // set_tos
        b.putShort(r + 256, (short) 1400, java.nio.ByteOrder.BIG_ENDIAN);     // max_mss
        b.putByte(r + 258, (byte) 3);                                  // set_prio[0]
        b.putByte(r + 259, (byte) 4);                                  // set_prio[1]
        b.putByte(r + 260, (byte) 1);                                  // rt
        b.putStringWithoutLengthAscii(r + 261, "igb1");               // rt_ifname

        final PfsyncState1400Flyweight[] seen = new PfsyncState1400Flyweight[1];
        final int[] values = new int[20];
        decoder.decode(b, 0, frame.length, new PfsyncTestSupport.Recorder() {
            @Override
            public void onState(final int action, final int format, final PfsyncStateRecord state) {
                super.onState(action, format, state);
                final PfsyncState1400Flyweight s = (PfsyncState1400Flyweight) state;
                seen[0] = s;
                values[0] = s.stateFlags();
                values[1] = s.log();
                values[2] = s.timeout();
                values[3] = s.syncFlags();
                values[4] = s.qid();
                values[5] = s.pqid();
                values[6] = s.dnpipe();
                values[7] = s.dnrpipe();
                values[8] = s.rtableid();
                values[9] = s.minTtl();
                values[10] = s.setTos();
                values[11] = s.maxMss();
                values[12] = s.setPrio(0);
                values[13] = s.setPrio(1);
                values[14] = s.rt();
                values[15] = s.rtIfnameEquals("igb1") ? 1 : 0;
                values[16] = s.af();
                values[17] = s.proto();
                values[18] = s.direction();
            }
        });
        assertEquals(0, stats.badval);
        assertEquals(List.of(0x0110, 1, 24, 4, 0x0102, 0x0304, 0x0506, 0x0708, -2, 64, 0x10, 1400, 3, 4, 1, 1,
            28, 17, 2), java.util.Arrays.stream(values).limit(19).boxed().toList());
    }

    @Test
    void format1500FieldsAtTheirDocumentedOffsets() {
        final byte[] frame = frameWithOneRecord(PfsyncConstants.ACT_INS_1500, 360);
        final UnsafeBuffer b = new UnsafeBuffer(frame);
        final int r = 24;
        writeCommonHead(b, r);
        b.putStringWithoutLengthAscii(r + 232, "mytag");              // tagname[64]
        b.putStringWithoutLengthAscii(r + 296, "igb1");               // rt_ifname[16]
        b.putStringWithoutLengthAscii(r + 312, "em0");                // orig_ifname[16]
        b.putInt(r + 328, 5, java.nio.ByteOrder.BIG_ENDIAN);           // rtableid
        b.putShort(r + 332, (short) 0x0010, java.nio.ByteOrder.BIG_ENDIAN);   // state_flags
        b.putShort(r + 342, (short) 1380, java.nio.ByteOrder.BIG_ENDIAN);     // max_mss
        b.putByte(r + 344, (byte) 2);                                  // wire_af
        b.putByte(r + 345, (byte) 2);                                  // stack_af
        b.putByte(r + 346, (byte) 28);                                 // rt_af
        b.putByte(r + 347, (byte) 6);                                  // wire_proto
        b.putByte(r + 348, (byte) 6);                                  // stack_proto
        b.putByte(r + 349, (byte) 1);                                  // log
        b.putByte(r + 350, (byte) 2);                                  // timeout
        b.putByte(r + 351, (byte) 1);                                  // direction
        b.putByte(r + 357, (byte) 0);                                  // spare

        final Object[] got = new Object[12];
        decoder.decode(b, 0, frame.length, new PfsyncTestSupport.Recorder() {
            @Override
            public void onState(final int action, final int format, final PfsyncStateRecord state) {
                final PfsyncState1500Flyweight s = (PfsyncState1500Flyweight) state;
                got[0] = s.tagname();
                got[1] = s.rtIfname();
                got[2] = s.origIfname();
                got[3] = s.rtableid();
                got[4] = s.stateFlags();
                got[5] = s.maxMss();
                got[6] = s.af();
                got[7] = s.stackAf();
                got[8] = s.rtAf();
                got[9] = s.proto();
                got[10] = s.timeout();
                got[11] = s.direction();
            }
        });
        assertEquals(List.of("mytag", "igb1", "em0", 5, 0x10, 1380, 2, 2, 28, 6, 2, 1), List.of(got));
        assertEquals(0, stats.badval);
    }

    /** id, ifname "em0", creatorid: the head every format shares. */
    private static void writeCommonHead(final UnsafeBuffer b, final int r) {
        b.putLong(r, 0x1122334455667788L, java.nio.ByteOrder.BIG_ENDIAN);
        b.putStringWithoutLengthAscii(r + 8, "em0");
        b.putInt(r + 228, 0x0A0B0C0D, java.nio.ByteOrder.BIG_ENDIAN);
    }

    private static byte[] frameWithOneRecord(final int action, final int recordLength) {
        final int len = 20 + 4 + recordLength + 4;
        final byte[] frame = new byte[len];
        frame[0] = 5;
        frame[2] = (byte) (len >> 8);
        frame[3] = (byte) len;
        frame[20] = (byte) action;
        frame[23] = 1;
        frame[len - 4] = 0x0c;
        frame[len - 1] = 1;
        return frame;
    }

    @Test
    void smallRecords() {
        final PfsyncStateValues v = PfsyncTestSupport.ipv4Tcp();
        encoder.beginFrame();
        encoder.beginSection(ACT_INS_ACK).appendInsAck(0xFFFF_FFFF_FFFF_FFFFL, 0x8000_0001);
        encoder.beginSection(ACT_UPD_C).appendUpdC(v);
        encoder.beginSection(ACT_DEL_C).appendDelC(0x8000_0000_0000_0000L, -1);
        encoder.beginSection(ACT_UPD_REQ).appendUpdReq(77, 0x0A0B0C0D);
        encoder.appendUpdReq(0, 0);
        encoder.beginSection(ACT_CLR).appendClr("vtnet0", 0x0A0B0C0D);
        encoder.appendClr("", 0x0A0B0C0D);
        encoder.beginSection(ACT_BUS).appendBus(0x0A0B0C0D, 0xFFFF_FFFFL, PfsyncConstants.PFSYNC_BUS_END);
        encoder.finish();

        final PfsyncTestSupport.Recorder r = PfsyncTestSupport.decode(decoder, frame(encoder));
        assertEquals(List.of("insack ffffffffffffffff 80000001", "updc 102030405060708 0a0b0c0d 0 2",
            "delc 8000000000000000 ffffffff", "updreq 4d 0a0b0c0d", "updreq 0 00000000", "clr vtnet0 0a0b0c0d",
            "clr  0a0b0c0d", "bus 0a0b0c0d 4294967295 2"), r.events);
        assertTrue(r.updCPeers.get(0)[0].sameAs(v.src));
        assertTrue(r.updCPeers.get(0)[1].sameAs(v.dst));
        assertEquals(PfsyncDecodeResult.OK, decoder.decode(new UnsafeBuffer(frame(encoder)), 0, encoder.length(),
            new PfsyncTestSupport.Recorder()));
    }

    @Test
    void decodesAtAnOffsetInsideALargerBuffer() {
        encoder.beginFrame().beginSection(ACT_DEL_C).appendDelC(9, 9);
        encoder.finish();
        final byte[] big = new byte[100];
        java.util.Arrays.fill(big, (byte) 0xEE);
        System.arraycopy(frame(encoder), 0, big, 33, encoder.length());
        final PfsyncTestSupport.Recorder r = new PfsyncTestSupport.Recorder();
        assertEquals(PfsyncDecodeResult.OK, decoder.decode(new UnsafeBuffer(big), 33, encoder.length(), r));
        assertEquals(List.of("delc 9 00000009"), r.events);
    }

    @Test
    void afMapping() {
        assertEquals(2, PfsyncConstants.wireAf(2));
        assertEquals(28, PfsyncConstants.wireAf(10));
        assertEquals(28, PfsyncConstants.wireAf(28));
        assertEquals(-1, PfsyncConstants.wireAf(24));
        assertEquals(10, PfsyncConstants.linuxAf(28));
        assertEquals(2, PfsyncConstants.linuxAf(2));
        assertEquals(-1, PfsyncConstants.linuxAf(10));
    }

    @Test
    void recordLengthTable() {
        final int[] expected = {20, 242, 12, 242, 84, 12, 242, 12, -1, -1, 12, 48, 0, 277, 277, 360, 360};
        for (int action = 0; action < expected.length; action++) {
            assertEquals(expected[action], PfsyncConstants.recordLength(action), "action " + action);
        }
        assertEquals(-1, PfsyncConstants.recordLength(17));
        assertEquals(-1, PfsyncConstants.recordLength(255));
        assertEquals(-1, PfsyncConstants.recordLength(-1));
    }

    @Test
    void busAndClrUnusedAcrossFrames() {
        encoder.beginFrame().beginSection(ACT_BUS).appendBus(1, 2, 1);
        encoder.finish();
        encoder.beginFrame().beginSection(ACT_BUS).appendBus(3, 4, 2);
        encoder.finish();
        assertEquals(List.of("bus 00000003 4 2"), PfsyncTestSupport.decode(decoder, frame(encoder)).events);
        assertEquals(1, stats.iacts[ACT_BUS]);
        assertEquals(1, stats.iacts[PfsyncConstants.ACT_EOF]);
        assertEquals(1, stats.ipackets);
        assertEquals(0, stats.iacts[ACT_CLR]);
    }
}
