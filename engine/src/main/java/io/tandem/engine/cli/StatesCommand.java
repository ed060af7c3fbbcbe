package io.tandem.engine.cli;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
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
        Path path = socket;
        if (path == null && file != null) {
            try {
                final String control = ConfigParser.parse(file).controlSocket();
                if (control == null) {
                    err.println("tandem: " + file + " disables the admin socket (set control none)");
                    return TandemMain.EXIT_USAGE;
                }
                path = Path.of(control);
            } catch (final ConfigException e) {
                err.println("tandem: " + e.getMessage());
                return TandemMain.EXIT_USAGE;
            }
        }
        if (path == null) {
            path = Path.of("/run/tandem/tandem.sock");
        }
        final List<String> lines = new ArrayList<>();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            ch.write(ByteBuffer.wrap("states\n".getBytes(StandardCharsets.UTF_8)));
            final BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("end ")) {
                    break;
                }
                if (line.startsWith("error ")) {
                    err.println("tandem: the engine answered: " + line.substring(6));
                    return TandemMain.EXIT_FAILURE;
                }
                lines.add(line);
            }
            if (line == null) {
                err.println("tandem: the engine closed " + path + " before the end of the listing");
                return TandemMain.EXIT_FAILURE;
            }
        } catch (final IOException e) {
            err.println("tandem: cannot reach the engine at " + path + ": " + e.getMessage()
                    + " — is `tandem run` running, and is this its `set control` path?");
            return TandemMain.EXIT_FAILURE;
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
