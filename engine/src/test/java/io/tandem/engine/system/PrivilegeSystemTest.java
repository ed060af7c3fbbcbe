package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.engine.privileges.ThreadCredentials;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code set user} on a real engine: {@code scripts/tandem run} started as root inside tdm-fwA with
 * {@code set user nobody}. Every thread of the process runs as nobody; the packet thread alone (with the journal
 * thread, started from the same thread) keeps CAP_NET_ADMIN, and it still binds, gives verdicts (traffic passes)
 * and journals (files owned by nobody, records counted); the servers' threads have no capability; the admin
 * socket bound as root before the switch still answers root's {@code tandem states}. Run by the lead with the
 * lab: {@code mvn -o -B verify -pl native-bindings,engine -Dtandem.test.groups=system
 * -Dtandem.test.excludedGroups= -Dtest=PrivilegeSystemTest} (after {@code mvn -DskipTests package}).
 */
@Tag("system")
class PrivilegeSystemTest {
    private static final int QUEUE = 263;
    private static final int METRICS_PORT = 9123;
    private static final long CAP_NET_ADMIN = 1L << 12;

    @BeforeAll
    static void labUp() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")),
                "engine/target/tandem.jar is missing: run `mvn -DskipTests package` before the system tests");
        Lab.lab("up", "--queue", Integer.toString(QUEUE));
    }

    @AfterAll
    static void labDown() {
        if (Lab.isRoot()) {
            Lab.lab("down", "--kill");
        }
    }

    @Test
    void theEngineRunsAsNobodyWithOnlyThePacketThreadsCapabilityAndStillFiltersAndJournals() throws Exception {
        // Not @TempDir (root's, 0700): nobody must reach the journal below it.
        final Path tmp = Files.createTempDirectory("tandem-privs");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path conf = tmp.resolve("tandem.conf");
        final Path journal = tmp.resolve("journal");
        final Path socket = tmp.resolve("tandem.sock");
        Files.writeString(conf, "set user nobody\nset metrics \"127.0.0.1:" + METRICS_PORT + "\"\nset control \""
                + socket + "\"\nset journal dir \"" + journal + "\"\npass all\n");
        final Path log = tmp.resolve("tandem.log");
        final Process engine = new ProcessBuilder("ip", "netns", "exec", Lab.FW_A,
                Lab.root().resolve("scripts/tandem").toString(), "run", "-f", conf.toString(), "--queue",
                Integer.toString(QUEUE)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Lab.waitForText(log, "bound queue " + QUEUE, 60);
            final String started = Files.readString(log);
            assertTrue(started.matches("(?s).*tandem: running as nobody \\(uid 65534, gid \\d+\\): all \\d+ threads"
                    + " switched; cap_net_admin kept for the packet and sync threads only; journal " + journal
                    + " \\(created, nobody, 0700\\).*"), started);

            // Every thread: nobody; capabilities only on the threads started before the main thread let go.
            final List<ThreadCredentials> threads = ThreadCredentials.ofTasks(Path.of("/proc/" + engine.pid() + "/task"));
            final List<String> report = new ArrayList<>();
            ThreadCredentials packet = null;
            for (final ThreadCredentials t : threads) {
                report.add(t.toString());
                assertEquals(65534, t.uids()[0], t.toString());
                assertTrue(t.runsAs(65534, t.gids()[0]), t.toString());
                assertEquals(0, t.capPrm() & ~CAP_NET_ADMIN, "no capability but CAP_NET_ADMIN: " + t);
                if (t.name().startsWith("tandem-queue")) {
                    packet = t;
                }
                if (t.name().startsWith("tandem-control") || t.name().startsWith("tandem-metrics")
                        || t.name().startsWith("tandem-watchdog") || t.name().startsWith("tandem-links")) {
                    assertEquals(0, t.capEff(), "servers' threads have none: " + t);
                }
            }
            assertTrue(packet != null, "a tandem-queue thread among " + report);
            assertEquals(CAP_NET_ADMIN, packet.capEff(), "the packet thread sends verdicts: CAP_NET_ADMIN effective");
            System.out.println("threads of the engine:\n  " + String.join("\n  ", report));

            // It still filters: traffic through fwA passes (every packet needs a verdict the packet thread sends).
            final Lab.Result ping = Lab.exec(Lab.CLIENT, 30, "ping", "-c", "3", "-W", "2", Lab.SERVER_V4);
            assertTrue(ping.ok(), ping.output());

            // It journals as nobody.
            Thread.sleep(2000);
            final Lab.Result scrape = Lab.exec(Lab.FW_A, 20, "curl", "-sf", "http://127.0.0.1:" + METRICS_PORT + "/metrics");
            assertTrue(scrape.ok(), scrape.output());
            assertTrue(scrape.output().lines().anyMatch(l -> l.startsWith("tandem_journal_records_total")
                    && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) > 0), scrape.output());
            assertTrue(scrape.output().contains("tandem_agent_up{agent=\"queue-" + QUEUE + "\",} 1.0"), scrape.output());
            int files = 0;
            try (DirectoryStream<Path> d = Files.newDirectoryStream(journal)) {
                for (final Path f : d) {
                    assertEquals(65534, Files.getAttribute(f, "unix:uid"), f + " belongs to nobody");
                    files++;
                }
            }
            assertTrue(files > 0, "journal files in " + journal);

            // The admin socket, root's since it was bound before the switch, answers root.
            assertEquals(0, Files.getAttribute(socket, "unix:uid"));
            final Lab.Result states = Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "states",
                    "--socket", socket.toString());
            assertTrue(states.ok(), states.output());
        } finally {
            Lab.run(10, "kill", "-TERM", Long.toString(engine.pid()));
            if (!engine.waitFor(20, TimeUnit.SECONDS)) {
                engine.destroyForcibly();
            }
        }
        final String out = Files.readString(log);
        assertEquals(0, engine.exitValue(), out);
        assertTrue(out.contains("tandem: stopped: "), out);
    }
}
