package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk while synced (issue #14): fwA's journal directory is a small tmpfs, and a file fills it
 * below the journal's 64 MiB reserve while connections cross the two firewalls on split paths. The
 * journal suspends (log, {@code tandem_journal_suspended}); filtering goes on and so does pfsync — new
 * connections made meanwhile pass, and fwB learns their states (their records reach the sync agent
 * without the journal: {@code tandem_journal_sent_without_journal}), and a state killed at fwA is removed
 * at fwB. When the file is removed the
 * journal resumes, its rolling snapshot writes every state again, and fwA killed with SIGKILL and
 * started again recovers from its own journal every state it held, those made during the suspension
 * included. The transfer and the held connections outlive it all.
 */
@Tag("system")
class DiskFullSystemTest {
    private static final int QUEUE = 266;
    private static final long RESERVE = 64L << 20;
    private static final String RULES = String.join("\n",
            "set sync defer-timeout 100",
            "set journal snapshot 2",
            "block all",
            "pass proto { icmp icmp6 }",
            "pass proto tcp from 198.18.1.0/24 to port { 5201 5203 }",
            "");

    @TempDir
    Path tmp;
    private Path mounted;

    @BeforeAll
    static void needsRoot() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")), "build the jar first");
    }

    @AfterEach
    void labDown() {
        Lab.lab("down", "--kill");
        if (mounted != null) {
            Lab.run(10, "umount", mounted.toString());
        }
    }

    @Test
    void filteringAndSyncGoOnWhileTheJournalDiskIsFullAndARestartRecovers() throws Exception {
        Lab.run(5, "chmod", "755", tmp.toString());
        final Path journal = tmp.resolve("journal-A");
        Files.createDirectories(journal);
        final Lab.Result mount = Lab.run(10, "mount", "-t", "tmpfs", "-o", "size=192m,mode=0700", "tandem-test",
                journal.toString());
        assertTrue(mount.ok(), mount.output());
        mounted = journal;

        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUE, "set sync peer \"198.18.3.2\"\n" + RULES).start();
            final ClusterNode b = new ClusterNode(lab, tmp, "B", QUEUE, "set sync peer \"198.18.3.1\"\n" + RULES).start();
            lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
            lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5203 >/dev/null & sleep 0.1; done");
            Thread.sleep(500);
            final Process iperf = lab.spawn(Lab.CLIENT, tmp.resolve("iperf.txt"), "iperf3", "-c", Lab.SERVER_V4,
                    "-p", "5201", "-t", "60", "-b", "20M");
            final List<Process> held = new ArrayList<>();
            hold(lab, held, 2);
            ClusterNode.waitFor(() -> a.identities(5201, 5203).size() >= 4
                    && b.identities(5201, 5203).containsAll(a.identities(5201, 5203)), 15,
                    "both firewalls hold the first connections' states");

            final Set<String> beforeFull = a.identities(5201, 5203);
            // Fill the journal's disk to 32 MiB free, below the 64 MiB reserve.
            final long free = free(journal);
            final Path filler = journal.resolve("filler");
            final Lab.Result fill = Lab.run(30, "fallocate", "-l", Long.toString(free - (32L << 20)), filler.toString());
            assertTrue(fill.ok(), fill.output());
            Lab.waitForText(a.log, "journal: suspended", 10);
            assertEquals(1.0, a.sample("tandem_journal_suspended "));

            final double droppedBefore = a.sample("tandem_journal_dropped_total ");
            hold(lab, held, 3); // new connections while the journal cannot take their records
            ClusterNode.waitFor(() -> a.identities(5201, 5203).size() >= beforeFull.size() + 3, 15,
                    "fwA made the new connections' states");
            final Set<String> madeWhileFull = new TreeSet<>(a.identities(5201, 5203));
            madeWhileFull.removeAll(beforeFull);
            ClusterNode.waitFor(() -> b.identities(5201, 5203).containsAll(a.identities(5201, 5203)), 15,
                    "pfsync goes on: fwB has them all");
            assertTrue(a.sample("tandem_journal_dropped_total ") > droppedBefore, "records were not journaled");
            assertTrue(a.sample("tandem_journal_sent_without_journal_total ") > 0,
                    "they reached the sync agent by the lane");
            for (final Process p : held) {
                assertTrue(p.isAlive(), "every held connection is open");
            }
            // A state removed meanwhile is removed on fwB too: its DELETE reaches the sync agent by the lane
            // and leaves as DEL_C (it once went to the packet thread's INS sender and left as an INS).
            final String removed = madeWhileFull.iterator().next();
            final String[] identity = removed.split("/");
            final Lab.Result killed = a.admin("kill", "id", identity[1] + "/" + identity[0]);
            assertTrue(killed.ok() && killed.output().contains(": 1 state removed"), killed.output());
            ClusterNode.waitFor(() -> !b.identities(5201, 5203).contains(removed), 10,
                    "fwB removed the state fwA killed while its journal was suspended");

            // Free the disk: the journal resumes and its snapshot writes every state again.
            Files.delete(filler);
            Lab.waitForText(a.log, "journal: resumed", 10);
            final Set<String> beforeKill = a.identities(5201, 5203);
            Thread.sleep(5000); // two snapshot passes (set journal snapshot 2)
            a.kill();
            a.start();
            final Matcher m = Pattern.compile("recovered (\\d+) states").matcher(a.logText());
            assertTrue(m.find(), a.logText());
            final int recovered = Integer.parseInt(m.group(1));
            System.out.printf("disk full: %d states held before the kill (%d made while the journal was suspended),"
                    + " %d recovered from the journal%n", beforeKill.size(), madeWhileFull.size(), recovered);
            assertTrue(recovered >= beforeKill.size(), "every state recovered from fwA's own journal: " + recovered
                    + " of " + beforeKill + "\n" + a.logText());
            ClusterNode.waitFor(() -> a.identities(5201, 5203).containsAll(beforeKill), 10, "fwA holds them all again");

            assertTrue(iperf.waitFor(90, TimeUnit.SECONDS), "iperf3 finished");
            assertEquals(0, iperf.exitValue(), "the transfer was never reset:\n" + Files.readString(tmp.resolve("iperf.txt")));
            for (final Process p : held) {
                assertTrue(p.isAlive(), "every held connection is still open");
            }
            assertEquals(0, a.stop(), a.logText());
            assertEquals(0, b.stop(), b.logText());
        }
    }

    private static void hold(final Lab lab, final List<Process> held, final int n) throws Exception {
        for (int i = 0; i < n; i++) {
            held.add(lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep 120 | nc " + Lab.SERVER_V4 + " 5203"));
            Thread.sleep(200);
        }
    }

    private static long free(final Path dir) throws Exception {
        final long usable = Files.getFileStore(dir).getUsableSpace();
        assertTrue(usable > RESERVE + (40L << 20), "the tmpfs has room above the reserve: " + usable);
        return usable;
    }
}
