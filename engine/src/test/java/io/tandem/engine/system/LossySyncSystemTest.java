package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * pfsync over a lossy sync link (issue #14, "lossy and flapping sync"): both firewalls drop a share
 * of the pfsync frames they send ({@code iptables -m statistic --mode random} on sync0 in their
 * namespaces), while connections cross the two firewalls on split paths (client via fwA, server via
 * fwB). Once traffic stops, the two tables must converge within seconds: the same states, by
 * identity, with the same half states — compared through {@code tandem states --json} on both.
 *
 * <p>Before {@code SyncPolicy}'s repeats (pfsync sends each change once) this failed: a state whose INS
 * was lost stayed on one firewall, and closing states kept different half states until they expired
 * (4 of ~34 states apart at 10% loss, 12 at 30%). New connections need their INS at the peer before
 * the answer arrives there; at 30% loss some fail (the client's SYN retry comes after the two-second
 * {@code nc} timeout here), so only the 10% run requires nearly all of them.
 */
@ExtendWith(LabPerTest.class)
class LossySyncSystemTest {
    private static final int QUEUE = 262;
    private static final String RULES = String.join("\n",
            "set sync defer-timeout 100",
            "block all",
            "pass proto { icmp icmp6 }",
            "pass proto tcp from 198.18.1.0/24 to port { 5201 5203 }",
            "");

    /** In scripts/test (tag system). */
    @Test
    @Tag("system")
    void tablesConvergeAfterTrafficStopsWithTenPercentLoss(@TempDir final Path tmp) throws Exception {
        tablesConvergeAfterTrafficStops(10, tmp);
    }

    /**
     * Tag chaos (outside scripts/test, run by scripts/chaos). With two settle repeats it converged in
     * 4 of 6 runs: a closing connection's last change and both repeats were lost (0.3^3 = 2.7% per
     * change). With six repeats (0.02%) it converged in every run until 2026-12-07, when one run of
     * four left one closing connection apart after 15 s (fwA FIN_WAIT_2 both halves, fwB FIN_WAIT_2 and
     * CLOSING) and another took 16.2 s: a correction or a conclusion drawn from a peer's record (here fwA's
     * "the server's FIN is acknowledged") was sent once and never repeated. Repeated as reports are since,
     * it converged in 6 runs of 6, in 3.7-5.6 s.
     */
    @Test
    @Tag("chaos")
    void tablesConvergeAfterTrafficStopsWithThirtyPercentLoss(@TempDir final Path tmp) throws Exception {
        tablesConvergeAfterTrafficStops(30, tmp);
    }

    private void tablesConvergeAfterTrafficStops(final int lossPercent, final Path tmp) throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            Lab.run(5, "chmod", "755", tmp.toString());
            final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUE, "set sync peer \"198.18.3.2\"\n" + RULES).start();
            final ClusterNode b = new ClusterNode(lab, tmp, "B", QUEUE, "set sync peer \"198.18.3.1\"\n" + RULES).start();
            for (final String fw : new String[] {Lab.FW_A, Lab.FW_B}) {
                final Lab.Result r = Lab.exec(fw, 10, "iptables", "-I", "OUTPUT", "-o", "sync0", "-p", "240",
                        "-m", "statistic", "--mode", "random", "--probability", String.valueOf(lossPercent / 100.0),
                        "-j", "DROP");
                assertTrue(r.ok(), r.output());
            }
            // Traffic on split paths: a transfer, short connections opened and closed, pings.
            lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
            lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5203 >/dev/null; done");
            Thread.sleep(400);
            final Process ping = lab.spawn(Lab.CLIENT, null, "ping", "-c", "20", "-i", "0.2", Lab.SERVER_V4);
            final Lab.Result iperf = Lab.exec(Lab.CLIENT, 40, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201", "-t", "3");
            int connected = 0;
            for (int i = 0; i < 30; i++) {
                if (Lab.exec(Lab.CLIENT, 10, "sh", "-c", "echo x | nc -N -w 2 " + Lab.SERVER_V4 + " 5203").ok()) {
                    connected++;
                }
            }
            ping.waitFor();
            final double framesOut = a.sum("tandem_pfsync_opackets_total") + b.sum("tandem_pfsync_opackets_total");

            System.out.printf("lossy sync %d%%: iperf3 %s, %d/30 short connections, %.0f frames sent%n",
                    lossPercent, iperf.ok() ? "ok" : "failed", connected, framesOut);
            // Converge: the same identities with the same half states on both, within 15 s of the end of traffic.
            final String[] last = new String[1];
            final long stopped = System.nanoTime();
            try {
                ClusterNode.waitFor(() -> {
                    final Map<String, String> onA = a.halfStates();
                    final Map<String, String> onB = b.halfStates();
                    last[0] = ClusterNode.diff(onA, onB);
                    return last[0].isEmpty() && !onA.isEmpty();
                }, 15, "fwA and fwB converge");
            } catch (final AssertionError e) {
                throw new AssertionError(lossPercent + "% loss: the tables still differ 15 s after traffic stopped:\n"
                        + last[0], e);
            }
            System.out.printf("lossy sync %d%%: %d states on each firewall, the same %d ms after traffic stopped%n",
                    lossPercent, a.halfStates().size(), (System.nanoTime() - stopped) / 1_000_000);
            assertTrue(iperf.ok(), iperf.output());
            if (lossPercent <= 10) {
                assertTrue(connected >= 27, "nearly every short connection completed across the split path: " + connected);
            }
            assertEquals(0, a.stop(), a.logText());
            assertEquals(0, b.stop(), b.logText());
        }
    }

}
