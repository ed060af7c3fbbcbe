package io.tandem.engine.system;

import io.tandem.engine.tools.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Tandem engine of a lab cluster, run as an operator would: {@code scripts/tandem run -f CONF}
 * inside a firewall's namespace, with its own journal, control socket and metrics port; read back
 * through {@code tandem states --json}, {@code tandem sync --json} and {@code /metrics}.
 */
final class ClusterNode {
    final String name;
    final String namespace;
    final int metricsPort;
    /** The address /metrics is bound to in the namespace: 127.0.0.1, or the sync address for a scraper next door. */
    final String metricsHost;
    final Path conf;
    final Path log;
    final Path socket;
    private final Lab lab;
    private Process process;
    private int starts;

    /**
     * @param name  "A", "B" or "C" (namespace tdm-fwNAME)
     * @param extra configuration lines put before the generated ones ({@code set sync peer ...}, rules)
     */
    ClusterNode(final Lab lab, final Path dir, final String name, final int queue, final String extra)
            throws Exception {
        this(lab, dir, name, queue, extra, "127.0.0.1");
    }

    /** As above, with /metrics bound to {@code metricsHost} (an address of the firewall's namespace). */
    ClusterNode(final Lab lab, final Path dir, final String name, final int queue, final String extra,
            final String metricsHost) throws Exception {
        this(lab, dir, name, Integer.toString(queue), extra, metricsHost);
    }

    /** With {@code set queue QUEUES}: N, or FIRST:LAST for one packet thread per queue. */
    ClusterNode(final Lab lab, final Path dir, final String name, final String queues, final String extra,
            final String metricsHost) throws Exception {
        this.lab = lab;
        this.name = name;
        this.namespace = "tdm-fw" + name;
        this.metricsPort = 9160 + (name.charAt(0) - 'A' + 1);
        this.metricsHost = metricsHost;
        this.conf = dir.resolve("fw" + name + ".conf");
        this.log = dir.resolve("fw" + name + ".log");
        this.socket = dir.resolve("fw" + name + ".sock");
        Files.writeString(conf, extra + String.join("\n",
                "set queue " + queues,
                "set metrics \"" + metricsHost + ":" + metricsPort + "\"",
                "set control \"" + socket + "\"",
                "set journal dir \"" + dir.resolve("journal-" + name) + "\"",
                "set sync interface sync0",
                ""));
    }

    /** Starts the engine and waits until pfsync is up (its log says so). */
    ClusterNode start() throws Exception {
        if (starts++ > 0 && Files.exists(log)) {
            Files.move(log, log.resolveSibling(log.getFileName() + "." + starts), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        process = lab.spawn(namespace, log, Lab.root().resolve("scripts/tandem").toString(), "run", "--set", "user none", "-f", conf.toString());
        try {
            waitFor(() -> Files.exists(log) && Files.readString(log).contains("pfsync v5 on sync0"), 30,
                    "fw" + name + " starts with pfsync (" + log + ")");
        } catch (final AssertionError e) {
            // the log goes with the test's temporary directory: say what it held, and whether the engine still ran
            throw new AssertionError(e.getMessage() + "; engine " + (process.isAlive() ? "still running" : "exited "
                    + process.exitValue()) + "; its log:\n" + (Files.exists(log) ? Files.readString(log) : "(none)"), e);
        }
        return this;
    }

    /** The engine's process id (scripts/tandem execs the JVM). */
    long pid() {
        return process.pid();
    }

    /** SIGKILL: the engine dies without a word (crash). */
    void kill() throws Exception {
        Lab.run(5, "kill", "-KILL", Long.toString(process.pid()));
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait; returns the exit status. */
    int stop() throws Exception {
        if (process == null || !process.isAlive()) {
            return process == null ? 0 : process.exitValue();
        }
        Lab.run(5, "kill", "-TERM", Long.toString(process.pid()));
        process.waitFor(15, TimeUnit.SECONDS);
        return process.isAlive() ? -1 : process.exitValue();
    }

    String logText() throws Exception {
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    String metrics() {
        return Lab.exec(namespace, 10, "curl", "-s", metricsHost + ":" + metricsPort + "/metrics").output();
    }

    /** The value of the first metrics line starting with {@code prefix}; fails when there is none. */
    double sample(final String prefix) {
        return sample(metrics(), prefix);
    }

    static double sample(final String metrics, final String prefix) {
        for (final String line : metrics.split("\n")) {
            if (line.startsWith(prefix)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + prefix + " in:\n" + metrics);
    }

    /** The sum of every metrics line starting with {@code prefix} (all label values). */
    double sum(final String prefix) {
        double total = 0;
        for (final String line : metrics().split("\n")) {
            if (line.startsWith(prefix)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /**
     * For a failure message about drops: the non-zero metric lines that say why a packet was dropped
     * (block rules' matches, decode failures, state and window-check counters, deferral), then the
     * pfsync status.
     */
    String dropReport() {
        final StringBuilder out = new StringBuilder();
        for (final String line : metrics().split("\n")) {
            final boolean why = line.startsWith("tandem_rule_packets_total") && line.contains("block")
                    || line.startsWith("tandem_decode_failures_total")
                    || line.startsWith("tandem_state_") && !line.startsWith("tandem_state_expire")
                    || line.startsWith("tandem_pfsync_defer");
            if (why && !line.endsWith(" 0") && !line.endsWith(" 0.0")) {
                out.append(line).append('\n');
            }
        }
        return out.append(syncText()).toString();
    }

    /** {@code tandem ARGS --socket SOCKET}: an admin command against this node, at most 60 s. */
    Lab.Result admin(final String... args) {
        final String[] cmd = new String[args.length + 3];
        cmd[0] = Lab.root().resolve("scripts/tandem").toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        cmd[args.length + 1] = "--socket";
        cmd[args.length + 2] = socket.toString();
        return Lab.run(60, cmd);
    }

    /** {@code tandem sync --json}. */
    Map<String, Object> sync() throws Exception {
        final Lab.Result r = admin("sync", "--json");
        if (!r.ok()) {
            throw new java.io.IOException("tandem sync: " + r.output());
        }
        return JsonReader.object(r.output().trim());
    }

    /** {@code tandem sync}, as an operator reads it. */
    String syncText() {
        return admin("sync").output();
    }

    /** The states whose destination port is {@code port} ({@code tandem states --json}). */
    List<Map<String, Object>> states(final int port) throws Exception {
        return states(socket, port);
    }

    /** The states whose destination port is {@code port} (every state when negative), from the engine behind control socket {@code sock}. */
    static List<Map<String, Object>> states(final Path sock, final int port) throws Exception {
        final Lab.Result r = Lab.run(30, Lab.root().resolve("scripts/tandem").toString(), "states", "--socket",
                sock.toString(), "--json");
        if (!r.ok()) {
            throw new java.io.IOException("tandem states: " + r.output());
        }
        final List<Map<String, Object>> out = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            line = line.trim();
            if (line.endsWith(",")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.startsWith("{")) {
                final Map<String, Object> s = JsonReader.object(line);
                if (port < 0 || ((Long) s.get("dport")) == port) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    /** The identities ("creatorid/id") of the states whose destination port is one of {@code ports} (all when none). */
    java.util.Set<String> identities(final int... ports) throws Exception {
        return new java.util.TreeSet<>(halfStates(ports).keySet());
    }

    /**
     * identity → "proto sport&gt;dport src-state/dst-state timeout" of the states whose destination port is
     * one of {@code ports} (every state when none given): what two converged tables hold alike.
     */
    Map<String, String> halfStates(final int... ports) throws Exception {
        final Map<String, String> out = new java.util.TreeMap<>();
        for (final Map<String, Object> s : states(-1)) {
            final long dport = (Long) s.get("dport");
            if (ports.length == 0 || java.util.Arrays.stream(ports).anyMatch(p -> p == dport)) {
                out.put(s.get("creatorid") + "/" + s.get("id"), s.get("proto") + " " + s.get("sport") + ">" + dport
                        + " " + map(s.get("src_peer")).get("state") + "/" + map(s.get("dst_peer")).get("state") + " "
                        + s.get("timeout"));
            }
        }
        return out;
    }

    /** How two {@link #halfStates} maps differ, a line per state ("" when they are the same). */
    static String diff(final Map<String, String> a, final Map<String, String> b) {
        final List<String> d = new ArrayList<>();
        a.forEach((k, v) -> {
            if (!v.equals(b.get(k))) {
                d.add("fwA " + k + " " + v + " / fwB " + b.get(k));
            }
        });
        b.forEach((k, v) -> {
            if (!a.containsKey(k)) {
                d.add("fwB only " + k + " " + v);
            }
        });
        return String.join("\n", d);
    }

    /** A JSON object inside a parsed JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> map(final Object o) {
        return (Map<String, Object>) o;
    }

    /** A condition polled by {@link #waitFor}; I/O errors count as "not yet". */
    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(final Check check, final int seconds, final String what) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (final java.io.IOException e) {
                // not yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + ": not within " + seconds + " s");
    }
}
