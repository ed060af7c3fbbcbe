package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.sync.wire.PfsyncClrFlyweight;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameDecoder;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncRecordHandler;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStateValues;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;
import java.util.HexFormat;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The key-slot table of docs/pfsync-wire.md ("Key slots") as golden bytes, both ways: a
 * client-to-server TCP state created entering on lan ({@code PF_IN}) and one created leaving on wan
 * ({@code PF_OUT}), both floating. The expected bytes are written by hand from the table: pf puts the
 * packet's source in {@code addr[sidx]}, {@code sidx = 0} inbound and {@code 1} outbound
 * ({@code pf_setup_pdesc}, {@code pf_state_key_setup}), in both keys when there is no NAT.
 */
class PfsyncKeySlotTest {
    private static final int CREATOR = 0x0A0B0C0D;
    private static final long NOW = 1_700_000_000_000L;
    private static final int CLIENT = 0x0A01000A;   // 10.1.0.10
    private static final int SERVER = 0xC6336414;   // 198.51.100.20
    private static final int CLIENT_PORT = 40000;   // 9c40
    private static final int SERVER_PORT = 80;      // 0050
    /** Frame header (20) + subheader (4): where the first record starts. */
    private static final int RECORD = 24;

    private static JournalRecordFlyweight tcpState(final int direction) {
        final JournalRecordFlyweight r = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        r.clear().type(JournalRecordType.INSERT.code()).creatorId(CREATOR).id(0x1122334455667788L).af(2).proto(6)
                .direction(direction).timeoutClass(PfsyncConstants.PFTM_TCP_FIRST_PACKET)
                .addresses(0, CLIENT & 0xFFFF_FFFFL, 0, SERVER & 0xFFFF_FFFFL).ports(CLIENT_PORT, SERVER_PORT).rule(0)
                .peer(0, 1000, 1001, 0, 64240, 1460, PfConstants.TCPS_SYN_SENT, 0x87)
                .peer(1, 0, 1, 0, 1, 0, PfConstants.TCPS_CLOSED, 0)
                .creationMillis(NOW - 2000).expireAtMillis(NOW + 118_000).counters(1, 0, 60, 0);
        return r;
    }

    private static byte[] encode1400(final JournalRecordFlyweight r) {
        final PfsyncStateValues v = new PfsyncStateValues();
        new PfsyncStateMapping(PfsyncConstants.FORMAT_1400).toValues(r, NOW, v);
        final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
        encoder.beginFrame().beginSection(PfsyncConstants.ACT_INS_1400);
        encoder.appendState1400(v);
        final int length = encoder.finish();
        final byte[] frame = new byte[length];
        encoder.buffer().getBytes(0, frame);
        return frame;
    }

    private static String hex(final byte[] b, final int from, final int length) {
        return HexFormat.of().formatHex(b, from, from + length);
    }

    private static String squeeze(final String spaced) {
        return spaced.replace(" ", "");
    }

    @Test
    void clientToServerEnteringOnLanPutsTheClientInSlotZero() {
        final byte[] f = encode1400(tcpState(PfConstants.PF_IN));
        assertEquals("616c6c00000000000000000000000000", hex(f, RECORD + 8, 16), "ifname \"all\" (floating)");
        // key[PF_SK_WIRE] then key[PF_SK_STACK]: addr[0] = client, addr[1] = server, port[0] = 40000, port[1] = 80.
        final String key = "0a01000a 00000000 00000000 00000000  c6336414 00000000 00000000 00000000  9c40 0050";
        assertEquals(squeeze(key + key), hex(f, RECORD + 24, 72));
        assertEquals("01", hex(f, RECORD + 234, 1), "direction PF_IN");
        assertEquals("02", hex(f, RECORD + 96 + 24, 1), "src peer = the client's half, SYN_SENT");
        assertEquals("00", hex(f, RECORD + 128 + 24, 1), "dst peer = the server's half, CLOSED");
        assertEquals("ffffffff", hex(f, RECORD + 250, 4), "1400 rtableid -1: no routing table");
        assertEquals(squeeze("0000000000000001 0000000000000000"), hex(f, RECORD + 196, 16),
                "packets[0] = the state's own direction (client to server)");
    }

    @Test
    void clientToServerLeavingOnWanPutsTheClientInSlotOne() {
        final byte[] f = encode1400(tcpState(PfConstants.PF_OUT));
        assertEquals("616c6c00000000000000000000000000", hex(f, RECORD + 8, 16), "ifname \"all\" (floating)");
        // addr[0] = server, addr[1] = client, port[0] = 80, port[1] = 40000.
        final String key = "c6336414 00000000 00000000 00000000  0a01000a 00000000 00000000 00000000  0050 9c40";
        assertEquals(squeeze(key + key), hex(f, RECORD + 24, 72));
        assertEquals("02", hex(f, RECORD + 234, 1), "direction PF_OUT");
        assertEquals("02", hex(f, RECORD + 96 + 24, 1), "src peer is still the client's half");
    }

    /** A record as FreeBSD would send it for the inbound client connection (bytes by hand from the table). */
    private static byte[] freeBsdInbound1301() {
        final String key = "0a01000a000000000000000000000000 c6336414000000000000000000000000 9c40 0050";
        final String peerClient = "0000000000000000 000003e8 000003e9 00000000 faf0 05b4 02 87 000000000000";
        final String peerServer = "0000000000000000 00000000 00000001 00000000 0001 0000 00 00 000000000000";
        final String record = "1122334455667788" + "616c6c00000000000000000000000000" + key + key + peerClient
                + peerServer + "00000000000000000000000000000000" + "ffffffff ffffffff ffffffff" + "00000002 00000076"
                + "0000000000000001 0000000000000000 000000000000003c 0000000000000000" + "0a0b0c0d"
                + "02 06 01 0000 00 00 00 00 00";
        final String frame = "0500" + "010e" + "00000000000000000000000000000000" + "01000001" + record + "0c000001";
        return HexFormat.of().parseHex(squeeze(frame));
    }

    @Test
    void freeBsdInboundStateIsReadWithTheClientAsInitiator() {
        final byte[] f = freeBsdInbound1301();
        assertEquals(f.length, (f[2] & 0xFF) << 8 | f[3] & 0xFF, "len covers the frame");
        final PfsyncStateRecord[] seen = new PfsyncStateRecord[1];
        final UnsafeBuffer buffer = new UnsafeBuffer(f);
        new PfsyncFrameDecoder(new PfsyncStats()).decode(buffer, 0, f.length, new StateOnly(seen));
        assertNotNull(seen[0], "the record passed the decoder's checks");
        final JournalRecordFlyweight out = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        new PfsyncStateMapping().fromState(true, seen[0], NOW, out);
        assertEquals(CLIENT & 0xFFFF_FFFFL, out.srcLo(), "initiator address from addr[0] of an inbound state");
        assertEquals(SERVER & 0xFFFF_FFFFL, out.dstLo());
        assertEquals(CLIENT_PORT, out.srcPort());
        assertEquals(SERVER_PORT, out.dstPort());
        assertEquals(PfConstants.PF_IN, out.direction());
        assertEquals(PfConstants.TCPS_SYN_SENT, out.peerState(0), "peer 0 (initiator) from the src half");
        assertEquals(1000, out.seqLo(0));
        assertEquals(1, out.packets(0));
    }

    @Test
    void bothDirectionsRoundTripThroughTheWire() {
        for (final int direction : new int[] {PfConstants.PF_IN, PfConstants.PF_OUT}) {
            final byte[] f = encode1400(tcpState(direction));
            final PfsyncStateRecord[] seen = new PfsyncStateRecord[1];
            new PfsyncFrameDecoder(new PfsyncStats()).decode(new UnsafeBuffer(f), 0, f.length, new StateOnly(seen));
            final JournalRecordFlyweight out = new JournalRecordFlyweight()
                    .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
            new PfsyncStateMapping().fromState(true, seen[0], NOW, out);
            assertEquals(CLIENT & 0xFFFF_FFFFL, out.srcLo(), "direction " + direction);
            assertEquals(SERVER & 0xFFFF_FFFFL, out.dstLo(), "direction " + direction);
            assertEquals(CLIENT_PORT, out.srcPort(), "direction " + direction);
            assertEquals(SERVER_PORT, out.dstPort(), "direction " + direction);
        }
    }

    private static JournalRecordFlyweight icmpEcho(final int direction, final int proto) {
        final JournalRecordFlyweight r = tcpState(direction);
        r.proto(proto).ports(0x1234, 0x1234).timeoutClass(PfsyncConstants.PFTM_ICMP_FIRST_PACKET)
                .peer(0, 0, 0, 0, 0, 0, 0, 0).peer(1, 0, 0, 0, 0, 0, 0, 0);
        return r;
    }

    @Test
    void icmpEchoCarriesTheIdentifierInBothPortsUpToFreeBsd14AndTheTypeForFreeBsd15() {
        final PfsyncStateValues v = new PfsyncStateValues();
        new PfsyncStateMapping(PfsyncConstants.FORMAT_1400).toValues(icmpEcho(PfConstants.PF_IN, 1), NOW, v);
        assertEquals(0x1234, v.wireKey.port[0]);
        assertEquals(0x1234, v.wireKey.port[1], "pf_test_rule (FreeBSD 14): sport = dport = icmp_id");
        new PfsyncStateMapping(PfsyncConstants.FORMAT_1500).toValues(icmpEcho(PfConstants.PF_IN, 1), NOW, v);
        assertEquals(0x1234, v.wireKey.port[0], "FreeBSD 15: virtual_id in the initiator's slot");
        assertEquals(8, v.wireKey.port[1], "FreeBSD 15: htons(ICMP_ECHO) in the other");
        new PfsyncStateMapping(PfsyncConstants.FORMAT_1500).toValues(icmpEcho(PfConstants.PF_OUT, 58), NOW, v);
        assertEquals(0x1234, v.wireKey.port[1], "outbound: the initiator is slot 1");
        assertEquals(128, v.wireKey.port[0], "htons(ICMP6_ECHO_REQUEST)");
    }

    @Test
    void icmpEchoFromFreeBsd15IsKeyedByItsIdentifier() {
        final PfsyncStateValues v = new PfsyncStateValues();
        new PfsyncStateMapping(PfsyncConstants.FORMAT_1500).toValues(icmpEcho(PfConstants.PF_OUT, 1), NOW, v);
        final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
        encoder.beginFrame().beginSection(PfsyncConstants.ACT_INS_1500);
        encoder.appendState1500(v);
        final int length = encoder.finish();
        final PfsyncStateRecord[] seen = new PfsyncStateRecord[1];
        new PfsyncFrameDecoder(new PfsyncStats()).decode(encoder.buffer(), 0, length, new StateOnly(seen));
        final JournalRecordFlyweight out = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        new PfsyncStateMapping().fromState(true, seen[0], NOW, out);
        assertEquals(0x1234, out.srcPort());
        assertEquals(0x1234, out.dstPort(), "Tandem's echo key: the identifier in both ports");
    }

    @Test
    void format1500CarriesTheSlotsAndNoRoutingTable() {
        final PfsyncStateValues v = new PfsyncStateValues();
        new PfsyncStateMapping(PfsyncConstants.FORMAT_1500).toValues(tcpState(PfConstants.PF_IN), NOW, v);
        final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
        encoder.beginFrame().beginSection(PfsyncConstants.ACT_INS_1500);
        encoder.appendState1500(v);
        final byte[] f = new byte[encoder.finish()];
        encoder.buffer().getBytes(0, f);
        final String key = "0a01000a 00000000 00000000 00000000  c6336414 00000000 00000000 00000000  9c40 0050";
        assertEquals(squeeze(key + key), hex(f, RECORD + 24, 72), "same slots as 1301/1400");
        assertEquals("ffffffff", hex(f, RECORD + 328, 4), "1500 rtableid -1");
        assertEquals("616c6c00000000000000000000000000", hex(f, RECORD + 312, 16), "orig_ifname \"all\"");
        assertEquals("01", hex(f, RECORD + 351, 1), "direction PF_IN");
    }

    @Test
    void ipv6KeysUseTheSameSlots() {
        final JournalRecordFlyweight r = tcpState(PfConstants.PF_IN);
        r.af(10).addresses(0x20010db800000000L, 1, 0x20010db800000000L, 2);
        final byte[] f = encode1400(r);
        assertEquals("1c", hex(f, RECORD + 232, 1), "af = FreeBSD's AF_INET6 (28)");
        assertEquals(squeeze("20010db8000000000000000000000001 20010db8000000000000000000000002 9c40 0050"),
                hex(f, RECORD + 24, 36));
    }

    /** Captures the first state record (wrapping the frame buffer: read it before the next decode). */
    private static final class StateOnly implements PfsyncRecordHandler {
        private final PfsyncStateRecord[] seen;

        StateOnly(final PfsyncStateRecord[] seen) {
            this.seen = seen;
        }

        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
        }

        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord state) {
            if (seen[0] == null) {
                seen[0] = state;
            }
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
