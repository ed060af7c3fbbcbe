package io.tandem.engine.state;

/**
 * Descriptors of the state table's counters: one id, one Prometheus name, a label and a help text
 * each. Values live in {@link StateCounters}; the metrics package exports them. The number of live
 * states is a gauge read from {@link StateTable#size()} under the name {@link #STATES_GAUGE_NAME}.
 */
public enum StateCounter {
    INSERTS_TCP("tandem_state_inserts", "proto", "tcp", "States created, by protocol"),
    INSERTS_UDP("tandem_state_inserts", "proto", "udp", "States created, by protocol"),
    INSERTS_ICMP("tandem_state_inserts", "proto", "icmp", "States created, by protocol"),
    INSERTS_OTHER("tandem_state_inserts", "proto", "other", "States created, by protocol"),

    REMOVED_EXPIRED("tandem_state_removals", "reason", "expired",
            "States removed: expired = timed out, closed = TCP closed, flushed = by command, reused = TCP port reuse, superseded = a peer's state for the same connection won"),
    REMOVED_CLOSED("tandem_state_removals", "reason", "closed",
            "States removed: expired = timed out, closed = TCP closed, flushed = by command, reused = TCP port reuse, superseded = a peer's state for the same connection won"),
    REMOVED_FLUSHED("tandem_state_removals", "reason", "flushed",
            "States removed: expired = timed out, closed = TCP closed, flushed = by command, reused = TCP port reuse, superseded = a peer's state for the same connection won"),
    REMOVED_REUSED("tandem_state_removals", "reason", "reused",
            "States removed: expired = timed out, closed = TCP closed, flushed = by command, reused = TCP port reuse, superseded = a peer's state for the same connection won"),
    REMOVED_SUPERSEDED("tandem_state_removals", "reason", "superseded",
            "States removed: expired = timed out, closed = TCP closed, flushed = by command, reused = TCP port reuse, superseded = a peer's state for the same connection won"),

    INSERT_FAILED_FULL("tandem_state_insert_failures", "reason", "table_full",
            "State creations refused: table_full = state limit reached, duplicate_key = key already present, "
            + "rule_limit = the rule's max-states reached"),
    INSERT_FAILED_DUPLICATE("tandem_state_insert_failures", "reason", "duplicate_key",
            "State creations refused: table_full = state limit reached, duplicate_key = key already present, "
            + "rule_limit = the rule's max-states reached"),
    INSERT_FAILED_RULE_LIMIT("tandem_state_insert_failures", "reason", "rule_limit",
            "State creations refused: table_full = state limit reached, duplicate_key = key already present, "
            + "rule_limit = the rule's max-states reached"),

    MISMATCH_OUT_OF_WINDOW("tandem_state_mismatches", "reason", "out_of_window",
            "Packets that matched a state but failed its checks (pf's BADSTATE), by reason"),
    MISMATCH_BAD_FLAGS("tandem_state_mismatches", "reason", "bad_flags",
            "Packets that matched a state but failed its checks (pf's BADSTATE), by reason"),
    MISMATCH_BAD_RST("tandem_state_mismatches", "reason", "bad_rst",
            "Packets that matched a state but failed its checks (pf's BADSTATE), by reason"),
    MISMATCH_BAD_ICMP_ERROR("tandem_state_mismatches", "reason", "bad_icmp_error",
            "Packets that matched a state but failed its checks (pf's BADSTATE), by reason"),

    RESTORED_UNKNOWN_TIMEOUT("tandem_state_unknown_timeout_classes",
            "States restored or imported with a timeout class this engine does not have (a FreeBSD peer's SCTP"
            + " state, a damaged import), given their protocol's default class"),
    LOOKUPS("tandem_state_lookups", "State table lookups (packets and quoted packets of ICMP errors)"),
    LOOKUP_HITS("tandem_state_lookup_hits", "State table lookups that found a state"),
    ICMP_ERROR_NO_STATE("tandem_state_icmp_error_unrelated",
            "ICMP errors whose quoted packet matched no state"),
    EXPIRE_SLOTS_EXAMINED("tandem_state_expire_slots_examined", "Slots examined by the incremental expiry sweep"),
    TAKEOVERS("tandem_state_takeovers",
            "TCP states taken over from a peer that stopped reporting them: a packet ran ahead of the peer's last"
                    + " report and its windows were re-learned (docs/pfsync.md, Takeover)");

    /** Gauge name for {@link StateTable#size()}. */
    public static final String STATES_GAUGE_NAME = "tandem_states";

    private final String metricName;
    private final String labelName;
    private final String labelValue;
    private final String help;

    StateCounter(final String metricName, final String help) {
        this(metricName, null, null, help);
    }

    StateCounter(final String metricName, final String labelName, final String labelValue, final String help) {
        this.metricName = metricName;
        this.labelName = labelName;
        this.labelValue = labelValue;
        this.help = help;
    }

    public String metricName() {
        return metricName;
    }

    /** Label that tells counters of one family apart (e.g. reason), or null. */
    public String labelName() {
        return labelName;
    }

    public String labelValue() {
        return labelValue;
    }

    public String help() {
        return help;
    }

    /** Shared, never modified: avoids the copy {@code values()} makes. */
    static final StateCounter[] VALUES = values();
}
