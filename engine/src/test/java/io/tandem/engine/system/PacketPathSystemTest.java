package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.rules.Ruleset;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packet path against the real kernel: the lab's namespaces, iptables NFQUEUE rules in fwA's
 * FORWARD chain (IPv4 and IPv6), real ping, nc and iperf3 traffic from tdm-client to tdm-server,
 * and the engine's PacketAgent bound to queue 258 inside tdm-fwA (its thread enters the namespace).
 */
@Tag("system")
class PacketPathSystemTest {
    private static final int QUEUE = 258;
    private static final String RULES = String.join("\n",
            "# the demo's policy: ICMP and TCP 5201 pass, everything else is blocked; `no state` because this",
            "# test is about the stateless path, so replies from port 5201 need their own rule",
            "allowed = \"5201\"",
            "block all",
            "pass proto { icmp icmp6 } no state",
            "pass proto tcp to port $allowed no state",
            "pass proto tcp from port $allowed no state",
            "pass proto udp to port 5201 no state",
            "pass proto udp from port 5201 no state",
            "");

    private PacketAgent agent;
    private Lab lab;
    private EngineJournal journal;

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
    void stopAgent() throws InterruptedException {
        if (agent != null) {
            agent.stop();
            assertTrue(agent.awaitStopped(10, TimeUnit.SECONDS), "agent stops within 10 s");
            agent = null;
        }
        if (lab != null) {
            lab.close();
            lab = null;
        }
        if (journal != null) {
            journal.close();
            journal = null;
        }
        Lab.lab("queue", "all", "on", "--queue", Integer.toString(QUEUE), "--bypass");
    }

    private PacketAgent startAgent(final String rules, final String... overrides) throws Exception {
        return startAgent(null, rules, overrides);
    }

    /** With {@code journal} not null, the agent recovers from and journals to it. */
    private PacketAgent startAgent(final EngineJournal journal, final String rules, final String... overrides)
            throws Exception {
        TandemConfig config = ConfigParser.parse("system-test.conf", rules);
        config = config.withOverride("queue " + QUEUE);
        for (final String o : overrides) {
            config = config.withOverride(o);
        }
        final Ruleset ruleset = config.compileRuleset(name -> 0);
        final PacketAgentSettings settings = new PacketAgentSettings(config.queue(), -1, config.copyRange(),
                config.queueMaxlen(), config.failOpen(), config.gso(), config.rcvbuf(), config.batch(),
                config.verdictMode() == TandemConfig.VerdictMode.BATCH, false, config.busyPollMicros(), Lab.FW_A);
        final PacketCounters counters = new PacketCounters(QUEUE);
        agent = new PacketAgent(settings, PacketFilter.fromConfig(config, ruleset, counters), counters).journal(journal);
        agent.start();
        agent.awaitStarted(20, TimeUnit.SECONDS);
        lab = new Lab();
        return agent;
    }

    private Ruleset rulesetOf(final PacketAgent a) {
        return a.ruleset();
    }

    @Test
    void pingPassesThroughFwA() throws Exception {
        final PacketAgent a = startAgent(RULES);
        final Lab.Result ping = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "5", "-i", "0.2", "-W", "2", Lab.SERVER_V4);
        assertTrue(ping.ok(), ping.output());
        assertTrue(ping.output().contains(" 0% packet loss"), ping.output());
        // 5 requests + 5 replies, each evaluated once; rule 1 is `pass proto { icmp icmp6 }` (0-based).
        assertTrue(a.counters().get(PacketCounter.PACKETS_RECEIVED) >= 10);
        assertTrue(rulesetOf(a).packets(icmpRule(a)) >= 10, "the ICMP pass rule decided the pings");
        assertEquals(0, a.counters().get(PacketCounter.VERDICT_DROP));
    }

    @Test
    void ipv6PingPassesWithIp6tablesRules() throws Exception {
        final PacketAgent a = startAgent(RULES);
        final Lab.Result ping = Lab.exec(Lab.CLIENT, 20, "ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", Lab.SERVER_V6);
        assertTrue(ping.ok(), ping.output());
        assertTrue(ping.output().contains(" 0% packet loss"), ping.output());
        assertTrue(rulesetOf(a).packets(icmpRule(a)) >= 10, "ICMPv6 echo went through Tandem");
    }

    @Test
    void blockedPortTimesOutWhileAllowedPortTransfersIntact(@TempDir final Path tmp) throws Exception {
        final PacketAgent a = startAgent(RULES);
        // Listeners on both ports, so that only the firewall can make the blocked connect fail.
        final Path received = tmp.resolve("received.bin");
        lab.spawn(Lab.SERVER, received, "nc", "-l", "5201");
        lab.spawn(Lab.SERVER, tmp.resolve("blocked-listener.log"), "nc", "-l", "8080");
        Thread.sleep(300);

        final long dropsBefore = a.counters().get(PacketCounter.VERDICT_DROP);
        final Lab.Result blocked = Lab.exec(Lab.CLIENT, 20, "nc", "-z", "-w", "3", Lab.SERVER_V4, "8080");
        assertFalse(blocked.ok(), "connect to the blocked port must fail: " + blocked.output());
        assertFalse(blocked.output().contains("refused"), "no RST came back: the SYN was dropped, " + blocked.output());
        assertTrue(a.counters().get(PacketCounter.VERDICT_DROP) > dropsBefore, "Tandem dropped the SYN");
        assertTrue(rulesetOf(a).packets(0) > 0, "`block all` decided the SYN");

        final byte[] data = new byte[1 << 20];
        new Random(42).nextBytes(data);
        final Path sent = tmp.resolve("sent.bin");
        Files.write(sent, data);
        final Lab.Result transfer = Lab.exec(Lab.CLIENT, 30, "sh", "-c",
                "nc -N -w 5 " + Lab.SERVER_V4 + " 5201 < " + sent);
        assertTrue(transfer.ok(), "allowed connection works: " + transfer.output());
        for (int i = 0; i < 50 && Files.size(received) < data.length; i++) {
            Thread.sleep(100);
        }
        assertEquals(sha256(data), sha256(Files.readAllBytes(received)), "the 1 MiB arrived intact");
    }

    @Test
    void underAFloodEveryPacketGetsExactlyOneVerdict() throws Exception {
        final PacketAgent a = startAgent(RULES);
        lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
        Thread.sleep(500);
        final Lab.Result flood = Lab.exec(Lab.CLIENT, 40, "iperf3", "-u", "-c", Lab.SERVER_V4, "-p", "5201",
                "-b", "20M", "-l", "200", "-t", "3");
        assertTrue(flood.ok(), flood.output());
        Thread.sleep(500);

        final long[] row = Lab.procQueueRow(Lab.FW_A, QUEUE);
        assertNotNull(row, "queue 258 is listed in /proc (a byte-swapped res_id would show 513)");
        final PacketCounters c = a.counters();
        final long received = c.get(PacketCounter.PACKETS_RECEIVED);
        assertTrue(received > 10_000, "a flood was queued: " + received);
        assertEquals(0, row[2], "nothing left waiting in the kernel queue");
        assertEquals(0, row[5], "no queue-full drops");
        assertEquals(0, row[6], "no user (socket-full) drops at this rate");
        assertEquals(row[7], received, "every id the kernel assigned reached Tandem exactly once");
        assertEquals(received, c.get(PacketCounter.VERDICT_ACCEPT) + c.get(PacketCounter.VERDICT_DROP),
                "one verdict per packet");
        assertEquals(0, c.totalNetlinkErrors(), "no ENOENT: no verdict for an unknown or already released id");
        assertEquals(0, c.get(PacketCounter.PACKET_ID_GAPS));
    }

    @Test
    void queueBypassKeepsTrafficFlowingWhileTandemIsStopped() throws Exception {
        // Rules installed with --queue-bypass and nobody bound: the kernel passes the packets.
        final Lab.Result withBypass = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "3", "-i", "0.2", "-W", "1", Lab.SERVER_V4);
        assertTrue(withBypass.ok(), "traffic flows with --queue-bypass and no consumer: " + withBypass.output());

        Lab.lab("queue", "all", "on", "--queue", Integer.toString(QUEUE));
        final Lab.Result failClosed = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "3", "-i", "0.2", "-W", "1", Lab.SERVER_V4);
        assertFalse(failClosed.ok(), "without --queue-bypass nothing passes while Tandem is stopped");
        assertTrue(failClosed.output().contains("100% packet loss"), failClosed.output());

        // And once Tandem runs, the same fail-closed rules pass traffic again.
        startAgent(RULES);
        final Lab.Result running = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.SERVER_V4);
        assertTrue(running.ok(), running.output());
    }

    @Test
    void packetThreadAllocatesNothingOverAMillionRealPackets(@TempDir final Path tmp) throws Exception {
        // The full path: decode, state tracking (pass all keeps state), verdicts, and the journal.
        journal = EngineJournal.open(tmp.resolve("journal"), "hourly", 10, 2, 0, 0x5eed, System.err);
        final PacketAgent a = startAgent(journal, "pass all\n", "batch 64");
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-p", "5201");
        Thread.sleep(500);

        final PacketCounters c = a.counters();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        // Warm-up: let the JIT compile the whole path.
        floodUntil(c, 300_000, deadline);
        final long threadId = a.threadId();
        // Up to three windows of at least 1M packets; one must allocate nothing. (A JIT event or a
        // native call's lazy initialisation can cost a few hundred bytes once; allocation per
        // packet, or per batch, shows in every window.)
        final StringBuilder windows = new StringBuilder();
        long allocated = -1;
        long packets = 0;
        for (int w = 0; w < 3 && allocated != 0; w++) {
            final long allocatedBefore = threads.getThreadAllocatedBytes(threadId);
            final long packetsBefore = c.get(PacketCounter.PACKETS_RECEIVED);
            floodUntil(c, packetsBefore + 1_000_000, deadline);
            allocated = threads.getThreadAllocatedBytes(threadId) - allocatedBefore;
            packets = c.get(PacketCounter.PACKETS_RECEIVED) - packetsBefore;
            windows.append(windows.length() == 0 ? "" : ", ").append(allocated).append(" B / ").append(packets);
        }
        assertTrue(packets >= 1_000_000, "measured over at least 1M real packets, got " + packets);
        assertEquals(0, allocated, "bytes allocated by the packet thread per window: " + windows);
        assertTrue(journal.health().written() > 0 && journal.health().dropped() == 0,
                "state changes and snapshots were journaled: " + journal.health().written());
    }

    private static void floodUntil(final PacketCounters c, final long target, final long deadline) {
        while (c.get(PacketCounter.PACKETS_RECEIVED) < target && System.nanoTime() < deadline) {
            Lab.exec(Lab.CLIENT, 30, "iperf3", "-u", "-c", Lab.SERVER_V4, "-p", "5201", "-b", "0", "-l", "64", "-t", "3");
        }
    }

    private static int icmpRule(final PacketAgent a) {
        final Ruleset r = a.ruleset();
        for (int i = 0; i < r.size(); i++) {
            if (r.ruleText(i).contains("icmp")) {
                return i;
            }
        }
        throw new AssertionError("no icmp rule in " + r.toText());
    }

    private static String sha256(final byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
