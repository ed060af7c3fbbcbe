package io.tandem.engine.system;

import static io.tandem.engine.system.ClusterNode.sample;
import static io.tandem.engine.system.ClusterNode.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.engine.tools.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pfsync over IPv6, as FreeBSD 14 and later speak it (next header 240, hop limit 255; FreeBSD's
 * {@code pfsync6_input} drops anything else), once with both firewalls on the link-local group
 * {@code ff12::f0} and once with each sending to the other's unicast address on the sync link (as
 * in FreeBSD, a node joins the group only when its peer is the group). An IPv6 TCP connection
 * through fwA appears in fwB's table with fwA's identity, the frames on the wire have hop limit 255
 * and go where configured, and the counters are the IPv6 ones ({@code opackets6},
 * {@code ipackets6}) with nothing on the IPv4 side. The test adds 2001:db8:3::1/64 and ::2/64 to
 * the firewalls' sync0 and removes them.
 */
@Tag("system")
class SyncIpv6SystemTest {
    private static final int QUEUE = 258;
    private static final String FWA_SYNC6 = "2001:db8:3::1";
    private static final String FWB_SYNC6 = "2001:db8:3::2";

    @BeforeAll
    static void labUp() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")), "build the jar first");
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--bypass");
        assertEquals(0, Lab.exec(Lab.FW_A, 10, "ip", "-6", "addr", "replace", FWA_SYNC6 + "/64", "dev", "sync0",
                "nodad").exit());
        assertEquals(0, Lab.exec(Lab.FW_B, 10, "ip", "-6", "addr", "replace", FWB_SYNC6 + "/64", "dev", "sync0",
                "nodad").exit());
    }

    @AfterAll
    static void labDown() {
        if (Lab.isRoot()) {
            Lab.exec(Lab.FW_A, 10, "ip", "-6", "addr", "del", FWA_SYNC6 + "/64", "dev", "sync0");
            Lab.exec(Lab.FW_B, 10, "ip", "-6", "addr", "del", FWB_SYNC6 + "/64", "dev", "sync0");
            Lab.lab("down", "--kill");
        }
    }

    @Test
    void statesCrossTheSyncLinkOverIpv6Multicast(@TempDir final Path tmp) throws Exception {
        sync(tmp, "ff12::f0", "ff12::f0");
    }

    @Test
    void statesCrossTheSyncLinkOverIpv6Unicast(@TempDir final Path tmp) throws Exception {
        sync(tmp, FWB_SYNC6, FWA_SYNC6);
    }

    private static void sync(final Path tmp, final String peerOfA, final String peerOfB) throws Exception {
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final Path wire = tmp.resolve("sync0.txt");
            final Process capture = lab.spawn(Lab.FW_B, wire, "tcpdump", "-nv", "-i", "sync0", "-c", "6",
                    "ip6 proto 240");
            Thread.sleep(300);
            final Process fwA = start(lab, tmp, "A", peerOfA);
            final Process fwB = start(lab, tmp, "B", peerOfB);
            try {
                lab.spawn(Lab.SERVER, null, "sh", "-c", "timeout 20 nc -6 -l 5201 > /dev/null");
                Thread.sleep(300);
                lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 20 | nc -6 " + Lab.SERVER_V6 + " 5201");
                final Map<String, Object> onA = waitForState(tmp.resolve("fwA.sock"), 10, "fwA tracks the connection");
                final Map<String, Object> onB = waitForState(tmp.resolve("fwB.sock"), 10,
                        "fwB learned it over IPv6 (to " + peerOfA + ")");
                assertEquals(onA.get("id"), onB.get("id"));
                assertEquals(onA.get("creatorid"), onB.get("creatorid"));
                assertEquals("inet6", onB.get("af"));
                assertEquals("2001:db8:1::10", onB.get("src"), "the client is the initiator on fwB too");
                assertEquals("2001:db8:2::10", onB.get("dst"));

                final String metricsA = Lab.exec(Lab.FW_A, 10, "curl", "-s", "127.0.0.1:9161/metrics").output();
                final String metricsB = Lab.exec(Lab.FW_B, 10, "curl", "-s", "127.0.0.1:9162/metrics").output();
                assertTrue(sample(metricsA, "tandem_pfsync_opackets6_total ") > 0, metricsA);
                assertTrue(sample(metricsB, "tandem_pfsync_ipackets6_total ") > 0, "fwB heard fwA");
                assertTrue(sample(metricsB, "tandem_pfsync_opackets6_total ") > 0, "fwB sent (its bulk request)");
                assertTrue(sample(metricsA, "tandem_pfsync_ipackets6_total ") > 0, "fwA heard fwB");
                for (final String m : new String[] {metricsA, metricsB}) {
                    assertEquals(0.0, sample(m, "tandem_pfsync_opackets_total "), "nothing sent over IPv4");
                    assertEquals(0.0, sample(m, "tandem_pfsync_ipackets_total "), "nothing received over IPv4");
                    assertEquals(0.0, sample(m, "tandem_pfsync_badttl_total "));
                    assertEquals(0.0, sample(m, "tandem_pfsync_badif_total "));
                    assertEquals(0.0, sample(m, "tandem_pfsync_oerrors_total "));
                }
                final Lab.Result status = Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "sync",
                        "--socket", tmp.resolve("fwB.sock").toString());
                assertTrue(status.output().contains("to " + peerOfB), status.output());
            } finally {
                Lab.run(5, "kill", "-TERM", Long.toString(fwA.pid()));
                Lab.run(5, "kill", "-TERM", Long.toString(fwB.pid()));
                fwA.waitFor(15, TimeUnit.SECONDS);
                fwB.waitFor(15, TimeUnit.SECONDS);
                capture.waitFor(10, TimeUnit.SECONDS);
                capture.destroy();
            }
            assertEquals(0, fwA.exitValue(), Files.readString(tmp.resolve("fwA.log")));
            final String frames = Files.readString(wire);
            assertTrue(frames.contains("hlim 255"), "hop limit 255 on the wire:\n" + frames);
            assertTrue(frames.contains("> " + peerOfA + ":"), "fwA's frames go to " + peerOfA + ":\n" + frames);
            assertTrue(frames.contains("> " + peerOfB + ":"), "fwB's go to " + peerOfB + ":\n" + frames);
            assertTrue(frames.contains("next-header unknown (240)"), frames);
        }
    }

    private static Process start(final Lab lab, final Path tmp, final String fw, final String peer) throws Exception {
        final Path conf = tmp.resolve("fw" + fw + ".conf");
        Files.writeString(conf, String.join("\n",
                "set queue " + QUEUE,
                "set metrics \"127.0.0.1:" + ("A".equals(fw) ? 9161 : 9162) + "\"",
                "set control \"" + tmp.resolve("fw" + fw + ".sock") + "\"",
                "set journal dir \"" + tmp.resolve("journal-" + fw) + "\"",
                "set sync interface sync0",
                "set sync peer \"" + peer + "\"",
                "block all",
                "pass proto tcp to port 5201",
                ""));
        final Path log = tmp.resolve("fw" + fw + ".log");
        final Process p = lab.spawn("tdm-fw" + fw, log, Lab.root().resolve("scripts/tandem").toString(), "run",
                "--set", "user none", "-f", conf.toString());
        waitFor(() -> Files.exists(log) && Files.readString(log).contains("pfsync v5 on sync0"), 30,
                "fw" + fw + " starts with pfsync (" + log + ")");
        return p;
    }

    private static Map<String, Object> waitForState(final Path sock, final int seconds, final String what)
            throws Exception {
        final Object[] found = new Object[1];
        waitFor(() -> {
            final Lab.Result r = Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "states", "--socket",
                    sock.toString(), "--json");
            for (String line : r.output().split("\n")) {
                line = line.trim();
                if (line.endsWith(",")) {
                    line = line.substring(0, line.length() - 1);
                }
                if (line.startsWith("{")) {
                    final Map<String, Object> s = JsonReader.object(line);
                    if ((Long) s.get("dport") == 5201
                            && (Long) ((Map<?, ?>) s.get("dst_peer")).get("state") == 4) {
                        found[0] = s;
                        return true;
                    }
                }
            }
            return false;
        }, seconds, what);
        @SuppressWarnings("unchecked")
        final Map<String, Object> s = (Map<String, Object>) found[0];
        return s;
    }

}
