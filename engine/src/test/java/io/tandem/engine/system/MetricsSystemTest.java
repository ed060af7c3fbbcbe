package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.metrics.MetricsServer;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.rules.Ruleset;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's prometheus package, started by the test on loopback with its
 * own configuration and storage) scrapes the engine's /metrics while real traffic crosses tdm-fwA;
 * the test then asks Prometheus, through its HTTP API, for the counters and compares them with the
 * engine's own.
 */
@Tag("system")
class MetricsSystemTest {
    private static final int QUEUE = 258;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void labUp() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--bypass");
    }

    @AfterAll
    static void labDown() {
        if (Lab.isRoot()) {
            Lab.lab("down", "--kill");
        }
    }

    @Test
    void prometheusScrapesPacketVerdictRuleAndKernelCounters(@TempDir final Path tmp) throws Exception {
        assertTrue(Lab.run(10, "sh", "-c", "command -v prometheus").ok(),
                "prometheus is not installed (scripts/test installs Debian's prometheus package)");
        final TandemConfig config = ConfigParser.parse("metrics.conf",
                "set queue 258\nblock all\npass proto { icmp icmp6 } no state\n");
        final Ruleset ruleset = config.compileRuleset(name -> 0);
        final PacketCounters counters = new PacketCounters(QUEUE);
        final PacketAgent agent = new PacketAgent(new PacketAgentSettings(QUEUE, -1, 256, 8192, true, true,
                8 << 20, 64, true, false, 0, Lab.FW_A), PacketFilter.fromConfig(config, ruleset, counters), counters);
        try (MetricsServer metrics = new MetricsServer(List.of(agent)); Lab lab = new Lab()) {
            metrics.start("127.0.0.1:0");
            agent.start();
            agent.awaitStarted(20, TimeUnit.SECONDS);

            final int promPort = freePort();
            final Path promConfig = tmp.resolve("prometheus.yml");
            Files.writeString(promConfig, String.join("\n",
                    "global:",
                    "  scrape_interval: 1s",
                    "scrape_configs:",
                    "  - job_name: tandem",
                    "    static_configs:",
                    "      - targets: ['127.0.0.1:" + metrics.port() + "']",
                    ""));
            lab.spawnHost(tmp.resolve("prometheus.log"), "prometheus", "--config.file=" + promConfig,
                    "--storage.tsdb.path=" + tmp.resolve("data"), "--web.listen-address=127.0.0.1:" + promPort);

            final Lab.Result ping = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "10", "-i", "0.2", "-W", "2", Lab.SERVER_V4);
            assertTrue(ping.ok(), ping.output());
            final Lab.Result blocked = Lab.exec(Lab.CLIENT, 20, "nc", "-z", "-w", "2", Lab.SERVER_V4, "80");
            assertTrue(!blocked.ok(), blocked.output());

            final long received = counters.get(PacketCounter.PACKETS_RECEIVED);
            final long drops = counters.get(PacketCounter.VERDICT_DROP);
            assertTrue(received >= 20 && drops >= 1, "traffic went through the engine: " + received + "/" + drops);

            // Prometheus scrapes every second; wait until it has seen the final values.
            final String base = "http://127.0.0.1:" + promPort + "/api/v1/query?query=";
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            double seen = -1;
            while (System.nanoTime() < deadline) {
                seen = query(base, "sum(tandem_packets_received_total{queue=\"258\"})");
                if (seen == received) {
                    break;
                }
                Thread.sleep(500);
            }
            assertEquals(received, seen, 0.0, "Prometheus has the engine's packet count");
            assertEquals(drops, query(base, "sum(tandem_verdicts_total{verdict=\"drop\"})"), 0.0);
            assertEquals(counters.get(PacketCounter.VERDICT_ACCEPT),
                    query(base, "sum(tandem_verdicts_total{verdict=\"accept\"})"), 0.0);
            assertEquals(ruleset.packets(1), query(base, "sum(tandem_rule_packets_total{rule=\"1\",action=\"pass\"})"), 0.0);
            assertTrue(ruleset.packets(1) >= 20, "the ICMP rule decided the pings");
            assertEquals(0.0, query(base, "sum(tandem_decode_failures_total)"), 0.0);
            // The kernel's own per-queue counters, read from /proc by the scrape thread: the test JVM's
            // metrics server runs outside tdm-fwA, so it sees the host's (empty) table; the series exists.
            assertTrue(query(base, "count(tandem_kernel_queue_dropped_total)") >= 1);
            assertTrue(query(base, "count(up{job=\"tandem\"} == 1)") >= 1, "the scrape target is up");
        } finally {
            agent.stop();
            agent.awaitStopped(10, TimeUnit.SECONDS);
        }
    }

    private double query(final String base, final String promql) throws Exception {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create(base + URLEncoder.encode(promql, StandardCharsets.UTF_8))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        final Matcher m = Pattern.compile("\"value\":\\[[0-9.e+]+,\"([^\"]+)\"\\]").matcher(r.body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
