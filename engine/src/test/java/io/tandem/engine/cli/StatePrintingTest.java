package io.tandem.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.rules.Addresses;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateSnapshotRow;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.tools.JsonReader;
import io.tandem.engine.tools.RecordFormatter;
import io.tandem.engine.tools.StateJsonCodec;
import io.tandem.engine.tools.StateJsonWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The shared state printers, {@link StateJsonWriter} and {@code PfctlStateText}, as both commands
 * use them: {@code tandem states} (a snapshot row → the admin socket's JSON → pfctl text) and
 * {@code tandem journal} (a record → export JSON, {@code states --json}, pfctl text). Each state is
 * given once and held both ways, as a journal record and as a snapshot row, for a TCP state created
 * inbound, a UDP state created outbound on an interface and an ICMPv6 echo state. The expected
 * output is written by hand.
 */
class StatePrintingTest {
    private static final long T0 = 1_795_000_000_000L; // 2026-11-18T08:26:40Z
    private static final long NOW = T0 + 65_000;

    private final JournalRecordFlyweight record = new JournalRecordFlyweight()
            .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
    private final long[] rows = new long[StateSnapshotMailbox.FIELDS];
    private final StateSnapshotRow row = new StateSnapshotRow().wrap(rows, 0);

    /** Holds one state both ways; the peers are {seqlo, seqhi, seqdiff, max_win, mss, state, wscale}. */
    private void state(final int af, final int proto, final int direction, final String src, final int sport,
            final String dst, final int dport, final int ifindex, final int timeout, final long expireAt,
            final long[] srcPeer, final long[] dstPeer) {
        final long[] s = af == 2 ? new long[] {0, Addresses.parseInet4(src)} : Addresses.parseInet6(src);
        final long[] d = af == 2 ? new long[] {0, Addresses.parseInet4(dst)} : Addresses.parseInet6(dst);
        record.creatorId(0x5ac05189).id(0x6b05c7a500000001L).af(af).proto(proto).direction(direction)
                .ifindex(ifindex).rule(2).timeoutClass(timeout).stateFlags(0).creationMillis(T0)
                .expireAtMillis(expireAt).lastActivityMillis(T0 + 60_000);
        record.addresses(s[0], s[1], d[0], d[1]).ports(sport, dport).counters(10, 8, 1200, 900);
        record.peer(0, srcPeer[0], srcPeer[1], srcPeer[2], (int) srcPeer[3], (int) srcPeer[4], (int) srcPeer[5],
                (int) srcPeer[6]);
        record.peer(1, dstPeer[0], dstPeer[1], dstPeer[2], (int) dstPeer[3], (int) dstPeer[4], (int) dstPeer[5],
                (int) dstPeer[6]);
        // The row as StateSnapshotMailbox copies it from the table at NOW.
        rows[StateSnapshotMailbox.F_FAMILY] = af;
        rows[StateSnapshotMailbox.F_PROTO] = proto;
        rows[StateSnapshotMailbox.F_SRC_HI] = s[0];
        rows[StateSnapshotMailbox.F_SRC_LO] = s[1];
        rows[StateSnapshotMailbox.F_DST_HI] = d[0];
        rows[StateSnapshotMailbox.F_DST_LO] = d[1];
        rows[StateSnapshotMailbox.F_SRC_PORT] = sport;
        rows[StateSnapshotMailbox.F_DST_PORT] = dport;
        rows[StateSnapshotMailbox.F_IFINDEX] = ifindex;
        rows[StateSnapshotMailbox.F_RULE] = 2;
        rows[StateSnapshotMailbox.F_DIRECTION] = direction;
        rows[StateSnapshotMailbox.F_CREATOR_ID] = 0x5ac05189L;
        rows[StateSnapshotMailbox.F_ID] = 0x6b05c7a500000001L;
        rows[StateSnapshotMailbox.F_CREATED_MILLIS] = T0;
        rows[StateSnapshotMailbox.F_LAST_ACTIVITY_MILLIS] = T0 + 60_000;
        rows[StateSnapshotMailbox.F_EXPIRES_IN_SECONDS] = (expireAt - NOW + 999) / 1000;
        rows[StateSnapshotMailbox.F_TIMEOUT_CLASS] = timeout;
        rows[StateSnapshotMailbox.F_PACKETS_FWD] = 10;
        rows[StateSnapshotMailbox.F_PACKETS_REV] = 8;
        rows[StateSnapshotMailbox.F_BYTES_FWD] = 1200;
        rows[StateSnapshotMailbox.F_BYTES_REV] = 900;
        for (int p = 0; p < 2; p++) {
            final long[] peer = p == 0 ? srcPeer : dstPeer;
            final int o = StateSnapshotMailbox.F_PEER + p * StateSnapshotMailbox.PEER_FIELDS;
            rows[o + StateSnapshotMailbox.P_SEQLO] = peer[0];
            rows[o + StateSnapshotMailbox.P_SEQHI] = peer[1];
            rows[o + StateSnapshotMailbox.P_MAX_WIN] = peer[3];
            rows[o + StateSnapshotMailbox.P_MSS] = peer[4];
            rows[o + StateSnapshotMailbox.P_STATE] = peer[5];
            rows[o + StateSnapshotMailbox.P_WSCALE] = peer[6];
        }
    }

    /** tandem states: the admin socket's line, then the text the command prints from it. */
    private String[] live() {
        final String json = StateJsonWriter.LIVE.object(row, NOW);
        return new String[] {json, StatesCommand.format(JsonReader.object(json))};
    }

    /** tandem journal: export (read back to the same line), states --json and states at NOW. */
    private String[] journal() {
        final String export = StateJsonWriter.EXPORT.object(record, 0);
        final JournalRecordFlyweight back = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        StateJsonCodec.read(export, back);
        assertEquals(export, RecordFormatter.stateJson(back), "export reads back");
        return new String[] {export, StateJsonWriter.JOURNAL_STATES.object(record, NOW),
            RecordFormatter.pfctl(record, NOW)};
    }

    @Test
    void tcpCreatedInbound() {
        state(2, 6, PfConstants.PF_IN, "10.1.0.10", 40000, "198.51.100.20", 80, 0, StateTimeouts.TCP_ESTABLISHED,
                T0 + 86_400_000, new long[] {1000, 66535, 0, 65535, 1460, PfConstants.TCPS_ESTABLISHED, 0x87},
                new long[] {5000, 70535, 0, 64240, 1400, PfConstants.TCPS_ESTABLISHED, 0x87});
        final String[] live = live();
        assertEquals("{\"creatorid\":\"5ac05189\",\"id\":\"6b05c7a500000001\",\"af\":\"inet\",\"proto\":6,"
                + "\"src\":\"10.1.0.10\",\"sport\":40000,\"dst\":\"198.51.100.20\",\"dport\":80,\"ifindex\":0,"
                + "\"rule\":2,\"direction\":\"in\",\"age\":65,\"expire\":86335,\"timeout\":\"tcp.established\","
                + "\"packets\":[10,8],\"bytes\":[1200,900],"
                + "\"src_peer\":{\"seqlo\":1000,\"seqhi\":66535,\"max_win\":65535,\"mss\":1460,\"state\":4,\"wscale\":135},"
                + "\"dst_peer\":{\"seqlo\":5000,\"seqhi\":70535,\"max_win\":64240,\"mss\":1400,\"state\":4,\"wscale\":135}}",
                live[0]);
        assertEquals("all tcp 198.51.100.20:80 <- 10.1.0.10:40000       ESTABLISHED:ESTABLISHED\n"
                + "   [5000 + 65535] wscale 7  [1000 + 65535] wscale 7\n"
                + "   age 00:01:05, expires in 23:58:55, 10:8 pkts, 1200:900 bytes, rule 2, timeout tcp.established\n"
                + "   id: 6b05c7a500000001 creatorid: 5ac05189\n", live[1]);
        final String[] journal = journal();
        final String export = "{\"creatorid\":\"5ac05189\",\"id\":\"6b05c7a500000001\",\"af\":\"inet\",\"proto\":6,"
                + "\"direction\":\"in\",\"src\":\"10.1.0.10\",\"sport\":40000,\"dst\":\"198.51.100.20\",\"dport\":80,"
                + "\"ifindex\":0,\"rule\":2,\"timeout\":\"tcp.established\",\"flags\":0,\"creation\":1795000000000,"
                + "\"expire_at\":1795086400000,\"last_activity\":1795000060000,\"packets\":[10,8],\"bytes\":[1200,900],"
                + "\"src_peer\":{\"seqlo\":1000,\"seqhi\":66535,\"seqdiff\":0,\"max_win\":65535,\"mss\":1460,\"state\":4,"
                + "\"wscale\":135},"
                + "\"dst_peer\":{\"seqlo\":5000,\"seqhi\":70535,\"seqdiff\":0,\"max_win\":64240,\"mss\":1400,\"state\":4,"
                + "\"wscale\":135}";
        assertEquals(export + "}", journal[0]);
        assertEquals(export + ",\"age\":65,\"expire\":86335}", journal[1]);
        assertEquals("all tcp 198.51.100.20:80 <- 10.1.0.10:40000       ESTABLISHED:ESTABLISHED\n"
                + "   age 00:01:05, expires in 23:58:55, 10:8 pkts, 1200:900 bytes, rule 2, timeout tcp.established,"
                + " id 6b05c7a500000001, creatorid 5ac05189\n", journal[2]);
    }

    @Test
    void udpCreatedOutboundOnAnInterface() {
        state(2, 17, PfConstants.PF_OUT, "10.1.0.10", 5353, "198.51.100.20", 53, 3, StateTimeouts.UDP_MULTIPLE,
                T0 + 125_000, new long[] {0, 0, 0, 0, 0, PfConstants.PFUDPS_MULTIPLE, 0},
                new long[] {0, 0, 0, 0, 0, PfConstants.PFUDPS_SINGLE, 0});
        final String[] live = live();
        assertEquals("{\"creatorid\":\"5ac05189\",\"id\":\"6b05c7a500000001\",\"af\":\"inet\",\"proto\":17,"
                + "\"src\":\"10.1.0.10\",\"sport\":5353,\"dst\":\"198.51.100.20\",\"dport\":53,\"ifindex\":3,"
                + "\"rule\":2,\"direction\":\"out\",\"age\":65,\"expire\":60,\"timeout\":\"udp.multiple\","
                + "\"packets\":[10,8],\"bytes\":[1200,900],"
                + "\"src_peer\":{\"seqlo\":0,\"seqhi\":0,\"max_win\":0,\"mss\":0,\"state\":2,\"wscale\":0},"
                + "\"dst_peer\":{\"seqlo\":0,\"seqhi\":0,\"max_win\":0,\"mss\":0,\"state\":1,\"wscale\":0}}", live[0]);
        assertEquals("if3 udp 10.1.0.10:5353 -> 198.51.100.20:53       MULTIPLE:SINGLE\n"
                + "   age 00:01:05, expires in 00:01:00, 10:8 pkts, 1200:900 bytes, rule 2, timeout udp.multiple\n"
                + "   id: 6b05c7a500000001 creatorid: 5ac05189\n", live[1]);
        final String[] journal = journal();
        final String export = "{\"creatorid\":\"5ac05189\",\"id\":\"6b05c7a500000001\",\"af\":\"inet\",\"proto\":17,"
                + "\"direction\":\"out\",\"src\":\"10.1.0.10\",\"sport\":5353,\"dst\":\"198.51.100.20\",\"dport\":53,"
                + "\"ifindex\":3,\"rule\":2,\"timeout\":\"udp.multiple\",\"flags\":0,\"creation\":1795000000000,"
                + "\"expire_at\":1795000125000,\"last_activity\":1795000060000,\"packets\":[10,8],\"bytes\":[1200,900],"
                + "\"src_peer\":{\"seqlo\":0,\"seqhi\":0,\"seqdiff\":0,\"max_win\":0,\"mss\":0,\"state\":2,\"wscale\":0},"
                + "\"dst_peer\":{\"seqlo\":0,\"seqhi\":0,\"seqdiff\":0,\"max_win\":0,\"mss\":0,\"state\":1,\"wscale\":0}";
        assertEquals(export + "}", journal[0]);
        assertEquals(export + ",\"age\":65,\"expire\":60}", journal[1]);
        assertEquals("if3 udp 10.1.0.10:5353 -> 198.51.100.20:53       MULTIPLE:SINGLE\n"
                + "   age 00:01:05, expires in 00:01:00, 10:8 pkts, 1200:900 bytes, rule 2, timeout udp.multiple,"
                + " id 6b05c7a500000001, creatorid 5ac05189\n", journal[2]);
    }

    @Test
    void icmpv6EchoCreatedOutbound() {
        state(10, 58, PfConstants.PF_OUT, "2001:db8:1::10", 4660, "2001:db8:2::20", 4660, 0,
                StateTimeouts.ICMP_FIRST_PACKET, T0 + 85_000, new long[] {0, 0, 0, 0, 0, 0, 0},
                new long[] {0, 0, 0, 0, 0, 0, 0});
        final String[] live = live();
        assertEquals("{\"creatorid\":\"5ac05189\",\"id\":\"6b05c7a500000001\",\"af\":\"inet6\",\"proto\":58,"
                + "\"src\":\"2001:db8:1::10\",\"sport\":4660,\"dst\":\"2001:db8:2::20\",\"dport\":4660,\"ifindex\":0,"
                + "\"rule\":2,\"direction\":\"out\",\"age\":65,\"expire\":20,\"timeout\":\"icmp.first\","
                + "\"packets\":[10,8],\"bytes\":[1200,900],"
                + "\"src_peer\":{\"seqlo\":0,\"seqhi\":0,\"max_win\":0,\"mss\":0,\"state\":0,\"wscale\":0},"
                + "\"dst_peer\":{\"seqlo\":0,\"seqhi\":0,\"max_win\":0,\"mss\":0,\"state\":0,\"wscale\":0}}", live[0]);
        assertEquals("all ipv6-icmp 2001:db8:1::10[4660] -> 2001:db8:2::20[4660]       0:0\n"
                + "   age 00:01:05, expires in 00:00:20, 10:8 pkts, 1200:900 bytes, rule 2, timeout icmp.first\n"
                + "   id: 6b05c7a500000001 creatorid: 5ac05189\n", live[1]);
        final String[] journal = journal();
        final String export = "{\"creatorid\":\"5ac05189\",\"id\":\"6b05c7a500000001\",\"af\":\"inet6\",\"proto\":58,"
                + "\"direction\":\"out\",\"src\":\"2001:db8:1::10\",\"sport\":4660,\"dst\":\"2001:db8:2::20\","
                + "\"dport\":4660,\"ifindex\":0,\"rule\":2,\"timeout\":\"icmp.first\",\"flags\":0,"
                + "\"creation\":1795000000000,\"expire_at\":1795000085000,\"last_activity\":1795000060000,"
                + "\"packets\":[10,8],\"bytes\":[1200,900],"
                + "\"src_peer\":{\"seqlo\":0,\"seqhi\":0,\"seqdiff\":0,\"max_win\":0,\"mss\":0,\"state\":0,\"wscale\":0},"
                + "\"dst_peer\":{\"seqlo\":0,\"seqhi\":0,\"seqdiff\":0,\"max_win\":0,\"mss\":0,\"state\":0,\"wscale\":0}";
        assertEquals(export + "}", journal[0]);
        assertEquals(export + ",\"age\":65,\"expire\":20}", journal[1]);
        assertEquals("all ipv6-icmp 2001:db8:1::10[4660] -> 2001:db8:2::20[4660]       0:0\n"
                + "   age 00:01:05, expires in 00:00:20, 10:8 pkts, 1200:900 bytes, rule 2, timeout icmp.first,"
                + " id 6b05c7a500000001, creatorid 5ac05189\n", journal[2]);
    }
}
