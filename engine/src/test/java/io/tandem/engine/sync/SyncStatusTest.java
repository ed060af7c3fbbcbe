package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalDirectory;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.sync.auth.AuthResult;
import io.tandem.engine.sync.auth.ClusterKeyFile;
import io.tandem.engine.sync.auth.FrameAuthenticator;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.tools.JsonReader;
import io.tandem.engine.verdict.DeferredVerdicts;
import io.tandem.engine.verdict.HeldVerdictSink;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status view ({@link SyncStatus}, what {@code tandem sync} prints): one JSON object, parsed here with
 * the project's {@link JsonReader} as {@code tandem sync} parses it, whose keys are fixed and whose values
 * come from the sync agent's parts — settings, the {@link BulkRequester}, the {@link BulkUpdateSender},
 * the {@link SyncPeers}, FreeBSD's pfsyncstats with per-action counts (plus the packet thread's
 * {@code stale} and {@code badstate}), the {@link PeerInbox}, and, when present, deferral and
 * authentication. Each value is checked to move when its part moves.
 */
class SyncStatusTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final int OWN = 0x11111111;
    private static final int PEER = 0x22222222;
    private static final int SOURCE = 0xC6120302;
    /** pfsyncstats as FreeBSD's {@code netstat -s -p pfsync} names them, in {@code struct pfsyncstats} order (W.11). */
    private static final List<String> FREEBSD_STATS = List.of("ipackets", "ipackets6", "badif", "badttl", "hdrops",
            "badver", "badact", "badlen", "badauth", "stale", "badval", "badstate", "opackets", "opackets6", "onomem",
            "oerrors");
    private static final List<String> ACTIONS = List.of("clr", "ins", "ins_ack", "upd", "upd_c", "upd_req", "del",
            "del_c", "ins_f", "del_f", "bus", "tdb", "eof", "ins_1400", "upd_1400", "ins_1500", "upd_1500");

    @TempDir
    Path dir;

    private final PeerInbox inbox = new PeerInbox();
    private final StateSnapshotMailbox mailbox = new StateSnapshotMailbox();
    private final StateTable table = new StateTable(64, 4, false, true, StateTimeouts.defaults(64), OWN, 0,
            new StateCounters());
    private Journal journal;
    private SyncAgent agent;
    /** The sync interface frames arrive on: 0 until the transport is open, then the transport's. */
    private int syncInterface;

    private SyncAgent agent(final FrameAuthenticator auth) {
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.peer = "198.18.3.2";
        s.creatorId = OWN;
        s.authenticator = auth;
        agent = new SyncAgent(journal, inbox, mailbox, s, QUIET);
        return agent;
    }

    /** An agent whose duty cycle started (on the test thread): its bulk request is out. */
    private SyncAgent started() throws Exception {
        final Path d = Files.createDirectories(dir.resolve("journal"));
        journal = Journal.openForWriting(JournalDirectory.openForWriting(d, OWN, 1), "hourly");
        final SyncAgent a = agent(null);
        a.transport(() -> InMemoryPfsyncTransport.link(0xC6120301, SOURCE)[0]);
        a.onStart();
        syncInterface = InMemoryPfsyncTransport.IFINDEX;
        return a;
    }

    @AfterEach
    void tearDown() {
        syncInterface = 0;
        if (agent != null && journal != null) {
            agent.onClose();
            journal.close();
        }
    }

    private static Map<String, Object> status(final SyncAgent a) {
        return JsonReader.object(a.statusJson());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(final Map<String, Object> m, final String key) {
        return (Map<String, Object>) m.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(final Map<String, Object> m, final String key) {
        return (List<Object>) m.get(key);
    }

    /** A frame from the peer (198.18.3.2, TTL 255) built by {@code body}, handed to the agent as received. */
    private void receive(final SyncAgent a, final Consumer<PfsyncFrameEncoder> body) {
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500);
        e.beginFrame();
        body.accept(e);
        final int length = e.finish();
        final byte[] p = new byte[20 + length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >> 8);
        p[3] = (byte) p.length;
        p[8] = (byte) 255;
        p[9] = (byte) 240;
        e.buffer().getBytes(0, p, 20, length);
        receive(a, p);
    }

    private void receive(final SyncAgent a, final byte[] packet) {
        a.acceptFrame(new UnsafeBuffer(packet), packet.length, syncInterface, SOURCE);
    }

    @Test
    void theStatusIsOneJsonObjectWithFixedKeysInOrder() {
        final Map<String, Object> s = status(agent(null));
        assertEquals(List.of("interface", "peer", "creatorid", "format", "mtu", "auth", "in_sync", "requesting_bulk",
                "bulk_requests_sent", "bulk_states_received", "bulk_ends_rejected", "bulks_sent", "last_bulk_states",
                "last_bulk_ms", "aged_records", "unencodable_records", "acks_held_back", "answering_peers", "quorum_overflows", "ins_by_packet_threads", "peers", "stats",
                "actions", "inbox"),
                new ArrayList<>(s.keySet()),
                "no deferral and no auth_frames without them");
        assertEquals(FREEBSD_STATS, new ArrayList<>(object(s, "stats").keySet()));
        assertEquals(ACTIONS, new ArrayList<>(object(s, "actions").keySet()));
        assertEquals(List.of("imported", "merged", "deleted", "cleared", "refused", "removed_here", "dropped", "requested",
                "answered", "answered_gone", "reconcile_asked", "reconcile_announced", "routed_to_every_thread", "corrections", "collisions_won",
                "collisions_lost", "collisions_repeated"),
                new ArrayList<>(object(s, "inbox").keySet()));
    }

    @Test
    void aNewAgentShowsItsSettingsAndNothingDone() {
        final Map<String, Object> s = status(agent(null));
        assertEquals("sync0", s.get("interface"));
        assertEquals("198.18.3.2", s.get("peer"));
        assertEquals("11111111", s.get("creatorid"));
        assertEquals(1400L, s.get("format"));
        assertEquals(1500L, s.get("mtu"));
        assertEquals("none", s.get("auth"));
        assertEquals(false, s.get("in_sync"));
        assertEquals(false, s.get("requesting_bulk"));
        for (final String k : List.of("bulk_requests_sent", "bulk_states_received", "bulk_ends_rejected",
                "bulks_sent", "last_bulk_states", "last_bulk_ms", "aged_records", "unencodable_records", "acks_held_back", "answering_peers",
                "quorum_overflows", "ins_by_packet_threads")) {
            assertEquals(0L, s.get(k), k);
        }
        assertEquals(List.of(), list(s, "peers"));
        object(s, "stats").forEach((k, v) -> assertEquals(0L, v, k));
        object(s, "actions").forEach((k, v) -> assertEquals(List.of(0L, 0L), v, k));
        object(s, "inbox").forEach((k, v) -> assertEquals(0L, v, k));
    }

    @Test
    void theBulkStateFollowsTheRequesterFromRequestToBusEnd() throws Exception {
        final SyncAgent a = started();
        Map<String, Object> s = status(a);
        assertEquals(true, s.get("requesting_bulk"));
        assertEquals(false, s.get("in_sync"));
        assertEquals(1L, s.get("bulk_requests_sent"));
        assertEquals(1L, object(s, "stats").get("opackets"), "the UPD_REQ frame");
        assertEquals(List.of(0L, 1L), object(s, "actions").get("upd_req"), "[in, out]");

        receive(a, e -> e.beginSection(PfsyncConstants.ACT_BUS).appendBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_START));
        receive(a, e -> e.beginSection(PfsyncConstants.ACT_BUS).appendBus(PEER, 1000, PfsyncConstants.PFSYNC_BUS_END));
        s = status(a);
        assertEquals(1L, s.get("bulk_ends_rejected"), "an END from a bulk begun long before our request");
        assertEquals(true, s.get("requesting_bulk"));
        receive(a, e -> e.beginSection(PfsyncConstants.ACT_BUS).appendBus(PEER, 0, PfsyncConstants.PFSYNC_BUS_END));
        s = status(a);
        assertEquals(true, s.get("in_sync"));
        assertEquals(false, s.get("requesting_bulk"));
        assertEquals(List.of(3L, 0L), object(s, "actions").get("bus"));
        assertEquals(3L, object(s, "stats").get("ipackets"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void peersAreListedWithTheirFramesAndCreatorids() throws Exception {
        final SyncAgent a = started();
        receive(a, e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER));
        Map<String, Object> peer = (Map<String, Object>) list(status(a), "peers").get(0);
        assertEquals(List.of("address", "frames", "last_frame_ms_ago", "creatorids"), new ArrayList<>(peer.keySet()));
        assertEquals("198.18.3.2", peer.get("address"));
        assertEquals(1L, peer.get("frames"));
        assertEquals(List.of("22222222"), peer.get("creatorids"));
        assertTrue((Long) peer.get("last_frame_ms_ago") >= 0, peer.toString());

        receive(a, e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(43, 0x0A0B0C0D));
        final List<Object> peers = list(status(a), "peers");
        assertEquals(1, peers.size(), "one peer, two creatorids");
        peer = (Map<String, Object>) peers.get(0);
        assertEquals(2L, peer.get("frames"));
        assertEquals(List.of("22222222", "0a0b0c0d"), peer.get("creatorids"));
    }

    @Test
    void statsCountBadFramesAndAddWhatThePacketThreadJudged() {
        final SyncAgent a = agent(null);
        receive(a, e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER));
        final byte[] badTtl = new byte[60];
        badTtl[0] = 0x45;
        badTtl[3] = 60;
        badTtl[8] = 64;
        receive(a, badTtl);
        Map<String, Object> s = status(a);
        assertEquals(2L, object(s, "stats").get("ipackets"));
        assertEquals(1L, object(s, "stats").get("badttl"));
        assertEquals(0L, object(s, "stats").get("badstate"), "not judged yet");
        assertEquals(List.of(1L, 0L), object(s, "actions").get("del_c"));

        inbox.drain(table, null, 1_700_000_000_000L, 100); // the packet thread: a DEL_C of an unknown state
        s = status(a);
        assertEquals(1L, object(s, "stats").get("badstate"), "badstate is counted by the packet thread");
    }

    @Test
    void theInboxCountersAreWhatThePacketThreadDid() {
        final SyncAgent a = agent(null);
        UdpStates.add(table, 2, 1_700_000_000_000L);
        final long id = table.id(table.nextLive(0));
        receive(a, e -> e.beginSection(PfsyncConstants.ACT_UPD_REQ).appendUpdReq(id, OWN));
        receive(a, e -> e.beginSection(PfsyncConstants.ACT_CLR).appendClr("all", OWN));
        inbox.drain(table, null, 1_700_000_000_000L, 100);
        final Map<String, Object> in = object(status(a), "inbox");
        assertEquals(1L, in.get("answered"), "the state asked for, sent again");
        assertEquals(2L, in.get("cleared"), "both states of the creator the CLR named");
        assertEquals(0L, in.get("imported"));
    }

    @Test
    void aBulkUpdateSentToAPeerShowsItsStatesAndDuration() throws Exception {
        final SyncAgent a = started();
        UdpStates.add(table, 3, System.currentTimeMillis());
        receive(a, e -> e.beginSection(PfsyncConstants.ACT_UPD_REQ).appendUpdReq(0, 0));
        for (int i = 0; i < 200 && a.bulksSent() == 0; i++) {
            a.doWork();
            mailbox.serve(table, System.currentTimeMillis());
        }
        final Map<String, Object> s = status(a);
        assertEquals(1L, s.get("bulks_sent"));
        assertEquals(3L, s.get("last_bulk_states"));
        assertTrue((Long) s.get("last_bulk_ms") >= 0);
        assertEquals(List.of(0L, 2L), object(s, "actions").get("bus"), "BUS START and END out");
    }

    @Test
    void withAwaitingTheQueueThreadsCountsAppearSummed() {
        final SyncAgent a = agent(null);
        assertNull(status(a).get("awaiting"), "off: no section");
        final io.tandem.engine.counters.PacketCounters q7 = new io.tandem.engine.counters.PacketCounters(7);
        final io.tandem.engine.counters.PacketCounters q8 = new io.tandem.engine.counters.PacketCounters(8);
        q7.add(io.tandem.engine.counters.PacketCounter.AWAITED, 5);
        q8.add(io.tandem.engine.counters.PacketCounter.AWAITED, 2);
        q7.add(io.tandem.engine.counters.PacketCounter.AWAIT_PASSED, 4);
        q8.add(io.tandem.engine.counters.PacketCounter.AWAIT_TIMEOUT, 1);
        a.awaiting(new AwaitingView(20, 128, List.of(q7, q8), () -> 2));
        final Map<String, Object> w = object(status(a), "awaiting");
        assertEquals(List.of("timeout_ms", "await_limit", "held", "awaited", "passed", "failed", "timeout", "limit",
                "shutdown"), new ArrayList<>(w.keySet()));
        assertEquals(List.of(20L, 128L, 2L, 7L, 4L, 0L, 1L, 0L, 0L), new ArrayList<>(w.values()));
    }

    @Test
    void withDeferralTheDeferralCountersAppear() {
        final SyncAgent a = agent(null);
        final List<Long> verdicts = new ArrayList<>();
        final DeferredVerdicts d = new DeferredVerdicts(new HeldVerdictSink() {
            @Override
            public void hold() {
            }

            @Override
            public void release(final long packetId, final int verdict) {
                verdicts.add(packetId);
            }
        }, table, 8, 20);
        a.deferrals(d);
        Map<String, Object> def = object(status(a), "deferral");
        assertEquals(List.of("timeout_ms", "defer_limit", "held", "deferred", "ack", "packet", "timeout", "limit",
                "dropped", "shutdown", "acks_without_hold", "acks_for_others", "acks_lost", "hold_p50_us",
                "hold_p99_us"), new ArrayList<>(def.keySet()));
        assertEquals(20L, def.get("timeout_ms"));
        assertEquals(8L, def.get("defer_limit"));
        assertEquals(0L, def.get("held"));
        assertEquals(-1L, def.get("hold_p50_us"), "nothing held yet");

        UdpStates.add(table, 1, 1_700_000_000_000L);
        final int slot = table.nextLive(0);
        d.hold(slot, 77, 1_000_000);
        def = object(status(a), "deferral");
        assertEquals(1L, def.get("held"));
        assertEquals(1L, def.get("deferred"));
        d.releaseAcknowledged(slot, 1_000_000 + 150_000);
        receive(a, e -> e.beginSection(PfsyncConstants.ACT_INS_ACK).appendInsAck(5, 0x33333333));
        def = object(status(a), "deferral");
        assertEquals(0L, def.get("held"));
        assertEquals(1L, def.get("ack"));
        assertEquals(200L, def.get("hold_p50_us"), "150 us held: the 200 us bucket");
        assertEquals(1L, def.get("acks_for_others"), "an INS_ACK for another node");
        assertEquals(List.of(77L), verdicts);
    }

    /**
     * States the agent's {@link AckQuorum} could not remember (more than it holds sent within one defer
     * timeout) show in the status as {@code quorum_overflows} and in the metrics as
     * {@code tandem_pfsync_deferral_quorum_overflows_total}.
     */
    @Test
    void quorumOverflowsAppearInTheStatusAndTheMetrics() {
        final SyncAgent a = agent(null);
        final AckQuorum q = a.ackQuorum();
        final long sent = AckQuorum.CAPACITY / 2 + 5;
        for (long id = 1; id <= sent; id++) {
            q.sent(id, 1_000); // all within one defer timeout, as the sync thread's LocalChanges would
        }
        assertEquals(5, q.overflows());
        assertEquals(5L, status(a).get("quorum_overflows"));
        assertEquals(q.overflows(), a.quorumOverflows());
        try (io.tandem.engine.metrics.MetricsServer m = new io.tandem.engine.metrics.MetricsServer(
                new io.tandem.engine.counters.CounterRegistry(), List.of())) {
            m.registerSync(a);
            final String scrape = m.scrape();
            assertTrue(scrape.contains("\ntandem_pfsync_deferral_quorum_overflows_total 5.0\n"), scrape);
            assertTrue(scrape.contains("# TYPE tandem_pfsync_deferral_quorum_overflows_total counter\n"), scrape);
        }
    }

    @Test
    void withAuthenticationTheKeyAndTheVerdictsAppear() {
        final ClusterKeyFile keys = ClusterKeyFile.parse("k", "7 " + "ab".repeat(32) + "\n");
        final SyncAgent a = agent(new FrameAuthenticator(keys, OWN, true, 60_000, () -> 0L));
        Map<String, Object> s = status(a);
        assertEquals("hmac-sha256 (key 7)", s.get("auth"));
        final List<String> names = Arrays.stream(AuthResult.values()).map(AuthResult::counterName).toList();
        assertEquals(names, new ArrayList<>(object(s, "auth_frames").keySet()));
        object(s, "auth_frames").forEach((k, v) -> assertEquals(0L, v, k));

        receive(a, e -> e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER)); // unsigned
        s = status(a);
        assertEquals(1L, object(s, "auth_frames").get("missing"));
        assertEquals(1L, object(s, "stats").get("badauth"));

        final SyncAgent rollOut = agent(new FrameAuthenticator(keys, OWN, false, 60_000, () -> 0L));
        assertEquals("hmac-sha256 (key 7, not required)", status(rollOut).get("auth"));
    }

    @Test
    void anIpv6PeerIsListedByItsAddressAndCountedInIpackets6() {
        final SyncSettings s = new SyncSettings();
        s.ifname = "sync0";
        s.peer = "ff12::f0";
        s.creatorId = OWN;
        final SyncAgent a = new SyncAgent(null, inbox, mailbox, s, QUIET);
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500, PfsyncFrameEncoder.IPV6_HEADER_LENGTH, 0);
        e.beginFrame().beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, PEER);
        final int length = e.finish();
        a.acceptFrame6((UnsafeBuffer) e.buffer(), length, 0, 255, 0xfe80_0000_0000_0000L, 2);
        final Map<String, Object> status = status(a);
        assertEquals("ff12::f0", status.get("peer"));
        assertEquals(1L, object(status, "stats").get("ipackets6"));
        assertEquals(0L, object(status, "stats").get("ipackets"));
        @SuppressWarnings("unchecked")
        final Map<String, Object> peer = (Map<String, Object>) list(status, "peers").get(0);
        assertEquals("fe80::2", peer.get("address"));
        assertNull(status.get("deferral"));
        assertFalse(status.containsKey("auth_frames"));
    }
}
