package io.tandem.engine.system;

import static io.tandem.engine.system.ClusterNode.states;
import static io.tandem.engine.system.ClusterNode.sample;
import static io.tandem.engine.system.ClusterNode.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.engine.tools.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pfsync v5 between two engines (first version of the sync agent): Tandem runs in tdm-fwA and
 * tdm-fwB, each sending its state changes to the other over the sync link (sync0, protocol 240,
 * unicast). A TCP connection through fwA appears in fwB's table within a second with the same
 * identity and TCP peer states; when it closes and expires on fwA, it is removed on fwB. A capture
 * of the sync link is kept in engine/target/sync-captures/ as a build artifact.
 */
@Tag("system")
class SyncSystemTest {
    private static final int QUEUE = 258;
    private static final Path CAPTURES = Lab.root().resolve("engine/target/sync-captures");

    @BeforeAll
    static void labUp() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")), "build the jar first");
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--bypass");
    }

    @AfterAll
    static void labDown() {
        if (Lab.isRoot()) {
            Lab.lab("down", "--kill");
        }
    }

    @Test
    void aConnectionThroughFwAIsMirroredOnFwBAndRemovedWhenItEnds(@TempDir final Path tmp) throws Exception {
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final Process capture = capture(lab, "mirror-and-delete");
            final Process fwA = start(lab, tmp, "A", "198.18.3.2");
            final Process fwB = start(lab, tmp, "B", "198.18.3.1");
            try {
                lab.spawn(Lab.SERVER, null, "sh", "-c", "timeout 8 nc -l 5201 > /dev/null");
                Thread.sleep(300);
                lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 6 | nc -N " + Lab.SERVER_V4 + " 5201");

                // (a) within a second, fwB holds fwA's state: same id and creator, same TCP peer states.
                final Map<String, Object> onA = waitForState(tmp.resolve("fwA.sock"), 5201, 5, "fwA tracks it");
                final Map<String, Object> onB = waitForState(tmp.resolve("fwB.sock"), 5201, 5, "fwB learned it");
                // When each node inserted it, by their journals (one clock; not the CLI's start-up time).
                final long insertedOnA = insertedAt(tmp.resolve("journal-A"), 5201);
                final long insertedOnB = insertedAt(tmp.resolve("journal-B"), 5201);
                assertTrue(insertedOnB - insertedOnA < 1000, "fwB had the state within a second: fwA inserted it at "
                        + insertedOnA + ", fwB at " + insertedOnB + " (ms)");
                assertEquals(onA.get("id"), onB.get("id"));
                assertEquals(onA.get("creatorid"), onB.get("creatorid"));
                assertEquals(onA.get("sport"), onB.get("sport"));
                assertEquals(peerState(onA, "src_peer"), peerState(onB, "src_peer"));
                assertEquals(peerState(onA, "dst_peer"), peerState(onB, "dst_peer"));

                // (e) the connection closes; its state expires on fwA (short timeouts) and goes on fwB.
                waitFor(() -> states(tmp.resolve("fwA.sock"), 5201).isEmpty(), 20, "the state ends on fwA");
                waitFor(() -> states(tmp.resolve("fwB.sock"), 5201).isEmpty(), 5, "and on fwB");
            } finally {
                Lab.run(5, "kill", "-TERM", Long.toString(fwA.pid()));
                Lab.run(5, "kill", "-TERM", Long.toString(fwB.pid()));
                fwA.waitFor(15, TimeUnit.SECONDS);
                fwB.waitFor(15, TimeUnit.SECONDS);
                stop(capture);
            }
            assertEquals(0, fwA.exitValue(), Files.readString(tmp.resolve("fwA.log")));
            assertEquals(0, fwB.exitValue(), Files.readString(tmp.resolve("fwB.log")));
            assertTrue(Files.size(CAPTURES.resolve("mirror-and-delete.pcap")) > 24, "pfsync frames were captured");
        }
    }

    /**
     * (b) failover: mid-transfer, the routes of client and server move from fwA to fwB (and, in the
     * second run, fwA is killed first); fwB passes the transfer by the state it learned from fwA,
     * and iperf3 finishes without a reset and without a second-long stall. Killed, fwA's queue fails
     * open (the lab's {@code --queue-bypass}) for 300 ms before the routes move, as a box whose engine
     * crashed forwards until its routes are taken away: the transfer runs on unseen, far beyond fwA's
     * last report, and fwB takes the state over (docs/pfsync.md, Takeover).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "kill fwA first: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aTransferContinuesThroughFwBWhenTrafficMovesThere(final boolean killFwA, @TempDir final Path tmp)
            throws Exception {
        Lab.run(5, "chmod", "755", tmp.toString());
        Lab.lab("route", "client", "fwA");
        Lab.lab("route", "server", "fwA");
        try (Lab lab = new Lab()) {
            final Process capture = capture(lab, "failover" + (killFwA ? "-kill" : ""));
            final Process fwA = start(lab, tmp, "A", "198.18.3.2");
            final Process fwB = start(lab, tmp, "B", "198.18.3.1");
            try {
                lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
                Thread.sleep(400);
                final Path json = tmp.resolve("iperf.json");
                final Process iperf = lab.spawn(Lab.CLIENT, json, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201",
                        "-t", "8", "-i", "0.5", "-J");
                waitForState(tmp.resolve("fwB.sock"), 5201, 5, "fwB learned the transfer's states");
                Thread.sleep(2500);
                // While fwA carries the transfer, its window advances reach fwB as compressed updates.
                final String metricsA = Lab.exec(Lab.FW_A, 10, "curl", "-s", "127.0.0.1:9161/metrics").output();
                assertTrue(sample(metricsA, "tandem_pfsync_actions_total{action=\"upd_c\",direction=\"out\"") > 0,
                        "fwA sent UPD_C:\n" + metricsA);
                if (killFwA) {
                    Lab.run(5, "kill", "-KILL", Long.toString(fwA.pid()));
                    Thread.sleep(300);
                }
                Lab.lab("route", "client", "fwB");
                Lab.lab("route", "server", "fwB");
                assertTrue(iperf.waitFor(40, TimeUnit.SECONDS), "iperf3 finished");
                final String out = Files.readString(json);
                assertEquals(0, iperf.exitValue(), "no reset: " + out);
                int longestStall = 0;
                int stall = 0;
                final Map<String, Object> result = JsonReader.object(out.trim());
                for (final Object interval : (List<?>) result.get("intervals")) {
                    final Object bits = ((Map<?, ?>) ((Map<?, ?>) interval).get("sum")).get("bits_per_second");
                    final double bps = ((Number) bits).doubleValue();
                    stall = bps < 1e6 ? stall + 1 : 0;
                    longestStall = Math.max(longestStall, stall);
                }
                assertTrue(longestStall < 2, "no stall of a second or more (0.5 s intervals): " + longestStall
                        + "\nfwB: " + Lab.exec(Lab.FW_B, 10, "curl", "-s", "127.0.0.1:9162/metrics").output().lines()
                                .filter(l -> l.startsWith("tandem_state_mismatches") || l.startsWith("tandem_verdicts")
                                        || l.startsWith("tandem_state_takeovers"))
                                .toList() + "\n" + Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "states",
                                        "--socket", tmp.resolve("fwB.sock").toString()).output() + "\n" + out);
                final String metrics = Lab.exec(Lab.FW_B, 10, "curl", "-s", "127.0.0.1:9162/metrics").output();
                System.out.println("failover (kill fwA: " + killFwA + "): fwB took over "
                        + sample(metrics, "tandem_state_takeovers_total{queue=\"258\"") + " state(s), dropped "
                        + sample(metrics, "tandem_state_mismatches_total{queue=\"258\",reason=\"out_of_window\"")
                        + " out of window");
                assertTrue(sample(metrics, "tandem_state_matches_total{queue=\"258\",result=\"pass\"") > 1000,
                        "fwB passed the moved transfer by state:\n" + metrics);
                assertEquals(0.0, sample(metrics, "tandem_rule_packets_total{action=\"pass\",queue=\"258\",rule=\"1\""),
                        "fwB never needed its rules for it: the state came from fwA");
                assertTrue(sample(metrics, "tandem_pfsync_ipackets_total ") > 0, "fwB received pfsync frames");
                assertTrue(sample(metrics, "tandem_pfsync_actions_total{action=\"upd_c\",direction=\"in\"") > 0,
                        "fwB received and applied UPD_C");
                // The status view names the peer and its creatorid, and the bulk update's outcome.
                final Lab.Result status = Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "sync",
                        "--socket", tmp.resolve("fwB.sock").toString());
                assertTrue(status.ok(), status.output());
                assertTrue(status.output().contains("198.18.3.1") && status.output().contains("ipackets")
                        && status.output().contains("upd_c"), status.output());
            } finally {
                Lab.run(5, "kill", "-TERM", Long.toString(fwA.pid()));
                Lab.run(5, "kill", "-TERM", Long.toString(fwB.pid()));
                fwA.waitFor(15, TimeUnit.SECONDS);
                fwB.waitFor(15, TimeUnit.SECONDS);
                stop(capture);
                Lab.lab("route", "client", "fwA");
                Lab.lab("route", "server", "fwA");
            }
            assertEquals(0, fwB.exitValue(), Files.readString(tmp.resolve("fwB.log")));
        }
    }

    /**
     * (d) bad frames at the sync port — TTL 64, a wrong version, a truncated frame, garbage — are
     * counted under FreeBSD's pfsyncstats names and ignored, and sync goes on.
     */
    @Test
    void badFramesAreCountedAndIgnoredWhileSyncContinues(@TempDir final Path tmp) throws Exception {
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final Process capture = capture(lab, "bad-frames");
            final Process fwA = start(lab, tmp, "A", "198.18.3.2");
            final Process fwB = start(lab, tmp, "B", "198.18.3.1");
            try {
                // From fwB's namespace to fwA's sync address, with scapy (Debian's python3-scapy).
                final String header = "bytes([5,0,0,24]) + bytes(16)"; // version 5, len 24, zero pfcksum
                final Lab.Result sent = Lab.exec(Lab.FW_B, 60, "/usr/bin/python3", "-c", String.join("\n",
                        "from scapy.all import IP, Raw, send",
                        "a = dict(src='198.18.3.2', dst='198.18.3.1', proto=240)",
                        "eof = bytes([12,0,0,1])",
                        "send(IP(ttl=64, **a)/Raw(" + header + " + eof), verbose=0)",
                        "send(IP(ttl=255, **a)/Raw(bytes([9,0,0,24]) + bytes(16) + eof), verbose=0)",
                        "send(IP(ttl=255, **a)/Raw(bytes([5,0,0,200]) + bytes(16) + eof), verbose=0)",
                        "send(IP(ttl=255, **a)/Raw(b'garbage'), verbose=0)",
                        ""));
                assertTrue(sent.ok(), sent.output());
                waitFor(() -> {
                    final String m = Lab.exec(Lab.FW_A, 10, "curl", "-s", "127.0.0.1:9161/metrics").output();
                    return sample(m, "tandem_pfsync_badttl_total ") >= 1 && sample(m, "tandem_pfsync_badver_total ") >= 1
                            && sample(m, "tandem_pfsync_badlen_total ") >= 1 && sample(m, "tandem_pfsync_hdrops_total ") >= 1;
                }, 10, "fwA counted badttl, badver, badlen and hdrops");

                // Sync still works.
                lab.spawn(Lab.SERVER, null, "sh", "-c", "timeout 8 nc -l 5201 > /dev/null");
                Thread.sleep(300);
                lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 6 | nc -N " + Lab.SERVER_V4 + " 5201");
                waitForState(tmp.resolve("fwB.sock"), 5201, 5, "fwB still learns fwA's states");
            } finally {
                Lab.run(5, "kill", "-TERM", Long.toString(fwA.pid()));
                Lab.run(5, "kill", "-TERM", Long.toString(fwB.pid()));
                fwA.waitFor(15, TimeUnit.SECONDS);
                fwB.waitFor(15, TimeUnit.SECONDS);
                stop(capture);
            }
        }
    }

    /**
     * (d) with {@code set sync auth hmac-sha256} on both nodes: a frame without a trailer, one with
     * a forged trailer and a replay of a captured genuine frame are rejected and counted in
     * {@code badauth}, none of them applied, while the authenticated sync between fwA and fwB works.
     */
    @Test
    void withAuthenticationUnsignedForgedAndReplayedFramesAreRejected(@TempDir final Path tmp) throws Exception {
        Lab.run(5, "chmod", "755", tmp.toString());
        final Path key = tmp.resolve("cluster.key");
        Files.writeString(key, "1 " + "5a".repeat(32) + "\n");
        Lab.run(5, "chmod", "600", key.toString());
        final String auth = "set sync auth hmac-sha256\nset sync auth-key \"" + key + "\"\n";
        try (Lab lab = new Lab()) {
            final Process capture = capture(lab, "authenticated");
            final Process fwA = start(lab, tmp, "A", "198.18.3.2", auth);
            final Process fwB = start(lab, tmp, "B", "198.18.3.1", auth);
            try {
                lab.spawn(Lab.SERVER, null, "sh", "-c", "timeout 8 nc -l 5201 > /dev/null");
                Thread.sleep(300);
                lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 6 | nc -N " + Lab.SERVER_V4 + " 5201");
                waitForState(tmp.resolve("fwB.sock"), 5201, 5, "authenticated sync works");

                // At fwA: a DEL_C for a made-up state, unsigned, then with a forged trailer (right
                // layout, wrong tag). At fwB: a genuine frame of fwA's, captured on the link and sent again.
                final String delc = "bytes([5,0,0,40]) + bytes(16) + bytes([7,0,0,1]) + bytes(7) + bytes([42])"
                        + " + bytes([10,11,12,13]) + bytes([12,0,0,1])";
                final String trailer = "bytes([1,1,0,1]) + bytes([10,11,12,13]) + (2**60).to_bytes(8,'big') + bytes(32)";
                final Lab.Result sent = Lab.exec(Lab.FW_B, 60, "/usr/bin/python3", "-c", String.join("\n",
                        "from scapy.all import IP, Raw, send",
                        "a = dict(src='198.18.3.2', dst='198.18.3.1', proto=240, ttl=255)",
                        "send(IP(**a)/Raw(" + delc + "), verbose=0)",
                        "send(IP(**a)/Raw(" + delc + " + " + trailer + "), verbose=0)",
                        ""));
                assertTrue(sent.ok(), sent.output());
                final Path replayLog = tmp.resolve("replay.log");
                final Process replay = lab.spawn(Lab.FW_A, replayLog, "/usr/bin/python3", "-c", String.join("\n",
                        "from scapy.all import IP, send, sniff",
                        "got = sniff(iface='sync0', filter='ip proto 240 and src 198.18.3.1', count=1, timeout=15)",
                        "assert got, 'no genuine frame seen'",
                        "send(got[0][IP], verbose=0)",
                        "print('replayed', len(bytes(got[0][IP])))",
                        ""));
                Thread.sleep(1500); // the sniffer is listening
                lab.spawn(Lab.SERVER, null, "sh", "-c", "timeout 30 nc -l 5202 > /dev/null");
                Thread.sleep(300);
                lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 25 | nc -N " + Lab.SERVER_V4 + " 5202");
                assertTrue(replay.waitFor(30, TimeUnit.SECONDS) && replay.exitValue() == 0, Files.readString(replayLog));
                waitFor(() -> {
                    final String m = Lab.exec(Lab.FW_A, 10, "curl", "-s", "127.0.0.1:9161/metrics").output();
                    return sample(m, "tandem_pfsync_badauth_total ") >= 2
                            && sample(m, "tandem_pfsync_auth_frames_total{result=\"missing\"") >= 1
                            && sample(m, "tandem_pfsync_auth_frames_total{result=\"bad_tag\"") >= 1;
                }, 10, "fwA rejected the unsigned and the forged frame (badauth)");
                waitFor(() -> {
                    final String m = Lab.exec(Lab.FW_B, 10, "curl", "-s", "127.0.0.1:9162/metrics").output();
                    return sample(m, "tandem_pfsync_auth_frames_total{result=\"replay\"") >= 1
                            && sample(m, "tandem_pfsync_badauth_total ") >= 1;
                }, 10, "fwB rejected the replayed frame (badauth)");
                final String m = Lab.exec(Lab.FW_A, 10, "curl", "-s", "127.0.0.1:9161/metrics").output();
                assertTrue(sample(m, "tandem_pfsync_auth_frames_total{result=\"ok\"") > 0, "genuine frames pass");
                assertEquals(0.0, sample(m, "tandem_pfsync_badstate_total "), "no rejected frame was applied");

                // Sync goes on: the connection on port 5202 reached fwB.
                waitForState(tmp.resolve("fwB.sock"), 5202, 5, "fwB still learns fwA's states");
            } finally {
                Lab.run(5, "kill", "-TERM", Long.toString(fwA.pid()));
                Lab.run(5, "kill", "-TERM", Long.toString(fwB.pid()));
                fwA.waitFor(15, TimeUnit.SECONDS);
                fwB.waitFor(15, TimeUnit.SECONDS);
                stop(capture);
            }
            assertEquals(0, fwA.exitValue(), Files.readString(tmp.resolve("fwA.log")));
        }
    }

    /**
     * (c) fwB restarted with an empty journal: its start-up bulk request (UPD_REQ 0/0) is answered by
     * fwA with BUS START, every state, BUS END; fwB has fwA's states back and reports itself in sync.
     */
    @Test
    void aRestartedPeerGetsEveryStateBackByBulkUpdate(@TempDir final Path tmp) throws Exception {
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final Process capture = capture(lab, "bulk-update");
            final Process fwA = start(lab, tmp, "A", "198.18.3.2");
            Process fwB = start(lab, tmp, "B", "198.18.3.1");
            try {
                lab.spawn(Lab.SERVER, null, "sh", "-c", "timeout 30 nc -l 5201 > /dev/null");
                Thread.sleep(300);
                lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 30 | nc " + Lab.SERVER_V4 + " 5201");
                final Map<String, Object> onA = waitForState(tmp.resolve("fwA.sock"), 5201, 5, "fwA tracks it");
                waitForState(tmp.resolve("fwB.sock"), 5201, 5, "fwB learned it");

                Lab.run(5, "kill", "-TERM", Long.toString(fwB.pid()));
                assertTrue(fwB.waitFor(15, TimeUnit.SECONDS));
                Lab.run(10, "rm", "-rf", tmp.resolve("journal-B").toString()); // nothing to recover from
                Files.move(tmp.resolve("fwB.log"), tmp.resolve("fwB-first.log"));
                fwB = start(lab, tmp, "B", "198.18.3.1");

                final Map<String, Object> onB = waitForState(tmp.resolve("fwB.sock"), 5201, 10,
                        "the restarted fwB got the state back by bulk update");
                assertEquals(onA.get("id"), onB.get("id"));
                assertEquals(onA.get("creatorid"), onB.get("creatorid"));
                final Process b = fwB;
                waitFor(() -> Files.readString(tmp.resolve("fwB.log")).contains("complete: in sync"), 10,
                        "fwB saw BUS END and reports itself in sync (" + b.pid() + ")");
                assertTrue(Files.readString(tmp.resolve("fwA.log")).contains("bulk update sent"));
                final String metrics = Lab.exec(Lab.FW_B, 10, "curl", "-s", "127.0.0.1:9162/metrics").output();
                assertEquals(1.0, sample(metrics, "tandem_pfsync_in_sync "));
            } finally {
                Lab.run(5, "kill", "-TERM", Long.toString(fwA.pid()));
                Lab.run(5, "kill", "-TERM", Long.toString(fwB.pid()));
                fwA.waitFor(15, TimeUnit.SECONDS);
                fwB.waitFor(15, TimeUnit.SECONDS);
                stop(capture);
            }
        }
    }

    /** tcpdump of the sync link (from fwB's side), kept as a build artifact. */
    private static Process capture(final Lab lab, final String name) throws Exception {
        Files.createDirectories(CAPTURES);
        final Process p = lab.spawn(Lab.FW_B, null, "tcpdump", "-ni", "sync0", "-w",
                CAPTURES.resolve(name + ".pcap").toString(), "ip proto 240");
        Thread.sleep(300);
        return p;
    }

    private static void stop(final Process capture) throws InterruptedException {
        capture.destroy();
        capture.waitFor(5, TimeUnit.SECONDS);
    }

    private static Process start(final Lab lab, final Path tmp, final String fw, final String peer) throws Exception {
        return start(lab, tmp, fw, peer, "");
    }

    private static Process start(final Lab lab, final Path tmp, final String fw, final String peer,
            final String extra) throws Exception {
        final Path conf = tmp.resolve("fw" + fw + ".conf");
        Files.writeString(conf, extra + String.join("\n",
                "set queue " + QUEUE,
                "set metrics \"127.0.0.1:" + ("A".equals(fw) ? 9161 : 9162) + "\"",
                "set control \"" + tmp.resolve("fw" + fw + ".sock") + "\"",
                "set journal dir \"" + tmp.resolve("journal-" + fw) + "\"",
                "set sync interface sync0",
                "set sync peer \"" + peer + "\"",
                "set timeout { tcp.closing 2, tcp.finwait 2, tcp.closed 2 }",
                "block all",
                "pass proto tcp to port { 5201 5202 }",
                ""));
        final Path log = tmp.resolve("fw" + fw + ".log");
        final Process p = lab.spawn("tdm-fw" + fw, log, Lab.root().resolve("scripts/tandem").toString(), "run",
                "--set", "user none", "-f", conf.toString());
        waitFor(() -> Files.exists(log) && Files.readString(log).contains("pfsync v5 on sync0"), 30,
                "fw" + fw + " starts with pfsync (" + log + ")");
        return p;
    }

    /** The wall-clock time (ms) of the first INSERT journaled for a state to {@code port}. */
    private static long insertedAt(final Path journal, final int port) {
        final Lab.Result r = Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "journal", "tail", "-d",
                journal.toString(), "--port", Integer.toString(port), "--type", "insert", "--json");
        assertTrue(r.ok(), r.output());
        for (final String line : r.output().split("\n")) {
            if (line.startsWith("{")) {
                return (Long) io.tandem.engine.tools.JsonReader.object(line.trim()).get("time_ms");
            }
        }
        throw new AssertionError("no INSERT for port " + port + " in " + journal + ":\n" + r.output());
    }

    @SuppressWarnings("unchecked")
    private static long peerState(final Map<String, Object> state, final String peer) {
        return (Long) ((Map<String, Object>) state.get(peer)).get("state");
    }

    private static Map<String, Object> waitForState(final Path sock, final int port, final int seconds,
            final String what) throws Exception {
        final List<Map<String, Object>> found = new ArrayList<>();
        try {
            waitFor(() -> {
                found.clear();
                found.addAll(states(sock, port));
                return !found.isEmpty() && (Long) ((Map<?, ?>) found.get(0).get("dst_peer")).get("state") == 4;
            }, seconds, what);
        } catch (final AssertionError e) {
            throw new AssertionError(e.getMessage() + "; states for port " + port + ": " + found, e);
        }
        return found.get(0);
    }
}
