package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.engine.tools.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of the Grafana dashboard (grafana/dashboards/tandem.json) returns data from a real
 * cluster. Two engines (tdm-fwA, tdm-fwB, split path, pfsync with deferral, journal on) serve /metrics
 * on their sync addresses; one real Prometheus (Debian's package) runs inside tdm-fwA with its own
 * configuration and storage in a temporary directory, scrapes both every second across sync0 — as
 * grafana/prometheus.yml suggests for a second firewall — and loads grafana/tandem-alerts.yml. After
 * some traffic (ping, a short iperf3, a few new connections, one blocked) the test asks Prometheus'
 * HTTP API for each panel target, with {@code $instance} and {@code $queue} as ".*" and
 * {@code $__rate_interval} as 1m, and requires a non-empty result with at least one number (NaN alone
 * draws nothing); it fails naming every panel that came back empty. It also checks that the alert
 * rules loaded, that the expiry sweep TandemPacketThreadStalled watches moves on idle engines, and that
 * the alert is not even pending.
 */
@Tag("system")
class DashboardSystemTest {
    private static final int QUEUE = 263;
    private static final int PROMETHEUS_PORT = 9090;
    private static final String RULES = String.join("\n",
            "block all",
            "pass proto { icmp icmp6 }",
            "pass proto tcp from 198.18.1.0/24 to port { 5201 5203 }",
            "");

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsRoot() {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")), "build the jar first");
        assertTrue(Lab.run(10, "sh", "-c", "command -v prometheus").ok(),
                "prometheus is not installed (scripts/test installs Debian's prometheus package)");
    }

    @AfterEach
    void labDown() {
        Lab.lab("down", "--kill");
    }

    @Test
    void everyPanelQueryReturnsDataFromTheLabCluster() throws Exception {
        Lab.lab("up", "--queue", Integer.toString(QUEUE), "--layout", "split");
        try (Lab lab = new Lab()) {
            Lab.run(5, "chmod", "755", tmp.toString());
            final ClusterNode a = new ClusterNode(lab, tmp, "A", QUEUE, "set sync peer \"198.18.3.2\"\n" + RULES,
                    "198.18.3.1");
            final ClusterNode b = new ClusterNode(lab, tmp, "B", QUEUE, "set sync peer \"198.18.3.1\"\n" + RULES,
                    "198.18.3.2");
            a.start();
            b.start();

            final Path config = tmp.resolve("prometheus.yml");
            Files.writeString(config, String.join("\n",
                    "global:",
                    "  scrape_interval: 1s",
                    "  evaluation_interval: 1s",
                    "rule_files:",
                    "  - " + Lab.root().resolve("grafana/tandem-alerts.yml"),
                    "scrape_configs:",
                    "  - job_name: tandem",
                    "    scrape_timeout: 900ms",
                    "    static_configs:",
                    "      - targets: ['" + a.metricsHost + ":" + a.metricsPort + "', '" + b.metricsHost + ":"
                            + b.metricsPort + "']",
                    ""));
            final Path promLog = tmp.resolve("prometheus.log");
            lab.spawn(Lab.FW_A, promLog, "prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + tmp.resolve("prometheus-data"),
                    "--web.listen-address=127.0.0.1:" + PROMETHEUS_PORT);
            ClusterNode.waitFor(() -> value(query("count(up{job=\"tandem\"} == 1)")) == 2, 30,
                    "Prometheus in tdm-fwA scrapes both engines (" + promLog + ")");

            // Idle (no forwarded packet yet): the packet threads' expiry sweep moves all the same, which
            // TandemPacketThreadStalled relies on; busy duty cycles (tandem_duty_cycle_seconds_count) do not.
            Thread.sleep(3000);
            final double sweep = value(query("min(rate(tandem_state_expire_slots_examined_total[1m]))"));
            assertTrue(sweep > 0, "idle packet threads sweep: " + sweep + " slots/s (busy cycles/s: "
                    + value(query("sum(rate(tandem_duty_cycle_seconds_count[1m]))")) + ")");

            traffic(lab);
            final double received = a.sum("tandem_packets_received_total{") + b.sum("tandem_packets_received_total{");
            ClusterNode.waitFor(() -> value(query("sum(tandem_packets_received_total)")) >= received, 20,
                    "Prometheus has scraped the engines after the traffic (" + received + " packets)");
            Thread.sleep(1500); // a scrape more, and the rules evaluated on it

            final List<String> empty = new ArrayList<>();
            int targets = 0;
            final Map<String, Object> dashboard = JsonReader.object(
                    Files.readString(Lab.root().resolve("grafana/dashboards/tandem.json")));
            for (final Object p : list(dashboard.get("panels"))) {
                final Map<String, Object> panel = ClusterNode.map(p);
                if ("row".equals(panel.get("type")) || panel.get("targets") == null) {
                    continue;
                }
                for (final Object t : list(panel.get("targets"))) {
                    final Map<String, Object> target = ClusterNode.map(t);
                    final String expr = ((String) target.get("expr")).replace("$__rate_interval", "1m")
                            .replace("$instance", ".*").replace("$queue", ".*");
                    targets++;
                    final String problem = expr.contains("$") ? "unknown variable" : noData(query(expr));
                    if (problem != null) {
                        empty.add("panel '" + panel.get("title") + "' (id " + panel.get("id") + ", "
                                + target.get("refId") + "): " + problem + "\n    " + expr);
                    }
                }
            }
            assertTrue(targets >= 40, "read the dashboard's queries: " + targets);
            assertTrue(empty.isEmpty(), empty.size() + " of " + targets + " panel queries returned no data:\n"
                    + String.join("\n", empty) + "\n" + tail(promLog));

            final String rules = api("rules", null);
            assertTrue(rules.contains("\"TandemPacketThreadStalled\"") && rules.contains("\"TandemJournalSuspended\""),
                    "Prometheus loaded grafana/tandem-alerts.yml: " + rules);
            // Both engines were idle before the traffic: the expiry sweep kept moving anyway.
            assertEquals(0, list(data(query("ALERTS{alertname=\"TandemPacketThreadStalled\"}")).get("result")).size(),
                    "no packet thread looks stalled");
            for (final ClusterNode n : new ClusterNode[] {a, b}) {
                assertEquals(0, n.stop(), n.logText());
            }
        }
    }

    /** A ping, a 2 s iperf3 transfer, five new connections (each deferred), one blocked connection. */
    private static void traffic(final Lab lab) throws Exception {
        final Lab.Result ping = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "5", "-i", "0.2", "-W", "2", Lab.SERVER_V4);
        assertTrue(ping.ok(), ping.output());
        lab.spawn(Lab.SERVER, null, "iperf3", "-s", "-1", "-p", "5201");
        Thread.sleep(400);
        final Lab.Result iperf = Lab.exec(Lab.CLIENT, 30, "iperf3", "-c", Lab.SERVER_V4, "-p", "5201", "-t", "2");
        assertTrue(iperf.ok(), "iperf3: " + iperf.output());
        for (int i = 0; i < 5; i++) {
            lab.spawn(Lab.SERVER, null, "timeout", "3", "nc", "-l", "5203");
            Thread.sleep(100);
            assertTrue(Lab.exec(Lab.CLIENT, 10, "nc", "-z", "-w", "2", Lab.SERVER_V4, "5203").ok(), "connect " + i);
        }
        assertTrue(!Lab.exec(Lab.CLIENT, 10, "nc", "-z", "-w", "1", Lab.SERVER_V4, "80").ok(), "port 80 is blocked");
    }

    /** Why a query's answer would leave its panel empty, or null when it has data. */
    private static String noData(final Map<String, Object> answer) {
        if (!"success".equals(answer.get("status"))) {
            return "query failed: " + answer;
        }
        final List<Object> result = list(data(answer).get("result"));
        if (result.isEmpty()) {
            return "no series";
        }
        for (final Object r : result) {
            final String v = (String) list(ClusterNode.map(r).get("value")).get(1);
            if (!v.equals("NaN") && !v.endsWith("Inf")) {
                return null;
            }
        }
        return "only NaN or Inf: " + result;
    }

    /** The first result's value of an instant query, NaN when there is none. */
    private static double value(final Map<String, Object> answer) {
        final List<Object> result = list(data(answer).get("result"));
        return result.isEmpty() ? Double.NaN
                : Double.parseDouble((String) list(ClusterNode.map(result.get(0)).get("value")).get(1));
    }

    /** An instant query at the current time, through Prometheus' HTTP API inside tdm-fwA. */
    private static Map<String, Object> query(final String promql) throws Exception {
        final String body = api("query", promql);
        try {
            return JsonReader.object(body.trim());
        } catch (final IllegalArgumentException e) {
            throw new java.io.IOException("not a Prometheus answer: " + body, e);
        }
    }

    private static String api(final String endpoint, final String promql) throws java.io.IOException {
        final String url = "http://127.0.0.1:" + PROMETHEUS_PORT + "/api/v1/" + endpoint;
        final Lab.Result r = promql == null
                ? Lab.exec(Lab.FW_A, 10, "curl", "-s", url)
                : Lab.exec(Lab.FW_A, 10, "curl", "-s", "-G", "--data-urlencode", "query=" + promql, url);
        if (!r.ok() || r.output().isBlank()) {
            throw new java.io.IOException("curl " + url + ": " + r.output()); // not up yet: waitFor retries
        }
        return r.output();
    }

    private static Map<String, Object> data(final Map<String, Object> answer) {
        final Object d = answer.get("data");
        return d == null ? Map.of("result", List.of()) : ClusterNode.map(d);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(final Object o) {
        return o == null ? List.of() : (List<Object>) o;
    }

    private static String tail(final Path log) throws Exception {
        if (!Files.exists(log)) {
            return "(no Prometheus log)";
        }
        final List<String> lines = Files.readAllLines(log);
        return "Prometheus log (last lines):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
