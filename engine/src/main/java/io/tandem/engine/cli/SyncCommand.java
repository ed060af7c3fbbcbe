package io.tandem.engine.cli;

import io.tandem.engine.tools.JsonReader;
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
 * {@code tandem sync}: the pfsync status of a running engine — configuration, bulk update, peers
 * heard from, and FreeBSD's pfsync statistics under their {@code netstat -s -p pfsync} names.
 * Asks the admin socket ({@code sync} request, answered by the sync agent).
 */
@Command(name = "sync", mixinStandardHelpOptions = true,
        header = "Show the pfsync status and statistics of a running engine.",
        description = {"Show the pfsync status of a running engine: sync interface, peer, creatorid, state format and"
            + " authentication; whether the start-up bulk update completed (in sync); the peers heard from (source"
            + " address, creatorids seen in their records, frames, time since the last frame); FreeBSD's pfsync"
            + " statistics under the names `netstat -s -p pfsync` uses on a FreeBSD peer, with records in and out"
            + " per action; and what the packet thread did with the peers' messages.",
            "The engine is reached through its admin socket: --socket, or the `set control` of -f CONFIG,"
            + " or the default /run/tandem/tandem.sock. Exit status 1 when the engine cannot be reached or runs"
            + " without sync."})
final class SyncCommand implements Callable<Integer> {
    @Mixin
    private AdminSocketOptions engine;

    @Option(names = "--json", description = "Print the status as one JSON object.")
    private boolean json;

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final AdminSocket admin = new AdminSocket();
        final Path path = engine.resolve(admin, err);
        final List<String> lines = path == null ? null : admin.request(path, "sync", err);
        if (lines == null) {
            return admin.exitCode();
        }
        if (lines.isEmpty()) {
            err.println("tandem: the engine sent no sync status");
            return TandemMain.EXIT_FAILURE;
        }
        if (json) {
            out.println(lines.get(0));
        } else {
            final String text;
            try {
                text = format(JsonReader.object(lines.get(0)));
            } catch (final RuntimeException e) {
                err.println("tandem: malformed sync status from the engine (" + e + ")");
                return TandemMain.EXIT_FAILURE;
            }
            out.print(text);
        }
        out.flush();
        return TandemMain.EXIT_OK;
    }

    /** The human view: a header, the bulk line, peers, then netstat-style counters. */
    @SuppressWarnings("unchecked")
    static String format(final Map<String, Object> s) {
        final StringBuilder b = new StringBuilder();
        b.append("pfsync v5 on ").append(s.get("interface")).append(" to ").append(s.get("peer"))
                .append(", creatorid ").append(s.get("creatorid")).append(", format ").append(s.get("format"))
                .append(", mtu ").append(s.get("mtu")).append(", auth ").append(s.get("auth")).append('\n');
        final boolean inSync = Boolean.TRUE.equals(s.get("in_sync"));
        b.append("bulk update: ").append(inSync ? "in sync" : Boolean.TRUE.equals(s.get("requesting_bulk"))
                ? "waiting for a peer's bulk update" : "not in sync")
                .append(" (").append(s.get("bulk_requests_sent")).append(" requests sent, ")
                .append(s.get("bulk_states_received")).append(" states received); sent ").append(s.get("bulks_sent"))
                .append(" to peers");
        if (((Long) s.get("bulks_sent")) > 0) {
            b.append(", the last ").append(s.get("last_bulk_states")).append(" states in ")
                    .append(s.get("last_bulk_ms")).append(" ms");
        }
        b.append('\n');
        final List<Object> peers = (List<Object>) s.get("peers");
        b.append("peers: ").append(peers.isEmpty() ? "none heard from yet" : "").append('\n');
        for (final Object o : peers) {
            final Map<String, Object> p = (Map<String, Object>) o;
            b.append(String.format("  %-15s creatorids %-26s %8d frames, last %.1f s ago%n", p.get("address"),
                    String.join(",", ((List<Object>) p.get("creatorids")).stream().map(String::valueOf).toList()),
                    (Long) p.get("frames"), ((Long) p.get("last_frame_ms_ago")) / 1000.0));
        }
        b.append("pfsync statistics (FreeBSD netstat -s -p pfsync names):\n");
        final Map<String, Object> st = (Map<String, Object>) s.get("stats");
        for (final Map.Entry<String, Object> e : st.entrySet()) {
            b.append(String.format("  %12d %s%n", (Long) e.getValue(), e.getKey()));
        }
        b.append("records by action (in / out):\n");
        final Map<String, Object> acts = (Map<String, Object>) s.get("actions");
        for (final Map.Entry<String, Object> e : acts.entrySet()) {
            final List<Object> io = (List<Object>) e.getValue();
            if ((Long) io.get(0) != 0 || (Long) io.get(1) != 0) {
                b.append(String.format("  %-10s %12d / %d%n", e.getKey(), (Long) io.get(0), (Long) io.get(1)));
            }
        }
        final Map<String, Object> in = (Map<String, Object>) s.get("inbox");
        b.append("peer messages applied: ");
        boolean first = true;
        for (final Map.Entry<String, Object> e : in.entrySet()) {
            b.append(first ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
            first = false;
        }
        b.append('\n');
        if (s.get("ins_by_packet_threads") instanceof Long direct && direct > 0) {
            b.append(String.format("INS sent by the packet threads themselves: %d (set sync direct-ins)%n", direct));
        }
        final Map<String, Object> d = (Map<String, Object>) s.get("deferral");
        if (d == null) {
            b.append("deferral: off\n");
        } else {
            b.append(String.format("deferral: %d first packets held (timeout %d ms, limit %d), %d now%n",
                    (Long) d.get("deferred"), (Long) d.get("timeout_ms"), (Long) d.get("defer_limit"), (Long) d.get("held")));
            b.append(String.format("  released by ack %d, by a later packet %d, by timeout %d, by limit %d; dropped %d"
                    + " (state removed); %d at shutdown%n", (Long) d.get("ack"), (Long) d.get("packet"),
                    (Long) d.get("timeout"), (Long) d.get("limit"), (Long) d.get("dropped"), (Long) d.get("shutdown")));
            b.append(String.format("  hold time p50 %s, p99 %s; acks without a hold %d, for other nodes %d, lost %d%n",
                    micros((Long) d.get("hold_p50_us")), micros((Long) d.get("hold_p99_us")),
                    (Long) d.get("acks_without_hold"), (Long) d.get("acks_for_others"), (Long) d.get("acks_lost")));
            if (s.get("answering_peers") instanceof Long peersWaited) {
                b.append(String.format("  released once %d answering peer%s acknowledged; %d acks held back for the others",
                        peersWaited, peersWaited == 1 ? "" : "s", (Long) s.get("acks_held_back")));
                if (s.get("quorum_overflows") instanceof Long overflows && overflows > 0) {
                    b.append(String.format("; %d released by the first ack (too many within one timeout to track)",
                            overflows));
                }
                b.append('\n');
            }
        }
        final Map<String, Object> w = (Map<String, Object>) s.get("awaiting");
        if (w == null) {
            b.append("awaiting: off\n");
        } else {
            b.append(String.format("awaiting: %d packets held for a peer's state (timeout %d ms, limit %d), %d now%n",
                    (Long) w.get("awaited"), (Long) w.get("timeout_ms"), (Long) w.get("await_limit"), (Long) w.get("held")));
            b.append(String.format("  decided by the state that came: passed %d, failed %d; dropped by timeout %d, by limit"
                    + " %d, at shutdown %d%n", (Long) w.get("passed"), (Long) w.get("failed"), (Long) w.get("timeout"),
                    (Long) w.get("limit"), (Long) w.get("shutdown")));
        }
        return b.toString();
    }

    /** A histogram bucket bound for people: "≤ 500 µs", "≤ 2 ms", "> 1 s", or "-" when nothing was held. */
    static String micros(final long us) {
        if (us < 0) {
            return "-";
        }
        if (us == Long.MAX_VALUE) {
            return "> 1 s";
        }
        return us < 1000 ? "<= " + us + " us" : "<= " + us / 1000 + " ms";
    }
}
