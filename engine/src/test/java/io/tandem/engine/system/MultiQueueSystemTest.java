package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two queues on one firewall, as an operator runs them: {@code iptables -j NFQUEUE --queue-balance
 * 320:321} in tdm-fwA and {@code set queue 320:321} (one packet thread per queue). The kernel spreads
 * flows over the queues by a hash of their addresses, so the client and the server each use 8
 * addresses and every pair talks TCP and UDP, both ways (and ICMP once); 8 IPv6 connections between
 * one address pair all reach one queue, and Tandem's owners of them differ by port. The ruleset passes only the client's
 * first packets ({@code block all}, {@code pass ... keep state}): each reply passes only if it is
 * decided against the table that holds its flow's state — the table of the thread that owns the
 * flow, wherever the kernel queued the packet. Checked: every exchange completes, both queues
 * received packets, packets crossed between the threads, nothing was dropped, every flow has exactly
 * one state, and {@code tandem states} lists each once.
 */
@Tag("system")
@ExtendWith(LabPerTest.class)
class MultiQueueSystemTest {
    private static final String QUEUES = "320:321";
    private static final int ADDRESSES = 8;
    static final String RULES = String.join("\n",
            "block all",
            "pass proto { icmp icmp6 } from 198.18.1.0/24",
            "pass proto tcp from 198.18.1.0/24 to port 5203",
            "pass proto tcp from 2001:db8:1::/64 to port 5203",
            "pass proto udp from 198.18.1.0/24 to port 5204",
            "");
    /** TCP and UDP echo on every address (Debian's python3, in tdm-server). */
    static final String SERVER = String.join("\n",
            "import socket, socketserver, sys, threading",
            "class T(socketserver.ThreadingTCPServer):",
            "    allow_reuse_address = True; daemon_threads = True",
            "class E(socketserver.StreamRequestHandler):",
            "    def handle(self):",
            "        for line in self.rfile:",
            "            self.wfile.write(line)",
            "class U(socketserver.BaseRequestHandler):",
            "    def handle(self):",
            "        self.request[1].sendto(self.request[0], self.client_address)",
            "for a in range(20, 20 + int(sys.argv[1])):  # one socket per address: replies leave from it",
            "    threading.Thread(target=socketserver.ThreadingUDPServer(('198.18.2.%d' % a, 5204), U)"
                    + ".serve_forever).start()",
            "class T6(T):",
            "    address_family = socket.AF_INET6",
            "threading.Thread(target=T6(('::', 5203), E).serve_forever).start()",
            "T(('0.0.0.0', 5203), E).serve_forever()");
    /** From every client address to every server address: a TCP connection with 3 echoed lines, a UDP echo. */
    static final String CLIENT = String.join("\n",
            "import socket, sys",
            "n = int(sys.argv[1]); ok = 0; total = 0",
            "for i in range(n):",
            "    for j in range(n):",
            "        src = '198.18.1.%d' % (20 + i); dst = '198.18.2.%d' % (20 + j)",
            "        total += 2",
            "        try:",
            "            t = socket.create_connection((dst, 5203), timeout=5, source_address=(src, 0))",
            "            f = t.makefile('rwb')",
            "            good = True",
            "            for k in range(3):",
            "                f.write(b'line %d\\n' % k); f.flush()",
            "                good = good and f.readline() == b'line %d\\n' % k",
            "            t.close(); ok += good",
            "        except OSError as e:",
            "            print('tcp', src, dst, e)",
            "        try:",
            "            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5); u.bind((src, 0))",
            "            u.sendto(b'ping', (dst, 5204)); ok += u.recvfrom(100)[0] == b'ping'; u.close()",
            "        except OSError as e:",
            "            print('udp', src, dst, e)",
            "for k in range(8):  # IPv6: one address pair, so one kernel queue; Tandem's owners differ by port",
            "    total += 1",
            "    try:",
            "        t = socket.create_connection(('2001:db8:2::10', 5203), timeout=5)",
            "        f = t.makefile('rwb'); f.write(b'v6\\n'); f.flush(); ok += f.readline() == b'v6\\n'; t.close()",
            "    except OSError as e:",
            "        print('tcp6', e)",
            "print('ok %d/%d' % (ok, total))");

    @TempDir
    Path tmp;

    @Test
    void everyFlowIsDecidedAgainstOneTableWhicheverQueueItsPacketsArriveOn() throws Exception {
        Lab.lab("up", "--queue", QUEUES);
        exchange(ADDRESSES, null, null);
    }

    /**
     * {@code --queue-cpu-fanout}: the queue is the CPU's, so with the client on CPU 0 and the server on
     * CPU 1 the two directions of a flow reach different queues — a reply can only meet its state by
     * being handed to the thread that owns the flow.
     */
    @Test
    void withCpuFanoutTheTwoDirectionsOfAFlowArriveOnDifferentQueuesAndStillMeetTheirState() throws Exception {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs two CPUs");
        Lab.lab("up", "--no-queue");
        for (final String tool : new String[] {"iptables", "ip6tables"}) {
            final Lab.Result r = Lab.exec(Lab.FW_A, 10, tool, "-A", "FORWARD", "-m", "comment", "--comment",
                    "tandem-lab", "-j", "NFQUEUE", "--queue-balance", QUEUES, "--queue-cpu-fanout");
            assertTrue(r.ok(), r.output());
        }
        exchange(2, "0", "1");
    }

    /**
     * Runs the engine on queues {@link #QUEUES} in fwA, the echo server (on CPU {@code serverCpu} when
     * given) and the client (on {@code clientCpu}) over {@code addresses} addresses a side, and checks
     * the outcome.
     */
    private void exchange(final int addresses, final String clientCpu, final String serverCpu) throws Exception {
        addAddresses(addresses);
        final Path conf = tmp.resolve("fwA.conf");
        final Path log = tmp.resolve("fwA.log");
        final Path socket = tmp.resolve("fwA.sock");
        Lab.run(5, "chmod", "755", tmp.toString());
        Files.writeString(conf, String.join("\n",
                "set queue " + QUEUES,
                "set cpu 0",
                "set journal dir none",
                "set metrics \"127.0.0.1:9171\"",
                "set control \"" + socket + "\"",
                RULES));
        try (Lab lab = new Lab()) {
            startEngine(lab, conf, log);
            lab.spawn(Lab.SERVER, tmp.resolve("server.log"), pinned(serverCpu, "/usr/bin/python3", "-c", SERVER,
                    Integer.toString(addresses)));
            Thread.sleep(1000);

            final Lab.Result ping = Lab.exec(Lab.CLIENT, 20, "ping", "-c", "2", "-i", "0.2", "-I", "198.18.1.20",
                    "198.18.2.21");
            assertTrue(ping.ok(), "ICMP echo both ways: " + ping.output());
            final Lab.Result client = Lab.exec(Lab.CLIENT, 120, pinned(clientCpu, "/usr/bin/python3", "-c", CLIENT,
                    Integer.toString(addresses)));
            final int exchanges = 2 * addresses * addresses + 8;
            assertTrue(client.output().contains("ok " + exchanges + "/" + exchanges), client.output()
                    + "\n" + Files.readString(log));

            final String metrics = Lab.exec(Lab.FW_A, 10, "curl", "-s", "127.0.0.1:9171/metrics").output();
            final double received320 = ClusterNode.sample(metrics, "tandem_packets_received_total{queue=\"320\"");
            final double received321 = ClusterNode.sample(metrics, "tandem_packets_received_total{queue=\"321\"");
            assertTrue(received320 > 0 && received321 > 0, "the kernel used both queues: " + received320 + ", "
                    + received321);
            final double sent = ClusterNode.sample(metrics, "tandem_handoffs_total{queue=\"320\",result=\"sent\"")
                    + ClusterNode.sample(metrics, "tandem_handoffs_total{queue=\"321\",result=\"sent\"");
            final double decided = ClusterNode.sample(metrics, "tandem_handoffs_decided_total{queue=\"320\"")
                    + ClusterNode.sample(metrics, "tandem_handoffs_decided_total{queue=\"321\"");
            assertTrue(sent > 0, "packets crossed to the thread owning their flow");
            assertEquals(sent, decided, "every packet handed over was decided by its owner");
            assertEquals(0.0, ClusterNode.sample(metrics, "tandem_handoffs_total{queue=\"320\",result=\"refused\"")
                    + ClusterNode.sample(metrics, "tandem_handoffs_total{queue=\"321\",result=\"refused\""));
            assertEquals(0.0, ClusterNode.sample(metrics, "tandem_verdicts_total{queue=\"320\",verdict=\"drop\"")
                    + ClusterNode.sample(metrics, "tandem_verdicts_total{queue=\"321\",verdict=\"drop\""),
                    "no packet of the exchanges was dropped");

            final List<Map<String, Object>> tcp = ClusterNode.states(socket, 5203);
            final List<Map<String, Object>> udp = ClusterNode.states(socket, 5204);
            assertEquals(addresses * addresses + 8, tcp.size(), "one TCP state per connection: " + tcp);
            assertEquals(addresses * addresses, udp.size(), "one UDP state per exchange: " + udp);
            final Set<String> keys = new HashSet<>();
            for (final Map<String, Object> s : ClusterNode.states(socket, -1)) {
                assertTrue(keys.add(s.get("proto") + " " + s.get("src") + ":" + s.get("sport") + " " + s.get("dst")
                        + ":" + s.get("dport")), "listed once: " + s);
            }
            assertTrue(Files.readString(log).contains("bound queue 320:321"), Files.readString(log));
        }
    }

    /**
     * The journal with two queues: connections from 4 client addresses to 4 server addresses, held open
     * across a restart of the engine; each queue thread recovers the flows it owns (from both threads'
     * snapshot epochs), then survives a dump, flush and load of its states and a reload, and the
     * connections carry on — with {@code block all}, a reply that found no state would be dropped. A kill
     * by host reaches both threads.
     */
    @Test
    void aRestartWithTwoQueuesRecoversEveryThreadsFlowsFromTheJournal() throws Exception {
        Lab.lab("up", "--queue", QUEUES);
        final int addresses = 4;
        addAddresses(addresses);
        final Path conf = tmp.resolve("fwA.conf");
        final Path socket = tmp.resolve("fwA.sock");
        final Path go = tmp.resolve("go");
        Lab.run(5, "chmod", "755", tmp.toString());
        Files.writeString(conf, String.join("\n",
                "set queue " + QUEUES,
                "set cpu 0",
                "set journal dir \"" + tmp.resolve("journal") + "\"",
                "set journal snapshot 1",
                "set metrics none",
                "set control \"" + socket + "\"",
                RULES));
        // Open every connection, echo a line, say so, wait for the go file, echo a second line on each.
        final String holder = String.join("\n",
                "import os, socket, sys, time",
                "n = int(sys.argv[1]); conns = []",
                "for i in range(n):",
                "    for j in range(n):",
                "        t = socket.create_connection(('198.18.2.%d' % (20 + j), 5203), timeout=30,"
                        + " source_address=('198.18.1.%d' % (20 + i), 0))",
                "        f = t.makefile('rwb'); f.write(b'one\\n'); f.flush(); assert f.readline() == b'one\\n'",
                "        conns.append((t, f))",
                "print('ready %d' % len(conns), flush=True)",
                "while not os.path.exists(sys.argv[2]): time.sleep(0.1)",
                "ok = 0",
                "for t, f in conns:",
                "    try:",
                "        f.write(b'two\\n'); f.flush(); ok += f.readline() == b'two\\n'",
                "    except OSError as e:",
                "        print('lost', e, flush=True)",
                "print('ok %d/%d' % (ok, len(conns)), flush=True)");
        try (Lab lab = new Lab()) {
            final Path log1 = tmp.resolve("fwA-1.log");
            final Process first = startEngine(lab, conf, log1);
            lab.spawn(Lab.SERVER, tmp.resolve("server.log"), "/usr/bin/python3", "-c", SERVER,
                    Integer.toString(addresses));
            Thread.sleep(1000);
            final Path clientLog = tmp.resolve("client.log");
            lab.spawn(Lab.CLIENT, clientLog, "/usr/bin/python3", "-c", holder, Integer.toString(addresses),
                    go.toString());
            ClusterNode.waitFor(() -> Files.exists(clientLog) && Files.readString(clientLog).contains("ready 16"), 30,
                    "16 connections open (" + clientLog + ")");
            assertEquals(16, ClusterNode.states(socket, 5203).size());
            Thread.sleep(2500); // a complete snapshot epoch of each thread (set journal snapshot 1)
            Lab.run(5, "kill", "-TERM", Long.toString(first.pid()));
            assertTrue(first.waitFor(15, java.util.concurrent.TimeUnit.SECONDS), "the engine stops");
            assertEquals(0, first.exitValue(), Files.readString(log1));

            final Path log2 = tmp.resolve("fwA-2.log");
            startEngine(lab, conf, log2);
            // The recovery line follows the start line ("bound queue ..."): wait for it too.
            ClusterNode.waitFor(() -> Files.readString(log2).contains("recovered"), 30, "the recovery line (" + log2 + ")");
            final String restarted = Files.readString(log2);
            assertTrue(restarted.matches("(?s).*recovered (1[6-9]|[2-9][0-9]) states.*"), restarted);
            assertEquals(16, ClusterNode.states(socket, 5203).size(), "both threads' tables hold their flows again");

            // The admin commands over both threads: dump, flush, load (each state to its owner: a state in
            // the other table would not meet its flow's packets), reload.
            final Path dump = tmp.resolve("states.jsonl");
            final Lab.Result dumped = tandem("states", "dump", dump.toString(), "--socket", socket.toString());
            assertTrue(dumped.ok(), dumped.output());
            assertEquals(16, Files.readAllLines(dump).stream().filter(l -> l.contains("\"dport\":5203")).count());
            final Lab.Result flushed = tandem("flush", "states", "--socket", socket.toString());
            assertTrue(flushed.ok() && flushed.output().contains("queue 320:") && flushed.output().contains("queue 321:"),
                    flushed.output());
            assertEquals(0, ClusterNode.states(socket, -1).size(), "both tables flushed");
            final Lab.Result loaded = tandem("states", "load", dump.toString(), "--socket", socket.toString());
            assertTrue(loaded.ok(), loaded.output());
            assertEquals(16, ClusterNode.states(socket, 5203).size(), "loaded back");
            final Lab.Result reloaded = tandem("reload", "--socket", socket.toString());
            assertTrue(reloaded.ok() && reloaded.output().contains("each reloaded"), reloaded.output());

            Files.writeString(go, "go");
            ClusterNode.waitFor(() -> Files.readString(clientLog).contains("ok "), 60, "the second lines");
            assertTrue(Files.readString(clientLog).contains("ok 16/16"), Files.readString(clientLog) + restarted);
            final Lab.Result killed = tandem("kill", "host", "198.18.1.20", "--socket", socket.toString());
            assertTrue(killed.ok() && killed.output().contains("queue 320:") && killed.output().contains("queue 321:"),
                    killed.output());
            assertEquals(12, ClusterNode.states(socket, 5203).size(), "the 4 connections of 198.18.1.20 killed");
        }
    }

    /** Starts the engine in tdm-fwA ({@code scripts/tandem run}) and waits until it has bound its queues. */
    private static Process startEngine(final Lab lab, final Path conf, final Path log) throws Exception {
        final Process p = lab.spawn(Lab.FW_A, log, Lab.root().resolve("scripts/tandem").toString(), "run",
                "--set", "user none", "-f", conf.toString());
        ClusterNode.waitFor(() -> Files.exists(log) && Files.readString(log).contains("bound queue"), 30,
                "the engine binds its queues (" + log + ")");
        return p;
    }

    /** {@code scripts/tandem ARGS...} (an admin command). */
    private static Lab.Result tandem(final String... args) {
        final String[] cmd = new String[args.length + 1];
        cmd[0] = Lab.root().resolve("scripts/tandem").toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        return Lab.run(30, cmd);
    }

    /** Client addresses 198.18.1.20.. and server addresses 198.18.2.20.., {@code n} of each (lab namespaces). */
    static void addAddresses(final int n) {
        for (int i = 0; i < n; i++) {
            final Lab.Result c = Lab.exec(Lab.CLIENT, 5, "ip", "addr", "add", "198.18.1." + (20 + i) + "/24", "dev", "br0");
            assertTrue(c.ok(), c.output());
            final Lab.Result s = Lab.exec(Lab.SERVER, 5, "ip", "addr", "add", "198.18.2." + (20 + i) + "/24", "dev", "br0");
            assertTrue(s.ok(), s.output());
        }
    }

    /** The command, run on CPU {@code cpu} (taskset) when it is given. */
    private static String[] pinned(final String cpu, final String... command) {
        if (cpu == null) {
            return command;
        }
        final String[] out = new String[command.length + 3];
        out[0] = "taskset";
        out[1] = "-c";
        out[2] = cpu;
        System.arraycopy(command, 0, out, 3, command.length);
        return out;
    }
}
