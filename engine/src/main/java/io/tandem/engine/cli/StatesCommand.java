package io.tandem.engine.cli;

import io.tandem.engine.tools.PfctlStateLine;
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
            + " protocol, pf's key as pfctl prints it (server <- client for states created inbound, client -> server"
            + " outbound), each peer's state in the same order,"
            + " sequence windows and window scaling, age, time to expiry, packets and bytes each way, the rule"
            + " that created it, and its pfsync identity (id, creatorid).",
            "The engine is reached through its admin socket: --socket, or the `set control` of -f FILE,"
            + " or the default /run/tandem/tandem.sock."})
final class StatesCommand implements Callable<Integer> {
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

    /**
     * One state in {@code pfctl -ss -v} style: the first line as {@link PfctlStateLine} prints pf's
     * key ({@code addr[1] -> addr[0]} outbound, {@code addr[1] <- addr[0]} inbound, peer states in
     * the same order), then for TCP both sequence windows in that order, then age, expiry, counters,
     * rule and the pfsync identity.
     */
    @SuppressWarnings("unchecked")
    static String format(final Map<String, Object> s) {
        final long proto = (Long) s.get("proto");
        final boolean v6 = "inet6".equals(s.get("af"));
        final int direction = "out".equals(s.get("direction")) ? 2 : 1;
        final Map<String, Object> sp = (Map<String, Object>) s.get("src_peer");
        final Map<String, Object> dp = (Map<String, Object>) s.get("dst_peer");
        final StringBuilder b = new StringBuilder();
        final long ifindex = (Long) s.get("ifindex");
        b.append(PfctlStateLine.line(ifindex == 0 ? "all" : "if" + ifindex, (int) proto, v6, direction,
                (String) s.get("src"), (int) (long) (Long) s.get("sport"), (String) s.get("dst"),
                (int) (long) (Long) s.get("dport"), state(sp), state(dp))).append('\n');
        if (proto == 6) {
            final boolean first = PfctlStateLine.initiatorFirst(direction);
            final Map<String, Object> left = first ? sp : dp;
            final Map<String, Object> right = first ? dp : sp;
            final boolean scaled = (Long) left.get("wscale") != 0 && (Long) right.get("wscale") != 0;
            b.append("   ").append(window(left, scaled)).append("  ").append(window(right, scaled)).append('\n');
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

    private static int state(final Map<String, Object> peer) {
        return (int) (long) (Long) peer.get("state");
    }

    /** {@code print_seq}, then {@code wscale} when both halves scale (as {@code print_state}). */
    private static String window(final Map<String, Object> peer, final boolean scaled) {
        final long seqlo = (Long) peer.get("seqlo");
        final long seqhi = (Long) peer.get("seqhi");
        final long wscale = (Long) peer.get("wscale");
        final StringBuilder b = new StringBuilder("[").append(seqlo).append(" + ")
                .append((seqhi - seqlo) & 0xFFFF_FFFFL).append("]");
        if (scaled) {
            b.append(" wscale ").append(wscale & 0x0f);
        }
        return b.toString();
    }

    private static String hms(final long seconds) {
        return String.format("%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
