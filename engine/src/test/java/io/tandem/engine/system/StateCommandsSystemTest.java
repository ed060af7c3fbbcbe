package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code tandem kill} and {@code tandem flush states} on a two-firewall cluster, as pfctl -k and
 * pfctl -F states: connections held open from the client cross fwA and fwB on split paths; a kill by
 * host on fwA removes their states there and, through pfsync, on fwB; a flush on fwB empties both.
 * Words that do not parse are refused with exit 1 and remove nothing.
 *
 * <p>Once failed with a state back on fwB right after its flush: a peer's settle repeat crossing the
 * DEL_C re-imported it. Removed states now leave a tombstone ({@code sync.RemovedStates}).
 */
@Tag("system")
@ExtendWith(LabPerTest.class)
class StateCommandsSystemTest {
    private static final int QUEUE = 264;
    private static final String RULES = String.join("\n",
            "set sync defer-timeout 100",
            "block all",
            "pass proto { icmp icmp6 }",
            "pass proto tcp from 198.18.1.0/24 to port 5203",
            "");

    @TempDir
    Path tmp;

    private static void hold(final Lab lab, final int connections) throws Exception {
        for (int i = 0; i < connections; i++) {
            lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 60 | nc " + Lab.SERVER_V4 + " 5203");
            Thread.sleep(200);
        }
    }

    @Test
    void killByHostAndFlushReachThePeer() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            Lab.run(5, "chmod", "755", tmp.toString());
            final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUE, "set sync peer \"198.18.3.2\"\n" + RULES).start();
            final ClusterNode b = new ClusterNode(lab, tmp, "B", QUEUE, "set sync peer \"198.18.3.1\"\n" + RULES).start();
            lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5203 >/dev/null & sleep 0.1; done");
            Thread.sleep(500);
            hold(lab, 3);
            ClusterNode.waitFor(() -> a.states(5203).size() == 3 && b.states(5203).size() == 3, 15,
                    "three connections' states on both firewalls");

            final Lab.Result bad = a.admin("kill", "host", "198.18.1.300");
            assertEquals(1, bad.exit(), bad.output());
            assertTrue(bad.output().contains("is not an IPv4 address"), bad.output());
            final Lab.Result none = a.admin("kill", "host", "203.0.113.0/24");
            assertEquals(0, none.exit(), none.output());
            assertTrue(none.output().contains("0 states removed"), none.output());
            assertEquals(3, a.states(5203).size(), "nothing removed");

            final Lab.Result kill = a.admin("kill", "host", "198.18.1.0/24", Lab.SERVER_V4);
            assertEquals(0, kill.exit(), kill.output());
            assertTrue(kill.output().contains("3 states removed"), kill.output());
            assertEquals(0, a.states(5203).size(), "gone on fwA");
            ClusterNode.waitFor(() -> b.states(5203).isEmpty(), 10, "fwA's kill reached fwB (DEL_C)");

            hold(lab, 2);
            ClusterNode.waitFor(() -> a.states(5203).size() == 2 && b.states(5203).size() == 2, 15,
                    "two new connections' states on both firewalls");
            final Lab.Result flush = b.admin("flush", "states");
            assertEquals(0, flush.exit(), flush.output());
            assertTrue(b.states(-1).isEmpty(), "fwB's table is empty");
            ClusterNode.waitFor(() -> a.states(5203).isEmpty(), 10, "fwB's flush reached fwA");
            // Both nodes' settle repeats of the flushed states (a second apart, twice) come and go: none of
            // them brings a state back on either node.
            Thread.sleep(3500);
            assertTrue(a.states(5203).isEmpty() && b.states(5203).isEmpty(),
                    "no flushed state came back: fwA " + a.states(5203) + ", fwB " + b.states(5203));
            assertTrue(a.logText().contains("tandem: kill host 198.18.1.0/24 " + Lab.SERVER_V4 + ": 3 states removed"),
                    a.logText());
            assertEquals(0, a.stop(), a.logText());
            assertEquals(0, b.stop(), b.logText());
        }
    }
}
