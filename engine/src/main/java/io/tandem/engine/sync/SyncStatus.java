package io.tandem.engine.sync;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.CounterRegistry;
import io.tandem.engine.counters.CounterRegistry.Meter;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.verdict.DeferralStats;
import java.util.List;

/**
 * The status view of pfsync (control socket request {@code sync}, printed by {@code tandem sync}): one
 * JSON object with the configuration, the bulk-update state, the peers heard from, FreeBSD's
 * pfsyncstats counters with per-action in/out counts, what the packet thread did with peer messages,
 * and, when configured, deferral and authentication counters.
 *
 * <p>Theory of operation. A reader of the {@link SyncAgent}'s parts, nothing more: it writes nothing.
 * Every counter it shows is an entry of the agent's {@link CounterRegistry} ({@link SyncCounters}),
 * shown under its key in the object of its group — the same entries the metrics endpoint exports, so
 * the two cannot list different counters; only configuration, peers, the bulk update's progress and
 * the hold-time quantiles are read from the parts directly.
 * Called on the control thread; counters are read without locking (each is a plain or volatile long
 * written by one thread; a value may be a few microseconds old). Life cycle: made with its agent, valid
 * before, during and after the sync thread runs. Memory bound: one string per call, off the packet and
 * sync paths (it formats and allocates freely). Failure policy: none needed; it cannot fail.
 */
public final class SyncStatus {
    private final SyncAgent agent;

    SyncStatus(final SyncAgent agent) {
        this.agent = agent;
    }

    /** The status as one JSON object (keys in a fixed order; {@code tandem sync} parses it). */
    public String json() {
        final long t = System.currentTimeMillis();
        final SyncSettings settings = agent.settings();
        final CounterRegistry counters = agent.counters();
        final FrameAuthenticator auth = agent.authenticator();
        final StringBuilder b = new StringBuilder(2048);
        b.append("{\"interface\":\"").append(settings.ifname).append("\",\"peer\":\"").append(settings.peer)
                .append("\",\"creatorid\":\"").append(String.format("%08x", settings.creatorId))
                .append("\",\"format\":").append(settings.format).append(",\"mtu\":").append(settings.mtu)
                .append(",\"auth\":\"").append(authName(auth)).append('"')
                .append(",\"in_sync\":").append(counters.read(SyncCounters.GROUP, "in_sync") != 0)
                .append(",\"requesting_bulk\":").append(agent.requestingBulk())
                .append(",\"bulk_requests_sent\":").append(counters.read(SyncCounters.GROUP, "bulk_requests_sent"))
                .append(",\"bulk_states_received\":").append(counters.read(SyncCounters.GROUP, "bulk_states_received"))
                .append(",\"bulk_ends_rejected\":").append(agent.bulkEndsRejected())
                .append(",\"bulks_sent\":").append(counters.read(SyncCounters.GROUP, "bulks_sent"))
                .append(",\"last_bulk_states\":").append(agent.lastBulkStatesSent())
                .append(",\"last_bulk_ms\":").append(agent.lastBulkMillis())
                .append(",\"aged_records\":").append(counters.read(SyncCounters.GROUP, "aged_records"))
                .append(",\"unencodable_records\":").append(counters.read(SyncCounters.GROUP, "unencodable_records"))
                .append(",\"acks_held_back\":").append(counters.read(SyncCounters.GROUP, "acks_held_back"))
                .append(",\"answering_peers\":").append(counters.read(SyncCounters.GROUP, "answering_peers"))
                .append(",\"quorum_overflows\":").append(counters.read(SyncCounters.GROUP, "quorum_overflows"))
                .append(",\"ins_by_packet_threads\":").append(counters.read(SyncCounters.GROUP, "ins_by_packet_threads"))
                .append(",\"peers\":[");
        boolean first = true;
        for (final SyncPeers.Peer p : agent.peers().peers()) {
            b.append(first ? "" : ",").append("{\"address\":\"").append(p.address()).append("\",\"frames\":")
                    .append(p.frames()).append(",\"last_frame_ms_ago\":").append(t - p.lastFrameMillis())
                    .append(",\"creatorids\":[");
            for (int i = 0; i < p.creatorIds().size(); i++) {
                b.append(i == 0 ? "" : ",").append('"').append(String.format("%08x", p.creatorIds().get(i))).append('"');
            }
            b.append("]}");
            first = false;
        }
        b.append("],\"stats\":");
        object(b, counters.group(SyncCounters.STATS));
        b.append(",\"actions\":{");
        // One entry per direction, in then out, under the action's key: "clr":[in,out].
        final List<Meter> actions = counters.group(SyncCounters.ACTIONS);
        for (int i = 0; i + 1 < actions.size(); i += 2) {
            b.append(i == 0 ? "" : ",").append('"').append(actions.get(i).key()).append("\":[")
                    .append(actions.get(i).read()).append(',').append(actions.get(i + 1).read()).append(']');
        }
        b.append("},\"inbox\":");
        object(b, counters.group(SyncCounters.INBOX));
        final DeferralStats d = agent.deferrals();
        if (d != null) {
            b.append(",\"deferral\":{\"timeout_ms\":").append(d.timeoutMillis());
            for (final Meter m : counters.group(SyncCounters.DEFERRAL)) {
                b.append(",\"").append(m.key()).append("\":").append(m.read());
            }
            b.append(",\"hold_p50_us\":").append(d.holdQuantileMicros(0.5))
                    .append(",\"hold_p99_us\":").append(d.holdQuantileMicros(0.99)).append('}');
        }
        final AwaitingView w = agent.awaiting();
        if (w != null) {
            b.append(",\"awaiting\":{\"timeout_ms\":").append(w.timeoutMillis())
                    .append(",\"await_limit\":").append(w.limit())
                    .append(",\"held\":").append(w.held().getAsInt())
                    .append(",\"awaited\":").append(w.count(PacketCounter.AWAITED))
                    .append(",\"passed\":").append(w.count(PacketCounter.AWAIT_PASSED))
                    .append(",\"failed\":").append(w.count(PacketCounter.AWAIT_FAILED))
                    .append(",\"timeout\":").append(w.count(PacketCounter.AWAIT_TIMEOUT))
                    .append(",\"limit\":").append(w.count(PacketCounter.AWAIT_LIMIT))
                    .append(",\"shutdown\":").append(w.count(PacketCounter.AWAIT_SHUTDOWN)).append('}');
        }
        if (auth != null) {
            b.append(",\"auth_frames\":");
            object(b, counters.group(SyncCounters.AUTH));
        }
        b.append('}');
        return b.toString();
    }

    /** {@code {"key":value,...}} of registry entries, in their order. */
    private static void object(final StringBuilder b, final List<Meter> meters) {
        b.append('{');
        for (int i = 0; i < meters.size(); i++) {
            b.append(i == 0 ? "" : ",").append('"').append(meters.get(i).key()).append("\":").append(meters.get(i).read());
        }
        b.append('}');
    }

    private static String authName(final FrameAuthenticator auth) {
        return auth == null ? "none" : "hmac-sha256 (key " + auth.sendKeyId() + (auth.require() ? "" : ", not required")
                + ")";
    }
}
