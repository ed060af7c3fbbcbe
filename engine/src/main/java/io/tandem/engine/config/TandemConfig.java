package io.tandem.engine.config;

import io.tandem.engine.rules.InterfaceResolver;
import io.tandem.engine.rules.Rule;
import io.tandem.engine.rules.Ruleset;

import java.util.Arrays;
import java.util.List;

/**
 * The parsed configuration: {@code set} option values (pf-like defaults for anything not set) and the
 * filter rules, immutable. Built by {@link ConfigParser}; {@link #withOverride(String)} derives a new
 * configuration with one option changed, for command-line {@code --set} flags.
 *
 * <p>Values are stored per {@link ConfigOption} row; the typed getters read them. The adaptive
 * timeouts, when not set explicitly, follow {@code limit states} as in pf (60% and 120% of it).
 */
public final class TandemConfig {
    /** Values of {@code set verdict}. */
    public enum VerdictMode { BATCH, SINGLE }

    /** Values of {@code set malformed}. */
    public enum MalformedPolicy { DROP, PASS }

    private static final ConfigOption[] OPTIONS = ConfigOption.values();

    private final String source;
    private final long[] values;
    private final String[] texts;
    private final Position[] setAt;
    private final List<Rule> rules;

    /** Where an option was set, for error messages. */
    record Position(String source, int line, int column) {
    }

    TandemConfig(final String source, final long[] values, final String[] texts, final Position[] setAt,
            final List<Rule> rules) {
        this.source = source;
        this.values = values.clone();
        this.texts = texts.clone();
        this.setAt = setAt.clone();
        this.rules = List.copyOf(rules);
    }

    /** All defaults and no rules (everything passes). */
    public static TandemConfig defaults() {
        return new TandemConfig("<defaults>", defaultValues(), defaultTexts(), new Position[OPTIONS.length], List.of());
    }

    static long[] defaultValues() {
        final long[] v = new long[OPTIONS.length];
        for (final ConfigOption o : OPTIONS) {
            v[o.ordinal()] = o.defaultValue();
        }
        return v;
    }

    static String[] defaultTexts() {
        final String[] t = new String[OPTIONS.length];
        for (final ConfigOption o : OPTIONS) {
            t[o.ordinal()] = o.defaultText();
        }
        return t;
    }

    /** Name of the file this configuration came from. */
    public String source() {
        return source;
    }

    /** The value of any option; adaptive timeouts that were not set follow {@code limit states}. */
    public long value(final ConfigOption o) {
        if (!isSet(o)) {
            return defaultFor(o);
        }
        return values[o.ordinal()];
    }

    /** The default of an option in this configuration (adaptive ones depend on {@code limit states}). */
    long defaultFor(final ConfigOption o) {
        if (o == ConfigOption.TIMEOUT_ADAPTIVE_START) {
            return values[ConfigOption.LIMIT_STATES.ordinal()] * 6 / 10;
        }
        if (o == ConfigOption.TIMEOUT_ADAPTIVE_END) {
            return values[ConfigOption.LIMIT_STATES.ordinal()] * 12 / 10;
        }
        return o.defaultValue();
    }

    /** True when the option was given in the file or on the command line. */
    public boolean isSet(final ConfigOption o) {
        return setAt[o.ordinal()] != null;
    }

    Position setAt(final ConfigOption o) {
        return setAt[o.ordinal()];
    }

    long[] rawValues() {
        return values.clone();
    }

    String[] rawTexts() {
        return texts.clone();
    }

    Position[] rawPositions() {
        return setAt.clone();
    }

    /** The option's value as written in the file ({@code 8m}, {@code "127.0.0.1:9108"}, {@code none}...). */
    public String valueText(final ConfigOption o) {
        return o.format(value(o), texts[o.ordinal()]);
    }

    /** {@code set queue}: the NFQUEUE number, or the first of a FIRST:LAST range. */
    public int queue() {
        return ConfigOption.queueFirst(value(ConfigOption.QUEUE));
    }

    /** How many queues {@code set queue} names: 1, or LAST - FIRST + 1 for a range (one packet thread each). */
    public int queueCount() {
        final long v = value(ConfigOption.QUEUE);
        return ConfigOption.queueLast(v) - ConfigOption.queueFirst(v) + 1;
    }

    /** {@code set cpu}: CPU to pin the packet thread to, or -1 for none. */
    public int cpu() {
        return (int) value(ConfigOption.CPU);
    }

    /** {@code set metrics}: "HOST:PORT" (IPv6 hosts in brackets), or null when disabled. */
    public String metricsAddress() {
        return texts[ConfigOption.METRICS.ordinal()];
    }

    /** {@code set hostid}: the pfsync creator id, 0 when a random one is to be drawn at start. */
    public long hostId() {
        return value(ConfigOption.HOSTID);
    }

    /** {@code set state-policy if-bound}: states match only on the interface they were created on. */
    public boolean statesIfBound() {
        return value(ConfigOption.STATE_POLICY) == 1;
    }

    /** {@code set journal dir}: the journal directory, or null when journaling is off. */
    public String journalDir() {
        return texts[ConfigOption.JOURNAL_DIR.ordinal()];
    }

    /** {@code set journal roll}: the roll cycle's name. */
    public String journalRoll() {
        return ConfigOption.JOURNAL_ROLL.choices().get((int) value(ConfigOption.JOURNAL_ROLL));
    }

    /** {@code set journal retention}: roll-cycle files to keep. */
    public int journalRetention() {
        return (int) value(ConfigOption.JOURNAL_RETENTION);
    }

    /** {@code set journal snapshot}: seconds per rolling-snapshot pass. */
    public int journalSnapshotSeconds() {
        return (int) value(ConfigOption.JOURNAL_SNAPSHOT);
    }

    /** {@code set sync interface}: the pfsync interface, or null when sync is off. */
    public String syncInterface() {
        return texts[ConfigOption.SYNC_INTERFACE.ordinal()];
    }

    /** {@code set sync peer}: where pfsync frames go (unicast peer or the multicast group). */
    public String syncPeer() {
        return texts[ConfigOption.SYNC_PEER.ordinal()];
    }

    /** {@code set sync format}: 1301, 1400 or 1500. */
    public int syncFormat() {
        return Integer.parseInt(ConfigOption.SYNC_FORMAT.choices().get((int) value(ConfigOption.SYNC_FORMAT)));
    }

    /** {@code set sync maxupdates}. */
    public int syncMaxUpdates() {
        return (int) value(ConfigOption.SYNC_MAXUPDATES);
    }

    /** {@code set sync mtu}: bytes. */
    public int syncMtu() {
        return (int) value(ConfigOption.SYNC_MTU);
    }

    /** {@code set sync flush-delay}: milliseconds. */
    public int syncFlushDelayMillis() {
        return (int) value(ConfigOption.SYNC_FLUSH_DELAY);
    }

    /** {@code set sync bulk-rate}: frames per second. */
    public int syncBulkRate() {
        return (int) value(ConfigOption.SYNC_BULK_RATE);
    }

    /** {@code set sync defer}: hold new states' first packets until a peer acknowledges them. */
    public boolean syncDefer() {
        return value(ConfigOption.SYNC_DEFER) != 0;
    }

    /** {@code set sync defer-timeout}: milliseconds. */
    public int syncDeferTimeoutMillis() {
        return (int) value(ConfigOption.SYNC_DEFER_TIMEOUT);
    }

    /** {@code set sync defer-limit}: packets. */
    public int syncDeferLimit() {
        return (int) value(ConfigOption.SYNC_DEFER_LIMIT);
    }

    /** {@code set sync defer-poll}: microseconds, 0 when the packet thread sleeps as soon as it has nothing to do. */
    public int syncDeferPollMicros() {
        return (int) value(ConfigOption.SYNC_DEFER_POLL);
    }

    /** {@code set sync direct-ins}: packet threads send the INS of states announced at once themselves. */
    public boolean syncDirectIns() {
        return value(ConfigOption.SYNC_DIRECT_INS) != 0;
    }

    /** {@code set sync await-timeout}: milliseconds, 0 when packets are not held for peers' states. */
    public int syncAwaitTimeoutMillis() {
        return (int) value(ConfigOption.SYNC_AWAIT_TIMEOUT);
    }

    /** {@code set sync await-limit}: packets. */
    public int syncAwaitLimit() {
        return (int) value(ConfigOption.SYNC_AWAIT_LIMIT);
    }

    /** {@code set sync auth}: true for hmac-sha256. */
    public boolean syncAuth() {
        return value(ConfigOption.SYNC_AUTH) == 1;
    }

    /** {@code set sync auth-key}: the cluster key file, or null. */
    public String syncAuthKey() {
        return texts[ConfigOption.SYNC_AUTH_KEY.ordinal()];
    }

    /** {@code set sync auth-require}. */
    public boolean syncAuthRequire() {
        return value(ConfigOption.SYNC_AUTH_REQUIRE) != 0;
    }

    /** {@code set sync auth-max-skew}: seconds. */
    public int syncAuthMaxSkewSeconds() {
        return (int) value(ConfigOption.SYNC_AUTH_MAX_SKEW);
    }

    /** {@code set user}: the user the engine runs as after binding, or null ({@code none}) to keep the starting one. */
    public String user() {
        return texts[ConfigOption.USER.ordinal()];
    }

    /** {@code set control}: path of the admin socket, or null when disabled. */
    public String controlSocket() {
        return texts[ConfigOption.CONTROL.ordinal()];
    }

    /** {@code set copy-range}: bytes copied per packet. */
    public int copyRange() {
        return (int) value(ConfigOption.COPY_RANGE);
    }

    /** {@code set queue-maxlen}. */
    public int queueMaxlen() {
        return (int) value(ConfigOption.QUEUE_MAXLEN);
    }

    /** {@code set fail-open}. */
    public boolean failOpen() {
        return value(ConfigOption.FAIL_OPEN) != 0;
    }

    /** {@code set gso}. */
    public boolean gso() {
        return value(ConfigOption.GSO) != 0;
    }

    /** {@code set rcvbuf}: bytes. */
    public int rcvbuf() {
        return (int) value(ConfigOption.RCVBUF);
    }

    /** {@code set busy-poll}: microseconds a packet thread polls without sleeping after its last work. */
    public int busyPollMicros() {
        return (int) value(ConfigOption.BUSY_POLL);
    }

    /** {@code set warmup}: milliseconds of made-up traffic through the packet path before the queue is bound. */
    public int warmupMillis() {
        return (int) value(ConfigOption.WARMUP);
    }

    /** {@code set batch}: packets per receive call. */
    public int batch() {
        return (int) value(ConfigOption.BATCH);
    }

    /** {@code set verdict}. */
    public VerdictMode verdictMode() {
        return VerdictMode.values()[(int) value(ConfigOption.VERDICT)];
    }

    /** {@code set malformed}. */
    public MalformedPolicy malformedPolicy() {
        return MalformedPolicy.values()[(int) value(ConfigOption.MALFORMED)];
    }

    /** {@code set skip on}: interfaces not filtered, in the order given. */
    public List<String> skipInterfaces() {
        final String t = texts[ConfigOption.SKIP.ordinal()];
        return t == null || t.isEmpty() ? List.of() : List.of(t.split(" "));
    }

    /** {@code set limit states}. */
    public int limitStates() {
        return (int) value(ConfigOption.LIMIT_STATES);
    }

    /** A timeout by pf's PFTM index (0 = tcp.first ... 17 = adaptive.end); seconds or, for adaptive, states. */
    public long timeout(final int pftmIndex) {
        return value(ConfigOption.timeoutByIndex(pftmIndex));
    }

    /** A timeout by its option row. */
    public long timeout(final ConfigOption o) {
        if (!o.isTimeout()) {
            throw new IllegalArgumentException(o + " is not a timeout");
        }
        return value(o);
    }

    /** All timeouts in PFTM order. */
    public long[] timeouts() {
        final long[] t = new long[ConfigOption.TIMEOUT_COUNT];
        for (int i = 0; i < t.length; i++) {
            t[i] = timeout(i);
        }
        return t;
    }

    public long adaptiveStart() {
        return value(ConfigOption.TIMEOUT_ADAPTIVE_START);
    }

    public long adaptiveEnd() {
        return value(ConfigOption.TIMEOUT_ADAPTIVE_END);
    }

    /** The filter rules in file order. */
    public List<Rule> rules() {
        return rules;
    }

    /** Compiles the rules for the packet path. */
    public Ruleset compileRuleset(final InterfaceResolver resolver) {
        return Ruleset.compile(rules, resolver);
    }

    /**
     * A copy with one option overridden, parsed like a {@code set} line (with or without the word
     * {@code set}) whose source is {@code <command line>}: {@code withOverride("queue 258")}.
     */
    public TandemConfig withOverride(final String optionLine) throws ConfigException {
        return ConfigParser.override(this, optionLine);
    }

    /**
     * The options that differ from their defaults ({@code set} lines in table order), then the
     * rules one per line in canonical form. Parsing this text gives an equal configuration.
     */
    public String toNormalizedText() {
        final StringBuilder sb = new StringBuilder();
        for (final ConfigOption o : OPTIONS) {
            final String text = texts[o.ordinal()];
            final boolean differs = o.kind() == ConfigOption.Kind.HOSTPORT || o.kind() == ConfigOption.Kind.IFLIST
                    || o.kind() == ConfigOption.Kind.PATH || o.kind() == ConfigOption.Kind.NAME
                    || o.kind() == ConfigOption.Kind.ADDRESS || o.kind() == ConfigOption.Kind.USER
                    ? !java.util.Objects.equals(text, o.defaultText()) : value(o) != defaultFor(o);
            if (differs) {
                sb.append("set ").append(o.optionName()).append(' ').append(valueText(o)).append('\n');
            }
        }
        for (final Rule r : rules) {
            sb.append(r.toText()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public boolean equals(final Object o) {
        if (!(o instanceof TandemConfig)) {
            return false;
        }
        final TandemConfig other = (TandemConfig) o;
        return toNormalizedText().equals(other.toNormalizedText());
    }

    @Override
    public int hashCode() {
        return toNormalizedText().hashCode();
    }

    @Override
    public String toString() {
        return "TandemConfig[" + source + ", " + rules.size() + " rules, " + Arrays.toString(values) + "]";
    }
}
