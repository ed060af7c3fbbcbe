package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.tools.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Moving a state table and flushing it cluster-wide, on a two-firewall cluster (split paths):
 * <ul>
 * <li>{@code tandem states dump} on fwA writes the live states (0600); fwA is replaced by a fresh
 *     engine (new journal, nothing recovered) after fwB's copies were flushed; {@code tandem states
 *     load} puts the dumped states into the fresh engine — same ids and creators as in the dump, a
 *     second load refused as collisions — and the fresh engine announces them, so fwB has them again.</li>
 * <li>{@code tandem flush states} on fwA sends CLR (one per creator id, counted in {@code tandem sync}'s
 *     actions) and fwB drops the states.</li>
 * </ul>
 * Needs root and the lab (one per machine); part of {@code sudo scripts/test --system}, or alone after a
 * build: {@code sudo mvn -B -pl engine surefire:test -Dtandem.test.groups=system
 * -Dtandem.test.excludedGroups= -Dtest=StateTransferSystemTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("system")
@ExtendWith(LabPerTest.class)
class StateTransferSystemTest {
    private static final int QUEUE = 269;
    private static final String RULES = String.join("\n",
            "set sync defer-timeout 100",
            "block all",
            "pass proto { icmp icmp6 }",
            "pass proto tcp from 198.18.1.0/24 to port 5203 label \"held\"",
            "");

    @TempDir
    Path tmp;

    private static void hold(final Lab lab, final int connections) throws Exception {
        for (int i = 0; i < connections; i++) {
            lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 90 | nc " + Lab.SERVER_V4 + " 5203");
            Thread.sleep(200);
        }
    }

    /** "id/creatorid" of each state of port 5203. */
    private static Set<String> identities(final List<Map<String, Object>> states) {
        final Set<String> ids = new TreeSet<>();
        for (final Map<String, Object> s : states) {
            ids.add(s.get("id") + "/" + s.get("creatorid"));
        }
        return ids;
    }

    private static Set<String> identitiesInFile(final Path file) throws Exception {
        final Set<String> ids = new TreeSet<>();
        for (final String line : Files.readAllLines(file)) {
            final Map<String, Object> s = JsonReader.object(line);
            if (((Long) s.get("dport")) == 5203) {
                ids.add(s.get("id") + "/" + s.get("creatorid"));
            }
        }
        return ids;
    }

    private ClusterNode[] cluster(final Lab lab, final Path dir) throws Exception {
        Lab.run(5, "chmod", "755", dir.toString());
        final ClusterNode a = new ClusterNode(lab, dir, "A", QUEUE, "set sync peer \"198.18.3.2\"\n" + RULES).start();
        final ClusterNode b = new ClusterNode(lab, dir, "B", QUEUE, "set sync peer \"198.18.3.1\"\n" + RULES).start();
        lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5203 >/dev/null & sleep 0.1; done");
        Thread.sleep(500);
        return new ClusterNode[] {a, b};
    }

    @Test
    void aDumpLoadedIntoAFreshEngineRestoresTheStatesAndReachesThePeer() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final ClusterNode[] ab = cluster(lab, tmp);
            final ClusterNode a = ab[0];
            final ClusterNode b = ab[1];
            hold(lab, 3);
            ClusterNode.waitFor(() -> a.states(5203).size() == 3 && b.states(5203).size() == 3, 15,
                    "three connections' states on both firewalls");
            final Set<String> before = identities(a.states(5203));

            final Path file = tmp.resolve("fwA-states.jsonl");
            final Lab.Result dump = a.admin("states", "dump", file.toString());
            assertEquals(0, dump.exit(), dump.output());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals(before, identitiesInFile(file), "the dump holds fwA's states");
            final Lab.Result again = a.admin("states", "dump", file.toString());
            assertEquals(2, again.exit(), "an existing FILE is refused without --force: " + again.output());

            // Replace fwA: stop it, empty fwB (the peer would otherwise hand everything back by bulk
            // update), and start a fresh engine in fwA's place with a journal of its own.
            assertEquals(0, a.stop(), a.logText());
            final Lab.Result flushB = b.admin("flush", "states");
            assertEquals(0, flushB.exit(), flushB.output());
            assertTrue(b.states(5203).isEmpty(), "fwB emptied");
            final Path freshDir = Files.createDirectory(tmp.resolve("fresh"));
            final ClusterNode fresh = new ClusterNode(lab, freshDir, "A", QUEUE,
                    "set sync peer \"198.18.3.2\"\n" + RULES).start();
            assertTrue(fresh.states(5203).isEmpty(), "a fresh engine starts empty");

            final Lab.Result load = fresh.admin("states", "load", file.toString());
            assertEquals(0, load.exit(), load.output());
            assertTrue(load.output().contains(before.size() + " states loaded"), load.output());
            assertEquals(before, identities(fresh.states(5203)), "the same states, with the same identities");
            ClusterNode.waitFor(() -> identities(b.states(5203)).equals(before), 15,
                    "the loaded states announced to fwB (INS)");

            final Lab.Result twice = fresh.admin("states", "load", file.toString());
            assertEquals(1, twice.exit(), twice.output());
            assertTrue(twice.output().contains("collision_id"), "a second load collides, never merges: "
                    + twice.output());
            assertEquals(before, identities(fresh.states(5203)));

            final Lab.Result kill = fresh.admin("kill", "label", "held");
            assertEquals(0, kill.exit(), kill.output());
            assertTrue(kill.output().contains(before.size() + " states removed"), kill.output());
            ClusterNode.waitFor(() -> b.states(5203).isEmpty(), 10, "the kill by label reached fwB");
            assertEquals(0, fresh.stop(), fresh.logText());
            assertEquals(0, b.stop(), b.logText());
        }
    }

    @Test
    void flushStatesSendsClrAndThePeerDropsTheStates() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final ClusterNode[] ab = cluster(lab, tmp);
            final ClusterNode a = ab[0];
            final ClusterNode b = ab[1];
            hold(lab, 3);
            ClusterNode.waitFor(() -> a.states(5203).size() == 3 && b.states(5203).size() == 3, 15,
                    "three connections' states on both firewalls");
            final Lab.Result flush = a.admin("flush", "states");
            assertEquals(0, flush.exit(), flush.output());
            assertTrue(flush.output().contains("CLR sent for creator"), flush.output());
            assertTrue(a.states(-1).isEmpty(), "fwA's table is empty");
            ClusterNode.waitFor(() -> b.states(5203).isEmpty(), 10, "fwA's CLR emptied fwB");
            final List<?> clrB = (List<?>) ClusterNode.map(b.sync().get("actions")).get("clr");
            final List<?> clrA = (List<?>) ClusterNode.map(a.sync().get("actions")).get("clr");
            assertTrue(((Long) clrB.get(0)) >= 1, "fwB received CLR: " + clrB);
            assertTrue(((Long) clrA.get(1)) >= 1, "fwA sent CLR: " + clrA);
            assertEquals(0, a.stop(), a.logText());
            assertEquals(0, b.stop(), b.logText());
        }
    }
}
