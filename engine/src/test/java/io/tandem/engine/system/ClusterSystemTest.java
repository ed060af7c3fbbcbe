package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tandem.engine.tools.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Active-active from the first packet (issue 9): fwA and fwB filter one connection whose two
 * directions cross different firewalls — the client routes via fwA, the server via fwB — with
 * {@code block all}, stateful pass rules, pfsync and deferral on. Real kernel, real iptables NFQUEUE
 * rules (fail-closed: a packet Tandem does not pass is lost), real traffic. Also three firewalls on
 * one multicast sync segment. Captures of the sync link go to engine/target/sync-captures/.
 */
@Tag("system")
@ExtendWith(LabPerTest.class)
class ClusterSystemTest {
    private static final int QUEUE = 259;
    private static final Path CAPTURES = Lab.root().resolve("engine/target/sync-captures");
    private static final String RULES = String.join("\n",
            "block all",
            "pass proto { icmp icmp6 }",
            "pass proto tcp from 198.18.1.0/24 to port { 5201 5202 5203 }",
            "pass proto udp from 198.18.1.0/24 to port 5300",
            "");
    /** A generous hold for a loaded test machine: the test checks that holds end by acknowledgement. */
    private static final String DEFER = "set sync defer-timeout 100\n";

    @TempDir
    Path tmp;

    private ClusterNode[] pair(final Lab lab, final String extra) throws Exception {
        return pair(lab, extra, RULES);
    }

    private ClusterNode[] pair(final Lab lab, final String extra, final String rules) throws Exception {
        Lab.run(5, "chmod", "755", tmp.toString());
        final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUE, extra + "set sync peer \"198.18.3.2\"\n" + rules);
        final ClusterNode b = new ClusterNode(lab, tmp, "B", QUEUE, extra + "set sync peer \"198.18.3.1\"\n" + rules);
        a.start();
        b.start();
        return new ClusterNode[] {a, b};
    }

    /**
     * A UDP echo on port 5300: {@code server 4|6}, and {@code client ADDRESS COUNT}, which sends COUNT
     * numbered datagrams 0.2 s apart, each waiting up to 1 s for its echo, and prints "answered N".
     */
    private Path udpEcho() throws java.io.IOException {
        final Path echo = tmp.resolve("udp-echo.py");
        Files.writeString(echo, String.join("\n",
                "import socket, sys, time",
                "if sys.argv[1] == 'server':",
                "    six = sys.argv[2] == '6'",
                "    s = socket.socket(socket.AF_INET6 if six else socket.AF_INET, socket.SOCK_DGRAM)",
                "    s.bind(('::' if six else '0.0.0.0', 5300))",
                "    while True:",
                "        d, a = s.recvfrom(2048); s.sendto(d, a)",
                "s = socket.socket(socket.AF_INET6 if ':' in sys.argv[2] else socket.AF_INET, socket.SOCK_DGRAM)",
                "s.settimeout(1.0)",
                "got = 0",
                "for i in range(int(sys.argv[3])):",
                "    s.sendto(b'%d' % i, (sys.argv[2], 5300))",
                "    try:",
                "        d, a = s.recvfrom(2048); got += d == b'%d' % i",
                "    except socket.timeout:",
                "        pass",
                "    time.sleep(0.2)",
                "print('answered', got)",
                ""));
        return echo;
    }

    private static Process capture(final Lab lab, final String ns, final String name) throws Exception {
        Files.createDirectories(CAPTURES);
        final Process p = lab.spawn(ns, null, "tcpdump", "-ni", "sync0", "-w", CAPTURES.resolve(name + ".pcap").toString(),
                "ip proto 240");
        Thread.sleep(300);
        return p;
    }

    private static double drops(final ClusterNode n) {
        return n.sum("tandem_verdicts_total{queue=\"" + QUEUE + "\",verdict=\"drop\"");
    }

    private static String sha256(final Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file)));
    }

    /**
     * Split path, TCP: an iperf3 transfer each way and a checksummed file, every connection's first
     * packet held until the other firewall had its state. Nothing is dropped on either firewall — no
     * first SYN-ACK, no packet for its window — and both hold each connection under one identity.
     */
    @Test
    void splitPathTcpFlowsWithPfWindowChecksAndDeferral() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final Process cap = capture(lab, Lab.FW_B, "cluster-split-tcp");
            final ClusterNode[] n = pair(lab, DEFER);
            final Path file = tmp.resolve("data.bin");
            Lab.run(30, "sh", "-c", "head -c 16777216 /dev/urandom > " + file);
            final Path received = tmp.resolve("received.bin");
            lab.spawn(Lab.SERVER, received, "nc", "-l", "5202");
            Thread.sleep(300);
            final Lab.Result sent = Lab.exec(Lab.CLIENT, 60, "sh", "-c", "nc -N " + Lab.SERVER_V4 + " 5202 < " + file);
            assertTrue(sent.ok(), sent.output());
            ClusterNode.waitFor(() -> Files.size(received) == Files.size(file), 20, "the file arrived");
            assertEquals(sha256(file), sha256(received), "16 MiB intact across the split path");

            for (final String direction : new String[] {"", "-R"}) {
                lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
                Thread.sleep(400);
                final Lab.Result iperf = direction.isEmpty()
                        ? Lab.exec(Lab.CLIENT, 40, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201", "-t", "4", "-J")
                        : Lab.exec(Lab.CLIENT, 40, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201", "-t", "4", "-J", "-R");
                assertTrue(iperf.ok(), "iperf3 " + direction + ": " + iperf.output());
                final Map<String, Object> r = JsonReader.object(iperf.output().trim());
                final double bytes = ((Number) ((Map<?, ?>) ((Map<?, ?>) r.get("end")).get("sum_received"))
                        .get("bytes")).doubleValue();
                assertTrue(bytes > 10e6, "iperf3 " + direction + " moved data: " + bytes);
            }
            for (int i = 0; i < 20; i++) { // fresh connections, each deferred
                lab.spawn(Lab.SERVER, null, "timeout", "3", "nc", "-l", "5203");
                Thread.sleep(100);
                assertTrue(Lab.exec(Lab.CLIENT, 10, "nc", "-z", "-w", "2", Lab.SERVER_V4, "5203").ok(), "connect " + i);
            }

            for (final ClusterNode node : n) {
                assertEquals(0.0, drops(node), () -> "fw" + node.name + " dropped nothing:\n" + node.dropReport());
                assertEquals(0.0, node.sum("tandem_state_mismatches_total"), "no window check failed on fw"
                        + node.name);
            }
            final Map<String, Object> deferral = ClusterNode.map(n[0].sync().get("deferral"));
            assertTrue((Long) deferral.get("deferred") >= 23, "fwA held each connection's SYN: " + deferral);
            assertEquals((Long) deferral.get("deferred"), (Long) deferral.get("ack"),
                    "every hold ended by fwB's acknowledgement: " + deferral);
            assertTrue((Long) n[0].sync().get("ins_by_packet_threads") >= (Long) deferral.get("deferred"),
                    "each held SYN's INS left from fwA's packet thread (set sync direct-ins): " + n[0].sync());
            assertTrue(n[0].syncText().contains("deferral: "), n[0].syncText());
            // One identity per connection on both firewalls.
            final List<Map<String, Object>> onA = n[0].states(5201);
            final List<Map<String, Object>> onB = n[1].states(5201);
            assertTrue(!onA.isEmpty() && !onA.isEmpty(), "iperf3's states are still there");
            for (final Map<String, Object> s : onA) {
                assertTrue(onB.stream().anyMatch(x -> x.get("id").equals(s.get("id"))
                        && x.get("creatorid").equals(s.get("creatorid"))), "fwB holds " + s + " as well: " + onB);
            }
            for (final ClusterNode node : n) {
                assertEquals(0, node.stop(), node.logText());
            }
            cap.destroy();
        }
    }

    /**
     * Split path, a server that speaks first and closes first (a banner, as SMTP or SSH do): its data and
     * its FIN cross fwB, the client's ACKs and FIN cross fwA. Every client reads the whole banner, nothing
     * is dropped, and the two firewalls end with the same view of each connection's two halves.
     */
    @Test
    void splitPathServerSpeaksFirstAndClosesFirst() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final ClusterNode[] n = pair(lab, DEFER);
            final Path banner = tmp.resolve("banner.txt");
            Files.writeString(banner, "220 tandem test banner " + "x".repeat(3000) + "\n");
            for (int i = 0; i < 5; i++) {
                lab.spawn(Lab.SERVER, null, "timeout", "5", "sh", "-c", "nc -N -l 5203 < " + banner);
                Thread.sleep(200);
                final Lab.Result r = Lab.exec(Lab.CLIENT, 10, "nc", "-d", "-w", "3", Lab.SERVER_V4, "5203");
                assertTrue(r.ok() && r.output().contains("220 tandem test banner " + "x".repeat(3000)),
                        "connection " + i + " read the banner: " + r.output());
            }
            for (final ClusterNode node : n) {
                assertEquals(0.0, drops(node), () -> "fw" + node.name + " dropped nothing:\n" + node.dropReport());
                assertEquals(0.0, node.sum("tandem_state_mismatches_total"), "no window check failed on fw"
                        + node.name);
            }
            final String[] diff = {""};
            try {
                ClusterNode.waitFor(() -> {
                    final Map<String, String> a = n[0].halfStates(5203);
                    final Map<String, String> b = n[1].halfStates(5203);
                    diff[0] = a.size() + " states on fwA, " + b.size() + " on fwB\n" + ClusterNode.diff(a, b);
                    return a.size() == 5 && a.equals(b);
                }, 10, "both firewalls hold the five closed connections alike");
            } catch (final AssertionError e) {
                throw new AssertionError(e.getMessage() + "\n" + diff[0], e);
            }
            for (final ClusterNode node : n) {
                assertEquals(0, node.stop(), node.logText());
            }
        }
    }

    /**
     * Split path, an ICMP error: the client's UDP datagram to a closed port crosses fwA (its first
     * packet, held until fwB has the state); the server's ICMP port unreachable comes back through fwB,
     * where no rule passes ICMP — it passes because it quotes a packet of the state fwA created, and
     * the client sees the port refused. A forged error quoting a flow that has no state is dropped.
     */
    @Test
    void splitPathIcmpErrorPassesByTheStateTheOtherFirewallCreated() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final ClusterNode[] n = pair(lab, DEFER, String.join("\n",
                    "block all",
                    "pass proto udp from 198.18.1.0/24 to port 9999",
                    ""));
            // Nothing listens on 9999: the second send reports the first's port unreachable (ECONNREFUSED).
            final Path probe = tmp.resolve("udp-refused.py");
            Files.writeString(probe, String.join("\n",
                    "import socket, sys, time",
                    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect((sys.argv[1], 9999))",
                    "refused = 0",
                    "for i in range(5):",
                    "    try:",
                    "        s.send(b'x'); time.sleep(0.3); s.send(b'y')",
                    "    except ConnectionRefusedError:",
                    "        refused += 1",
                    "    time.sleep(0.2)",
                    "print('refused', refused)",
                    ""));
            final Lab.Result r = Lab.exec(Lab.CLIENT, 30, "/usr/bin/python3", probe.toString(), Lab.SERVER_V4);
            assertTrue(r.output().contains("refused 5"), "each port unreachable reached the client: " + r.output()
                    + "\n" + n[1].dropReport());
            assertTrue(n[1].sum("tandem_icmp_errors_related_total") >= 5, "fwB passed the errors by fwA's state");
            assertEquals(0.0, drops(n[1]), () -> "fwB dropped nothing:\n" + n[1].dropReport());
            final Lab.Result forged = Lab.forgeUnrelatedPortUnreachable();
            assertTrue(forged.ok(), forged.output());
            ClusterNode.waitFor(() -> drops(n[1]) >= 1, 10, "fwB dropped the forged error");
            for (final ClusterNode node : n) {
                assertEquals(0, node.stop(), node.logText());
            }
        }
    }

    /**
     * Split path over IPv6, from each connection's first packet (the sync link stays IPv4): a
     * checksummed TCP file, fresh connections, UDP request and answer, and ping — the client's packets
     * through fwA, the server's through fwB, under rules written for the IPv6 networks only. Nothing
     * is dropped on either firewall, no window check fails, every TCP connection's SYN is held until
     * fwB acknowledged its state, and both hold each connection under one identity.
     */
    @Test
    void splitPathOverIpv6FromTheFirstPacket() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final Process cap = capture(lab, Lab.FW_B, "cluster-split-ipv6");
            final ClusterNode[] n = pair(lab, DEFER, String.join("\n",
                    "block all",
                    "pass inet6 proto icmp6",
                    "pass proto tcp from 2001:db8:1::/64 to 2001:db8:2::/64 port { 5201 5202 5203 }",
                    "pass proto udp from 2001:db8:1::/64 to port 5300",
                    ""));
            final Path file = tmp.resolve("data6.bin");
            Lab.run(30, "sh", "-c", "head -c 8388608 /dev/urandom > " + file);
            final Path received = tmp.resolve("received6.bin");
            lab.spawn(Lab.SERVER, received, "nc", "-6", "-l", "5202");
            Thread.sleep(300);
            final Lab.Result sent = Lab.exec(Lab.CLIENT, 60, "sh", "-c", "nc -6 -N " + Lab.SERVER_V6 + " 5202 < " + file);
            assertTrue(sent.ok(), sent.output());
            ClusterNode.waitFor(() -> Files.size(received) == Files.size(file), 20, "the file arrived");
            assertEquals(sha256(file), sha256(received), "8 MiB intact across the split path over IPv6");
            for (int i = 0; i < 10; i++) { // fresh connections, each deferred
                lab.spawn(Lab.SERVER, null, "timeout", "3", "nc", "-6", "-l", "5203");
                Thread.sleep(100);
                assertTrue(Lab.exec(Lab.CLIENT, 10, "nc", "-6", "-z", "-w", "2", Lab.SERVER_V6, "5203").ok(),
                        "connect " + i);
            }
            final Path echo = udpEcho();
            lab.spawn(Lab.SERVER, null, "/usr/bin/python3", echo.toString(), "server", "6");
            Thread.sleep(500);
            final Lab.Result udp = Lab.exec(Lab.CLIENT, 60, "/usr/bin/python3", echo.toString(), "client", Lab.SERVER_V6,
                    "20");
            assertTrue(udp.output().contains("answered 20"), "every UDP request answered: " + udp.output());
            final Lab.Result ping = Lab.exec(Lab.CLIENT, 30, "ping", "-6", "-c", "10", "-i", "0.2", "-W", "1",
                    Lab.SERVER_V6);
            assertTrue(ping.output().contains(" 0% packet loss"), ping.output());

            for (final ClusterNode node : n) {
                assertEquals(0.0, drops(node), () -> "fw" + node.name + " dropped nothing:\n" + node.dropReport());
                assertEquals(0.0, node.sum("tandem_state_mismatches_total"), "no window check failed on fw"
                        + node.name);
            }
            final Map<String, Object> deferral = ClusterNode.map(n[0].sync().get("deferral"));
            for (final ClusterNode node : n) { // each direction crossed its own firewall (GSO: 64 KiB a packet)
                final double accepted = node.sum("tandem_verdicts_total{queue=\"" + QUEUE + "\",verdict=\"accept\"");
                assertTrue(accepted >= 100, "fw" + node.name + " passed the transfer's packets: " + accepted);
            }
            assertTrue((Long) deferral.get("deferred") >= 11, "fwA held each connection's first packet: " + deferral);
            assertEquals((Long) deferral.get("deferred"), (Long) deferral.get("ack"),
                    "every hold ended by fwB's acknowledgement: " + deferral);
            final List<Map<String, Object>> onA = n[0].states(5202);
            final List<Map<String, Object>> onB = n[1].states(5202);
            assertTrue(!onA.isEmpty(), "the file transfer's state is still there");
            for (final Map<String, Object> s : onA) {
                assertEquals("inet6", s.get("af"), s.toString());
                assertTrue(onB.stream().anyMatch(x -> x.get("id").equals(s.get("id"))
                        && x.get("creatorid").equals(s.get("creatorid"))), "fwB holds " + s + " as well: " + onB);
            }
            for (final ClusterNode node : n) {
                assertEquals(0, node.stop(), node.logText());
            }
            cap.destroy();
        }
    }

    /**
     * Split path without deferral: fwA passes each client's SYN at once. With {@code await-timeout} fwA
     * sends each new state's INS at once and fwB holds a SYN-ACK that beats it until it arrives, so every
     * connection opens with its first SYN: no SYN retransmitted, nothing dropped, every held packet
     * passed by the state that arrived. Without it (the control, FreeBSD's default) fwB drops the first
     * SYN-ACKs — the failure this mechanism removes — and clients retry their SYN a second later.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "await-timeout {0} ms")
    @org.junit.jupiter.params.provider.ValueSource(ints = {200, 0})
    void splitPathConnectionsOpenWithoutDeferralWhenFwBAwaitsTheirStates(final int awaitMillis) throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final ClusterNode[] n = pair(lab, "set sync defer no\nset sync await-timeout " + awaitMillis + "\n");
            final int connects = awaitMillis > 0 ? 30 : 3;
            final long synRetransBefore = clientSynRetransmissions();
            for (int i = 0; i < connects; i++) {
                lab.spawn(Lab.SERVER, null, "timeout", "5", "nc", "-l", "5203");
                Thread.sleep(100);
                assertTrue(Lab.exec(Lab.CLIENT, 10, "nc", "-z", "-w", "4", Lab.SERVER_V4, "5203").ok(), "connect " + i);
            }
            final long synRetransmitted = clientSynRetransmissions() - synRetransBefore;
            final double awaited = n[1].sum("tandem_pfsync_awaited_total{");
            final double passed = n[1].sum("tandem_pfsync_await_releases_total{queue=\"" + QUEUE + "\",result=\"passed\"");
            System.out.printf("split path, deferral off, await-timeout %d ms: %d connects, %d SYNs retransmitted, "
                    + "fwB held %.0f packets awaiting states, %.0f passed by them, dropped %.0f%n", awaitMillis,
                    connects, synRetransmitted, awaited, passed, drops(n[1]));
            assertEquals(0.0, n[0].sum("tandem_pfsync_deferred_total"), "fwA held nothing");
            if (awaitMillis > 0) {
                assertEquals(0, synRetransmitted, "every connection opened with its first SYN");
                for (final ClusterNode node : n) {
                    assertEquals(0.0, drops(node), () -> "fw" + node.name + " dropped nothing:\n" + node.dropReport());
                }
                assertEquals(awaited, passed, "every held packet was passed by the state it awaited");
                final Map<String, Object> w = ClusterNode.map(n[1].sync().get("awaiting"));
                assertEquals((long) awaited, (Long) w.get("awaited"), "tandem sync counts them too: " + w);
                assertTrue(n[1].syncText().contains("awaiting: " + (long) awaited + " packets held"), n[1].syncText());
            } else {
                assertTrue(drops(n[1]) >= 1, "without awaiting, fwB drops SYN-ACKs that beat their INS:\n"
                        + n[1].dropReport());
                assertTrue(synRetransmitted >= 1, "and clients retry");
                assertEquals(0.0, awaited, "nothing is held");
                assertTrue(n[1].syncText().contains("awaiting: off"), n[1].syncText());
            }
            for (final ClusterNode node : n) {
                assertEquals(0, node.stop(), node.logText());
            }
        }
    }

    /** The client namespace's TcpExtTCPSynRetrans: SYNs its TCP sent again for want of an answer. */
    private static long clientSynRetransmissions() throws Exception {
        final Lab.Result r = Lab.exec(Lab.CLIENT, 10, "cat", "/proc/net/netstat");
        assertTrue(r.ok(), r.output());
        String[] names = null;
        for (final String line : r.output().split("\n")) {
            if (line.startsWith("TcpExt:")) {
                final String[] fields = line.trim().split(" ");
                if (names == null) {
                    names = fields;
                } else {
                    for (int i = 1; i < names.length; i++) {
                        if (names[i].equals("TCPSynRetrans")) {
                            return Long.parseLong(fields[i]);
                        }
                    }
                }
            }
        }
        throw new AssertionError("no TCPSynRetrans in /proc/net/netstat: " + r.output());
    }

    /**
     * Split path, ping and UDP for 30 s (deferral on, then off so that both firewalls create the state
     * of the same ping): every echo and every datagram answered, one state per flow on both
     * firewalls, and the sync link stays quiet — a few frames a second, not a livelock.
     */
    @Test
    void splitPathPingAndUdpStayQuietOnTheSyncLink() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final Process cap = capture(lab, Lab.FW_B, "cluster-split-ping-udp");
            final ClusterNode[] n = pair(lab, DEFER);
            final Path echo = udpEcho();
            lab.spawn(Lab.SERVER, null, "/usr/bin/python3", echo.toString(), "server", "4");
            Thread.sleep(500);
            final double framesBefore = n[0].sample("tandem_pfsync_opackets_total ") + n[1].sample("tandem_pfsync_opackets_total ");
            final Path udpOut = tmp.resolve("udp.out");
            final Process udp = lab.spawn(Lab.CLIENT, udpOut, "/usr/bin/python3", echo.toString(), "client",
                    Lab.SERVER_V4, "150");
            final Lab.Result ping = Lab.exec(Lab.CLIENT, 60, "ping", "-c", "150", "-i", "0.2", "-W", "1", Lab.SERVER_V4);
            assertTrue(udp.waitFor(60, TimeUnit.SECONDS), "the UDP client finished: " + Files.readString(udpOut)
                    + "\n" + n[0].syncText() + "\n" + n[1].syncText());
            assertTrue(ping.output().contains("150 received"), ping.output());
            assertTrue(Files.readString(udpOut).contains("answered 150"), Files.readString(udpOut));
            final double frames = n[0].sample("tandem_pfsync_opackets_total ") + n[1].sample("tandem_pfsync_opackets_total ")
                    - framesBefore;
            // Two flows, 30 s: an update a second per flow and firewall is about 120 frames.
            assertTrue(frames < 200, "sync frames for one ping and one UDP flow in 30 s: " + frames);
            for (final ClusterNode node : n) {
                assertEquals(0.0, drops(node), () -> "fw" + node.name + " dropped nothing:\n" + node.dropReport());
                assertEquals(0.0, node.sum("tandem_pfsync_collisions_total"), "with deferral no state is made twice");
            }
            for (final ClusterNode node : n) {
                node.stop();
            }
            Lab.run(10, "sh", "-c", "rm -rf " + tmp + "/journal-*"); // a fresh cluster: nothing recovered

            // Deferral and awaiting off (FreeBSD's defaults): the echo reply reaches fwB before fwA's INS, which
            // waits for the next frame, so both make a state for it.
            final ClusterNode[] m = pair(lab, "set sync defer no\nset sync await-timeout 0\n");
            final double before = m[0].sample("tandem_pfsync_opackets_total ") + m[1].sample("tandem_pfsync_opackets_total ");
            final Lab.Result ping2 = Lab.exec(Lab.CLIENT, 60, "ping", "-c", "50", "-i", "0.2", "-W", "1", Lab.SERVER_V4);
            assertTrue(ping2.output().contains(" received"), ping2.output());
            Thread.sleep(1500);
            final double frames2 = m[0].sample("tandem_pfsync_opackets_total ") + m[1].sample("tandem_pfsync_opackets_total ")
                    - before;
            assertTrue(frames2 < 100, "10 s of one ping flow with concurrent creation: " + frames2 + " frames");
            final Map<String, Object> a = onlyIcmpState(m[0]);
            final Map<String, Object> b = onlyIcmpState(m[1]);
            assertEquals(a.get("id"), b.get("id"), "one identity on both firewalls");
            assertEquals(a.get("creatorid"), b.get("creatorid"));
            final double lost = m[0].sample("tandem_pfsync_collisions_total{result=\"lost\"")
                    + m[1].sample("tandem_pfsync_collisions_total{result=\"lost\"");
            assertTrue(lost >= 1, "a collision was settled by one node giving way");
            for (final ClusterNode node : m) {
                node.stop();
            }
            cap.destroy();
        }
    }

    private static Map<String, Object> onlyIcmpState(final ClusterNode node) throws Exception {
        final Lab.Result r = Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "states", "--socket",
                node.socket.toString(), "--json");
        Map<String, Object> found = null;
        for (String line : r.output().split("\n")) {
            line = line.trim();
            if (line.endsWith(",")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.startsWith("{") && line.contains("\"proto\":1,")) {
                assertTrue(found == null, "one ICMP state on fw" + node.name + ": " + r.output());
                found = JsonReader.object(line);
            }
        }
        assertTrue(found != null, "an ICMP state on fw" + node.name + ": " + r.output());
        return found;
    }

    /**
     * Forged RSTs with sequence numbers far outside the window, injected into an established split
     * connection at fwA and at fwB, in both directions: all dropped (counted as bad RSTs or out of
     * window), and the connection goes on.
     */
    @Test
    void forgedResetsAreDroppedAtBothFirewalls() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final ClusterNode[] n = pair(lab, DEFER);
            final Path out = tmp.resolve("rst.out");
            lab.spawn(Lab.SERVER, out, "nc", "-l", "5203");
            Thread.sleep(300);
            lab.spawn(Lab.CLIENT, null, "sh", "-c",
                    "(echo first; sleep 8; echo second; sleep 1) | nc -N " + Lab.SERVER_V4 + " 5203");
            ClusterNode.waitFor(() -> !n[1].states(5203).isEmpty()
                    && (Long) ((Map<?, ?>) n[1].states(5203).get(0).get("dst_peer")).get("state") == 4, 10,
                    "the connection is established on fwB");
            final long cport = (Long) n[0].states(5203).get(0).get("sport");
            final double before = n[0].sum("tandem_state_mismatches_total") + n[1].sum("tandem_state_mismatches_total");
            // From each side of each firewall: the client's side (lan0) and the server's side (wan0).
            int forged = 0;
            for (final String fw : new String[] {Lab.FW_A, Lab.FW_B}) {
                final String lanMac = mac(fw, "lan0");
                final String wanMac = mac(fw, "wan0");
                final String send = String.join("\n",
                        "from scapy.all import Ether, IP, TCP, sendp",
                        "import random",
                        "for i in range(4):",
                        "    seq = random.randrange(1 << 32)",
                        "    sendp(Ether(dst='%s')/IP(src='%s', dst='%s')/TCP(sport=%d, dport=%d, flags='R', seq=seq),"
                                + " iface='br0', verbose=0)",
                        "");
                assertTrue(Lab.exec(Lab.CLIENT, 30, "/usr/bin/python3", "-c", String.format(send, lanMac, Lab.CLIENT_V4,
                        Lab.SERVER_V4, cport, 5203)).ok(), "forged client RSTs to " + fw);
                assertTrue(Lab.exec(Lab.SERVER, 30, "/usr/bin/python3", "-c", String.format(send, wanMac, Lab.SERVER_V4,
                        Lab.CLIENT_V4, 5203, cport)).ok(), "forged server RSTs to " + fw);
                forged += 8;
            }
            Thread.sleep(500);
            final double after = n[0].sum("tandem_state_mismatches_total") + n[1].sum("tandem_state_mismatches_total");
            // A random 32-bit sequence number lands in a window of a few hundred KiB about once in 10,000.
            assertTrue(after - before >= forged - 1, "forged RSTs refused: " + (after - before) + " of " + forged
                    + "\nfwA:\n" + n[0].metrics().lines().filter(l -> l.startsWith("tandem_state_mismatches")
                            || l.startsWith("tandem_verdicts")).toList()
                    + "\nfwB:\n" + n[1].metrics().lines().filter(l -> l.startsWith("tandem_state_mismatches")
                            || l.startsWith("tandem_verdicts")).toList() + "\n" + n[0].states(5203) + "\n" + n[1].states(5203));
            ClusterNode.waitFor(() -> Files.readString(out).contains("second"), 15,
                    "the connection survived the forged RSTs");
            for (final ClusterNode node : n) {
                node.stop();
            }
        }
    }

    private static String mac(final String ns, final String dev) {
        final String out = Lab.exec(ns, 10, "cat", "/sys/class/net/" + dev + "/address").output().trim();
        assertTrue(out.matches("[0-9a-f:]{17}"), ns + " " + dev + ": " + out);
        return out;
    }

    /**
     * Failover on the split path: fwA is killed mid-transfer and the client's route moves to fwB, which
     * then carries both directions by the state it shares; fwA restarts, is filled again by bulk update,
     * and the client's route moves back. The transfer never resets and never stalls for a second.
     * With fail-open rules ({@code --queue-bypass}) the dead fwA's box forwards the client's data
     * unfiltered for 300 ms before the route moves, far beyond fwA's last report, and fwA stays down
     * (a shorter transfer, no return). fwB needs no takeover
     * here: it sees the server's side live, so the server's acknowledgements pass by the window fwB
     * computes from them, and the client's data, once its route moves, by the window the server offered
     * (docs/pfsync.md, bound 3 and bound 1; a takeover, if any, is printed).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "fail-open rules: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aSplitTransferSurvivesTheDeathAndReturnOfFwA(final boolean failOpen) throws Exception {
        if (failOpen) {
            Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split", "--bypass");
        } else {
            Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        }
        try (Lab lab = new Lab()) {
            final Process cap = capture(lab, Lab.FW_B, "cluster-split-failover" + (failOpen ? "-fail-open" : ""));
            final ClusterNode[] n = pair(lab, DEFER);
            lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
            Thread.sleep(400);
            final Path json = tmp.resolve("iperf.json");
            // With fail-open rules only the death is shown (fwA stays down): a shorter transfer.
            final Process iperf = lab.spawn(Lab.CLIENT, json, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201", "-t",
                    failOpen ? "15" : "40", "-i", "0.5", "-J");
            final long t0 = System.nanoTime();
            final StringBuilder timeline = new StringBuilder();
            ClusterNode.waitFor(() -> !n[1].states(5201).isEmpty(), 5, "fwB has the transfer's state");
            Thread.sleep(3000);
            n[0].kill();
            if (failOpen) {
                Thread.sleep(300);
            }
            Lab.lab("route", "client", "fwB");
            timeline.append(String.format("fwA killed, client via fwB at %.1f s; ", (System.nanoTime() - t0) / 1e9));
            Thread.sleep(3000);
            if (!failOpen) {
                n[0].start();
                timeline.append(String.format("fwA up at %.1f s; ", (System.nanoTime() - t0) / 1e9));
                ClusterNode.waitFor(() -> n[0].logText().contains("complete: in sync"), 20,
                        "the restarted fwA got fwB's bulk update");
                ClusterNode.waitFor(() -> n[0].states(5201).size() >= 2, 10, "fwA holds the transfer's states again");
                Lab.lab("route", "client", "fwA");
                timeline.append(String.format("client via fwA at %.1f s", (System.nanoTime() - t0) / 1e9));
                // The transfer runs 40 s, long enough for a slow machine to reach this point with time to spare.
                assertTrue(iperf.isAlive(), "the transfer outlasts the failover and return: " + timeline);
                ClusterNode.waitFor(() -> n[0].sample("tandem_state_matches_total{queue=\"" + QUEUE
                        + "\",result=\"pass\"") > 100, 10, "traffic came back to the restarted fwA and passed by state");
            } else {
                assertTrue(iperf.isAlive(), "the transfer outlasts the failover: " + timeline);
            }
            assertTrue(iperf.waitFor(60, TimeUnit.SECONDS), "iperf3 finished");
            final String text = Files.readString(json);
            assertEquals(0, iperf.exitValue(), "no reset: " + text);
            int stall = 0;
            int longest = 0;
            final StringBuilder rates = new StringBuilder("Mbit/s per 0.5 s:");
            for (final Object interval : (List<?>) JsonReader.object(text.trim()).get("intervals")) {
                final double bps = ((Number) ((Map<?, ?>) ((Map<?, ?>) interval).get("sum")).get("bits_per_second"))
                        .doubleValue();
                rates.append(' ').append(Math.round(bps / 1e6));
                stall = bps < 1e6 ? stall + 1 : 0;
                longest = Math.max(longest, stall);
            }
            System.out.println("split failover (fail-open " + failOpen + "): " + rates + "; " + timeline
                    + "; took over: fwA " + n[0].sum("tandem_state_takeovers_total") + ", fwB " + n[1].sum("tandem_state_takeovers_total")
                    + " state(s); fwA sent " + n[0].sum("tandem_pfsync_actions_total{action=\"upd_c\",direction=\"out\"")
                    + " UPD_C, " + n[0].sum("tandem_pfsync_aged_records_total") + " aged; fwB merged "
                    + n[1].sum("tandem_pfsync_peer_states_total{result=\"merged\""));
            if (longest >= 2) {
                final StringBuilder why = new StringBuilder();
                for (final ClusterNode node : n) {
                    final List<String> log = node.logText().lines().toList();
                    why.append("\nfw").append(node.name).append(": ").append(node.metrics().lines()
                            .filter(l -> l.startsWith("tandem_state_mismatches") || l.startsWith("tandem_verdicts")
                                    || l.startsWith("tandem_pfsync_") || l.startsWith("tandem_state_takeovers")
                                    || l.startsWith("tandem_kernel_queue_") || l.startsWith("tandem_journal_dropped")
                                    || l.startsWith("tandem_agent_up"))
                            .filter(l -> !l.endsWith(" 0.0") || l.startsWith("tandem_agent_up"))
                            .toList()).append("\n").append(node.states(5201)).append("\nlog, last lines:\n")
                            .append(String.join("\n", log.subList(Math.max(0, log.size() - 20), log.size())));
                }
                fail("no stall of a second or more (0.5 s intervals): " + longest + " (iperf3 clock starts about"
                        + " 0.4 s before the test's)\n" + rates + "\n" + timeline + why);
            }
            for (final ClusterNode node : n) {
                node.stop();
            }
            cap.destroy();
        }
    }

    /**
     * Bad input: the peer never answers (fwB is down). Every held first packet passes at its timeout
     * or, in a burst beyond {@code defer-limit}, the oldest passes early — counted either way; never
     * more are held than the limit, and every connection is made.
     */
    @Test
    void withoutAPeerHeldPacketsPassAtTheTimeoutOrTheLimit() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE));
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUE, "set sync peer \"198.18.3.2\"\n"
                    + "set sync defer-timeout 300\nset sync defer-limit 4\n" + RULES).start();
            lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5203 >/dev/null; done");
            lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5201 >/dev/null; done");
            Thread.sleep(300);
            for (int i = 0; i < 5; i++) { // one at a time: each waits the whole timeout
                assertTrue(Lab.exec(Lab.CLIENT, 10, "nc", "-z", "-w", "3", Lab.SERVER_V4, "5203").ok(), "connect " + i);
            }
            // A burst of 12 at once: more than the limit of 4 are never held; the oldest go early.
            final Lab.Result burst = Lab.exec(Lab.CLIENT, 30, "sh", "-c",
                    "for i in $(seq 12); do nc -z -w 3 " + Lab.SERVER_V4 + " 5201 & done; wait");
            assertTrue(burst.ok(), burst.output());
            final Map<String, Object> d = ClusterNode.map(a.sync().get("deferral"));
            final long deferred = (Long) d.get("deferred");
            assertTrue(deferred >= 17, "every first packet was held: " + d);
            assertEquals(0L, (Long) d.get("ack"), "nobody acknowledged: " + d);
            assertTrue((Long) d.get("limit") >= 1, "the burst went beyond the limit: " + d);
            assertEquals(deferred, (Long) d.get("timeout") + (Long) d.get("limit") + (Long) d.get("packet"),
                    "each released by its timeout or the limit (or a retransmission): " + d);
            assertTrue(a.sample("tandem_pfsync_deferred_held ") <= 4.0, "held now within the limit");
            assertTrue(a.syncText().contains("by timeout"), a.syncText());
            assertEquals(0, a.stop(), a.logText());
        }
    }

    /**
     * Three firewalls on one multicast sync segment (224.0.0.240): a connection made through any one of
     * them appears on the other two under its creator's identity.
     */
    /**
     * Three firewalls, the split path between two of them: the client's packets through fwA, the server's
     * through fwC, fwB carrying neither. Each connection's first packet is held until the first peer
     * acknowledges its state — which may be fwB, the bystander — so this checks that fwC, which gets the
     * same multicast INS, has the state before the server's SYN-ACK reaches it: nothing dropped on fwC,
     * every connection opened. With the INS sent by fwA's packet thread (the default) and by its sync
     * thread ({@code set sync direct-ins no}).
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "direct-ins {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"yes", "no"})
    void threeFirewallsWithTheSplitPathBetweenTheOuterTwo(final String directIns) throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--firewalls", "3");
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final ClusterNode[] n = new ClusterNode[3];
            for (int i = 0; i < 3; i++) {
                n[i] = new ClusterNode(lab, tmp, String.valueOf((char) ('A' + i)), QUEUE,
                        DEFER + "set sync direct-ins " + directIns + "\n" + RULES).start();
            }
            // fwA heard fwB and fwC (their bulk-update requests): the first connection waits for both as well
            ClusterNode.waitFor(() -> Long.valueOf(2).equals(n[0].sync().get("answering_peers")), 10,
                    "fwA waits for fwB and fwC before any acknowledgement");
            Lab.lab("route", "client", "fwA");
            Lab.lab("route", "server", "fwC");
            for (int i = 0; i < 20; i++) {
                lab.spawn(Lab.SERVER, null, "timeout", "3", "nc", "-l", "5203");
                Thread.sleep(100);
                assertTrue(Lab.exec(Lab.CLIENT, 10, "nc", "-z", "-w", "2", Lab.SERVER_V4, "5203").ok(), "connect " + i);
            }
            lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
            Thread.sleep(400);
            final Lab.Result iperf = Lab.exec(Lab.CLIENT, 40, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201", "-t", "3");
            assertTrue(iperf.ok(), iperf.output());
            for (final ClusterNode node : n) {
                assertEquals(0.0, drops(node), () -> "fw" + node.name + " dropped nothing:\n" + node.dropReport());
                assertEquals(0.0, node.sum("tandem_state_mismatches_total"), "no window check failed on fw"
                        + node.name);
            }
            final Map<String, Object> d = ClusterNode.map(n[0].sync().get("deferral"));
            assertTrue((Long) d.get("deferred") >= 21, "fwA held each connection's first packet: " + d);
            assertEquals((Long) d.get("deferred"), (Long) d.get("ack"), "every hold ended by an acknowledgement: " + d);
            final Map<String, Object> sync = n[0].sync();
            assertEquals(2L, sync.get("answering_peers"), "fwA waits for fwB and fwC: " + sync);
            assertTrue((Long) sync.get("acks_held_back") >= 10, "the first of each two INS_ACKs waited: " + sync);
            assertTrue(n[0].syncText().contains("released once 2 answering peers acknowledged"), n[0].syncText());
            final long direct = (Long) sync.get("ins_by_packet_threads");
            if (directIns.equals("yes")) {
                assertTrue(direct >= (Long) d.get("deferred"), "the held packets' INS left from the packet thread: " + sync);
            } else {
                assertEquals(0L, direct, "the sync thread sent every INS: " + sync);
            }
            assertTrue(n[2].sum("tandem_verdicts_total{queue=\"" + QUEUE + "\",verdict=\"accept\"") > 20,
                    "the server's packets crossed fwC");
            for (final ClusterNode node : n) {
                assertEquals(0, node.stop(), node.logText());
            }
        }
    }

    @Test
    void threeFirewallsOverMulticastShareEveryState() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--firewalls", "3");
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final Process cap = capture(lab, Lab.FW_B, "cluster-three-multicast");
            final ClusterNode[] n = new ClusterNode[3];
            for (int i = 0; i < 3; i++) {
                n[i] = new ClusterNode(lab, tmp, String.valueOf((char) ('A' + i)), QUEUE, DEFER + RULES).start();
            }
            final String[] via = {"fwA", "fwB", "fwC"};
            for (int i = 0; i < 3; i++) {
                final int port = 5201 + i;
                Lab.lab("route", "client", via[i]);
                Lab.lab("route", "server", via[i]);
                lab.spawn(Lab.SERVER, null, "timeout", "20", "nc", "-l", Integer.toString(port));
                Thread.sleep(300);
                lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 15 | nc " + Lab.SERVER_V4 + " " + port);
                final ClusterNode maker = n[i];
                ClusterNode.waitFor(() -> maker.states(port).size() == 1, 5, via[i] + " made the state");
                final Map<String, Object> made = maker.states(port).get(0);
                for (final ClusterNode other : n) {
                    ClusterNode.waitFor(() -> other.states(port).size() == 1
                            && other.states(port).get(0).get("id").equals(made.get("id"))
                            && other.states(port).get(0).get("creatorid").equals(made.get("creatorid")), 5,
                            "fw" + other.name + " holds the state made on " + via[i]);
                }
            }
            for (final ClusterNode node : n) {
                final Map<String, Object> d = ClusterNode.map(node.sync().get("deferral"));
                assertEquals((Long) d.get("deferred"), (Long) d.get("ack"), "fw" + node.name + ": " + d);
                assertTrue((Long) d.get("acks_for_others") > 0 || (Long) d.get("deferred") == 0,
                        "fw" + node.name + " heard the acknowledgements meant for the others too: " + d);
                assertEquals(0.0, drops(node), () -> "fw" + node.name + " dropped nothing:\n" + node.dropReport());
            }
            for (final ClusterNode node : n) {
                node.stop();
            }
            cap.destroy();
        }
    }
}
