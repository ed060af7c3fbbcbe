package io.tandem.engine.system;

import static io.tandem.engine.system.ClusterNode.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Nothing is lost: Tandem ({@code scripts/tandem run} in tdm-fwA, journaling to a real Chronicle
 * Queue directory) is killed with SIGKILL in the middle of an iperf3 transfer and while an idle TCP
 * connection is open, and restarted. Both connections survive, and after the restart their packets
 * hit the states recovered from the journal, not the rules (the rules would drop them: `flags S/SA`
 * matches only SYNs). Run twice: fail-closed (no --queue-bypass: packets wait or are dropped while
 * the engine is down, TCP retransmits) and with --queue-bypass (packets pass unfiltered meanwhile).
 */
@Tag("system")
class RestartSystemTest {
    private static final int QUEUE = 258;

    @BeforeAll
    static void check() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")), "build the jar first");
    }

    @AfterAll
    static void labDown() {
        if (Lab.isRoot()) {
            Lab.lab("down", "--kill");
        }
    }

    @ParameterizedTest(name = "bypass={0}")
    @ValueSource(booleans = {false, true})
    void connectionsSurviveKillMinus9AndRestart(final boolean bypass, @TempDir final Path tmp) throws Exception {
        if (bypass) {
            Lab.lab("up", "--queue", Integer.toString(QUEUE), "--bypass");
        } else {
            Lab.lab("up", "--queue", Integer.toString(QUEUE));
        }
        Lab.run(5, "chmod", "755", tmp.toString());
        final int metricsPort = 9150 + (bypass ? 1 : 0);
        final Path conf = tmp.resolve("restart.conf");
        Files.writeString(conf, String.join("\n",
                "set queue " + QUEUE,
                "set metrics \"127.0.0.1:" + metricsPort + "\"",
                "set control \"" + tmp.resolve("tandem.sock") + "\"",
                "set journal dir \"" + tmp.resolve("journal") + "\"",
                "set journal snapshot 2",
                "block all",
                "pass proto tcp to port { 5201 5202 }",
                ""));
        try (Lab lab = new Lab()) {
            Process engine = startEngine(lab, conf, tmp.resolve("engine-1.log"));

            // An idle connection on 5202, driven through a FIFO, and a 12-second iperf3 transfer on 5201.
            final Path received = tmp.resolve("idle-received.txt");
            final Process idleServer = lab.spawn(Lab.SERVER, received, "nc", "-l", "5202");
            lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
            Thread.sleep(400);
            final Path fifo = tmp.resolve("idle-input");
            assertTrue(Lab.run(5, "mkfifo", fifo.toString()).ok());
            lab.spawn(Lab.CLIENT, tmp.resolve("idle-client.log"), "sh", "-c", "nc " + Lab.SERVER_V4 + " 5202 < " + fifo);
            try (OutputStream idle = Files.newOutputStream(fifo)) {
                idle.write("before\n".getBytes(StandardCharsets.US_ASCII));
                idle.flush();
                waitFor(() -> Files.readString(received).contains("before"), 10, "the idle connection carries data");
                final Path iperfJson = tmp.resolve("iperf.json");
                final Process iperf = lab.spawn(Lab.CLIENT, iperfJson, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201",
                        "-t", "12", "-J");
                Thread.sleep(4000); // two snapshot passes: both connections are in a complete epoch

                // kill -9 and restart.
                Lab.run(5, "kill", "-KILL", Long.toString(engine.pid()));
                assertTrue(engine.waitFor(10, TimeUnit.SECONDS));
                engine = startEngine(lab, conf, tmp.resolve("engine-2.log"));
                final String log2 = Files.readString(tmp.resolve("engine-2.log"));
                final Matcher recovered = Pattern.compile("recovered (\\d+) states").matcher(log2);
                assertTrue(recovered.find(), log2);
                assertTrue(Integer.parseInt(recovered.group(1)) >= 3,
                        "the iperf3 control and data connections and the idle one were recovered: " + log2);

                assertTrue(iperf.waitFor(40, TimeUnit.SECONDS), "iperf3 finished");
                assertEquals(0, iperf.exitValue(), "iperf3 was not reset: " + Files.readString(iperfJson));
                final String json = Files.readString(iperfJson);
                assertTrue(!json.contains("\"error\""), json);

                idle.write("after\n".getBytes(StandardCharsets.US_ASCII));
                idle.flush();
                waitFor(() -> Files.readString(received).contains("after"), 15,
                        "the idle connection still works after the restart");
                assertTrue(idleServer.isAlive(), "the idle connection was not reset");

                final String metrics = Lab.exec(Lab.FW_A, 10, "curl", "-s",
                        "127.0.0.1:" + metricsPort + "/metrics").output();
                assertEquals(0.0, sample(metrics, "tandem_rule_packets_total", "rule=\"1\""), 0.0,
                        "after the restart no packet of those connections needed the rules");
                assertTrue(sample(metrics, "tandem_state_matches_total", "result=\"pass\"") > 1000,
                        "they passed by the recovered states:\n" + metrics);
            } finally {
                Lab.run(5, "kill", "-TERM", Long.toString(engine.pid()));
                engine.waitFor(15, TimeUnit.SECONDS);
            }
            assertEquals(0, engine.exitValue(), Files.readString(tmp.resolve("engine-2.log")));
        }
    }

    private static Process startEngine(final Lab lab, final Path conf, final Path log) throws Exception {
        final Process p = lab.spawn(Lab.FW_A, log, Lab.root().resolve("scripts/tandem").toString(), "run", "--set", "user none", "-f",
                conf.toString());
        waitFor(() -> Files.exists(log) && Files.readString(log).contains("recovered"), 30,
                "the engine starts (log " + log + ")");
        return p;
    }

    private static double sample(final String metrics, final String name, final String label) {
        double sum = 0;
        boolean found = false;
        for (final String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        if (!found) {
            throw new AssertionError("no " + name + "{" + label + "} in:\n" + metrics);
        }
        return sum;
    }

}
