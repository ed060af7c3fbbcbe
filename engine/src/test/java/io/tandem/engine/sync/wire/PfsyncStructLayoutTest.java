package io.tandem.engine.sync.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Native sizes are asked, not guessed (STYLE 15): compiles {@code pfsync_structs.c}, an independent
 * packed C declaration of FreeBSD's pfsync structs written from the spec's layouts, and checks that
 * every {@code sizeof} and {@code offsetof} it prints equals the Java flyweight constant. Skipped
 * only when gcc is not on PATH.
 */
class PfsyncStructLayoutTest {
    private final Map<String, Integer> expected = new LinkedHashMap<>();

    private void expect(final String key, final int value) {
        expected.put(key, value);
    }

    @Test
    void cStructsMatchTheFlyweightConstants(@TempDir final Path dir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(onPath("gcc"), "gcc is not on PATH");
        final Path source = dir.resolve("pfsync_structs.c");
        try (InputStream in = getClass().getResourceAsStream("pfsync_structs.c")) {
            Files.copy(in, source);
        }
        final Path probe = dir.resolve("pfsync_structs");
        run(dir, "gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", probe.toString(), source.toString());
        final String output = run(dir, probe.toString());

        final Map<String, Integer> actual = new LinkedHashMap<>();
        for (final String line : output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            final int space = line.lastIndexOf(' ');
            actual.put(line.substring(0, space), Integer.parseInt(line.substring(space + 1).trim()));
        }
        fillExpectations();
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(actual.keySet()), "fields probed");
        for (final Map.Entry<String, Integer> e : expected.entrySet()) {
            assertEquals(e.getValue(), actual.get(e.getKey()), e.getKey());
        }
        assertTrue(actual.size() > 150);
        // The record length table agrees with the C sizes.
        assertEquals(actual.get("SIZE pfsync_clr"), PfsyncConstants.recordLength(PfsyncConstants.ACT_CLR));
        assertEquals(actual.get("SIZE pfsync_state_1301"), PfsyncConstants.recordLength(PfsyncConstants.ACT_INS));
        assertEquals(actual.get("SIZE pfsync_state_1301"), PfsyncConstants.recordLength(PfsyncConstants.ACT_DEL));
        assertEquals(actual.get("SIZE pfsync_upd_c"), PfsyncConstants.recordLength(PfsyncConstants.ACT_UPD_C));
        assertEquals(actual.get("SIZE pfsync_bus"), PfsyncConstants.recordLength(PfsyncConstants.ACT_BUS));
        assertEquals(actual.get("SIZE pfsync_state_1400"), PfsyncConstants.recordLength(PfsyncConstants.ACT_UPD_1400));
        assertEquals(actual.get("SIZE pfsync_state_1500"), PfsyncConstants.recordLength(PfsyncConstants.ACT_UPD_1500));
        assertEquals(actual.get("SIZE pfsync_subheader"), PfsyncConstants.EOF_LENGTH);
    }

    private static boolean onPath(final String program) {
        final String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (final String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, program))) {
                return true;
            }
        }
        return false;
    }

    private static String run(final Path dir, final String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
        return output;
    }

    private void fillExpectations() {
        expect("SIZE pf_addr", PfsyncStateKeyFlyweight.PF_ADDR_LENGTH);
        expect("SIZE pfsync_header", PfsyncHeaderFlyweight.LENGTH);
        expect("OFF pfsync_header.version", PfsyncHeaderFlyweight.VERSION_OFFSET);
        expect("OFF pfsync_header._pad", PfsyncHeaderFlyweight.PAD_OFFSET);
        expect("OFF pfsync_header.len", PfsyncHeaderFlyweight.LEN_OFFSET);
        expect("OFF pfsync_header.pfcksum", PfsyncHeaderFlyweight.PFCKSUM_OFFSET);
        expect("SIZE pfsync_subheader", PfsyncSubheaderFlyweight.LENGTH);
        expect("OFF pfsync_subheader.action", PfsyncSubheaderFlyweight.ACTION_OFFSET);
        expect("OFF pfsync_subheader._pad", PfsyncSubheaderFlyweight.PAD_OFFSET);
        expect("OFF pfsync_subheader.count", PfsyncSubheaderFlyweight.COUNT_OFFSET);
        expect("SIZE pfsync_clr", PfsyncClrFlyweight.LENGTH);
        expect("OFF pfsync_clr.ifname", PfsyncClrFlyweight.IFNAME_OFFSET);
        expect("OFF pfsync_clr.creatorid", PfsyncClrFlyweight.CREATORID_OFFSET);
        expect("SIZE pfsync_ins_ack", PfsyncInsAckFlyweight.LENGTH);
        expect("OFF pfsync_ins_ack.id", PfsyncInsAckFlyweight.ID_OFFSET);
        expect("OFF pfsync_ins_ack.creatorid", PfsyncInsAckFlyweight.CREATORID_OFFSET);
        expect("SIZE pfsync_upd_req", PfsyncUpdReqFlyweight.LENGTH);
        expect("OFF pfsync_upd_req.id", PfsyncUpdReqFlyweight.ID_OFFSET);
        expect("OFF pfsync_upd_req.creatorid", PfsyncUpdReqFlyweight.CREATORID_OFFSET);
        expect("SIZE pfsync_del_c", PfsyncDelCFlyweight.LENGTH);
        expect("OFF pfsync_del_c.id", PfsyncDelCFlyweight.ID_OFFSET);
        expect("OFF pfsync_del_c.creatorid", PfsyncDelCFlyweight.CREATORID_OFFSET);
        expect("SIZE pfsync_bus", PfsyncBusFlyweight.LENGTH);
        expect("OFF pfsync_bus.creatorid", PfsyncBusFlyweight.CREATORID_OFFSET);
        expect("OFF pfsync_bus.endtime", PfsyncBusFlyweight.ENDTIME_OFFSET);
        expect("OFF pfsync_bus.status", PfsyncBusFlyweight.STATUS_OFFSET);
        expect("OFF pfsync_bus._pad", PfsyncBusFlyweight.PAD_OFFSET);
        expect("SIZE pfsync_state_scrub", PfsyncStatePeerFlyweight.SCRUB_LENGTH);
        expect("SIZE pfsync_state_peer", PfsyncStatePeerFlyweight.LENGTH);
        expect("OFF pfsync_state_peer.scrub", PfsyncStatePeerFlyweight.SCRUB_OFFSET);
        expect("OFF pfsync_state_peer.scrub.pfss_flags", PfsyncStatePeerFlyweight.PFSS_FLAGS_OFFSET);
        expect("OFF pfsync_state_peer.scrub.pfss_ttl", PfsyncStatePeerFlyweight.PFSS_TTL_OFFSET);
        expect("OFF pfsync_state_peer.scrub.scrub_flag", PfsyncStatePeerFlyweight.SCRUB_FLAG_OFFSET);
        expect("OFF pfsync_state_peer.scrub.pfss_ts_mod", PfsyncStatePeerFlyweight.PFSS_TS_MOD_OFFSET);
        expect("OFF pfsync_state_peer.seqlo", PfsyncStatePeerFlyweight.SEQLO_OFFSET);
        expect("OFF pfsync_state_peer.seqhi", PfsyncStatePeerFlyweight.SEQHI_OFFSET);
        expect("OFF pfsync_state_peer.seqdiff", PfsyncStatePeerFlyweight.SEQDIFF_OFFSET);
        expect("OFF pfsync_state_peer.max_win", PfsyncStatePeerFlyweight.MAX_WIN_OFFSET);
        expect("OFF pfsync_state_peer.mss", PfsyncStatePeerFlyweight.MSS_OFFSET);
        expect("OFF pfsync_state_peer.state", PfsyncStatePeerFlyweight.STATE_OFFSET);
        expect("OFF pfsync_state_peer.wscale", PfsyncStatePeerFlyweight.WSCALE_OFFSET);
        expect("OFF pfsync_state_peer.pad", PfsyncStatePeerFlyweight.PAD_OFFSET);
        expect("SIZE pfsync_upd_c", PfsyncUpdCFlyweight.LENGTH);
        expect("OFF pfsync_upd_c.id", PfsyncUpdCFlyweight.ID_OFFSET);
        expect("OFF pfsync_upd_c.src", PfsyncUpdCFlyweight.SRC_OFFSET);
        expect("OFF pfsync_upd_c.dst", PfsyncUpdCFlyweight.DST_OFFSET);
        expect("OFF pfsync_upd_c.creatorid", PfsyncUpdCFlyweight.CREATORID_OFFSET);
        expect("OFF pfsync_upd_c.expire", PfsyncUpdCFlyweight.EXPIRE_OFFSET);
        expect("OFF pfsync_upd_c.timeout", PfsyncUpdCFlyweight.TIMEOUT_OFFSET);
        expect("OFF pfsync_upd_c._pad", PfsyncUpdCFlyweight.PAD_OFFSET);
        expect("SIZE pfsync_state_key", PfsyncStateKeyFlyweight.LENGTH);
        expect("OFF pfsync_state_key.addr[0]", PfsyncStateKeyFlyweight.ADDR0_OFFSET);
        expect("OFF pfsync_state_key.addr[1]", PfsyncStateKeyFlyweight.ADDR1_OFFSET);
        expect("OFF pfsync_state_key.port[0]", PfsyncStateKeyFlyweight.PORT0_OFFSET);
        expect("OFF pfsync_state_key.port[1]", PfsyncStateKeyFlyweight.PORT1_OFFSET);
        expect("SIZE pfsync_state_1301", PfsyncState1301Flyweight.LENGTH);
        expect("OFF pfsync_state_1301.id", PfsyncState1301Flyweight.ID_OFFSET);
        expect("OFF pfsync_state_1301.ifname", PfsyncState1301Flyweight.IFNAME_OFFSET);
        expect("OFF pfsync_state_1301.key[0]", PfsyncState1301Flyweight.KEY_WIRE_OFFSET);
        expect("OFF pfsync_state_1301.key[1]", PfsyncState1301Flyweight.KEY_STACK_OFFSET);
        expect("OFF pfsync_state_1301.src", PfsyncState1301Flyweight.SRC_OFFSET);
        expect("OFF pfsync_state_1301.dst", PfsyncState1301Flyweight.DST_OFFSET);
        expect("OFF pfsync_state_1301.rt_addr", PfsyncState1301Flyweight.RT_ADDR_OFFSET);
        expect("OFF pfsync_state_1301.rule", PfsyncState1301Flyweight.RULE_OFFSET);
        expect("OFF pfsync_state_1301.anchor", PfsyncState1301Flyweight.ANCHOR_OFFSET);
        expect("OFF pfsync_state_1301.nat_rule", PfsyncState1301Flyweight.NAT_RULE_OFFSET);
        expect("OFF pfsync_state_1301.creation", PfsyncState1301Flyweight.CREATION_OFFSET);
        expect("OFF pfsync_state_1301.expire", PfsyncState1301Flyweight.EXPIRE_OFFSET);
        expect("OFF pfsync_state_1301.packets", PfsyncState1301Flyweight.PACKETS_OFFSET);
        expect("OFF pfsync_state_1301.bytes", PfsyncState1301Flyweight.BYTES_OFFSET);
        expect("OFF pfsync_state_1301.creatorid", PfsyncState1301Flyweight.CREATORID_OFFSET);
        expect("OFF pfsync_state_1301.af", PfsyncState1301Flyweight.AF_OFFSET);
        expect("OFF pfsync_state_1301.proto", PfsyncState1301Flyweight.PROTO_OFFSET);
        expect("OFF pfsync_state_1301.direction", PfsyncState1301Flyweight.DIRECTION_OFFSET);
        expect("OFF pfsync_state_1301.__spare", PfsyncState1301Flyweight.SPARE_OFFSET);
        expect("OFF pfsync_state_1301.log", PfsyncState1301Flyweight.LOG_OFFSET);
        expect("OFF pfsync_state_1301.state_flags", PfsyncState1301Flyweight.STATE_FLAGS_OFFSET);
        expect("OFF pfsync_state_1301.timeout", PfsyncState1301Flyweight.TIMEOUT_OFFSET);
        expect("OFF pfsync_state_1301.sync_flags", PfsyncState1301Flyweight.SYNC_FLAGS_OFFSET);
        expect("OFF pfsync_state_1301.updates", PfsyncState1301Flyweight.UPDATES_OFFSET);
        expect("SIZE pfsync_state_1400", PfsyncState1400Flyweight.LENGTH);
        expect("OFF pfsync_state_1400.id", PfsyncState1400Flyweight.ID_OFFSET);
        expect("OFF pfsync_state_1400.ifname", PfsyncState1400Flyweight.IFNAME_OFFSET);
        expect("OFF pfsync_state_1400.key[0]", PfsyncState1400Flyweight.KEY_WIRE_OFFSET);
        expect("OFF pfsync_state_1400.key[1]", PfsyncState1400Flyweight.KEY_STACK_OFFSET);
        expect("OFF pfsync_state_1400.src", PfsyncState1400Flyweight.SRC_OFFSET);
        expect("OFF pfsync_state_1400.dst", PfsyncState1400Flyweight.DST_OFFSET);
        expect("OFF pfsync_state_1400.rt_addr", PfsyncState1400Flyweight.RT_ADDR_OFFSET);
        expect("OFF pfsync_state_1400.rule", PfsyncState1400Flyweight.RULE_OFFSET);
        expect("OFF pfsync_state_1400.anchor", PfsyncState1400Flyweight.ANCHOR_OFFSET);
        expect("OFF pfsync_state_1400.nat_rule", PfsyncState1400Flyweight.NAT_RULE_OFFSET);
        expect("OFF pfsync_state_1400.creation", PfsyncState1400Flyweight.CREATION_OFFSET);
        expect("OFF pfsync_state_1400.expire", PfsyncState1400Flyweight.EXPIRE_OFFSET);
        expect("OFF pfsync_state_1400.packets", PfsyncState1400Flyweight.PACKETS_OFFSET);
        expect("OFF pfsync_state_1400.bytes", PfsyncState1400Flyweight.BYTES_OFFSET);
        expect("OFF pfsync_state_1400.creatorid", PfsyncState1400Flyweight.CREATORID_OFFSET);
        expect("OFF pfsync_state_1400.af", PfsyncState1400Flyweight.AF_OFFSET);
        expect("OFF pfsync_state_1400.proto", PfsyncState1400Flyweight.PROTO_OFFSET);
        expect("OFF pfsync_state_1400.direction", PfsyncState1400Flyweight.DIRECTION_OFFSET);
        expect("OFF pfsync_state_1400.state_flags", PfsyncState1400Flyweight.STATE_FLAGS_OFFSET);
        expect("OFF pfsync_state_1400.log", PfsyncState1400Flyweight.LOG_OFFSET);
        expect("OFF pfsync_state_1400.__spare", PfsyncState1400Flyweight.SPARE_OFFSET);
        expect("OFF pfsync_state_1400.timeout", PfsyncState1400Flyweight.TIMEOUT_OFFSET);
        expect("OFF pfsync_state_1400.sync_flags", PfsyncState1400Flyweight.SYNC_FLAGS_OFFSET);
        expect("OFF pfsync_state_1400.updates", PfsyncState1400Flyweight.UPDATES_OFFSET);
        expect("OFF pfsync_state_1400.qid", PfsyncState1400Flyweight.QID_OFFSET);
        expect("OFF pfsync_state_1400.pqid", PfsyncState1400Flyweight.PQID_OFFSET);
        expect("OFF pfsync_state_1400.dnpipe", PfsyncState1400Flyweight.DNPIPE_OFFSET);
        expect("OFF pfsync_state_1400.dnrpipe", PfsyncState1400Flyweight.DNRPIPE_OFFSET);
        expect("OFF pfsync_state_1400.rtableid", PfsyncState1400Flyweight.RTABLEID_OFFSET);
        expect("OFF pfsync_state_1400.min_ttl", PfsyncState1400Flyweight.MIN_TTL_OFFSET);
        expect("OFF pfsync_state_1400.set_tos", PfsyncState1400Flyweight.SET_TOS_OFFSET);
        expect("OFF pfsync_state_1400.max_mss", PfsyncState1400Flyweight.MAX_MSS_OFFSET);
        expect("OFF pfsync_state_1400.set_prio", PfsyncState1400Flyweight.SET_PRIO_OFFSET);
        expect("OFF pfsync_state_1400.rt", PfsyncState1400Flyweight.RT_OFFSET);
        expect("OFF pfsync_state_1400.rt_ifname", PfsyncState1400Flyweight.RT_IFNAME_OFFSET);
        expect("SIZE pfsync_state_1500", PfsyncState1500Flyweight.LENGTH);
        expect("OFF pfsync_state_1500.id", PfsyncState1500Flyweight.ID_OFFSET);
        expect("OFF pfsync_state_1500.ifname", PfsyncState1500Flyweight.IFNAME_OFFSET);
        expect("OFF pfsync_state_1500.key[0]", PfsyncState1500Flyweight.KEY_WIRE_OFFSET);
        expect("OFF pfsync_state_1500.key[1]", PfsyncState1500Flyweight.KEY_STACK_OFFSET);
        expect("OFF pfsync_state_1500.src", PfsyncState1500Flyweight.SRC_OFFSET);
        expect("OFF pfsync_state_1500.dst", PfsyncState1500Flyweight.DST_OFFSET);
        expect("OFF pfsync_state_1500.rt_addr", PfsyncState1500Flyweight.RT_ADDR_OFFSET);
        expect("OFF pfsync_state_1500.rule", PfsyncState1500Flyweight.RULE_OFFSET);
        expect("OFF pfsync_state_1500.anchor", PfsyncState1500Flyweight.ANCHOR_OFFSET);
        expect("OFF pfsync_state_1500.nat_rule", PfsyncState1500Flyweight.NAT_RULE_OFFSET);
        expect("OFF pfsync_state_1500.creation", PfsyncState1500Flyweight.CREATION_OFFSET);
        expect("OFF pfsync_state_1500.expire", PfsyncState1500Flyweight.EXPIRE_OFFSET);
        expect("OFF pfsync_state_1500.packets", PfsyncState1500Flyweight.PACKETS_OFFSET);
        expect("OFF pfsync_state_1500.bytes", PfsyncState1500Flyweight.BYTES_OFFSET);
        expect("OFF pfsync_state_1500.creatorid", PfsyncState1500Flyweight.CREATORID_OFFSET);
        expect("OFF pfsync_state_1500.tagname", PfsyncState1500Flyweight.TAGNAME_OFFSET);
        expect("OFF pfsync_state_1500.rt_ifname", PfsyncState1500Flyweight.RT_IFNAME_OFFSET);
        expect("OFF pfsync_state_1500.orig_ifname", PfsyncState1500Flyweight.ORIG_IFNAME_OFFSET);
        expect("OFF pfsync_state_1500.rtableid", PfsyncState1500Flyweight.RTABLEID_OFFSET);
        expect("OFF pfsync_state_1500.state_flags", PfsyncState1500Flyweight.STATE_FLAGS_OFFSET);
        expect("OFF pfsync_state_1500.qid", PfsyncState1500Flyweight.QID_OFFSET);
        expect("OFF pfsync_state_1500.pqid", PfsyncState1500Flyweight.PQID_OFFSET);
        expect("OFF pfsync_state_1500.dnpipe", PfsyncState1500Flyweight.DNPIPE_OFFSET);
        expect("OFF pfsync_state_1500.dnrpipe", PfsyncState1500Flyweight.DNRPIPE_OFFSET);
        expect("OFF pfsync_state_1500.max_mss", PfsyncState1500Flyweight.MAX_MSS_OFFSET);
        expect("OFF pfsync_state_1500.wire_af", PfsyncState1500Flyweight.WIRE_AF_OFFSET);
        expect("OFF pfsync_state_1500.stack_af", PfsyncState1500Flyweight.STACK_AF_OFFSET);
        expect("OFF pfsync_state_1500.rt_af", PfsyncState1500Flyweight.RT_AF_OFFSET);
        expect("OFF pfsync_state_1500.wire_proto", PfsyncState1500Flyweight.WIRE_PROTO_OFFSET);
        expect("OFF pfsync_state_1500.stack_proto", PfsyncState1500Flyweight.STACK_PROTO_OFFSET);
        expect("OFF pfsync_state_1500.log", PfsyncState1500Flyweight.LOG_OFFSET);
        expect("OFF pfsync_state_1500.timeout", PfsyncState1500Flyweight.TIMEOUT_OFFSET);
        expect("OFF pfsync_state_1500.direction", PfsyncState1500Flyweight.DIRECTION_OFFSET);
        expect("OFF pfsync_state_1500.rt", PfsyncState1500Flyweight.RT_OFFSET);
        expect("OFF pfsync_state_1500.min_ttl", PfsyncState1500Flyweight.MIN_TTL_OFFSET);
        expect("OFF pfsync_state_1500.set_tos", PfsyncState1500Flyweight.SET_TOS_OFFSET);
        expect("OFF pfsync_state_1500.set_prio", PfsyncState1500Flyweight.SET_PRIO_OFFSET);
        expect("OFF pfsync_state_1500.spare", PfsyncState1500Flyweight.SPARE_OFFSET);
    }
}
