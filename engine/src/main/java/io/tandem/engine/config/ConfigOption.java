package io.tandem.engine.config;

import io.tandem.engine.rules.Addresses;
import io.tandem.engine.rules.RuleParser;
import io.tandem.engine.rules.RuleSyntaxException;
import io.tandem.engine.rules.Token;
import io.tandem.engine.rules.TokenCursor;

import java.util.ArrayList;
import java.util.List;

/**
 * The table of {@code set} options: one row per option with its name, value syntax, default and
 * help text. The parser, the error messages, {@code docs/configuration.md} and {@code tandem --help}
 * are all driven by this table, so adding an option is adding a row.
 *
 * <p>Every value is held as a long ({@link Kind#HOSTPORT} and {@link Kind#IFLIST} also as text):
 * booleans as 0/1, choices as the index into {@link #choices()}, {@code none} as -1. Options named
 * {@code "group sub"} ({@code limit states}, {@code timeout tcp.first}) are written
 * {@code set group sub VALUE} or {@code set group { sub VALUE, ... }}. Timeouts are listed in pf's
 * PFTM order, so {@link #pftmIndex()} gives the index the state engine uses.
 */
public enum ConfigOption {
    QUEUE("queue", Kind.QUEUES, 0, 65535, 0, null,
            "NFQUEUE number to bind (the --queue-num of the iptables NFQUEUE target), or FIRST:LAST for one packet "
            + "thread per queue (the --queue-balance FIRST:LAST range), states shared out among them by flow."),
    CPU("cpu", Kind.CPU, 0, 4095, -1, null,
            "CPU the packet thread is pinned to (with several queues: the first queue's; queue FIRST+i's thread on "
            + "CPU N+i), or none to let the scheduler choose."),
    METRICS("metrics", Kind.HOSTPORT, 0, 0, 0, "127.0.0.1:9108",
            "Address of the Prometheus /metrics endpoint (literal IP address and port), or none to disable it."),
    COPY_RANGE("copy-range", Kind.UINT, 64, 65531, 256, null,
            "Bytes of each packet the kernel copies to Tandem; headers must fit."),
    QUEUE_MAXLEN("queue-maxlen", Kind.UINT, 1, Integer.MAX_VALUE, 8192, null,
            "Packets the kernel queue holds waiting for a verdict."),
    FAIL_OPEN("fail-open", Kind.BOOL, 0, 1, 1, null,
            "yes: the kernel accepts packets when the queue is full; no: it drops them."),
    GSO("gso", Kind.BOOL, 0, 1, 1, null,
            "Accept GSO/GRO super-packets from the kernel instead of having them segmented."),
    RCVBUF("rcvbuf", Kind.SIZE, 4096, Integer.MAX_VALUE, 8L << 20, null,
            "Netlink socket receive buffer in bytes; suffixes k and m (and g) multiply by 1024."),
    BATCH("batch", Kind.UINT, 1, 1024, 64, null,
            "Packets read per receive call."),
    VERDICT("verdict", Kind.CHOICE, 0, 1, 0, "batch single",
            "batch: coalesce verdicts into NFQNL_MSG_VERDICT_BATCH messages; single: one verdict per packet."),
    BUSY_POLL("busy-poll", Kind.UINT, 0, 1_000_000, 0, null,
            "Microseconds a packet thread keeps polling its queue, without sleeping, after the last packet or "
            + "message it handled: a packet arriving meanwhile is taken at once instead of waking the thread, "
            + "at the cost of that CPU being busy meanwhile; 0 sleeps as soon as the queue is empty."),
    WARMUP("warmup", Kind.UINT, 0, 60_000, 1000, null,
            "Milliseconds of made-up traffic run through the packet path at start, before the queue is bound, so "
            + "that the JIT compiler has compiled it when the first real packet comes; 0 binds the queue at once, "
            + "and an engine started into heavy traffic then overflows its queue for its first seconds."),
    MALFORMED("malformed", Kind.CHOICE, 0, 1, 0, "drop pass",
            "Verdict for packets that fail to decode."),
    SKIP("skip", Kind.IFLIST, 0, 0, 0, "",
            "Interfaces whose packets are passed without filtering (pf's set skip on)."),
    HOSTID("hostid", Kind.UINT, 0, 0xFFFF_FFFFL, 0, null,
            "This node's pfsync creator id (pf's set hostid), written into every state it creates; "
            + "0 picks a random non-zero id at each start."),
    STATE_POLICY("state-policy", Kind.CHOICE, 0, 1, 0, "floating if-bound",
            "floating: a state matches packets on any interface (pf's default); if-bound: only on the "
            + "interface it was created on."),
    USER("user", Kind.USER, 0, 0, 0, "tandem",
            "User the engine runs as once its queue and sockets are bound, keeping only CAP_NET_ADMIN (and "
            + "CAP_NET_RAW with pfsync); none (or root) keeps the user it was started as."),
    CONTROL("control", Kind.PATH, 0, 0, 0, "/run/tandem/tandem.sock",
            "Unix socket of the local admin channel used by `tandem states`, or none to disable it."),
    JOURNAL_DIR("journal dir", Kind.PATH, 0, 0, 0, "/var/lib/tandem/journal",
            "Directory of the state journal (Chronicle Queue files); none disables journaling and recovery."),
    JOURNAL_ROLL("journal roll", Kind.CHOICE, 0, 5, 3, "five-minutely ten-minutely half-hourly hourly daily weekly",
            "How often the journal starts a new file (roll cycle)."),
    JOURNAL_RETENTION("journal retention", Kind.UINT, 1, 100_000, 48, null,
            "Roll-cycle files to keep; older ones are deleted once recovery no longer needs them."),
    JOURNAL_SNAPSHOT("journal snapshot", Kind.SECONDS, 1, 86_400, 60, null,
            "Seconds for one pass of the rolling snapshot over the state table; recovery replays at most about "
            + "two passes of records."),
    SYNC_INTERFACE("sync interface", Kind.NAME, 0, 0, 0, null,
            "Interface pfsync v5 frames are sent and received on (pf's syncdev); none disables sync."),
    SYNC_PEER("sync peer", Kind.ADDRESS, 0, 0, 0, "224.0.0.240",
            "Where pfsync frames go (pf's syncpeer): a unicast peer's IPv4 or IPv6 address, or a multicast group, "
            + "224.0.0.240 (IPv4) or ff12::f0 (IPv6, as FreeBSD 14 and later); an IPv6 address makes pfsync run over "
            + "IPv6."),
    SYNC_FORMAT("sync format", Kind.CHOICE, 0, 2, 1, "1301 1400 1500",
            "pfsync state record format sent: 1400 for FreeBSD 14 and 15 (FreeBSD 14's own default, "
            + "PFSYNC_MSG_VERSION_DEFAULT), 1301 when any peer runs FreeBSD 10 to 13 (they discard 1400 and 1500 "
            + "records as badact), 1500 for FreeBSD 15 only; all three are received."),
    SYNC_MAXUPDATES("sync maxupdates", Kind.UINT, 0, 255, 128, null,
            "Local updates of one TCP state after which its update is sent at once (pf's maxupd); 0 sends every "
            + "update at once."),
    SYNC_MTU("sync mtu", Kind.UINT, 576, 9000, 1500, null,
            "Largest pfsync frame in bytes, IP header included; keep it within the sync interface's MTU (frames "
            + "carry DF)."),
    SYNC_FLUSH_DELAY("sync flush-delay", Kind.UINT, 1, 1000, 100, null,
            "Milliseconds a queued pfsync message waits for others to share its frame (pf waits up to 1000)."),
    SYNC_BULK_RATE("sync bulk-rate", Kind.UINT, 1, 1_000_000, 5000, null,
            "Frames per second sent when a peer asks for the whole state table (bulk update)."),
    SYNC_DEFER("sync defer", Kind.BOOL, 0, 1, 1, null,
            "yes: hold the first packet of each new forwarded state until a peer acknowledges the state (pfsync "
            + "deferral, for split paths); no: pass it at once (FreeBSD's default)."),
    SYNC_DEFER_TIMEOUT("sync defer-timeout", Kind.UINT, 1, 1000, 20, null,
            "Longest hold of a deferred first packet in milliseconds; it passes when no peer has acknowledged "
            + "its state by then (FreeBSD: 20)."),
    SYNC_DEFER_LIMIT("sync defer-limit", Kind.UINT, 1, 65_536, 128, null,
            "Most first packets held at once; holding one more passes the oldest (FreeBSD: 128). Keep it below "
            + "queue-maxlen."),
    SYNC_DEFER_POLL("sync defer-poll", Kind.UINT, 0, 20_000, 500, null,
            "Microseconds a packet thread polls for a peer's INS_ACK, instead of sleeping, after it holds a first "
            + "packet (while one is held): the acknowledgement releases the packet without waking the thread, at "
            + "the cost of that CPU being busy meanwhile, at most this long per new connection; 0 sleeps at once."),
    SYNC_DIRECT_INS("sync direct-ins", Kind.BOOL, 0, 1, 1, null,
            "yes: each packet thread sends the INS of a state announced at once (a held first packet's) from its "
            + "own socket, in the duty cycle that created the state; no: the sync thread sends it. Ignored with "
            + "sync auth, where the sync thread sends every frame (one signer per node)."),
    SYNC_AWAIT_TIMEOUT("sync await-timeout", Kind.UINT, 0, 1000, 0, null,
            "Milliseconds a forwarded packet that matches no state and that the rules drop is held in case a "
            + "peer's state for it arrives (the reply of a split-path connection that beat its INS; 20 is a good "
            + "value); 0, the default: drop at once."),
    SYNC_AWAIT_LIMIT("sync await-limit", Kind.UINT, 1, 65_536, 128, null,
            "Most packets held awaiting a peer's state at once; holding one more drops the oldest. Keep it, with "
            + "defer-limit, below queue-maxlen."),
    SYNC_AUTH("sync auth", Kind.CHOICE, 0, 1, 0, "none hmac-sha256",
            "none: plain pfsync v5, FreeBSD-compatible; hmac-sha256: every frame carries an HMAC trailer "
            + "(Tandem peers only, see docs/pfsync-auth.md)."),
    SYNC_AUTH_KEY("sync auth-key", Kind.PATH, 0, 0, 0, null,
            "Cluster key file for sync auth hmac-sha256 (key id and 256-bit key per line; the first signs)."),
    SYNC_AUTH_REQUIRE("sync auth-require", Kind.BOOL, 0, 1, 1, null,
            "yes: drop frames without a valid trailer; no: also accept frames without one (while rolling out a key)."),
    SYNC_AUTH_MAX_SKEW("sync auth-max-skew", Kind.SECONDS, 1, 86_400, 60, null,
            "Seconds a new sender's sequence (its clock) may differ from ours; bounds replays after a restart."),
    LIMIT_STATES("limit states", Kind.UINT, 1, Integer.MAX_VALUE, 100_000, null,
            "Size of the state table; new states beyond it are refused and counted."),
    TIMEOUT_TCP_FIRST("timeout tcp.first", Kind.SECONDS, 0, Integer.MAX_VALUE, 120, null,
            "TCP state after the first packet."),
    TIMEOUT_TCP_OPENING("timeout tcp.opening", Kind.SECONDS, 0, Integer.MAX_VALUE, 30, null,
            "TCP state before the destination has answered (SYN_SENT)."),
    TIMEOUT_TCP_ESTABLISHED("timeout tcp.established", Kind.SECONDS, 0, Integer.MAX_VALUE, 86_400, null,
            "Established TCP connection."),
    TIMEOUT_TCP_CLOSING("timeout tcp.closing", Kind.SECONDS, 0, Integer.MAX_VALUE, 900, null,
            "TCP state after the first FIN."),
    TIMEOUT_TCP_FINWAIT("timeout tcp.finwait", Kind.SECONDS, 0, Integer.MAX_VALUE, 45, null,
            "TCP state after both FINs (connection closed)."),
    TIMEOUT_TCP_CLOSED("timeout tcp.closed", Kind.SECONDS, 0, Integer.MAX_VALUE, 90, null,
            "TCP state after an RST."),
    TIMEOUT_UDP_FIRST("timeout udp.first", Kind.SECONDS, 0, Integer.MAX_VALUE, 60, null,
            "UDP state after the first packet."),
    TIMEOUT_UDP_SINGLE("timeout udp.single", Kind.SECONDS, 0, Integer.MAX_VALUE, 30, null,
            "UDP state when only the source has sent packets."),
    TIMEOUT_UDP_MULTIPLE("timeout udp.multiple", Kind.SECONDS, 0, Integer.MAX_VALUE, 60, null,
            "UDP state when both sides have sent packets."),
    TIMEOUT_ICMP_FIRST("timeout icmp.first", Kind.SECONDS, 0, Integer.MAX_VALUE, 20, null,
            "ICMP state after the first packet."),
    TIMEOUT_ICMP_ERROR("timeout icmp.error", Kind.SECONDS, 0, Integer.MAX_VALUE, 10, null,
            "ICMP state after an ICMP error came back in answer."),
    TIMEOUT_OTHER_FIRST("timeout other.first", Kind.SECONDS, 0, Integer.MAX_VALUE, 60, null,
            "Other protocols: state after the first packet."),
    TIMEOUT_OTHER_SINGLE("timeout other.single", Kind.SECONDS, 0, Integer.MAX_VALUE, 30, null,
            "Other protocols: only the source has sent packets."),
    TIMEOUT_OTHER_MULTIPLE("timeout other.multiple", Kind.SECONDS, 0, Integer.MAX_VALUE, 60, null,
            "Other protocols: both sides have sent packets."),
    TIMEOUT_FRAG("timeout frag", Kind.SECONDS, 0, Integer.MAX_VALUE, 30, null,
            "Seconds before an unassembled fragment expires."),
    TIMEOUT_INTERVAL("timeout interval", Kind.SECONDS, 1, Integer.MAX_VALUE, 10, null,
            "Interval between purges of expired states."),
    TIMEOUT_ADAPTIVE_START("timeout adaptive.start", Kind.UINT, 0, Integer.MAX_VALUE, 60_000, null,
            "State count at which timeouts start to scale down; default 60% of limit states."),
    TIMEOUT_ADAPTIVE_END("timeout adaptive.end", Kind.UINT, 0, Integer.MAX_VALUE, 120_000, null,
            "State count at which timeouts reach 0; default 120% of limit states. 0/0 disables scaling.");

    /** Value syntaxes. */
    public enum Kind { UINT, QUEUES, SECONDS, CPU, HOSTPORT, BOOL, SIZE, CHOICE, IFLIST, PATH, NAME, ADDRESS, USER }

    private static final ConfigOption[] VALUES = values();
    /** A user name as useradd(8) accepts one by default; at most 32 characters. */
    private static final java.util.regex.Pattern USER_NAME =
            java.util.regex.Pattern.compile("[a-z_][a-z0-9_-]{0,30}\\$?");

    private final String name;
    private final Kind kind;
    private final long min;
    private final long max;
    private final long defaultValue;
    private final String defaultText;
    private final String[] choices;
    private final String help;

    ConfigOption(final String name, final Kind kind, final long min, final long max, final long defaultValue,
            final String text, final String help) {
        this.name = name;
        this.kind = kind;
        this.min = min;
        this.max = max;
        this.defaultValue = defaultValue;
        this.defaultText = kind == Kind.CHOICE ? null : text;
        this.choices = kind == Kind.CHOICE ? text.split(" ") : new String[0];
        this.help = help;
    }

    /** Full name as written after {@code set}, e.g. {@code queue} or {@code timeout tcp.first}. */
    public String optionName() {
        return name;
    }

    /** The group word of a two-word option ({@code limit}, {@code timeout}), or the name itself. */
    public String group() {
        final int sp = name.indexOf(' ');
        return sp < 0 ? name : name.substring(0, sp);
    }

    /** The second word of a two-word option, or null. */
    public String member() {
        final int sp = name.indexOf(' ');
        return sp < 0 ? null : name.substring(sp + 1);
    }

    public Kind kind() {
        return kind;
    }

    public long min() {
        return min;
    }

    public long max() {
        return max;
    }

    public long defaultValue() {
        return defaultValue;
    }

    /** Default text value (HOSTPORT, IFLIST), else null. */
    public String defaultText() {
        return defaultText;
    }

    public List<String> choices() {
        return List.of(choices);
    }

    public String help() {
        return help;
    }

    /**
     * True when a mistaken value may be a secret: {@code sync auth-key} names the key file, and a key
     * pasted in its place must not be echoed. Errors about such a value, and about anything after it on
     * the line, never quote the text.
     */
    public boolean valueMayBeSecret() {
        return this == SYNC_AUTH_KEY;
    }

    /** True for the {@code timeout} group. */
    public boolean isTimeout() {
        return name.startsWith("timeout ");
    }

    /** pf's PFTM_* index of a timeout option, or -1. */
    public int pftmIndex() {
        return isTimeout() ? ordinal() - TIMEOUT_TCP_FIRST.ordinal() : -1;
    }

    /** Number of timeout options (pf's PFTM_ADAPTIVE_END + 1). */
    public static final int TIMEOUT_COUNT = TIMEOUT_ADAPTIVE_END.ordinal() - TIMEOUT_TCP_FIRST.ordinal() + 1;

    /** The option with this full name, or null. */
    public static ConfigOption byName(final String name) {
        for (final ConfigOption o : VALUES) {
            if (o.name.equals(name)) {
                return o;
            }
        }
        return null;
    }

    /** Timeout option by pf's PFTM index. */
    public static ConfigOption timeoutByIndex(final int pftm) {
        return VALUES[TIMEOUT_TCP_FIRST.ordinal() + pftm];
    }

    /** Distinct first words of all options, in table order: the names {@code set} accepts. */
    public static List<String> groups() {
        final List<String> out = new ArrayList<>();
        for (final ConfigOption o : VALUES) {
            if (!out.contains(o.group())) {
                out.add(o.group());
            }
        }
        return out;
    }

    /** Second words of a group, in table order. */
    public static List<String> members(final String group) {
        final List<String> out = new ArrayList<>();
        for (final ConfigOption o : VALUES) {
            if (o.group().equals(group) && o.member() != null) {
                out.add(o.member());
            }
        }
        return out;
    }

    /** Value syntax for help and documentation. */
    public String syntax() {
        switch (kind) {
            case UINT:
                return (acceptsHex() ? "N | 0xHEX (" : "N (") + min + ".." + max + ")";
            case SECONDS:
                return "seconds (" + min + ".." + max + ")";
            case QUEUES:
                return "N | FIRST:LAST (" + min + ".." + max + ", at most " + MAX_QUEUES + " queues)";
            case CPU:
                return "N (" + min + ".." + max + ") | none";
            case HOSTPORT:
                return "\"HOST:PORT\" | none";
            case PATH:
                return "\"PATH\" | none";
            case NAME:
                return "NAME | none";
            case USER:
                return "USER | none";
            case ADDRESS:
                return "\"IPv4 or IPv6 address\"";
            case BOOL:
                return "yes | no";
            case SIZE:
                return "N[k|m|g] (" + formatSize(min) + ".." + max + ")";
            case CHOICE:
                return String.join(" | ", choices);
            case IFLIST:
                return "on IF | on { IF ... }";
            default:
                throw new IllegalStateException();
        }
    }

    /** Formats a value as it is written in the file. */
    public String format(final long value, final String text) {
        switch (kind) {
            case CPU:
                return value < 0 ? "none" : Long.toString(value);
            case QUEUES:
                return queueFirst(value) == queueLast(value) ? Long.toString(queueFirst(value))
                        : queueFirst(value) + ":" + queueLast(value);
            case HOSTPORT:
            case PATH:
            case NAME:
            case ADDRESS:
                return text == null ? "none" : "\"" + text + "\"";
            case USER:
                return text == null ? "none" : text;
            case BOOL:
                return value != 0 ? "yes" : "no";
            case SIZE:
                return formatSize(value);
            case CHOICE:
                return choices[(int) value];
            case IFLIST:
                if (text == null || text.isEmpty()) {
                    return "none";
                }
                return text.indexOf(' ') < 0 ? "on " + text : "on { " + text + " }";
            default:
                return Long.toString(value);
        }
    }

    /** The default as written in the file. */
    public String defaultString() {
        return format(defaultValue, defaultText);
    }

    static String formatSize(final long v) {
        if (v != 0 && v % (1L << 30) == 0) {
            return (v >> 30) + "g";
        }
        if (v != 0 && v % (1L << 20) == 0) {
            return (v >> 20) + "m";
        }
        if (v != 0 && v % 1024 == 0) {
            return (v >> 10) + "k";
        }
        return Long.toString(v);
    }

    /**
     * Parses this option's value from the cursor into {@code values[ordinal]} / {@code texts[ordinal]}.
     * An IFLIST value replaces the text only when {@code replace}, else appends to it.
     */
    void parseValue(final TokenCursor c, final long[] values, final String[] texts, final boolean replace)
            throws RuleSyntaxException {
        final int i = ordinal();
        final Token t = c.peek();
        switch (kind) {
            case UINT:
            case SECONDS:
                values[i] = number(c.next());
                return;
            case QUEUES:
                values[i] = queues(c.next());
                return;
            case CPU:
                if (c.accept("none")) {
                    values[i] = -1;
                } else {
                    values[i] = number(c.next());
                }
                return;
            case BOOL:
                c.next();
                if (t.is("yes")) {
                    values[i] = 1;
                } else if (t.is("no")) {
                    values[i] = 0;
                } else {
                    throw new RuleSyntaxException(t, "expected yes or no for " + name + ", got " + t.describe());
                }
                return;
            case CHOICE:
                c.next();
                for (int k = 0; k < choices.length; k++) {
                    if (t.is(choices[k])) {
                        values[i] = k;
                        return;
                    }
                }
                throw new RuleSyntaxException(t, "expected " + String.join(" or ", choices) + " for " + name
                        + ", got " + t.describe());
            case SIZE:
                values[i] = size(c.next());
                return;
            case HOSTPORT:
                c.next();
                if (t.is("none")) {
                    texts[i] = null;
                    values[i] = 0;
                    return;
                }
                if (t.kind() != Token.Kind.STRING && t.kind() != Token.Kind.WORD) {
                    throw new RuleSyntaxException(t, "expected \"HOST:PORT\" or none for " + name + ", got " + t.describe());
                }
                texts[i] = hostPort(t);
                values[i] = 0;
                return;
            case NAME:
                c.next();
                if (t.is("none")) {
                    texts[i] = null;
                    values[i] = 0;
                    return;
                }
                if (t.kind() != Token.Kind.STRING && t.kind() != Token.Kind.WORD || t.text().isEmpty()) {
                    throw new RuleSyntaxException(t, "expected a name or none for " + name + ", got " + t.describe());
                }
                texts[i] = t.text();
                values[i] = 0;
                return;
            case USER:
                c.next();
                if (t.is("none")) {
                    texts[i] = null;
                    values[i] = 0;
                    return;
                }
                if (t.kind() != Token.Kind.STRING && t.kind() != Token.Kind.WORD
                        || !USER_NAME.matcher(t.text()).matches()) {
                    throw new RuleSyntaxException(t, "expected a user name (lower-case letters, digits, '_' and '-',"
                            + " at most 32 characters) or none for " + name + ", got " + t.describe());
                }
                texts[i] = t.text();
                values[i] = 0;
                return;
            case ADDRESS:
                c.next();
                texts[i] = address(t);
                values[i] = 0;
                return;
            case PATH:
                c.next();
                if (t.is("none")) {
                    texts[i] = null;
                    values[i] = 0;
                    return;
                }
                if (t.kind() != Token.Kind.STRING && t.kind() != Token.Kind.WORD || !t.text().startsWith("/")) {
                    throw new RuleSyntaxException(t, "expected an absolute \"PATH\" or none for " + name
                            + ", got " + t.describe());
                }
                texts[i] = t.text();
                values[i] = 0;
                return;
            case IFLIST:
                c.expect("on");
                final StringBuilder sb = new StringBuilder(replace || texts[i] == null ? "" : texts[i]);
                if (c.peek().is("{")) {
                    final Token open = c.next();
                    int count = 0;
                    while (!c.accept("}")) {
                        if (c.atEnd()) {
                            throw new RuleSyntaxException(open, "unterminated list: '{' without '}'");
                        }
                        if (c.accept(",")) {
                            continue;
                        }
                        appendInterface(sb, c.next());
                        count++;
                    }
                    if (count == 0) {
                        throw new RuleSyntaxException(open, "empty list");
                    }
                } else {
                    appendInterface(sb, c.next());
                }
                texts[i] = sb.toString();
                return;
            default:
                throw new IllegalStateException();
        }
    }

    private static void appendInterface(final StringBuilder sb, final Token t) throws RuleSyntaxException {
        if (t.kind() != Token.Kind.WORD || t.text().length() > 15) {
            throw new RuleSyntaxException(t, "expected an interface name, got " + t.describe());
        }
        if ((" " + sb + " ").contains(" " + t.text() + " ")) {
            return;
        }
        if (sb.length() > 0) {
            sb.append(' ');
        }
        sb.append(t.text());
    }

    /** Most queues one engine binds (one packet thread each). */
    public static final int MAX_QUEUES = 64;

    /** The first queue of a {@code set queue} value ({@code FIRST | LAST << 16}). */
    public static int queueFirst(final long value) {
        return (int) (value & 0xFFFF);
    }

    /** The last queue of a {@code set queue} value; equal to the first for a single queue. */
    public static int queueLast(final long value) {
        return (int) (value >>> 16) == 0 ? queueFirst(value) : (int) ((value >>> 16) & 0xFFFF);
    }

    /** {@code N} or {@code FIRST:LAST}, stored as {@code FIRST | LAST << 16} (LAST 0 for a single queue). */
    private long queues(final Token t) throws RuleSyntaxException {
        final String text = t.kind() == Token.Kind.WORD ? t.text() : "";
        final int colon = text.indexOf(':');
        if (colon < 0) {
            return number(t);
        }
        final long first = RuleParser.number(text.substring(0, colon));
        final long last = RuleParser.number(text.substring(colon + 1));
        if (first < 0 || last < 0) {
            throw new RuleSyntaxException(t, "expected N or FIRST:LAST (queue numbers) for " + name + ", got "
                    + t.describe());
        }
        checkRange(t, first);
        checkRange(t, last);
        if (last < first) {
            throw new RuleSyntaxException(t, name + " " + text + ": the last queue is below the first (write "
                    + last + ":" + first + ")");
        }
        if (last - first + 1 > MAX_QUEUES) {
            throw new RuleSyntaxException(t, name + " " + text + ": " + (last - first + 1) + " queues; at most "
                    + MAX_QUEUES + " (one packet thread each)");
        }
        return first == last ? first : first | last << 16;
    }

    private long number(final Token t) throws RuleSyntaxException {
        final long v = t.kind() != Token.Kind.WORD ? -1 : acceptsHex() ? pfNumber(t.text()) : RuleParser.number(t.text());
        if (v < 0) {
            throw new RuleSyntaxException(t, "expected a number" + (acceptsHex() ? " (decimal, or 0x and hex digits)" : "")
                    + " for " + name + ", got " + t.describe());
        }
        return checkRange(t, v);
    }

    /**
     * Whether the value is read as pf reads its {@code number} non-terminal, hex included. pf's
     * grammar ({@code sbin/pfctl/parse.y}) takes {@code set hostid number}, where {@code number} is a
     * NUMBER token (digits only, decimal: {@code yylex} converts them with {@code strtonum}) or a
     * STRING read whole by {@code atoul} ({@code strtoul(s, &ep, 0)}), which is how {@code 0x0a0b0c0d}
     * is accepted. {@code set timeout} and {@code set limit} take a bare NUMBER ({@code timeout_spec},
     * {@code limit_spec}), so pf reads them in decimal only, and so do we. The other numeric options
     * have no pf.conf counterpart and stay decimal.
     */
    public boolean acceptsHex() {
        return this == HOSTID;
    }

    /**
     * A value as pf's {@code number} reads it: decimal digits, or {@code 0x}/{@code 0X} followed by hex
     * digits; -1 if it is neither. Values too large for a long come back as {@link Long#MAX_VALUE} so the
     * range check reports them.
     */
    static long pfNumber(final String s) {
        if (s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'x' || s.charAt(1) == 'X')) {
            long v = 0;
            for (int i = 2; i < s.length(); i++) {
                final int d = Character.digit(s.charAt(i), 16);
                if (d < 0) {
                    return -1;
                }
                if (v > (Long.MAX_VALUE >> 4)) {
                    v = Long.MAX_VALUE;
                } else {
                    v = v << 4 | d;
                }
            }
            return v;
        }
        return s.length() > 10 && s.chars().allMatch(Character::isDigit) ? Long.MAX_VALUE : RuleParser.number(s);
    }

    private long checkRange(final Token t, final long v) throws RuleSyntaxException {
        if (v < min || v > max) {
            throw new RuleSyntaxException(t, name + " " + t.text() + " out of range " + min + ".." + max);
        }
        return v;
    }

    private long size(final Token t) throws RuleSyntaxException {
        final String s = t.kind() == Token.Kind.WORD ? t.text() : "";
        int shift = 0;
        String digits = s;
        if (!s.isEmpty()) {
            final char last = Character.toLowerCase(s.charAt(s.length() - 1));
            shift = last == 'k' ? 10 : last == 'm' ? 20 : last == 'g' ? 30 : 0;
            if (shift != 0) {
                digits = s.substring(0, s.length() - 1);
            }
        }
        final long v = RuleParser.number(digits);
        if (v < 0) {
            throw new RuleSyntaxException(t, "expected a size (N, Nk, Nm or Ng) for " + name + ", got " + t.describe());
        }
        return checkRange(t, v << shift);
    }

    /** A literal IPv4 or IPv6 address in its canonical form (dotted quad, RFC 5952); names are not resolved. */
    private String address(final Token t) throws RuleSyntaxException {
        if (t.kind() == Token.Kind.STRING || t.kind() == Token.Kind.WORD) {
            final String s = t.text();
            if (s.indexOf(':') >= 0) {
                final long[] v6 = Addresses.parseInet6(s);
                if (v6 != null) {
                    return Addresses.formatInet6(v6[0], v6[1]);
                }
            } else {
                final long v4 = Addresses.parseInet4(s);
                if (v4 >= 0) {
                    return Addresses.formatInet4(v4);
                }
            }
        }
        throw new RuleSyntaxException(t, name + " must be a literal IPv4 or IPv6 address, got " + t.describe());
    }

    private String hostPort(final Token t) throws RuleSyntaxException {
        final String s = t.text();
        final int colon = s.lastIndexOf(':');
        final String bad = name + " must be \"HOST:PORT\" with a literal IP address, got '" + s + "'";
        if (colon <= 0) {
            throw new RuleSyntaxException(t, bad);
        }
        String host = s.substring(0, colon);
        final long port = RuleParser.number(s.substring(colon + 1));
        if (port < 1 || port > 65535) {
            throw new RuleSyntaxException(t, name + ": port must be 1..65535, got '" + s.substring(colon + 1) + "'");
        }
        if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
            final long[] v6 = Addresses.parseInet6(host.substring(1, host.length() - 1));
            if (v6 == null) {
                throw new RuleSyntaxException(t, bad);
            }
            host = "[" + Addresses.formatInet6(v6[0], v6[1]) + "]";
        } else {
            final long v4 = Addresses.parseInet4(host);
            if (v4 < 0) {
                throw new RuleSyntaxException(t, bad.concat(
                        host.indexOf(':') >= 0 ? "; write IPv6 addresses in brackets, as [::1]:9108" : ""));
            }
            host = Addresses.formatInet4(v4);
        }
        return host + ":" + port;
    }

    /** The options table in Markdown, as it appears in {@code docs/configuration.md}. */
    public static String markdownTable() {
        final StringBuilder sb = new StringBuilder();
        sb.append("| Option | Values | Default | Meaning |\n");
        sb.append("|---|---|---|---|\n");
        for (final ConfigOption o : VALUES) {
            sb.append("| `set ").append(o.name).append("` | ").append(o.syntax().replace("|", "\\|"))
                    .append(" | `").append(o.defaultString()).append(o.isAdaptive() ? "` (*) | " : "` | ").append(o.help).append(" |\n");
        }
        return sb.toString();
    }

    /** The options as plain text for {@code tandem --help}. */
    public static String helpText() {
        final StringBuilder sb = new StringBuilder();
        for (final ConfigOption o : VALUES) {
            sb.append("  ").append(o.name).append(' ').append(o.syntax()).append("  [default ")
                    .append(o.defaultString()).append("]\n      ").append(o.help).append('\n');
        }
        return sb.toString();
    }

    boolean isAdaptive() {
        return this == TIMEOUT_ADAPTIVE_START || this == TIMEOUT_ADAPTIVE_END;
    }
}
