package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An idle cluster node wakes for packets, records and requests, not for a timer: two engines with
 * pfsync (deferral on) carry a few TCP connections, then sit idle.
 * <ul>
 * <li>With the connections' states still in the tables, over 5 s the journal thread of each must wait
 *     at most 100 times (its once-a-second disk check and the odd record, each wake-up followed by two
 *     1-ms parks, so three waits: 11 to 48 in the runs so far; the sync thread's reads of the journal do
 *     not wake it). Before it slept until a record came it parked 1 ms at a time with pfsync on: about
 *     5,000 times in 5 s. The packet thread, with states to expire and snapshot, must wait at most 150
 *     times: ten times a second once it has had nothing to do for 100 ms, and at each trailing report
 *     or repeat due to the peer (72 and 87 in the first run; about 500 when it woke every 10 ms). The
 *     sync thread must wait at most 100 times: for frames, records and its own timers (the outbox's
 *     flush, the retry of a bulk request no peer answered yet), and 10-ms polls for 30 ms after each bit
 *     of work (28 and 39 in the first run; fwA's about 500 when a waiting outbox or an unanswered bulk
 *     request kept it polling every 10 ms: fwA starts first, so its first request goes unanswered).</li>
 * <li>After {@code tandem flush states} on both, the tables are empty: over the next 5 s the packet
 *     thread and the sync thread of each must wait at most 50 times (about once a second: 5 in the
 *     first runs; about 500 each when they woke every 10 ms), the journal thread at most 100 as above.</li>
 * </ul>
 * Counts from /proc/PID/task/TID/status ({@code voluntary_ctxt_switches}), a count, not a time.
 */
@Tag("system")
@ExtendWith(LabPerTest.class)
class IdleEngineSystemTest {
    @TempDir
    Path tmp;

    @Test
    void anIdleNodesJournalThreadWakesForRecordsNotForATimer() throws Exception {
        Lab.lab("up", "--queue", "340", "--layout", "split");
        Lab.run(5, "chmod", "755", tmp.toString());
        try (Lab lab = new Lab()) {
            final String rules = "block all\npass proto tcp from 198.18.1.0/24 to port 5202\n";
            final ClusterNode a = new ClusterNode(lab, tmp, "A", 340, "set sync peer \"198.18.3.2\"\n" + rules);
            final ClusterNode b = new ClusterNode(lab, tmp, "B", 340, "set sync peer \"198.18.3.1\"\n" + rules);
            a.start();
            b.start();
            lab.spawn(Lab.SERVER, null, "sh", "-c", "while true; do nc -l 5202 >/dev/null; done");
            Thread.sleep(500);
            for (int i = 0; i < 5; i++) {
                assertTrue(Lab.exec(Lab.CLIENT, 20, "nc", "-z", "-w", "2", Lab.SERVER_V4, "5202").ok(),
                        "connect " + i + " through the split path");
            }
            Thread.sleep(2000); // the connections' records are journaled and synced; then nothing happens
            final List<Map<String, Long>> busy = waitsIn5s(a, b, "idle cluster");
            for (final Map<String, Long> d : busy) {
                assertTrue(d.get("tandem-journal") <= 100, "the idle journal thread woke on a timer: " + busy);
                assertTrue(d.get("tandem-queue-34") <= 150, "the packet thread woke every 10 ms: " + busy);
                assertTrue(d.get("tandem-sync") <= 100, "the sync thread woke every 10 ms: " + busy);
            }

            assertTrue(a.admin("flush", "states").ok());
            assertTrue(b.admin("flush", "states").ok());
            ClusterNode.waitFor(() -> a.states(-1).isEmpty() && b.states(-1).isEmpty(), 10, "both tables empty");
            Thread.sleep(1000);
            final List<Map<String, Long>> empty = waitsIn5s(a, b, "idle cluster, empty tables");
            for (final Map<String, Long> d : empty) {
                // comm holds 15 characters: tandem-queue-340 is tandem-queue-34
                assertTrue(d.get("tandem-queue-34") <= 50, "the idle packet thread woke on a timer: " + empty);
                assertTrue(d.get("tandem-journal") <= 100, "the idle journal thread woke on a timer: " + empty);
                assertTrue(d.get("tandem-sync") <= 50, "the idle sync thread woke on a timer: " + empty);
            }
            a.stop();
            b.stop();
        }
    }

    /** Each node's waits per thread over the next 5 s (fwA's, fwB's), printed under {@code what}. */
    private static List<Map<String, Long>> waitsIn5s(final ClusterNode a, final ClusterNode b, final String what)
            throws Exception {
        final Map<String, Long> beforeA = switches(a.pid());
        final Map<String, Long> beforeB = switches(b.pid());
        Thread.sleep(5000);
        final List<Map<String, Long>> d = List.of(delta(beforeA, switches(a.pid())), delta(beforeB, switches(b.pid())));
        System.out.println(what + ", thread waits in 5 s: fwA " + d.get(0) + "; fwB " + d.get(1));
        for (final Map<String, Long> node : d) {
            assertTrue(node.containsKey("tandem-journal") && node.containsKey("tandem-queue-34")
                    && node.containsKey("tandem-sync"), "threads: " + d);
        }
        return d;
    }

    /** Per thread name (tandem-*), voluntary context switches (waits) so far. */
    private static Map<String, Long> switches(final long pid) throws Exception {
        final Map<String, Long> out = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (final Path task : (Iterable<Path>) tasks::iterator) {
                final String name;
                final String status;
                try {
                    name = Files.readString(task.resolve("comm")).trim();
                    status = Files.readString(task.resolve("status"));
                } catch (final java.io.IOException gone) {
                    continue; // a thread that ended meanwhile
                }
                if (!name.startsWith("tandem-")) {
                    continue;
                }
                long n = 0;
                for (final String line : status.split("\n")) {
                    if (line.startsWith("voluntary_ctxt_switches:")) { // each one a wait: a wake-up follows
                        n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
                out.merge(name, n, Long::sum);
            }
        }
        return out;
    }

    private static Map<String, Long> delta(final Map<String, Long> before, final Map<String, Long> after) {
        final Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
        return d;
    }
}
