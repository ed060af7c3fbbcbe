package io.tandem.engine.counters;

/**
 * Descriptors of the packet thread's scalar counters: one id, one Prometheus name, one help text
 * each. The values live in {@link PacketCounters}, which lists them in the {@link CounterRegistry}.
 *
 * <p>Counters that carry a label with many values (decode failures by reason, netlink errors by
 * errno, rule hits by rule) are kept in their own arrays in {@link PacketCounters}.
 */
public enum PacketCounter {
    PACKETS_RECEIVED("tandem_packets_received", "Packets received from the kernel queue"),
    BYTES_RECEIVED("tandem_bytes_received", "Bytes of the packets received (their original length)"),
    RECEIVE_CALLS("tandem_receive_calls", "recvmmsg calls that returned at least one message"),
    VERDICT_ACCEPT("tandem_verdicts", "verdict", "accept", "Packets given a verdict, by verdict"),
    VERDICT_DROP("tandem_verdicts", "verdict", "drop", "Packets given a verdict, by verdict"),
    VERDICT_MESSAGES_SINGLE("tandem_verdict_messages", "kind", "single",
            "Verdict messages sent: single = VERDICT (one packet), batch = VERDICT_BATCH (a run of packets)"),
    VERDICT_MESSAGES_BATCH("tandem_verdict_messages", "kind", "batch",
            "Verdict messages sent: single = VERDICT (one packet), batch = VERDICT_BATCH (a run of packets)"),
    VERDICT_SENDS("tandem_verdict_sends", "send calls that carried verdicts"),
    DEFAULT_PASS("tandem_default_pass", "Rule evaluations that matched no rule (pf's implicit pass)"),
    STATE_MATCH_PASS("tandem_state_matches", "result", "pass",
            "Packets decided by an existing state without rule evaluation: pass, or drop (failed pf's checks)"),
    STATE_MATCH_DROP("tandem_state_matches", "result", "drop",
            "Packets decided by an existing state without rule evaluation: pass, or drop (failed pf's checks)"),
    ICMP_ERROR_RELATED("tandem_icmp_errors_related", "ICMP errors passed because they quote a packet of a state"),
    STATE_CREATE_DROPS("tandem_state_create_drops",
            "Packets dropped because their keep-state rule could not create a state (table full, rule limit...)"),
    TRUNCATED_MESSAGES("tandem_truncated_messages", "Netlink messages larger than the receive slot (MSG_TRUNC)"),
    ENOBUFS("tandem_enobufs", "ENOBUFS seen on receive (socket overrun)"),
    PACKET_ID_GAPS("tandem_packet_id_gaps", "Gaps in the packet id sequence (messages lost to socket overruns)"),
    PACKET_ID_GAP_PACKETS("tandem_packet_id_gap_packets", "Packets missing from the id sequence in all gaps"),
    RECEIVE_ERRORS("tandem_receive_errors", "recvmmsg failures other than EAGAIN, EINTR and ENOBUFS"),
    OTHER_MESSAGES("tandem_other_netlink_messages", "Netlink messages that were neither packets nor errors"),
    HANDOFF_SENT("tandem_handoffs", "result", "sent",
            "Packets received on this queue whose flow another queue's thread owns (set queue FIRST:LAST): sent = "
            + "handed to the owner, which decides them; refused = its hand-off ring was full, the packet was dropped"),
    HANDOFF_REFUSED("tandem_handoffs", "result", "refused",
            "Packets received on this queue whose flow another queue's thread owns (set queue FIRST:LAST): sent = "
            + "handed to the owner, which decides them; refused = its hand-off ring was full, the packet was dropped"),
    HANDOFF_DECIDED("tandem_handoffs_decided", "Packets received on another queue that this queue's thread decided "
            + "because it owns their flows (set queue FIRST:LAST)"),
    AWAITED("tandem_pfsync_awaited", "Forwarded packets that matched no state and that the rules dropped, held "
            + "for a peer's state that may be on its way (set sync await-timeout)"),
    AWAIT_PASSED("tandem_pfsync_await_releases", "result", "passed", PacketCounter.AWAIT_HELP),
    AWAIT_FAILED("tandem_pfsync_await_releases", "result", "failed", PacketCounter.AWAIT_HELP),
    AWAIT_TIMEOUT("tandem_pfsync_await_releases", "result", "timeout", PacketCounter.AWAIT_HELP),
    AWAIT_LIMIT("tandem_pfsync_await_releases", "result", "limit", PacketCounter.AWAIT_HELP),
    AWAIT_SHUTDOWN("tandem_pfsync_await_releases", "result", "shutdown", PacketCounter.AWAIT_HELP),
    DUTY_CYCLES("tandem_duty_cycles", "Duty cycles of the packet thread that did work"),
    DUTY_CYCLE_NANOS("tandem_duty_cycle_nanos", "Time spent in duty cycles that did work, nanoseconds");

    private static final String AWAIT_HELP = "Packets held for a peer's state, by how they left: passed or failed = "
            + "a state arrived and its checks passed or dropped the packet; timeout, limit, shutdown = dropped, "
            + "as the rules said";

    private final String metricName;
    private final String labelName;
    private final String labelValue;
    private final String help;

    PacketCounter(final String metricName, final String help) {
        this(metricName, null, null, help);
    }

    PacketCounter(final String metricName, final String labelName, final String labelValue, final String help) {
        this.metricName = metricName;
        this.labelName = labelName;
        this.labelValue = labelValue;
        this.help = help;
    }

    /** Extra label that tells counters of one family apart (e.g. verdict=accept), or null. */
    public String labelName() {
        return labelName;
    }

    public String labelValue() {
        return labelValue;
    }

    public String metricName() {
        return metricName;
    }

    public String help() {
        return help;
    }

    /**
     * True for the counters the metrics endpoint exports as the count and sum of a summary
     * ({@code tandem_receive_batch_size}, {@code tandem_duty_cycle_seconds}) rather than on their own.
     */
    public boolean exportedAsSummary() {
        return this == DUTY_CYCLES || this == DUTY_CYCLE_NANOS || this == RECEIVE_CALLS;
    }

    /** Shared, never modified: avoids the copy {@code values()} makes. */
    public static final PacketCounter[] VALUES = values();
}
