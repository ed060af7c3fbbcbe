package io.tandem.engine.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem states}: the live state table of a running engine, like {@code pfctl -ss -v}.
 * Talks to the engine's admin socket ({@code set control}); see
 * {@link io.tandem.engine.control.ControlServer} for the protocol.
 */
@Command(name = "states", mixinStandardHelpOptions = true,
        description = {"List the live states of a running engine, like `pfctl -ss -v`: interface (all = floating),"
            + " protocol, addresses and ports (<- for states created inbound, -> outbound), each peer's TCP state,"
            + " sequence windows and window scaling, age, time to expiry, packets and bytes each way, the rule"
            + " that created it, and its pfsync identity (id, creatorid).",
            "The engine is reached through its admin socket: --socket, or the `set control` of -f FILE,"
            + " or the default /run/tandem/tandem.sock."})
final class StatesCommand implements Callable<Integer> {
    private static final String[] TCP_STATES = {
        "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
        "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT",
    };
    private static final String[] UDP_STATES = {"NO_TRAFFIC", "SINGLE", "MULTIPLE"};

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the socket path from this configuration.")
    private Path file;

    @Option(names = "--socket", paramLabel = "PATH", description = "The engine's admin socket.")
    private Path socket;

    @Option(names = "--json", description = "Print a JSON array, one object per state (fields named as in pfsync_state).")
    private boolean json;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final AdminSocket admin = new AdminSocket();
        final Path path = admin.path(socket, file, err);
        final List<String> lines = path == null ? null : admin.request(path, "states", err);
        if (lines == null) {
            return admin.exitCode();
        }
        if (json) {
            out.println("[");
            for (int i = 0; i < lines.size(); i++) {
                out.println("  " + lines.get(i) + (i + 1 < lines.size() ? "," : ""));
            }
            out.println("]");
        } else {
            for (final String line : lines) {
                out.print(format(io.tandem.engine.tools.JsonReader.object(line)));
            }
        }
        out.flush();
        return TandemMain.EXIT_OK;
    }

    /** One state in pfctl -ss -v style (four lines). */
    @SuppressWarnings("unchecked")
    static String format(final Map<String, Object> s) {
        final long proto = (Long) s.get("proto");
        final String protoName = proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : proto == 58 ? "ipv6-icmp"
                : Long.toString(proto);
        final boolean v6 = "inet6".equals(s.get("af"));
        final String src = endpoint((String) s.get("src"), (Long) s.get("sport"), v6, proto);
        final String dst = endpoint((String) s.get("dst"), (Long) s.get("dport"), v6, proto);
        final boolean out = "out".equals(s.get("direction"));
        final Map<String, Object> sp = (Map<String, Object>) s.get("src_peer");
        final Map<String, Object> dp = (Map<String, Object>) s.get("dst_peer");
        final StringBuilder b = new StringBuilder();
        final long ifindex = (Long) s.get("ifindex");
        b.append(ifindex == 0 ? "all" : "if" + ifindex).append(' ').append(protoName).append(' ')
                .append(out ? src + " -> " + dst : dst + " <- " + src);
        b.append("       ").append(peerState(proto, sp)).append(':').append(peerState(proto, dp)).append('\n');
        if (proto == 6) {
            b.append("   ").append(window(sp)).append("  ").append(window(dp)).append('\n');
        }
        final List<Object> pk = (List<Object>) s.get("packets");
        final List<Object> by = (List<Object>) s.get("bytes");
        b.append("   age ").append(hms((Long) s.get("age"))).append(", expires in ").append(hms((Long) s.get("expire")))
                .append(", ").append(pk.get(0)).append(':').append(pk.get(1)).append(" pkts, ")
                .append(by.get(0)).append(':').append(by.get(1)).append(" bytes, rule ").append(s.get("rule"))
                .append(", timeout ").append(s.get("timeout")).append('\n');
        b.append("   id: ").append(s.get("id")).append(" creatorid: ").append(s.get("creatorid")).append('\n');
        return b.toString();
    }

    private static String endpoint(final String address, final long port, final boolean v6, final long proto) {
        if (proto != 6 && proto != 17) {
            return address + (proto == 1 || proto == 58 ? "[" + port + "]" : "");
        }
        return v6 ? address + "[" + port + "]" : address + ":" + port;
    }

    private static String peerState(final long proto, final Map<String, Object> peer) {
        final int state = (int) (long) (Long) peer.get("state");
        if (proto == 6) {
            return state >= 0 && state < TCP_STATES.length ? TCP_STATES[state] : Integer.toString(state);
        }
        if (proto == 17 || proto != 1 && proto != 58) {
            return state >= 0 && state < UDP_STATES.length ? UDP_STATES[state] : Integer.toString(state);
        }
        return Integer.toString(state);
    }

    private static String window(final Map<String, Object> peer) {
        final long seqlo = (Long) peer.get("seqlo");
        final long seqhi = (Long) peer.get("seqhi");
        final long wscale = (Long) peer.get("wscale");
        final StringBuilder b = new StringBuilder("[").append(seqlo).append(" + ")
                .append((seqhi - seqlo) & 0xFFFF_FFFFL).append("]");
        if ((wscale & 0x80) != 0) {
            b.append(" wscale ").append(wscale & 0x0f);
        }
        return b.toString();
    }

    private static String hms(final long seconds) {
        return String.format("%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
