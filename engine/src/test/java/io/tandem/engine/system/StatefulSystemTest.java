package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateSnapshotMailbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pf-style state tracking against real traffic: the lab, iptables NFQUEUE in tdm-fwA, a
 * {@code block all} + {@code pass ... keep state} ruleset, real TCP/UDP/ICMP from the client, and
 * forged packets from scapy (Debian's python3-scapy) for the attacks.
 */
@Tag("system")
class StatefulSystemTest {
    private static final int QUEUE = 258;
    private static final String RULES = String.join("\n",
            "block all",
            "pass proto tcp to port 5201",
            "pass proto udp to port 9999",
            "");

    private PacketAgent agent;
    private Lab lab;

    @BeforeAll
    static void labUp() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--bypass");
    }

    @AfterAll
    static void labDown() {
        if (Lab.isRoot()) {
            Lab.lab("down", "--kill");
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (lab != null) {
            lab.close();
        }
        if (agent != null) {
            agent.stop();
            assertTrue(agent.awaitStopped(10, TimeUnit.SECONDS));
        }
    }

    private PacketAgent start(final String rules) throws Exception {
        final TandemConfig config = ConfigParser.parse("stateful.conf", rules).withOverride("queue " + QUEUE);
        final Ruleset ruleset = config.compileRuleset(name -> 0);
        final PacketCounters counters = new PacketCounters(QUEUE);
        agent = new PacketAgent(new PacketAgentSettings(QUEUE, -1, 256, 8192, false, true, 8 << 20, 64, true, false, 0,
                Lab.FW_A), PacketFilter.fromConfig(config, ruleset, counters), counters);
        agent.start();
        agent.awaitStarted(20, TimeUnit.SECONDS);
        lab = new Lab();
        return agent;
    }

    @Test
    void repliesPassByStateAndUnsolicitedInboundIsDropped(@TempDir final Path tmp) throws Exception {
        final PacketAgent a = start(RULES + "pass proto icmp\n");
        final Ruleset rules = a.ruleset();
        lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
        Thread.sleep(500);
        final Lab.Result iperf = Lab.exec(Lab.CLIENT, 30, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201", "-t", "2");
        assertTrue(iperf.ok(), iperf.output());
        final long viaState = a.counters().get(PacketCounter.STATE_MATCH_PASS);
        // iperf3 opens two connections: the pass rule saw only their SYNs; everything else, replies included,
        // matched the states.
        assertEquals(2, rules.packets(1), "the keep-state rule decided only the two SYNs");
        assertTrue(viaState > 1000, "the transfer passed by state: " + viaState);

        final long blockedBefore = rules.packets(0);
        final Lab.Result unsolicited = Lab.exec(Lab.SERVER, 20, "nc", "-z", "-w", "2", Lab.CLIENT_V4, "22");
        assertFalse(unsolicited.ok(), "a connection from the server side has no state and no rule: dropped");
        assertTrue(rules.packets(0) > blockedBefore, "`block all` dropped it");
    }

    @Test
    void forgedOutOfWindowRstIsDroppedInWindowRstIsAccepted(@TempDir final Path tmp) throws Exception {
        final PacketAgent a = start(RULES);
        final Path received = tmp.resolve("received.txt");
        final Process server = lab.spawn(Lab.SERVER, received, "nc", "-l", "5201");
        Thread.sleep(300);
        // A live connection whose client writes only when the test says so (through a FIFO), so that the
        // sequence numbers stand still while scapy forges the RSTs.
        final Path fifo = tmp.resolve("client-input");
        assertTrue(Lab.run(5, "mkfifo", fifo.toString()).ok());
        final Process client = lab.spawn(Lab.CLIENT, tmp.resolve("client.log"), "sh", "-c",
                "nc " + Lab.SERVER_V4 + " 5201 < " + fifo);
        try (java.io.OutputStream toClient = Files.newOutputStream(fifo)) {
            toClient.write("line0\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            toClient.flush();
            waitFor(() -> Files.exists(received) && Files.readString(received).contains("line0"), 10);

            final long[] conn = connection(a, 5201);
            final int clientPort = (int) conn[0];
            final long mismatchesBefore = a.states().counters().get(StateCounter.MISMATCH_BAD_RST)
                    + a.states().counters().get(StateCounter.MISMATCH_OUT_OF_WINDOW);
            assertTrue(scapyRst(clientPort, (conn[1] + (1L << 30)) & 0xFFFF_FFFFL).ok(), "scapy sent the blind RST");
            waitFor(() -> a.states().counters().get(StateCounter.MISMATCH_BAD_RST)
                    + a.states().counters().get(StateCounter.MISMATCH_OUT_OF_WINDOW) > mismatchesBefore, 10);
            assertTrue(server.isAlive(), "the blind RST did not reach the server");
            toClient.write("line1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            toClient.flush();
            waitFor(() -> Files.readString(received).contains("line1"), 10);

            // An RST at exactly the sender's seqlo: pf accepts it, and the server's connection is reset.
            final long[] now = connection(a, 5201);
            assertTrue(scapyRst(clientPort, now[1]).ok());
            assertTrue(server.waitFor(10, TimeUnit.SECONDS), "the in-window RST reset the server's connection");
            waitFor(() -> a.states().counters().get(StateCounter.REMOVED_CLOSED) > 0 || stateGone(a, clientPort), 10);
        }
        client.destroy();
    }

    private static boolean stateGone(final PacketAgent a, final int clientPort) throws Exception {
        final boolean[] seen = new boolean[1];
        a.snapshots().read((rows, o, now) -> {
            if (rows[o + StateSnapshotMailbox.F_SRC_PORT] == clientPort
                    && rows[o + StateSnapshotMailbox.F_PEER + StateSnapshotMailbox.P_STATE] == PfConstants.TCPS_ESTABLISHED) {
                seen[0] = true;
            }
        }, 5000);
        return !seen[0];
    }

    @Test
    void icmpPortUnreachableForATrackedUdpFlowPassesAndAnUnrelatedOneIsDropped() throws Exception {
        final PacketAgent a = start(RULES);
        final long relatedBefore = a.counters().get(PacketCounter.ICMP_ERROR_RELATED);
        // Nothing listens on 9999: the server answers with ICMP port unreachable, which no rule passes.
        final Lab.Result udp = Lab.exec(Lab.CLIENT, 20, "sh", "-c",
                "echo ping | nc -u -w 1 " + Lab.SERVER_V4 + " 9999; echo ping | nc -u -w 1 " + Lab.SERVER_V4 + " 9999");
        waitFor(() -> a.counters().get(PacketCounter.ICMP_ERROR_RELATED) > relatedBefore, 10);

        // An ICMP error quoting a UDP packet that belongs to no state: the rules decide, and block it.
        final long unrelatedBefore = a.states().counters().get(StateCounter.ICMP_ERROR_NO_STATE);
        final Lab.Result forged = Lab.forgeUnrelatedPortUnreachable();
        assertTrue(forged.ok(), forged.output());
        waitFor(() -> a.states().counters().get(StateCounter.ICMP_ERROR_NO_STATE) > unrelatedBefore, 10);
        assertTrue(a.ruleset().packets(0) > 0, "`block all` decided the unrelated error");
        assertTrue(udp.exit() >= 0);
    }

    @Test
    void aFullTableRefusesNewStatesAndCountsThem() throws Exception {
        final PacketAgent a = start("set limit states 2\nset timeout { adaptive.start 0, adaptive.end 0 }\n" + RULES);
        lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5201 >/dev/null; done");
        Thread.sleep(300);
        final List<Process> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            held.add(lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 20 | nc " + Lab.SERVER_V4 + " 5201"));
            Thread.sleep(500);
        }
        waitFor(() -> a.states().size() == 2, 10);
        final Lab.Result third = Lab.exec(Lab.CLIENT, 20, "nc", "-z", "-w", "2", Lab.SERVER_V4, "5201");
        assertFalse(third.ok(), "no room for a third state: its SYN is dropped");
        assertTrue(a.states().counters().get(StateCounter.INSERT_FAILED_FULL) > 0);
        assertTrue(a.counters().get(PacketCounter.STATE_CREATE_DROPS) > 0);
        held.forEach(Process::destroy);
    }

    /** The client port and the client's seqlo of the connection to {@code port}, read through the mailbox. */
    private static long[] connection(final PacketAgent a, final int port) throws Exception {
        final long[] found = new long[2];
        a.snapshots().read((rows, o, now) -> {
            if (rows[o + StateSnapshotMailbox.F_PROTO] == 6 && rows[o + StateSnapshotMailbox.F_DST_PORT] == port
                    && rows[o + StateSnapshotMailbox.F_PEER + StateSnapshotMailbox.P_STATE] == PfConstants.TCPS_ESTABLISHED) {
                found[0] = rows[o + StateSnapshotMailbox.F_SRC_PORT];
                found[1] = rows[o + StateSnapshotMailbox.F_PEER + StateSnapshotMailbox.P_SEQLO];
            }
        }, 5000);
        assertTrue(found[0] != 0, "an established connection to port " + port + " is in the table");
        return found;
    }

    private static Lab.Result scapyRst(final int clientPort, final long seq) {
        return Lab.exec(Lab.CLIENT, 60, "/usr/bin/python3", "-c",
                "from scapy.all import IP, TCP, send\n"
                        + "send(IP(src='" + Lab.CLIENT_V4 + "', dst='" + Lab.SERVER_V4 + "')/TCP(sport=" + clientPort
                        + ", dport=5201, flags='R', seq=" + seq + "), verbose=0)\n");
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(final Check check, final int seconds) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("condition not met within " + seconds + " s");
    }
}
