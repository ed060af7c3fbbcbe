package io.tandem.engine.sync;

import io.tandem.engine.sync.auth.AuthResult;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.verdict.DeferredVerdicts;

/**
 * The status view of pfsync (control socket request {@code sync}, printed by {@code tandem sync}): one
 * JSON object with the configuration, the bulk-update state, the peers heard from, FreeBSD's
 * pfsyncstats counters with per-action in/out counts, what the packet thread did with peer messages,
 * and, when configured, deferral and authentication counters.
 *
 * <p>Theory of operation. A reader of the {@link SyncAgent}'s parts, nothing more: it writes nothing.
 * Called on the control thread; counters are read without locking (each is a plain or volatile long
 * written by one thread; a value may be a few microseconds old). Life cycle: made with its agent, valid
 * before, during and after the sync thread runs. Memory bound: one string per call, off the packet and
 * sync paths (it formats and allocates freely). Failure policy: none needed; it cannot fail.
 */
public final class SyncStatus {
    private final SyncAgent agent;
    private final PeerInbox inbox;

    SyncStatus(final SyncAgent agent, final PeerInbox inbox) {
        this.agent = agent;
        this.inbox = inbox;
    }

    /** The status as one JSON object (keys in a fixed order; {@code tandem sync} parses it). */
    public String json() {
        final long t = System.currentTimeMillis();
        final SyncSettings settings = agent.settings();
        final PfsyncStats stats = agent.stats();
        final FrameAuthenticator auth = agent.authenticator();
        final StringBuilder b = new StringBuilder(2048);
        b.append("{\"interface\":\"").append(settings.ifname).append("\",\"peer\":\"").append(settings.peer)
                .append("\",\"creatorid\":\"").append(String.format("%08x", settings.creatorId))
                .append("\",\"format\":").append(settings.format).append(",\"mtu\":").append(settings.mtu)
                .append(",\"auth\":\"").append(authName(auth)).append('"')
                .append(",\"in_sync\":").append(agent.inSync()).append(",\"requesting_bulk\":").append(agent.requestingBulk())
                .append(",\"bulk_requests_sent\":").append(agent.bulkRequestsSent())
                .append(",\"bulk_states_received\":").append(agent.bulkStatesReceived())
                .append(",\"bulk_ends_rejected\":").append(agent.bulkEndsRejected())
                .append(",\"bulks_sent\":").append(agent.bulksSent())
                .append(",\"last_bulk_states\":").append(agent.lastBulkStatesSent())
                .append(",\"last_bulk_ms\":").append(agent.lastBulkMillis())
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
        b.append("],\"stats\":{");
        first = true;
        for (final PfsyncStats.Counter c : PfsyncStats.Counter.values()) {
            b.append(first ? "" : ",").append('"').append(c.statName()).append("\":").append(agent.stat(c));
            first = false;
        }
        b.append("},\"actions\":{");
        for (int a = 0; a < PfsyncConstants.ACT_MAX; a++) {
            b.append(a == 0 ? "" : ",").append('"').append(PfsyncConstants.actionName(a).toLowerCase(java.util.Locale.ROOT))
                    .append("\":[").append(stats.iacts[a]).append(',').append(stats.oacts[a]).append(']');
        }
        b.append("},\"inbox\":{\"imported\":").append(inbox.imported()).append(",\"merged\":").append(inbox.merged())
                .append(",\"deleted\":").append(inbox.deleted()).append(",\"cleared\":").append(inbox.cleared())
                .append(",\"refused\":").append(inbox.refused()).append(",\"dropped\":").append(inbox.dropped())
                .append(",\"requested\":").append(inbox.requested()).append(",\"answered\":").append(inbox.answered())
                .append(",\"corrections\":").append(inbox.corrections())
                .append(",\"collisions_won\":").append(inbox.collisionsWon())
                .append(",\"collisions_lost\":").append(inbox.collisionsLost())
                .append(",\"collisions_repeated\":").append(inbox.collisionsRepeated())
                .append('}');
        final DeferredVerdicts d = agent.deferrals();
        if (d != null) {
            b.append(",\"deferral\":{\"timeout_ms\":").append(d.timeoutMillis()).append(",\"defer_limit\":").append(d.limit())
                    .append(",\"held\":").append(d.held()).append(",\"deferred\":").append(d.deferred());
            for (final DeferredVerdicts.Release r : DeferredVerdicts.Release.values()) {
                b.append(",\"").append(r.label()).append("\":").append(d.released(r));
            }
            b.append(",\"acks_without_hold\":").append(d.acksWithoutHold())
                    .append(",\"acks_for_others\":").append(agent.acksForOthers())
                    .append(",\"acks_lost\":").append(inbox.acksDropped())
                    .append(",\"hold_p50_us\":").append(d.holdQuantileMicros(0.5))
                    .append(",\"hold_p99_us\":").append(d.holdQuantileMicros(0.99)).append('}');
        }
        if (auth != null) {
            b.append(",\"auth_frames\":{");
            for (final AuthResult r : AuthResult.values()) {
                b.append(r.ordinal() == 0 ? "" : ",").append('"').append(r.counterName()).append("\":")
                        .append(auth.count(r));
            }
            b.append('}');
        }
        b.append('}');
        return b.toString();
    }

    private static String authName(final FrameAuthenticator auth) {
        return auth == null ? "none" : "hmac-sha256 (key " + auth.sendKeyId() + (auth.require() ? "" : ", not required")
                + ")";
    }
}
