package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The product's promise with several queues on each firewall: the split path (client via fwA, server
 * via fwB, from the first packet) with {@code iptables -j NFQUEUE --queue-balance 330:331} and
 * {@code set queue 330:331} on both firewalls, pfsync and deferral on. Each firewall's two packet
 * threads own their shares of the flows; a peer's INS must reach the thread that owns the flow (by its
 * key), its UPD_C, DEL_C and INS_ACK the thread that holds the state (by its identity), and a first
 * packet handed from one thread to the other and held for deferral must be answered on the queue it
 * arrived on when the peer's acknowledgement releases it. With {@code block all} and pass rules for
 * the client's side only, a reply passes fwB only if fwB's owning thread holds the state fwA made.
 */
@Tag("system")
@ExtendWith(LabPerTest.class)
class MultiQueueClusterSystemTest {
    private static final String QUEUES = "330:331";
    private static final int ADDRESSES = 4;

    @TempDir
    Path tmp;

    @Test
    void theSplitPathWorksWithTwoQueuesOnEachFirewall() throws Exception {
        Lab.lab("up", "--queue", QUEUES, "--layout", "split");
        MultiQueueSystemTest.addAddresses(ADDRESSES);
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final String rules = MultiQueueSystemTest.RULES + "pass proto tcp from 198.18.1.0/24 to port 5202\n";
            final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUES,
                    "set sync defer-timeout 100\nset sync peer \"198.18.3.2\"\n" + rules, "127.0.0.1");
            final ClusterNode b = new ClusterNode(lab, tmp, "B", QUEUES,
                    "set sync defer-timeout 100\nset sync peer \"198.18.3.1\"\n" + rules, "127.0.0.1");
            a.start();
            b.start();
            lab.spawn(Lab.SERVER, tmp.resolve("server.log"), "/usr/bin/python3", "-c", MultiQueueSystemTest.SERVER,
                    Integer.toString(ADDRESSES));
            Thread.sleep(1000);

            final Lab.Result ping = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "2", "-i", "0.2", "-I", "198.18.1.20",
                    "198.18.2.21");
            assertTrue(ping.ok(), "ICMP echo across the split path: " + ping.output());
            final Lab.Result client = Lab.exec(Lab.CLIENT, 180, "/usr/bin/python3", "-c", MultiQueueSystemTest.CLIENT,
                    Integer.toString(ADDRESSES));
            final int exchanges = 2 * ADDRESSES * ADDRESSES + 8;
            assertTrue(client.output().contains("ok " + exchanges + "/" + exchanges), client.output() + "\n"
                    + a.logText() + b.logText());

            // A transfer long enough for many window updates (UPD_C) to reach fwB's owning thread.
            final Path file = tmp.resolve("data.bin");
            Lab.run(30, "sh", "-c", "head -c 8388608 /dev/urandom > " + file);
            final Path received = tmp.resolve("received.bin");
            lab.spawn(Lab.SERVER, received, "nc", "-l", "5202");
            Thread.sleep(300);
            final Lab.Result sent = Lab.exec(Lab.CLIENT, 60, "sh", "-c", "nc -N -s 198.18.1.22 198.18.2.23 5202 < "
                    + file);
            assertTrue(sent.ok(), sent.output());
            ClusterNode.waitFor(() -> Files.size(received) == Files.size(file), 20, "the file arrived");
            assertEquals(Files.mismatch(file, received), -1L, "8 MiB intact across the split path");

            for (final ClusterNode n : new ClusterNode[] {a, b}) {
                final String m = n.metrics();
                for (final String q : QUEUES.split(":")) {
                    assertTrue(ClusterNode.sample(m, "tandem_packets_received_total{queue=\"" + q + "\"") > 0,
                            "fw" + n.name + " received on queue " + q);
                }
                assertEquals(0.0, n.sum("tandem_verdicts_total{queue=\"330\",verdict=\"drop\"")
                        + n.sum("tandem_verdicts_total{queue=\"331\",verdict=\"drop\""), () -> "fw" + n.name
                        + " dropped nothing:\n" + n.dropReport());
                assertEquals(n.sum("tandem_handoffs_total{queue=\"330\",result=\"sent\"")
                        + n.sum("tandem_handoffs_total{queue=\"331\",result=\"sent\""),
                        n.sum("tandem_handoffs_decided_total"), "fw" + n.name + ": every packet handed over was decided");
                assertEquals(0.0, n.sum("tandem_pfsync_collisions_total"), "with deferral no state is made twice");
                assertEquals(0.0, n.sum("tandem_pfsync_peer_states_total{result=\"dropped\""), "no inbox overflowed");
            }
            assertTrue(a.sum("tandem_handoffs_total") > 0, "packets crossed between fwA's threads");

            // Every first packet at fwA was held until fwB acknowledged its state — also those handed from
            // one thread to the other, whose verdict went back to the queue they arrived on.
            final Map<String, Object> deferral = ClusterNode.map(a.sync().get("deferral"));
            final long deferred = (Long) deferral.get("deferred");
            assertTrue(deferred >= ADDRESSES * ADDRESSES + 8, "fwA held the connections' first packets: " + deferral);
            assertEquals(deferred, (Long) deferral.get("ack"), "every hold ended by fwB's acknowledgement, none by the"
                    + " timeout: " + deferral + "\n" + a.syncText());
            assertTrue((Long) a.sync().get("ins_by_packet_threads") >= deferred, "each held packet's INS left from the"
                    + " thread that held it (set sync direct-ins): " + a.syncText());

            // One identity per connection on both firewalls, each in the owning thread's table.
            final List<Map<String, Object>> onA = a.states(5203);
            final List<Map<String, Object>> onB = b.states(5203);
            assertEquals(ADDRESSES * ADDRESSES + 8, onA.size(), "fwA: " + onA);
            for (final Map<String, Object> s : onA) {
                assertTrue(onB.stream().anyMatch(x -> x.get("id").equals(s.get("id"))
                        && x.get("creatorid").equals(s.get("creatorid"))), "fwB holds " + s + " as well: " + onB);
            }

            // A kill at fwA reaches fwB as DEL_C, routed by identity to the threads that hold the states.
            final long fromHost = onB.stream().filter(s -> "198.18.1.20".equals(s.get("src"))).count();
            assertTrue(fromHost >= ADDRESSES, "fwB holds the connections of 198.18.1.20: " + onB);
            final Lab.Result killed = Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "kill", "host",
                    "198.18.1.20", "--socket", a.socket.toString());
            assertTrue(killed.ok(), killed.output());
            ClusterNode.waitFor(() -> b.states(5203).stream().noneMatch(s -> "198.18.1.20".equals(s.get("src"))), 10,
                    "fwB removed the killed states");
            assertEquals(onB.size() - fromHost, b.states(5203).size(), "only those");
            System.out.println("multi-queue cluster: deferral " + deferral + "; routed to every thread: fwA "
                    + a.sum("tandem_pfsync_routed_to_every_thread_total") + ", fwB "
                    + b.sum("tandem_pfsync_routed_to_every_thread_total"));
            assertEquals(0, a.stop(), a.logText());
            assertEquals(0, b.stop(), b.logText());
        }
    }
}
