package io.tandem.engine.sync;

import io.tandem.engine.counters.CounterRegistry;
import io.tandem.engine.sync.auth.AuthResult;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.verdict.DeferralStats;
import java.util.Locale;

/**
 * The sync agent's counters in a {@link CounterRegistry}: the bulk update and peers, FreeBSD's
 * pfsyncstats (under their {@code netstat -s -p pfsync} names as keys), records by action and
 * direction, authentication results, what the packet thread did with peers' messages (the
 * {@link PeerInbox}'s counters), and, with deferral, the held first packets. Every entry is both a
 * {@code tandem_pfsync_*} metric and, under its group and key, a field of the status JSON
 * ({@link SyncStatus}, {@code tandem sync}).
 *
 * <p>Theory of operation. Called on the assembling thread when the agent is made (and once more when
 * the deferral is handed over); the readers run on the scrape and control threads and read the plain
 * or volatile longs the sync and packet threads write, as the status view always has. Memory bound:
 * about 110 entries. Failure policy: the registry's (a duplicate or invalid entry is a bug, refused
 * at assembly).
 */
public final class SyncCounters {
    /** Bulk update and peers: top-level fields of the status. */
    public static final String GROUP = "pfsync";
    /** FreeBSD's pfsyncstats: the status' {@code stats}. */
    public static final String STATS = "pfsync.stats";
    /** Records by action, one entry per direction: the status' {@code actions} ({@code [in, out]}). */
    public static final String ACTIONS = "pfsync.actions";
    /** Frames by authentication result: the status' {@code auth_frames}. */
    public static final String AUTH = "pfsync.auth";
    /** Peers' messages the packet thread applied: the status' {@code inbox}. */
    public static final String INBOX = "pfsync.inbox";
    /** Deferral: the status' {@code deferral} ({@link DeferralStats#COUNTER_GROUP}). */
    public static final String DEFERRAL = DeferralStats.COUNTER_GROUP;

    private SyncCounters() {
    }

    /** Adds {@code sync}'s counters and those of its {@code inbox}. */
    static void register(final CounterRegistry r, final SyncAgent sync, final PeerInboxes inbox) {
        r.gauge("tandem_pfsync_in_sync", "1 once the start-up bulk update completed (or its requests gave up), as"
                + " FreeBSD's pfsync reports itself in sync").group(GROUP).key("in_sync").read(() -> sync.inSync() ? 1 : 0);
        r.counter("tandem_pfsync_bulk_requests_sent", "Bulk update requests (UPD_REQ 0/0) sent, retries included")
                .group(GROUP).key("bulk_requests_sent").read(sync::bulkRequestsSent);
        r.counter("tandem_pfsync_bulk_states_received", "States received while the start-up bulk update was outstanding")
                .group(GROUP).key("bulk_states_received").read(sync::bulkStatesReceived);
        r.counter("tandem_pfsync_bulks_sent", "Bulk updates this node sent to peers that asked")
                .group(GROUP).key("bulks_sent").read(sync::bulksSent);
        r.counter("tandem_pfsync_aged_records", "Local state records sent without their TCP windows because they"
                + " were read more than a second after they were journaled (after a restart, or a sync thread behind)")
                .group(GROUP).key("aged_records").read(sync::agedRecords);
        r.counter("tandem_pfsync_unencodable_records", "Queued records left out of the frames because their values"
                + " are no valid pfsync state (always 0 unless something upstream is wrong; the first is logged)")
                .group(GROUP).key("unencodable_records").read(sync::unencodableRecords);
        r.counter("tandem_pfsync_deferral_acks_held_back", "INS_ACKs of a held first packet's state kept from the"
                + " packet thread until every answering peer acknowledged the state (three or more firewalls)")
                .group(GROUP).key("acks_held_back").read(sync::acksHeldBack);
        r.gauge("tandem_pfsync_deferral_answering_peers", "Peers whose INS_ACK a held first packet waits for: those"
                + " that acknowledged an INS and have not missed one since")
                .group(GROUP).key("answering_peers").read(sync::answeringPeers);
        r.counter("tandem_pfsync_deferral_quorum_overflows", "States of held first packets the sync thread could not"
                + " track because more than " + AckQuorum.CAPACITY / 2 + " went out within one defer timeout: the first"
                + " peer's INS_ACK released their packets (FreeBSD's rule) instead of every answering peer's. Harmless"
                + " with two firewalls; with three or more a split-path reply may reach the third firewall before its"
                + " INS. A fixed bound: no setting raises it")
                .group(GROUP).key("quorum_overflows").read(sync::quorumOverflows);
        r.counter("tandem_pfsync_ins_by_packet_threads", "INS records the packet threads sent from their own sockets"
                + " (set sync direct-ins): held first packets' states, sent without waking the sync thread; also"
                + " counted in tandem_pfsync_actions and opackets")
                .group(GROUP).key("ins_by_packet_threads").read(sync::insByPacketThreads);
        r.gauge("tandem_pfsync_peers", "pfsync peers heard from in the last 10 s")
                .group(GROUP).key("peers").read(() -> sync.peers().active(System.currentTimeMillis(), 10_000));

        for (final PfsyncStats.Counter c : PfsyncStats.Counter.values()) {
            r.counter("tandem_pfsync_" + c.statName(), "pfsync: " + c.help() + " (FreeBSD pfsyncstats." + c.statName() + ")")
                    .group(STATS).key(c.statName()).read(() -> sync.stat(c));
        }
        final PfsyncStats stats = sync.stats();
        for (int a = 0; a < PfsyncConstants.ACT_MAX; a++) {
            final int action = a;
            final String name = PfsyncConstants.actionName(a).toLowerCase(Locale.ROOT);
            final String help = "pfsync records by action and direction (pfsyncstats iacts/oacts)";
            r.counter("tandem_pfsync_actions", help).group(ACTIONS).key(name).label("direction", "in")
                    .label("action", name).read(() -> stats.iacts[action]);
            r.counter("tandem_pfsync_actions", help).group(ACTIONS).key(name).label("direction", "out")
                    .label("action", name).read(() -> sync.sentActions(action));
        }
        final FrameAuthenticator auth = sync.authenticator();
        if (auth != null) {
            for (final AuthResult result : AuthResult.values()) {
                r.counter("tandem_pfsync_auth_frames", "Frames by authentication result (set sync auth hmac-sha256);"
                        + " every rejection is also counted in badauth").group(AUTH).key(result.counterName())
                        .label("result", result.counterName()).read(() -> auth.count(result));
            }
        }

        final String applied = "Peer states applied: imported, merged, deleted, cleared, refused, dropped (inbox full),"
                + " removed_here (a report of a state removed here lately: refused and answered with DEL_C)";
        r.counter("tandem_pfsync_peer_states", applied).group(INBOX).key("imported").label("result", "imported")
                .read(() -> inbox.sum(PeerInbox::imported));
        r.counter("tandem_pfsync_peer_states", applied).group(INBOX).key("merged").label("result", "merged")
                .read(() -> inbox.sum(PeerInbox::merged));
        r.counter("tandem_pfsync_peer_states", applied).group(INBOX).key("deleted").label("result", "deleted")
                .read(() -> inbox.sum(PeerInbox::deleted));
        r.counter("tandem_pfsync_peer_states", applied).group(INBOX).key("cleared").label("result", "cleared")
                .read(() -> inbox.sum(PeerInbox::cleared));
        r.counter("tandem_pfsync_peer_states", applied).group(INBOX).key("refused").label("result", "refused")
                .read(() -> inbox.sum(PeerInbox::refused));
        r.counter("tandem_pfsync_peer_states", applied).group(INBOX).key("removed_here").label("result", "removed_here")
                .read(() -> inbox.sum(PeerInbox::removedReports));
        r.counter("tandem_pfsync_peer_states", applied).group(INBOX).key("dropped").label("result", "dropped")
                .read(() -> inbox.sum(PeerInbox::dropped));
        final String requests = "Single-state requests: asked (a peer updated a state we lack; UPD_REQ sent), answered"
                + " (a peer's UPD_REQ answered with the full state), answered_gone (asked for one of our states that is"
                + " gone: DEL_C), reconcile_asked and reconcile_announced (after the bulk update asked for at start:"
                + " the sender's states it did not send, asked for; ours, announced in full)";
        r.counter("tandem_pfsync_requests", requests).group(INBOX).key("requested").label("kind", "asked")
                .read(() -> inbox.sum(PeerInbox::requested));
        r.counter("tandem_pfsync_requests", requests).group(INBOX).key("answered").label("kind", "answered")
                .read(() -> inbox.sum(PeerInbox::answered));
        r.counter("tandem_pfsync_requests", requests).group(INBOX).key("answered_gone").label("kind", "answered_gone")
                .read(() -> inbox.sum(PeerInbox::answeredGone));
        r.counter("tandem_pfsync_requests", requests).group(INBOX).key("reconcile_asked").label("kind", "reconcile_asked")
                .read(() -> inbox.sum(PeerInbox::reconcileAsked));
        r.counter("tandem_pfsync_requests", requests).group(INBOX).key("reconcile_announced")
                .label("kind", "reconcile_announced").read(() -> inbox.sum(PeerInbox::reconcileAnnounced));
        r.counter("tandem_pfsync_routed_to_every_thread", "Peers' messages naming a state by identity that no queue"
                + " thread was known to hold (set queue FIRST:LAST), sent to every thread; the holder acted on it")
                .group(INBOX).key("routed_to_every_thread").read(inbox::broadcasts);
        r.counter("tandem_pfsync_corrections", "Stale peer updates (behind what we had reported) answered with our"
                + " version at once; at most one a second per state").group(INBOX).key("corrections")
                .read(() -> inbox.sum(PeerInbox::corrections));
        final String collisions = "Peers' states for a connection this node holds under another identity: won (ours"
                + " kept and sent back once), lost (ours gave way to the peer's), repeated (the loser sent again,"
                + " ignored)";
        r.counter("tandem_pfsync_collisions", collisions).group(INBOX).key("collisions_won").label("result", "won")
                .read(() -> inbox.sum(PeerInbox::collisionsWon));
        r.counter("tandem_pfsync_collisions", collisions).group(INBOX).key("collisions_lost").label("result", "lost")
                .read(() -> inbox.sum(PeerInbox::collisionsLost));
        r.counter("tandem_pfsync_collisions", collisions).group(INBOX).key("collisions_repeated")
                .label("result", "repeated").read(() -> inbox.sum(PeerInbox::collisionsRepeated));
    }

    /** Adds the deferral's counters ({@link DeferralStats#registerCounters}) and the acknowledgements lost on the way. */
    static void registerDeferral(final CounterRegistry r, final DeferralStats d, final SyncAgent sync,
            final PeerInboxes inbox) {
        d.registerCounters(r);
        r.counter("tandem_pfsync_deferral_unmatched_acks", DeferralStats.UNMATCHED_ACKS_HELP).group(DEFERRAL)
                .key("acks_for_others").label("kind", "other_creator").read(sync::acksForOthers);
        r.counter("tandem_pfsync_deferral_unmatched_acks", DeferralStats.UNMATCHED_ACKS_HELP).group(DEFERRAL)
                .key("acks_lost").label("kind", "queue_full").read(() -> inbox.sum(PeerInbox::acksDropped));
    }
}
