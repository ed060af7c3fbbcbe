package io.tandem.engine.sync.wire;

import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_BUS;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_CLR;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_DEL_C;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_INS_ACK;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_C;
import static io.tandem.engine.sync.wire.PfsyncConstants.ACT_UPD_REQ;
import static io.tandem.engine.sync.wire.PfsyncTestSupport.dump;
import static io.tandem.engine.sync.wire.PfsyncTestSupport.frame;
import static io.tandem.engine.sync.wire.PfsyncTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes: every expected frame below is written by hand from the offset tables of the spec
 * (W.3, A.4), not produced by the encoder, and the encoder must reproduce it byte for byte.
 */
class PfsyncGoldenBytesTest {
    private static final String ZERO_CKSUM = " 00*16 ";
    private static final String EOF = " 0c 00 00 01 ";

    private final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
    private final PfsyncFrameDecoder decoder = new PfsyncFrameDecoder(new PfsyncStats());

    private static void assertBytes(final String expectedHex, final byte[] actual) {
        assertEquals(dump(hex(expectedHex)), dump(actual));
    }

    @Test
    void delCExampleOfW3() {
        final String w3 = """
            05 00 00 28  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    # header: version 5, len 40
            07 00 00 01                                                       # section: DEL_C, count 1
            00 00 00 00 00 00 00 2a  0a 0b 0c 0d                              # pfsync_del_c {id, creatorid}
            0c 00 00 01                                                       # EOF
            """;
        encoder.beginFrame().beginSection(ACT_DEL_C);
        assertTrue(encoder.appendDelC(42, 0x0A0B0C0D));
        assertEquals(40, encoder.finish());
        assertBytes(w3, frame(encoder));

        final PfsyncTestSupport.Recorder recorder = PfsyncTestSupport.decode(decoder, hex(w3));
        assertEquals(List.of("delc 2a 0a0b0c0d"), recorder.events);
    }

    @Test
    void emptyFrameIsHeaderAndEof() {
        encoder.beginFrame();
        assertTrue(encoder.isEmpty());
        assertEquals(24, encoder.finish());
        assertBytes("05 00 00 18 " + ZERO_CKSUM + EOF, frame(encoder));
    }

    @Test
    void ins1301Ipv4Tcp() {
        final String expected = "05 00 01 0e " + ZERO_CKSUM + """
            01 00 00 01                                   # INS, 1 record of 242
            01 02 03 04 05 06 07 08                       # @0   id
            65 6d 30 00*13                                # @8   ifname "em0"
            0a 00 00 01 00*12                             # @24  key[0] WIRE addr[0] 10.0.0.1
            0a 00 00 02 00*12                             # @40  key[0] addr[1] 10.0.0.2
            01 bb 9c 40                                   # @56  ports 443, 40000
            0a 00 00 01 00*12                             # @60  key[1] STACK addr[0]
            0a 00 00 02 00*12                             # @76  key[1] addr[1]
            01 bb 9c 40                                   # @92  ports
            00*8                                          # @96  src.scrub
            11 11 11 11  22 22 22 22  00 00 00 00         #      seqlo seqhi seqdiff
            ff ff 05 b4                                   #      max_win 65535, mss 1460
            04 07 00*6                                    #      state ESTABLISHED, wscale 7, pad
            00*8                                          # @128 dst.scrub
            33 33 33 33  44 44 44 44  00 00 00 00
            02 00 05 b4
            04 07 00*6
            00*16                                         # @160 rt_addr
            ff ff ff ff  ff ff ff ff  ff ff ff ff         # @176 rule, anchor, nat_rule: none
            00 00 00 3c                                   # @188 creation: 60 s old
            00 01 51 80                                   # @192 expire: 86400 s left
            00 00 00 00 00 00 00 0a                       # @196 packets[0]
            00 00 00 01 00 00 00 02                       # @204 packets[1] {hi, lo}
            00 00 00 00 00 00 03 e8                       # @212 bytes[0]
            00 00 00 00 00 00 07 d0                       # @220 bytes[1]
            0a 0b 0c 0d                                   # @228 creatorid
            02 06 01                                      # @232 af INET, proto TCP, direction IN
            00 00                                         # @235 __spare
            00 10 02 00 00                                # @237 log, state_flags ACK, timeout 2, sync_flags, updates
            """ + EOF;
        encoder.beginFrame().beginSection(ACT_INS);
        assertTrue(encoder.appendState1301(PfsyncTestSupport.ipv4Tcp()));
        assertEquals(270, encoder.finish());
        assertBytes(expected, frame(encoder));
    }

    @Test
    void ins1301Ipv6UdpUsesFreeBsdAf28() {
        final String expected = "05 00 01 0e " + ZERO_CKSUM + """
            01 00 00 01
            00 00 00 00 00 00 00 2a                       # @0   id 42
            61 6c 6c 00*13                                # @8   ifname "all" (floating)
            20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01   # @24 2001:db8::1
            20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02   # @40 2001:db8::2
            00 35 14 e9                                   # @56  ports 53, 5353
            20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01   # @60
            20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02   # @76
            00 35 14 e9                                   # @92
            00*24 01 00 00*6                              # @96  src: state SINGLE
            00*24 02 00 00*6                              # @128 dst: state MULTIPLE
            00*16                                         # @160 rt_addr
            ff*12                                         # @176 rule, anchor, nat_rule
            00 00 00 05  00 00 00 1e                      # @188 creation 5, expire 30
            00*32                                         # @196 packets, bytes
            0a 0b 0c 0d                                   # @228 creatorid
            1c 11 02                                      # @232 af 28 (FreeBSD AF_INET6), UDP, OUT
            00 00  00 00 08 00 00                         # @235 spare, log, flags, timeout UDP_MULTIPLE, ...
            """ + EOF;
        encoder.beginFrame().beginSection(ACT_INS);
        assertTrue(encoder.appendState1301(PfsyncTestSupport.ipv6Udp()));
        encoder.finish();
        assertBytes(expected, frame(encoder));
    }

    @Test
    void updC() {
        final String expected = """
            05 00 00 70 00*16                             # len 112 (A.6 worked size: 132 with IPv4)
            04 00 00 01                                   # UPD_C
            00 00 00 00 00 00 00 2a                       # @0  id
            00*8 11 11 11 11 22 22 22 22 00*4 ff ff 05 b4 04 07 00*6   # @8  src
            00*8 33 33 33 33 44 44 44 44 00*4 02 00 05 b4 04 07 00*6   # @40 dst
            0a 0b 0c 0d                                   # @72 creatorid
            00 00 00 00                                   # @76 expire: 0, as FreeBSD sends
            02 00 00 00                                   # @80 timeout, _pad[3]
            0c 00 00 01
            """;
        final PfsyncStateValues v = PfsyncTestSupport.ipv4Tcp();
        encoder.beginFrame().beginSection(ACT_UPD_C);
        assertTrue(encoder.appendUpdC(0x2A, 0x0A0B0C0D, v.src, v.dst, 2));
        assertEquals(112, encoder.finish());
        assertBytes(expected, frame(encoder));
    }

    @Test
    void insAck() {
        encoder.beginFrame().beginSection(ACT_INS_ACK);
        encoder.appendInsAck(0x0102030405060708L, 0x0A0B0C0D);
        encoder.finish();
        assertBytes("05 00 00 28" + ZERO_CKSUM + "02 00 00 01  01 02 03 04 05 06 07 08  0a 0b 0c 0d" + EOF,
            frame(encoder));
    }

    @Test
    void bulkRequestUpdReqZeroZero() {
        encoder.beginFrame().beginSection(ACT_UPD_REQ);
        encoder.appendUpdReq(0, 0);
        encoder.finish();
        assertBytes("05 00 00 28" + ZERO_CKSUM + "05 00 00 01  00*8  00 00 00 00" + EOF, frame(encoder));
    }

    @Test
    void clrAllAndPerInterface() {
        encoder.beginFrame().beginSection(ACT_CLR);
        encoder.appendClr("", 0x0A0B0C0D);
        encoder.appendClr("em0", 0x0A0B0C0D);
        assertEquals(68, encoder.finish());
        assertBytes("05 00 00 44" + ZERO_CKSUM + """
            00 00 00 02                                   # CLR, 2 records of 20
            00*16 0a 0b 0c 0d                             # all interfaces
            65 6d 30 00*13 0a 0b 0c 0d                    # only em0
            """ + EOF, frame(encoder));
    }

    @Test
    void busStartAndEnd() {
        encoder.beginFrame().beginSection(ACT_BUS);
        encoder.appendBus(0x0A0B0C0D, 0, PfsyncConstants.PFSYNC_BUS_START);
        encoder.finish();
        assertBytes("05 00 00 28" + ZERO_CKSUM + "0a 00 00 01  0a 0b 0c 0d  00 00 00 00  01 00 00 00" + EOF,
            frame(encoder));

        encoder.beginFrame().beginSection(ACT_BUS);
        encoder.appendBus(0x0A0B0C0D, 7, PfsyncConstants.PFSYNC_BUS_END);
        encoder.finish();
        assertBytes("05 00 00 28" + ZERO_CKSUM + "0a 00 00 01  0a 0b 0c 0d  00 00 00 07  02 00 00 00" + EOF,
            frame(encoder));
    }

    @Test
    void severalSectionsInA6Order() {
        final PfsyncStateValues v = PfsyncTestSupport.ipv4Tcp();
        encoder.beginFrame();
        encoder.beginSection(ACT_INS_ACK);
        encoder.appendInsAck(1, 0x01020304);
        encoder.appendInsAck(2, 0x01020304);
        encoder.beginSection(ACT_UPD_C);
        encoder.appendUpdC(0x2A, 0x0A0B0C0D, v.src, v.dst, 2);
        encoder.beginSection(ACT_DEL_C);
        encoder.appendDelC(5, 0x0A0B0C0D);
        encoder.beginSection(ACT_UPD_REQ);
        encoder.appendUpdReq(0, 0);
        encoder.beginSection(ACT_BUS);
        encoder.appendBus(0x0A0B0C0D, 0, PfsyncConstants.PFSYNC_BUS_START);
        assertEquals(188, encoder.finish());
        assertBytes("05 00 00 bc" + ZERO_CKSUM + """
            02 00 00 02                                   # INS_ACK x2
            00 00 00 00 00 00 00 01 01 02 03 04
            00 00 00 00 00 00 00 02 01 02 03 04
            04 00 00 01                                   # UPD_C
            00 00 00 00 00 00 00 2a
            00*8 11 11 11 11 22 22 22 22 00*4 ff ff 05 b4 04 07 00*6
            00*8 33 33 33 33 44 44 44 44 00*4 02 00 05 b4 04 07 00*6
            0a 0b 0c 0d 00 00 00 00 02 00 00 00
            07 00 00 01                                   # DEL_C
            00 00 00 00 00 00 00 05 0a 0b 0c 0d
            05 00 00 01                                   # UPD_REQ {0, 0}
            00*12
            0a 00 00 01                                   # BUS START ("plus" region last)
            0a 0b 0c 0d 00 00 00 00 01 00 00 00
            0c 00 00 01                                   # EOF ends the frame; len = 188
            """, frame(encoder));

        final PfsyncTestSupport.Recorder recorder = PfsyncTestSupport.decode(decoder, frame(encoder));
        assertEquals(List.of("insack 1 01020304", "insack 2 01020304", "updc 2a 0a0b0c0d 0 2", "delc 5 0a0b0c0d",
            "updreq 0 00000000", "bus 0a0b0c0d 0 1"), recorder.events);
    }

    @Test
    void a6WorkedSizeIackPlusUpdReq() {
        encoder.beginFrame().beginSection(ACT_INS_ACK);
        encoder.appendInsAck(1, 1);
        encoder.beginSection(ACT_UPD_REQ);
        encoder.appendUpdReq(2, 1);
        assertEquals(76 - 20, encoder.finish());
    }

    @Test
    void sectionsOutOfOrderOrNeverSentAreRejected() {
        encoder.beginFrame().beginSection(ACT_UPD_C);
        assertThrows(IllegalStateException.class, () -> encoder.beginSection(ACT_INS_ACK));
        assertThrows(IllegalArgumentException.class, () -> encoder.beginSection(PfsyncConstants.ACT_DEL));
        assertThrows(IllegalArgumentException.class, () -> encoder.beginSection(PfsyncConstants.ACT_INS_F));
        assertThrows(IllegalArgumentException.class, () -> encoder.beginSection(PfsyncConstants.ACT_DEL_F));
        assertThrows(IllegalArgumentException.class, () -> encoder.beginSection(PfsyncConstants.ACT_TDB));
        assertThrows(IllegalArgumentException.class, () -> encoder.beginSection(PfsyncConstants.ACT_EOF));
        assertThrows(IllegalStateException.class, () -> encoder.appendDelC(1, 1));
    }

    @Test
    void aSectionWithoutRecordsIsNeverWritten() {
        encoder.beginFrame().beginSection(ACT_INS).beginSection(ACT_UPD_C).beginSection(ACT_DEL_C);
        encoder.appendDelC(42, 0x0A0B0C0D);
        encoder.beginSection(ACT_UPD_REQ);
        assertEquals(40, encoder.finish());
        assertBytes("05 00 00 28" + ZERO_CKSUM + "07 00 00 01 00 00 00 00 00 00 00 2a 0a 0b 0c 0d" + EOF,
            frame(encoder));
    }

    @Test
    void mtuBudgetKeepsRoomForEof() {
        // A.9: 6 INS 1301 records at MTU 1500 over IPv4 (4 + 6 x 242 = 1452, + 20 + 4 = 1476 <= 1480).
        encoder.beginFrame().beginSection(ACT_INS);
        final PfsyncStateValues v = PfsyncTestSupport.ipv4Tcp();
        for (int i = 0; i < 6; i++) {
            assertTrue(encoder.fits(ACT_INS));
            assertTrue(encoder.appendState1301(v));
        }
        assertFalse(encoder.fits(ACT_INS));
        assertTrue(encoder.remaining() < PfsyncState1301Flyweight.LENGTH);
        assertFalse(encoder.appendState1301(v));
        assertEquals(6, encoder.recordCount());
        assertEquals(20 + 4 + 6 * 242 + 4, encoder.finish());

        // 121 DEL_C (A.9), 117 with the W.12 trailer reserved.
        assertEquals(121, fill(new PfsyncFrameEncoder(1500)));
        assertEquals(117, fill(new PfsyncFrameEncoder(1500, 20, PfsyncConstants.AUTH_TRAILER_LENGTH)));
    }

    private static int fill(final PfsyncFrameEncoder e) {
        e.beginFrame().beginSection(ACT_DEL_C);
        int n = 0;
        while (e.appendDelC(n + 1, 7)) {
            n++;
        }
        assertTrue(e.finish() <= e.maxFrameLength());
        return n;
    }

    @Test
    void oactsCountRecordsAndEof() {
        encoder.beginFrame().beginSection(ACT_DEL_C);
        encoder.appendDelC(1, 1);
        encoder.appendDelC(2, 1);
        encoder.finish();
        final PfsyncStats stats = new PfsyncStats();
        encoder.countOutput(stats);
        assertEquals(2, stats.oacts[ACT_DEL_C]);
        assertEquals(1, stats.oacts[PfsyncConstants.ACT_EOF]);
    }
}
