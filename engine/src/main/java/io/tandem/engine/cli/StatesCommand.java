package io.tandem.engine.cli;

import io.tandem.engine.tools.PfctlStateText;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem states}: the live state table of a running engine, like {@code pfctl -ss -v}.
 * Talks to the engine's admin socket ({@code set control}); see
 * {@link io.tandem.engine.control.ControlServer} for the protocol.
 */
@Command(name = "states", mixinStandardHelpOptions = true,
        header = "List the live states of a running engine, like `pfctl -ss -v`.",
        subcommands = {StatesDumpCommand.class, StatesLoadCommand.class},
        description = {"List the live states of a running engine, like `pfctl -ss -v`: interface (all = floating),"
            + " protocol, pf's key as pfctl prints it (server <- client for states created inbound, client -> server"
            + " outbound), each peer's state in the same order,"
            + " sequence windows and window scaling, age, time to expiry, packets and bytes each way, the rule"
            + " that created it, and its pfsync identity (id, creatorid).",
            "The engine is reached through its admin socket: --socket, or the `set control` of -f CONFIG,"
            + " or the default /run/tandem/tandem.sock.",
            "`tandem states dump FILE` writes a consistent snapshot of the table; `tandem states load FILE` puts"
            + " exported states into the running engine (see their --help).",
            "Exit status: 0 listed; 1 the engine cannot be reached or its answer is malformed; 2 bad command line."})
final class StatesCommand implements Callable<Integer> {
    @Mixin
    private AdminSocketOptions engine;

    @Option(names = "--json", description = "Print a JSON array, one object per state (fields named as in pfsync_state).")
    private boolean json;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final AdminSocket admin = new AdminSocket();
        final Path path = engine.resolve(admin, err);
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
                final String text;
                try {
                    text = format(io.tandem.engine.tools.JsonReader.object(line));
                } catch (final RuntimeException e) {
                    out.flush();
                    err.println("tandem: malformed state from the engine (" + e + "): " + line);
                    return TandemMain.EXIT_FAILURE;
                }
                out.print(text);
            }
        }
        out.flush();
        return TandemMain.EXIT_OK;
    }

    /**
     * One state in {@code pfctl -ss -v} style ({@link PfctlStateText}): pf's key
     * ({@code addr[1] -> addr[0]} outbound, {@code addr[1] <- addr[0]} inbound, peer states in the
     * same order), then for TCP both sequence windows in that order, then age, expiry, counters,
     * rule, and the pfsync identity on a line of its own.
     */
    @SuppressWarnings("unchecked")
    static String format(final Map<String, Object> s) {
        final int proto = (int) (long) (Long) s.get("proto");
        final int direction = "out".equals(s.get("direction")) ? 2 : 1;
        final Map<String, Object> sp = (Map<String, Object>) s.get("src_peer");
        final Map<String, Object> dp = (Map<String, Object>) s.get("dst_peer");
        final StringBuilder b = new StringBuilder();
        b.append(PfctlStateText.line((Long) s.get("ifindex"), proto, "inet6".equals(s.get("af")), direction,
                (String) s.get("src"), (int) (long) (Long) s.get("sport"), (String) s.get("dst"),
                (int) (long) (Long) s.get("dport"), number(sp, "state"), number(dp, "state"))).append('\n');
        if (proto == 6) {
            b.append(PfctlStateText.windows(direction, (Long) sp.get("seqlo"), (Long) sp.get("seqhi"),
                    number(sp, "wscale"), (Long) dp.get("seqlo"), (Long) dp.get("seqhi"), number(dp, "wscale")))
                    .append('\n');
        }
        final List<Object> pk = (List<Object>) s.get("packets");
        final List<Object> by = (List<Object>) s.get("bytes");
        b.append(PfctlStateText.ageAndCounters((Long) s.get("age"), (Long) s.get("expire"), (Long) pk.get(0),
                (Long) pk.get(1), (Long) by.get(0), (Long) by.get(1), (Long) s.get("rule"),
                String.valueOf(s.get("timeout")))).append('\n');
        b.append("   id: ").append(s.get("id")).append(" creatorid: ").append(s.get("creatorid")).append('\n');
        return b.toString();
    }

    private static int number(final Map<String, Object> peer, final String name) {
        return (int) (long) (Long) peer.get(name);
    }
}
