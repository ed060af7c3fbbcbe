package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A state flood (issue #14): a two-firewall cluster with {@code set limit states 2000} is offered ten
 * times its limit in new UDP flows per second, 20,000/s for 60 s (bench/c/udp-flood.c, mode
 * {@code flows}: every datagram a new 5-tuple), through fwA, while an iperf3 transfer, a held-open
 * connection and pings cross it. The established flows keep passing (the transfer finishes without a
 * reset or a stall of two seconds, the held connection stays open); the table never holds more than
 * its limit; pf's adaptive timeouts shorten the flood's states so that new ones keep being admitted
 * (many times the limit created in all); what is refused is counted ({@code table_full}); the
 * engine's memory stays bounded; and once the flood stops the table drains back to the established
 * flows. fwB receives every admitted state by pfsync and drains too.
 */
@Tag("system")
@ExtendWith(LabPerTest.class)
class StateFloodSystemTest {
    private static final int QUEUE = 267;
    private static final int LIMIT = 2000;
    private static final int FLOOD_SECONDS = 60;
    private static final String RULES = String.join("\n",
            "set sync defer-timeout 100",
            "set limit states " + LIMIT,
            "set timeout { udp.first 10, udp.single 10, udp.multiple 10 }",
            "block all",
            "pass proto { icmp icmp6 }",
            "pass proto tcp from 198.18.1.0/24 to port { 5201 5203 }",
            "pass proto udp from 198.18.1.0/24 to port 10000:59999",
            "");

    @TempDir
    Path tmp;

    @Test
    void tenTimesTheLimitInNewFlowsPerSecondLeavesEstablishedFlowsPassing() throws Exception {
        final Path flood = tmp.resolve("udp-flood");
        final Lab.Result cc = Lab.run(60, "gcc", "-O2", "-Wall", "-o", flood.toString(),
                Lab.root().resolve("bench/c/udp-flood.c").toString());
        assertTrue(cc.ok(), cc.output());
        Lab.lab("up", "--queue", Integer.toString(QUEUE));
        try (Lab lab = new Lab()) {
            Lab.run(5, "chmod", "755", tmp.toString());
            final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUE, "set sync peer \"198.18.3.2\"\n" + RULES).start();
            final ClusterNode b = new ClusterNode(lab, tmp, "B", QUEUE, "set sync peer \"198.18.3.1\"\n" + RULES).start();
            // The server drops the flood quietly (no ICMP port unreachable back through the firewall).
            assertTrue(Lab.exec(Lab.SERVER, 10, "iptables", "-I", "INPUT", "-p", "udp", "--dport", "10000:59999", "-j",
                    "DROP").ok());
            lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
            lab.spawn(Lab.SERVER, null, "sh", "-c", "nc -l 5203 >/dev/null");
            Thread.sleep(500);
            final int seconds = FLOOD_SECONDS + 20;
            final Path iperfJson = tmp.resolve("iperf.json");
            final Process iperf = lab.spawn(Lab.CLIENT, iperfJson, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201", "-t",
                    Integer.toString(seconds), "-b", "20M", "-J");
            final Process held = lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep " + (seconds + 40) + " | nc "
                    + Lab.SERVER_V4 + " 5203");
            final Process ping = lab.spawn(Lab.CLIENT, tmp.resolve("ping.txt"), "ping", "-i", "0.2", "-w",
                    Integer.toString(seconds), Lab.SERVER_V4);
            Thread.sleep(3000);
            final double statesBefore = a.sample("tandem_states{");
            final long rssBefore = rssKib(a);

            final Path floodOut = tmp.resolve("flood.txt");
            final Process gen = lab.spawn(Lab.CLIENT, floodOut, flood.toString(), "flows", "-d", Lab.SERVER_V4, "-r",
                    Integer.toString(LIMIT * 10), "-t", Integer.toString(FLOOD_SECONDS));
            double most = 0;
            long rssMost = rssBefore;
            while (gen.isAlive()) {
                most = Math.max(most, a.sample("tandem_states{"));
                rssMost = Math.max(rssMost, rssKib(a));
                Thread.sleep(1000);
            }
            final String offered = Files.readString(floodOut).trim();
            final String m = a.metrics();
            final double created = ClusterNode.sample(m, "tandem_state_inserts_total{proto=\"udp\",queue=\""
                    + QUEUE + "\"");
            final double refused = ClusterNode.sample(m, "tandem_state_insert_failures_total{queue=\"" + QUEUE
                    + "\",reason=\"table_full\"");
            final double expired = ClusterNode.sample(m, "tandem_state_removals_total{queue=\"" + QUEUE
                    + "\",reason=\"expired\"");
            System.out.printf("state flood: offered %s; table at most %.0f of %d; %.0f UDP states created, %.0f refused"
                    + " (table_full), %.0f expired; engine RSS %d -> at most %d KiB%n", offered, most, LIMIT, created,
                    refused, expired, rssBefore, rssMost);

            assertTrue(most <= LIMIT, "never more than the limit: " + most);
            assertTrue(refused > LIMIT * 10L * FLOOD_SECONDS / 2, "most of the flood was refused and counted: " + refused);
            assertTrue(created > 3 * LIMIT, "adaptive timeouts made room for new states again and again: " + created);
            assertTrue(expired > 2 * LIMIT, "the flood's states expired early: " + expired);
            assertTrue(rssMost - rssBefore < 128 * 1024, "memory stays bounded: RSS grew " + (rssMost - rssBefore)
                    + " KiB");
            assertTrue(held.isAlive(), "the held connection is still open");

            // The table drains back to the established flows (udp.first 10 s).
            ClusterNode.waitFor(() -> a.sample("tandem_states{") <= statesBefore + 5, 40,
                    "fwA's table drains back to about " + statesBefore);
            ClusterNode.waitFor(() -> b.sample("tandem_states{") <= statesBefore + 5, 40,
                    "fwB's table drains back too");
            assertTrue(iperf.waitFor(seconds + 30, TimeUnit.SECONDS), "iperf3 finished");
            final String text = Files.readString(iperfJson);
            assertEquals(0, iperf.exitValue(), "the transfer was never reset: " + text);
            int stall = 0;
            int longest = 0;
            for (final Object interval : (java.util.List<?>) io.tandem.engine.tools.JsonReader.object(text.trim())
                    .get("intervals")) {
                final double bps = ((Number) ((java.util.Map<?, ?>) ((java.util.Map<?, ?>) interval).get("sum"))
                        .get("bits_per_second")).doubleValue();
                stall = bps < 1e6 ? stall + 1 : 0;
                longest = Math.max(longest, stall);
            }
            assertTrue(longest < 2, "the transfer never stalled for two seconds: " + longest);
            ping.waitFor(seconds + 10, TimeUnit.SECONDS);
            System.out.println("state flood: " + Files.readString(tmp.resolve("ping.txt")).lines()
                    .filter(l -> l.contains("packet loss")).findFirst().orElse("(no ping summary)"));
            assertTrue(held.isAlive(), "the held connection is still open");
            assertEquals(0, a.stop(), a.logText());
            assertEquals(0, b.stop(), b.logText());
        }
    }

    private static long rssKib(final ClusterNode n) throws Exception {
        for (final String line : Files.readAllLines(Path.of("/proc/" + n.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmRSS for " + n.pid());
    }
}
