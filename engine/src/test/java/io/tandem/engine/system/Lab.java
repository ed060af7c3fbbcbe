package io.tandem.engine.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives the network-namespace lab ({@code scripts/lab}) from system tests: brings it up and down,
 * runs commands inside its namespaces with time limits, and starts background processes (servers,
 * traffic generators) that {@link #close()} kills.
 *
 * <p>Addresses and names are the lab's (docs/lab.md): tdm-client 198.18.1.10 / 2001:db8:1::10,
 * tdm-server 198.18.2.10 / 2001:db8:2::10, firewalls tdm-fwA and tdm-fwB.
 */
final class Lab implements AutoCloseable {
    static final String CLIENT = "tdm-client";
    static final String SERVER = "tdm-server";
    static final String FW_A = "tdm-fwA";
    static final String FW_B = "tdm-fwB";
    static final String SERVER_V4 = "198.18.2.10";
    static final String SERVER_V6 = "2001:db8:2::10";
    static final String CLIENT_V4 = "198.18.1.10";

    private final List<Process> background = new ArrayList<>();

    /** The repository root, found from the working directory (module dir under Maven). */
    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("scripts/lab"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("scripts/lab not found above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** {@code scripts/lab ARGS...}; fails the test when it fails. */
    static void lab(final String... args) {
        final List<String> cmd = new ArrayList<>();
        cmd.add(root().resolve("scripts/lab").toString());
        cmd.addAll(Arrays.asList(args));
        final Result r = run(120, cmd.toArray(new String[0]));
        if (r.exit != 0) {
            throw new IllegalStateException("scripts/lab " + String.join(" ", args) + " failed (" + r.exit + "): " + r.output);
        }
    }

    /** Runs a command in a namespace and returns its exit status and combined output. */
    /**
     * Sends, from the server, an ICMP port unreachable to the client quoting a UDP datagram (client port
     * 40000 to server port 7777) that belongs to no state (scapy, Debian's python3).
     */
    static Result forgeUnrelatedPortUnreachable() {
        return exec(SERVER, 60, "/usr/bin/python3", "-c", "from scapy.all import IP, ICMP, UDP, send\n"
                + "send(IP(src='" + SERVER_V4 + "', dst='" + CLIENT_V4 + "')/ICMP(type=3, code=3)"
                + "/IP(src='" + CLIENT_V4 + "', dst='" + SERVER_V4 + "')/UDP(sport=40000, dport=7777), verbose=0)\n");
    }

    static Result exec(final String namespace, final int timeoutSeconds, final String... command) {
        final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        cmd.addAll(Arrays.asList(command));
        return run(timeoutSeconds, cmd.toArray(new String[0]));
    }

    /** Waits until {@code text} appears in {@code log}; fails with the log's contents otherwise. */
    static void waitForText(final java.nio.file.Path log, final String text, final int seconds) throws Exception {
        waitForText(log, text, seconds, 1);
    }

    /** Waits until {@code text} occurs at least {@code times} times in {@code log}. */
    static void waitForText(final java.nio.file.Path log, final String text, final int seconds, final int times)
            throws Exception {
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (java.nio.file.Files.exists(log) && java.nio.file.Files.readString(log)
                    .split(java.util.regex.Pattern.quote(text), -1).length > times) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("'" + text + "' did not appear " + (times == 1 ? "" : times + " times ") + "in " + log
                + ": " + (java.nio.file.Files.exists(log) ? java.nio.file.Files.readString(log) : "(no log)"));
    }

    static Result run(final int timeoutSeconds, final String... command) {
        try {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            final byte[][] out = new byte[1][];
            final Thread reader = new Thread(() -> {
                try {
                    out[0] = p.getInputStream().readAllBytes();
                } catch (final IOException e) {
                    out[0] = new byte[0];
                }
            });
            reader.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                reader.join(2000);
                return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            reader.join(5000);
            return new Result(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a long-running command in a namespace; killed by {@link #close()}. */
    Process spawn(final String namespace, final Path log, final String... command) {
        final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        cmd.addAll(Arrays.asList(command));
        try {
            final Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(log.toFile()))
                    .start();
            background.add(p);
            return p;
        } catch (final IOException e) {
            throw new IllegalStateException("cannot start " + cmd, e);
        }
    }

    /** Starts a long-running command in the host namespace (e.g. Prometheus on loopback). */
    Process spawnHost(final Path log, final String... command) {
        try {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                    .start();
            background.add(p);
            return p;
        } catch (final IOException e) {
            throw new IllegalStateException("cannot start " + Arrays.toString(command), e);
        }
    }

    /** The kernel's row for a queue in a firewall's /proc/net/netfilter/nfnetlink_queue, or null. */
    static long[] procQueueRow(final String namespace, final int queue) {
        final Result r = exec(namespace, 10, "cat", "/proc/net/netfilter/nfnetlink_queue");
        for (final String line : r.output.split("\n")) {
            final String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[0].equals(Integer.toString(queue))) {
                final long[] v = new long[f.length];
                for (int i = 0; i < f.length; i++) {
                    v[i] = Long.parseLong(f[i]);
                }
                return v;
            }
        }
        return null;
    }

    @Override
    public void close() {
        for (final Process p : background) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (final Process p : background) {
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        background.clear();
    }

    /** Exit status and combined output of a finished command. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }
}
