package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as an administrator uses it: {@code scripts/tandem run} inside tdm-fwA, started
 * and stopped as a process. Checks the one-line explanations and exit codes of the setup failures
 * (queue owned by another process, no CAP_NET_ADMIN, no iptables rule), and that SIGTERM (with SIGINT
 * ignored, as in a shell's background job) and SIGINT flush, unbind, print the summary once and exit 0. Needs engine/target/tandem.jar (scripts/test builds it first).
 */
@Tag("system")
class CliSystemTest {
    private static final int QUEUE = 258;

    @BeforeAll
    static void labUp() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")),
                "engine/target/tandem.jar is missing: run `mvn -DskipTests package` before the system tests");
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--bypass");
    }

    @AfterAll
    static void labDown() {
        if (Lab.isRoot()) {
            Lab.lab("down", "--kill");
        }
    }

    private static String tandem() {
        return Lab.root().resolve("scripts/tandem").toString();
    }

    private static Path conf(final Path dir) throws Exception {
        final Path f = dir.resolve("cli.conf");
        Files.writeString(f, "set user none\nset metrics none\nset control \"" + dir.resolve("tandem.sock") + "\"\n"
                + "set journal dir \"" + dir.resolve("journal") + "\"\npass all\n");
        return f;
    }

    @Test
    void sigtermAndSigintStopCleanlyWithExitZeroAndASecondInstanceIsRefused(@TempDir final Path tmp) throws Exception {
        for (final String signal : new String[] {"TERM", "INT"}) {
            final Path log = tmp.resolve("tandem-" + signal + ".log");
            final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", Lab.FW_A, tandem(), "run",
                    "-f", conf(tmp).toString(), "--queue", Integer.toString(QUEUE)));
            if (signal.equals("TERM")) {
                // as a shell starts a background job: SIGINT ignored, which must not cost SIGTERM its handler
                command.addAll(0, List.of("sh", "-c", "trap '' INT; exec \"$@\"", "sh"));
            }
            final Process first = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                Lab.waitForText(log, "bound queue " + QUEUE, 30);

                // A second engine on the same queue: refused with the owner's port id, exit 1.
                final Lab.Result second = Lab.exec(Lab.FW_A, 60, tandem(), "run", "--set", "user none", "-f", conf(tmp).toString(),
                        "--queue", Integer.toString(QUEUE), "--set", "control \"" + tmp.resolve("second.sock") + "\"",
                        "--set", "journal dir \"" + tmp.resolve("second-journal") + "\"");
                assertEquals(1, second.exit(), second.output());
                assertTrue(second.output().contains("queue " + QUEUE + " is already bound by netlink port id"),
                        second.output());

                // Traffic flows through the first one.
                final Lab.Result ping = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "3", "-i", "0.2", "-W", "2", Lab.SERVER_V4);
                assertTrue(ping.ok(), ping.output());

                // The live table through the admin socket, as pfctl -ss -v and as JSON.
                final String sock = tmp.resolve("tandem.sock").toString();
                final Lab.Result states = Lab.run(60, tandem(), "states", "--socket", sock);
                assertEquals(0, states.exit(), states.output());
                assertTrue(states.output().contains("all icmp " + Lab.SERVER_V4 + ":"), states.output()); // pfctl: IPv4 "addr:port"
                assertTrue(states.output().contains("3:3 pkts"), states.output());
                final Lab.Result json = Lab.run(60, tandem(), "states", "--socket", sock, "--json");
                assertTrue(json.output().contains("\"proto\":1") && json.output().contains("\"src\":\"" + Lab.CLIENT_V4),
                        json.output());

                Lab.run(10, "kill", "-" + signal, Long.toString(first.pid()));
                assertTrue(first.waitFor(15, TimeUnit.SECONDS), "tandem stops after SIG" + signal);
                final String out = Files.readString(log);
                assertEquals(0, first.exitValue(), out);
                assertTrue(out.contains("tandem: stopped: "), out);
                assertEquals(out.indexOf("tandem: stopped: "), out.lastIndexOf("tandem: stopped: "), "stopped once: " + out);
                assertTrue(out.contains(" 0 netlink errors"), out);
                assertEquals(null, Lab.procQueueRow(Lab.FW_A, QUEUE), "the queue is unbound after exit");
            } finally {
                first.destroyForcibly();
            }
        }
    }

    @Test
    void missingIptablesRuleIsExplained(@TempDir final Path tmp) throws Exception {
        final Lab.Result r = Lab.exec(Lab.FW_A, 60, tandem(), "run", "--set", "user none", "-f", conf(tmp).toString(), "--queue", "300");
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("no iptables or ip6tables rule sends packets to queue 300; add one"), r.output());
    }

    @Test
    void missingCapNetAdminIsExplained(@TempDir final Path tmp) throws Exception {
        final Path conf = conf(tmp);
        Lab.run(5, "chmod", "755", tmp.toString());
        Lab.run(5, "chmod", "644", conf.toString());
        // The unprivileged user may not be able to enter the checkout (a clone in a mode-700 temp
        // directory): give it its own readable copy of the launcher and the distribution.
        final Path dist = tmp.resolve("dist");
        Files.createDirectories(dist.resolve("scripts"));
        Files.createDirectories(dist.resolve("engine/target"));
        assertTrue(Lab.run(60, "cp", tandem(), dist.resolve("scripts/tandem").toString()).ok());
        assertTrue(Lab.run(60, "cp", "-r", Lab.root().resolve("engine/target/tandem.jar").toString(),
                Lab.root().resolve("engine/target/lib").toString(), dist.resolve("engine/target").toString()).ok());
        assertTrue(Lab.run(30, "chmod", "-R", "a+rX", dist.toString()).ok());
        final Lab.Result r = Lab.exec(Lab.FW_A, 60, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", dist.resolve("scripts/tandem").toString(), "run", "--set", "user none", "-f",
                conf.toString(),
                "--queue", Integer.toString(QUEUE));
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("CAP_NET_ADMIN is missing"), r.output());
    }

    @Test
    void badConfigurationNamesFileLineColumnWithExitTwo(@TempDir final Path tmp) throws Exception {
        final Path bad = tmp.resolve("bad.conf");
        Files.writeString(bad, "set queue 1\npass proto tcp from any port 99999\n");
        final Lab.Result r = Lab.run(60, tandem(), "run", "--set", "user none", "-f", bad.toString());
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains(bad + ":2:"), r.output());
    }

}
