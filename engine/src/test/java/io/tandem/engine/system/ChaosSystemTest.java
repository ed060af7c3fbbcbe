package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos run (issue #14), driven by {@code scripts/chaos}: the faults of the other reliability
 * tests together, against the two-firewall lab on split paths (client via fwA, server via fwB), for
 * {@code -Dtandem.chaos.minutes} minutes (default 2) under an iperf3 transfer, pings, held-open
 * connections and a new short connection every two seconds. Throughout, 10% of the pfsync frames
 * each firewall sends are lost. Each minute:
 * <ul>
 *   <li>at 5 s and 35 s fwB's engine is killed with SIGKILL and started again at once;</li>
 *   <li>at 20 s a 10 s state flood: ten times {@code set limit states} new UDP flows per second;</li>
 *   <li>at 30 s fwA's journal disk (a tmpfs) is filled below the journal's reserve, and freed at 45 s.</li>
 * </ul>
 * Then the faults stop, the cluster gets 20 s to settle, fwA is killed and started again, and the run
 * reports, against the goal of 0 each:
 * <ul>
 *   <li><b>connections reset</b>: the transfer or a held connection ended early;</li>
 *   <li><b>packets lost to the engine</b>: the kernel's queue drops (queue full or failed to reach
 *       Tandem, /proc/net/netfilter/nfnetlink_queue) on both firewalls, fwB's summed over its lives;</li>
 *   <li><b>states diverged</b>: identities or half states that differ between the two tables after
 *       the settle time;</li>
 *   <li><b>records lost</b>: state changes that reached neither the journal nor the peers
 *       ({@code tandem_journal_lost_total}), peers' messages dropped by a full inbox, and states fwA
 *       held before its final kill that its own journal did not give back.</li>
 * </ul>
 * Short connections that failed while fwB was down (their packets cross a firewall without an engine,
 * and the NFQUEUE rule drops them) are reported beside these, as are the records that were not
 * journaled while the disk was full but reached the peers. The report goes to standard output and to
 * {@code engine/target/chaos-report.txt}; the test fails when a goal is missed.
 */
@Tag("chaos")
class ChaosSystemTest {
    private static final int QUEUE = 268;
    private static final int LIMIT = 2000;
    private static final String RULES = String.join("\n",
            "set sync defer-timeout 100",
            "set limit states " + LIMIT,
            "set journal snapshot 5",
            "set timeout { udp.first 10, udp.single 10, udp.multiple 10 }",
            "block all",
            "pass proto { icmp icmp6 }",
            "pass proto tcp from 198.18.1.0/24 to port { 5201 5203 }",
            "pass proto udp from 198.18.1.0/24 to port 10000:59999",
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
    void chaos() throws Exception {
        final int minutes = Integer.getInteger("tandem.chaos.minutes", 2);
        final Path flood = tmp.resolve("udp-flood");
        final Lab.Result cc = Lab.run(60, "gcc", "-O2", "-Wall", "-o", flood.toString(),
                Lab.root().resolve("bench/c/udp-flood.c").toString());
        assertTrue(cc.ok(), cc.output());
        Lab.run(5, "chmod", "755", tmp.toString());
        final Path journal = tmp.resolve("journal-A");
        Files.createDirectories(journal);
        assertTrue(Lab.run(10, "mount", "-t", "tmpfs", "-o", "size=192m,mode=0700", "tandem-chaos",
                journal.toString()).ok());
        mounted = journal;
        final Path filler = journal.resolve("filler");

        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUE, "set sync peer \"198.18.3.2\"\n" + RULES).start();
            final ClusterNode b = new ClusterNode(lab, tmp, "B", QUEUE, "set sync peer \"198.18.3.1\"\n" + RULES).start();
            for (final String fw : new String[] {Lab.FW_A, Lab.FW_B}) {
                assertTrue(Lab.exec(fw, 10, "iptables", "-I", "OUTPUT", "-o", "sync0", "-p", "240", "-m", "statistic",
                        "--mode", "random", "--probability", "0.1", "-j", "DROP").ok());
            }
            assertTrue(Lab.exec(Lab.SERVER, 10, "iptables", "-I", "INPUT", "-p", "udp", "--dport", "10000:59999", "-j",
                    "DROP").ok());
            lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
            lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5203 >/dev/null & sleep 0.1; done");
            Thread.sleep(500);
            final int seconds = minutes * 60 + 10;
            final Process iperf = lab.spawn(Lab.CLIENT, tmp.resolve("iperf.txt"), "iperf3", "-c", Lab.SERVER_V4,
                    "-p", "5201", "-t", Integer.toString(seconds), "-b", "20M");
            final Process ping = lab.spawn(Lab.CLIENT, tmp.resolve("ping.txt"), "ping", "-i", "0.2", "-w",
                    Integer.toString(seconds), Lab.SERVER_V4);
            final List<Process> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(lab.spawn(Lab.CLIENT, null, "sh", "-c", "sleep " + (seconds + 120) + " | nc " + Lab.SERVER_V4
                        + " 5203"));
                Thread.sleep(200);
            }
            final AtomicInteger shortOk = new AtomicInteger();
            final AtomicInteger shortFailed = new AtomicInteger();
            final Thread shorts = new Thread(() -> {
                final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(minutes * 60L);
                while (System.nanoTime() < end) {
                    if (Lab.exec(Lab.CLIENT, 10, "sh", "-c", "echo x | nc -N -w 3 " + Lab.SERVER_V4 + " 5203").ok()) {
                        shortOk.incrementAndGet();
                    } else {
                        shortFailed.incrementAndGet();
                    }
                    try {
                        Thread.sleep(2000);
                    } catch (final InterruptedException e) {
                        return;
                    }
                }
            }, "chaos-short-connections");
            shorts.start();

            long queueDropsB = 0;
            int kills = 0;
            int floods = 0;
            int diskFulls = 0;
            final long start = System.nanoTime();
            for (int minute = 0; minute < minutes; minute++) {
                final long base = start + TimeUnit.MINUTES.toNanos(minute);
                at(base, 5);
                queueDropsB += queueDrops(Lab.FW_B);
                b.kill();
                b.start();
                kills++;
                at(base, 20);
                lab.spawn(Lab.CLIENT, null, flood.toString(), "flows", "-d", Lab.SERVER_V4, "-r",
                        Integer.toString(LIMIT * 10), "-t", "10");
                floods++;
                at(base, 30);
                final long free = Files.getFileStore(journal).getUsableSpace();
                assertTrue(Lab.run(30, "fallocate", "-l", Long.toString(free - (32L << 20)), filler.toString()).ok());
                diskFulls++;
                at(base, 35);
                queueDropsB += queueDrops(Lab.FW_B);
                b.kill();
                b.start();
                kills++;
                at(base, 45);
                Files.deleteIfExists(filler);
                at(base, 60);
            }
            shorts.join(TimeUnit.SECONDS.toMillis(30));

            // The faults stop; the cluster settles.
            for (final String fw : new String[] {Lab.FW_A, Lab.FW_B}) {
                Lab.exec(fw, 10, "iptables", "-D", "OUTPUT", "-o", "sync0", "-p", "240", "-m", "statistic", "--mode",
                        "random", "--probability", "0.1", "-j", "DROP");
            }
            final boolean iperfDone = iperf.waitFor(60, TimeUnit.SECONDS);
            final boolean transferReset = !iperfDone || iperf.exitValue() != 0;
            int heldReset = 0;
            for (final Process p : held) {
                heldReset += p.isAlive() ? 0 : 1;
            }
            final String[] diff = {""};
            try {
                ClusterNode.waitFor(() -> {
                    diff[0] = ClusterNode.diff(a.halfStates(5201, 5203), b.halfStates(5201, 5203));
                    return diff[0].isEmpty();
                }, 20, "the tables converge");
            } catch (final AssertionError e) {
                // reported below
            }
            final int diverged = diff[0].isEmpty() ? 0 : (int) diff[0].lines().count();
            final long queueDropsA = queueDrops(Lab.FW_A);
            queueDropsB += queueDrops(Lab.FW_B);

            final String m = a.metrics();
            final double journalDropped = ClusterNode.sample(m, "tandem_journal_dropped_total ");
            final double sentWithout = ClusterNode.sample(m, "tandem_journal_sent_without_journal_total ");
            double lostToPeers = 0;
            for (final ClusterNode n : new ClusterNode[] {a, b}) {
                lostToPeers += n.sum("tandem_journal_lost_total ");
            }
            double inboxDropped = 0;
            for (final ClusterNode n : new ClusterNode[] {a, b}) {
                inboxDropped += n.sum("tandem_pfsync_peer_states_total{result=\"dropped\"");
            }
            final Set<String> beforeKill = a.identities(5201, 5203);
            a.kill();
            a.start();
            final Matcher rec = Pattern.compile("recovered (\\d+) states").matcher(a.logText());
            final int recovered = rec.find() ? Integer.parseInt(rec.group(1)) : -1;
            final Set<String> afterRecovery = a.identities(5201, 5203);
            final Set<String> missing = new TreeSet<>(beforeKill);
            missing.removeAll(afterRecovery);
            final long recordsLost = Math.round(lostToPeers + inboxDropped) + missing.size();
            final long packetsLost = queueDropsA + queueDropsB;
            final int resets = (transferReset ? 1 : 0) + heldReset;

            ping.waitFor(30, TimeUnit.SECONDS);
            final String pingSummary = Files.readString(tmp.resolve("ping.txt")).lines()
                    .filter(l -> l.contains("packet loss")).findFirst().orElse("(no ping summary)");
            final String report = String.join("\n",
                    "chaos: " + minutes + " min on split paths, 10% pfsync loss throughout; " + kills + " kills of fwB, "
                        + floods + " state floods (10 s at " + LIMIT * 10 + " new flows/s), " + diskFulls
                        + " full journal disks on fwA",
                    "  connections reset:        " + resets + " (transfer " + (transferReset ? "RESET" : "ok") + ", held "
                        + (held.size() - heldReset) + "/" + held.size() + " open)",
                    "  packets lost to engine:   " + packetsLost + " (kernel queue drops: fwA " + queueDropsA + ", fwB "
                        + queueDropsB + ")",
                    "  states diverged:          " + diverged + (diverged == 0 ? "" : "\n" + diff[0].indent(4)),
                    "  records lost:             " + recordsLost + " (changes neither journaled nor sent to the peers "
                        + Math.round(lostToPeers) + ", peer inbox drops " + Math.round(inboxDropped)
                        + ", states missing after fwA's kill and recovery " + missing.size() + " of " + beforeKill.size()
                        + ", recovered " + recovered + ")",
                    "  not journaled while fwA's disk was full: " + Math.round(journalDropped) + " records, "
                        + Math.round(sentWithout) + " of them sent to the peers without the journal (the rest were"
                        + " peers' own changes)",
                    "  beside the goals: short connections " + shortOk.get() + " made, " + shortFailed.get()
                        + " failed (fwB down or a flood's refusals); ping: " + pingSummary);
            System.out.println(report);
            Files.writeString(Lab.root().resolve("engine/target/chaos-report.txt"), report + "\n");
            assertTrue(resets == 0 && packetsLost == 0 && diverged == 0 && recordsLost == 0, report);
            a.stop();
            b.stop();
        }
    }

    /** Sleeps until {@code second} seconds after {@code base} (nanoTime). */
    private static void at(final long base, final int second) throws InterruptedException {
        final long wait = base + TimeUnit.SECONDS.toNanos(second) - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
        }
    }

    /** Kernel drops of the queue in a firewall: queue_dropped + user_dropped (0 when no one listens). */
    private static long queueDrops(final String fw) {
        final long[] row = Lab.procQueueRow(fw, QUEUE);
        return row == null ? 0 : row[5] + row[6];
    }
}
