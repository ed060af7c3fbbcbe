package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalRing;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StatePackets;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.state.SyncHints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the packet thread does with peers' messages (spec C.5) and what it journals for the sync
 * agent: imports, merges with corrections, requests for unknown ids, answers to requests, deletes
 * and clears — with a real journal ring, read back as the journal thread would.
 */
class PeerInboxTest {
    private static final int LOCAL = 0x11111111;
    private static final int PEER = 0x22222222;
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dir;
    private JournalRing ring;
    private JournalRecorder recorder;
    private StateTable table;
    private final PeerInbox inbox = new PeerInbox();
    private final UnsafeBuffer staging = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
    private final JournalRecordFlyweight message = new JournalRecordFlyweight().wrap(staging, 0);

    @BeforeEach
    void setUp() throws Exception {
        ring = JournalRing.open(dir, 1 << 20);
        recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), LOCAL, 60, 0, 0);
        table = new StateTable(64, 4, false, true, StateTimeouts.defaults(64), LOCAL, 0, new StateCounters());
        table.setListener(recorder);
    }

    @AfterEach
    void tearDown() throws Exception {
        ring.close();
    }

    /** A full UDP state record from {@code creator}, id {@code id}, source port {@code port}. */
    private void udpState(final int creator, final long id, final int port, final int srcState, final int dstState) {
        message.clear().type(JournalRecordType.INSERT.code()).originKind(JournalRecorder.ORIGIN_PEER).origin(creator)
                .creatorId(creator).id(id).af(2).proto(17).direction(1).timeoutClass(8)
                .addresses(0, 0xC6120101L, 0, 0xC6120201L).ports(port, 53).rule(-1)
                .peer(0, 0, 0, 0, 0, 0, srcState, 0).peer(1, 0, 0, 0, 0, 0, dstState, 0)
                .creationMillis(NOW - 1000).expireAtMillis(NOW + 30_000);
    }

    private void offer(final int kind) {
        offer(kind, NOW);
    }

    private void offer(final int kind, final long now) {
        assertTrue(inbox.offer(kind, staging, 0));
        assertEquals(1, inbox.drain(table, recorder, now, 100));
    }

    /** The journal records written since the last call: "type hints" strings. */
    private List<String> journaled() {
        final List<String> out = new ArrayList<>();
        final JournalRecordFlyweight r = new JournalRecordFlyweight();
        ring.ring().read((type, buffer, index, length) -> {
            r.wrap(buffer, index);
            out.add(JournalRecordType.of(r.type()).label() + " " + r.syncHints() + " " + r.originKind());
        }, Integer.MAX_VALUE);
        return out;
    }

    @Test
    void aPeersStateIsImportedAndJournaledAsThePeersChange() {
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.STATE);
        assertEquals(1, table.size());
        assertEquals(1, inbox.imported());
        assertEquals(List.of("insert 0 1"), journaled(), "no hint: nothing for the sync agent to send");
        assertTrue(table.findById(PEER, 5) >= 0);
    }

    /** One of our own UDP states, created here at {@code now} from source port {@code port}; its slot. */
    private int ownUdpState(final int port, final long now) {
        return table.create(StatePackets.udp(0xC6120110L, port, 0xC612020AL, 53), 0, 0, PfConstants.PF_IN, 0, now, true);
    }

    /**
     * Once a peer acknowledged a state's INS the peers hold it, so its repeats go as UPD_C; a state
     * whose INS no peer acknowledged is repeated in full, so that a peer that lost the INS gets it.
     */
    @Test
    void aStateWhoseInsAPeerAcknowledgedIsRepeatedCompressedAnotherInFull() {
        SyncPolicy.of(table).enableSyncUpdates(128);
        inbox.drain(table, recorder, NOW, 100); // attaches the inbox to the table
        final int acked = ownUdpState(9001, NOW);
        final int notAcked = ownUdpState(9002, NOW);
        journaled();
        inbox.offerAck(LOCAL, table.id(acked));
        inbox.drain(table, recorder, NOW + 1, 100);

        assertEquals(2, inbox.reportDue(NOW + 1000, 10), "each INS repeated after a second of quiet");
        final List<String> repeats = journaled();
        assertEquals(List.of("update 0 0", "update " + SyncHints.FULL + " 0"), repeats,
                "acknowledged: UPD_C (no hint); not acknowledged: full. Slots " + acked + ", " + notAcked);
    }

    /**
     * A correction (our answer to a peer's record behind what we reported) is repeated like a report once
     * the state is quiet, until the peer's record shows it: sent once, a lost correction left the halves
     * apart. Here our own state's repeats were stopped by the peer's matching record, so any repeat after
     * the correction is the correction's.
     */
    @Test
    void aCorrectionIsRepeatedOnceTheStateIsQuietUntilThePeerShowsIt() {
        SyncPolicy.of(table).enableSyncUpdates(128);
        inbox.drain(table, recorder, NOW, 100); // attaches the inbox to the table
        final int slot = ownUdpState(9003, NOW);
        final long id = table.id(slot);
        final int src = table.peerState(slot, 0);
        final int dst = table.peerState(slot, 1);
        assertTrue(src > 0, "a UDP state's initiator half has seen traffic: " + src);
        journaled();
        ownStateFromPeer(id, 9003, src, dst); // the peer has what we reported: no repeats
        offer(PeerInbox.STATE, NOW + 10);
        assertEquals(0, inbox.reportDue(NOW + 5_000, 10), "nothing left to repeat");
        journaled();

        ownStateFromPeer(id, 9003, src - 1, dst); // behind what we reported
        offer(PeerInbox.STATE, NOW + 5_000);
        assertEquals(List.of("update " + (SyncHints.REPLY | SyncHints.IMMEDIATE) + " 1"), journaled(), "the correction");
        assertEquals(1, inbox.reportDue(NOW + 6_000, 10), "repeated after a second of quiet");
        assertEquals(List.of("update " + SyncHints.FULL + " 0"), journaled());

        ownStateFromPeer(id, 9003, src, dst); // the peer now shows it
        offer(PeerInbox.STATE, NOW + 6_100);
        assertEquals(0, inbox.reportDue(NOW + 20_000, 10), "no more repeats");
    }

    /** A peer's UPDATE of our own UDP state {@code id} (source port {@code port}) with these half states. */
    private void ownStateFromPeer(final long id, final int port, final int srcState, final int dstState) {
        message.clear().type(JournalRecordType.UPDATE.code()).originKind(JournalRecorder.ORIGIN_PEER).origin(PEER)
                .creatorId(LOCAL).id(id).af(2).proto(17).direction(1).timeoutClass(8)
                .addresses(0, 0xC6120110L, 0, 0xC612020AL).ports(port, 53).rule(-1)
                .peer(0, 0, 0, 0, 0, 0, srcState, 0).peer(1, 0, 0, 0, 0, 0, dstState, 0)
                .creationMillis(NOW - 1000).expireAtMillis(NOW + 30_000);
    }

    /**
     * A takeover needs the state's carrier silent (docs/pfsync.md, Takeover): a state its peer last
     * updated 200 ms ago is not taken from that peer while the peer's frames still come (its other
     * states' reports); once nothing came from it for 100 ms it is, whatever the other peers send.
     */
    @Test
    void aStateIsTakenOverOnlyFromACarrierWhoseFramesStopped() {
        final SyncPeers peers = new SyncPeers();
        final SyncPolicy policy = SyncPolicy.of(table);
        policy.enableSyncUpdates(128);
        policy.watchPeers(peers);
        peers.frame(0xC6120302, NOW);
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.fromPeer(PeerInbox.STATE, peers.current()));
        final int slot = table.findById(PEER, 5);
        assertFalse(policy.peerFellSilent(slot, NOW + 50), "updated 50 ms ago");
        peers.frame(0xC6120302, NOW + 150);
        assertFalse(policy.peerFellSilent(slot, NOW + 200), "updated 200 ms ago, but its carrier spoke 50 ms ago");
        peers.frame(0xC6120303, NOW + 240); // another peer
        assertTrue(policy.peerFellSilent(slot, NOW + 250), "nothing from its carrier for 100 ms");
        policy.tookOver(slot);
        assertFalse(policy.peerFellSilent(slot, NOW + 10_000), "taken over: ours until a peer updates it again");
    }

    /**
     * The promise behind answering a peer's INS on arrival: the packet thread applies every message up
     * to the last acknowledged one before it decides the packets it received since, whatever the
     * cycle's limit — here the acknowledged INS sits behind 10 messages and the cycle takes 2.
     */
    @Test
    void anAcknowledgedInsertIsAppliedBeforeThePacketsReceivedAfterItBeyondTheCycleLimit() {
        for (int i = 0; i < 10; i++) {
            udpState(PEER, 100 + i, 2000 + i, 2, 2);
            assertTrue(inbox.offer(PeerInbox.STATE, staging, 0));
        }
        udpState(PEER, 5, 1000, 1, 0);
        assertTrue(inbox.offerAcknowledged(PeerInbox.STATE, staging, 0));
        udpState(PEER, 200, 3000, 2, 2);
        assertTrue(inbox.offer(PeerInbox.STATE, staging, 0)); // after the acknowledged one: may wait

        assertEquals(2, inbox.drain(table, recorder, NOW, 2));
        assertTrue(table.findById(PEER, 5) < 0, "not yet: behind the cycle's limit");
        assertEquals(9, inbox.applyAcknowledged(), "the 8 before it, and itself");
        assertTrue(table.findById(PEER, 5) >= 0, "in the table before any packet received after the INS_ACK");
        assertTrue(table.findById(PEER, 200) < 0, "a message after the acknowledged one keeps its place");
        assertEquals(9, inbox.acknowledgedApplied());
        assertEquals(0, inbox.applyAcknowledged(), "nothing more owed");
        assertEquals(1, inbox.drain(table, recorder, NOW, 100));
        assertEquals(12, inbox.imported());
    }

    @Test
    void withoutAnAcknowledgedMessageNothingIsAppliedAheadOfTheCycle() {
        udpState(PEER, 5, 1000, 1, 0);
        assertTrue(inbox.offer(PeerInbox.STATE, staging, 0));
        assertEquals(0, inbox.drain(table, recorder, NOW, 0));
        assertEquals(0, inbox.applyAcknowledged());
        assertTrue(table.findById(PEER, 5) < 0);
    }

    @Test
    void anUpdateBehindWhatWeReportedIsCorrectedOnceASecondAndNeverMovesUsBack() {
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.STATE);
        udpState(PEER, 5, 1000, 1, 2); // src half behind ours, but we never told anyone ours: no answer
        message.type(JournalRecordType.UPDATE.code());
        offer(PeerInbox.COMPRESSED);
        assertEquals(0, inbox.stale());
        message.clear().creatorId(PEER).id(5);
        offer(PeerInbox.REQUEST); // now we answer with ours (src MULTIPLE): the peers were told
        journaled();

        udpState(PEER, 5, 1000, 1, 2); // behind what we reported: the peer missed it
        message.type(JournalRecordType.UPDATE.code());
        offer(PeerInbox.COMPRESSED, NOW + 200);
        final int slot = table.findById(PEER, 5);
        assertEquals(2, table.peerState(slot, 0), "never goes backwards");
        assertEquals(1, inbox.stale());
        assertEquals(1, inbox.corrections());
        assertEquals(List.of("update " + (SyncHints.REPLY | SyncHints.IMMEDIATE) + " 1"), journaled());

        offer(PeerInbox.COMPRESSED, NOW + 300); // the same again within the second: stale, not answered again
        assertEquals(2, inbox.stale());
        assertEquals(1, inbox.corrections());
        assertEquals(List.of("update 0 1"), journaled());

        udpState(PEER, 5, 1000, 2, 2); // caught up: merged, nothing to answer
        offer(PeerInbox.COMPRESSED, NOW + 400);
        assertEquals(List.of("update 0 1"), journaled());
        assertEquals(2, inbox.stale());
    }

    @Test
    void aCompressedUpdateForAnUnknownStateIsAskedFor() {
        udpState(PEER, 77, 1000, 2, 2);
        offer(PeerInbox.COMPRESSED);
        assertEquals(0, table.size());
        assertEquals(1, inbox.requested());
        assertEquals(List.of("sync_request 0 1"), journaled());
    }

    @Test
    void aRequestIsAnsweredWithTheFullStateAndUnknownOnesCounted() {
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.STATE);
        journaled();
        message.clear().creatorId(PEER).id(5);
        offer(PeerInbox.REQUEST);
        assertEquals(List.of("update " + (SyncHints.REPLY | SyncHints.FULL | SyncHints.IMMEDIATE) + " 1"), journaled());
        message.clear().creatorId(PEER).id(6);
        offer(PeerInbox.REQUEST);
        assertEquals(1, inbox.badState());
        assertEquals(List.of(), journaled());
    }

    @Test
    void aCollisionIsWonByTheLowerIdentityOnEveryNodeAndSettledOnce() {
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.STATE);
        journaled();
        // Same connection under a higher creatorid: ours (PEER's) wins, is sent back in full, once.
        udpState(0x33333333, 9, 1000, 1, 0);
        offer(PeerInbox.STATE);
        assertEquals(1, table.size());
        assertEquals(1, inbox.collisionsWon());
        assertEquals(0, inbox.badState());
        assertEquals(List.of("update " + (SyncHints.REPLY | SyncHints.FULL | SyncHints.IMMEDIATE) + " 1"), journaled());
        offer(PeerInbox.STATE); // the loser insists (FreeBSD keeps its own): counted, not answered
        message.type(JournalRecordType.UPDATE.code());
        offer(PeerInbox.COMPRESSED);
        assertEquals(2, inbox.collisionsRepeated());
        assertEquals(List.of(), journaled(), "no loop: nothing answered, nothing requested");

        // Same connection, reversed (made from the reply), under a lower creatorid: it wins here too.
        message.clear().type(JournalRecordType.INSERT.code()).originKind(JournalRecorder.ORIGIN_PEER)
                .origin(0x10000000).creatorId(0x10000000).id(3).af(2).proto(17).direction(1).timeoutClass(8)
                .addresses(0, 0xC6120201L, 0, 0xC6120101L).ports(53, 1000).rule(-1)
                .peer(0, 0, 0, 0, 0, 0, 1, 0).peer(1, 0, 0, 0, 0, 0, 0, 0)
                .creationMillis(NOW - 1000).expireAtMillis(NOW + 30_000);
        offer(PeerInbox.STATE);
        assertEquals(1, table.size());
        assertEquals(1, inbox.collisionsLost());
        final int slot = table.findById(0x10000000, 3);
        assertTrue(slot >= 0 && table.findById(PEER, 5) < 0, "the winner's identity is the only one left");
        assertEquals(2, table.peerState(slot, 0), "what our state knew (both MULTIPLE) is kept, halves swapped");
        assertEquals(2, table.peerState(slot, 1));
        assertEquals(List.of("delete 0 1", "insert 0 1", "update " + (SyncHints.REPLY | SyncHints.IMMEDIATE) + " 1"),
                journaled());
    }

    @Test
    void aConnectionReusedByTheSameCreatorReplacesItsOldState() {
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.STATE);
        journaled();
        udpState(PEER, 6, 1000, 1, 0); // the peer's new state for the same 5-tuple; DEL_C of 5 follows
        offer(PeerInbox.STATE);
        assertEquals(1, table.size());
        assertTrue(table.findById(PEER, 6) >= 0 && table.findById(PEER, 5) < 0);
        assertEquals(0, inbox.badState());
        assertEquals(List.of("delete 0 1", "insert 0 1"), journaled(), "nothing is echoed");
    }

    @Test
    void deletesAndClearsRemoveOnlyWhatTheyName() {
        for (int i = 0; i < 4; i++) {
            udpState(i < 3 ? PEER : 0x33333333, 10 + i, 2000 + i, 1, 0);
            offer(PeerInbox.STATE);
        }
        journaled();
        message.clear().creatorId(PEER).id(10);
        offer(PeerInbox.DELETE);
        assertEquals(3, table.size());
        message.clear().creatorId(PEER).id(10);
        offer(PeerInbox.DELETE);
        assertEquals(1, inbox.badState(), "an unknown id");
        message.clear().creatorId(PEER).id(0).ifindex(0);
        offer(PeerInbox.CLEAR);
        assertEquals(1, table.size(), "only the other creator's state is left");
        assertTrue(table.findById(0x33333333, 13) >= 0);
        assertEquals(2, inbox.cleared());
        assertEquals(List.of("delete 0 1", "delete 0 1", "delete 0 1"), journaled());
    }

    /**
     * A peer's report that crosses our removal on the link (its settle repeat, an update sent before
     * our DEL_C reached it) does not bring the state back: it is refused and answered with DEL_C, in
     * full and compressed form, for a state deleted by the peer, flushed or killed here, or closed.
     */
    @Test
    void aReportOfAStateRemovedHereIsRefusedAndAnsweredWithADelete() {
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.STATE);
        message.clear().creatorId(PEER).id(5);
        offer(PeerInbox.DELETE);
        journaled();

        udpState(PEER, 5, 1000, 2, 2); // the peer's settle repeat, sent before it removed the state
        message.type(JournalRecordType.UPDATE.code());
        offer(PeerInbox.STATE, NOW + 1000);
        assertEquals(0, table.size(), "not resurrected");
        assertEquals(1, inbox.removedReports());
        assertEquals(1, inbox.imported());
        assertEquals(List.of("sync_delete 0 1"), journaled(), "DEL_C goes out again");
        offer(PeerInbox.COMPRESSED, NOW + 2000);
        assertEquals(0, table.size());
        assertEquals(0, inbox.requested(), "not asked for");
        assertEquals(List.of("sync_delete 0 1"), journaled());

        // Removed by a local kill or flush (reason flushed) and by a close: the same.
        udpState(PEER, 6, 1001, 2, 2);
        offer(PeerInbox.STATE, NOW + 2000);
        table.remove(table.findById(PEER, 6), io.tandem.engine.state.StateRemoveReason.FLUSHED);
        udpState(PEER, 7, 1002, 2, 2);
        offer(PeerInbox.STATE, NOW + 2000);
        table.remove(table.findById(PEER, 7), io.tandem.engine.state.StateRemoveReason.CLOSED);
        journaled();
        udpState(PEER, 6, 1001, 2, 2);
        message.type(JournalRecordType.UPDATE.code());
        offer(PeerInbox.STATE, NOW + 3000);
        udpState(PEER, 7, 1002, 2, 2);
        message.type(JournalRecordType.UPDATE.code());
        offer(PeerInbox.STATE, NOW + 3000);
        assertEquals(0, table.size());
        assertEquals(4, inbox.removedReports(), "two reports of 5, one each of 6 and 7");

        // An INS is an announcement, not a report: a state loaded again (tandem states load) comes back.
        udpState(PEER, 7, 1002, 2, 2);
        offer(PeerInbox.STATE, NOW + 3000);
        assertTrue(table.findById(PEER, 7) >= 0, "an INS of a removed identity is imported");
        assertEquals(4, inbox.removedReports());

        // After the window, the identity is unknown again: imported as pf would.
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.STATE, NOW + 1000 + RemovedStates.WINDOW_MILLIS);
        assertTrue(table.findById(PEER, 5) >= 0);
    }

    /** A request for one of our own states that is gone is answered with DEL_C; another node's, only counted. */
    @Test
    void aRequestForOneOfOurStatesThatIsGoneIsAnsweredWithADelete() {
        message.clear().creatorId(LOCAL).id(99);
        offer(PeerInbox.REQUEST);
        assertEquals(1, inbox.answeredGone());
        assertEquals(List.of("sync_delete 0 1"), journaled());
        message.clear().creatorId(0x33333333).id(99);
        offer(PeerInbox.REQUEST);
        assertEquals(1, inbox.answeredGone());
        assertEquals(2, inbox.badState());
        assertEquals(List.of(), journaled());
    }

    /**
     * After the bulk update asked for at start: the sender's states it did not send are asked for,
     * ours made before we asked are announced in full, the rest is left alone.
     */
    @Test
    void theBulkUpdateAskedForAtStartIsReconciledWithTheTable() {
        // Recovered from our journal at start (nothing heard about them since): the peer's, ours, a third node's.
        for (final int[] s : new int[][] {{PEER, 1}, {LOCAL, 2}, {0x33333333, 3}, {PEER, 4}}) {
            udpState(s[0], s[1], 3000 + s[1], 2, 2);
            message.creationMillis(NOW - 60_000);
            table.restore(message, -1, NOW - 60_000, true);
        }
        journaled();
        final long asked = NOW + 1000;
        udpState(PEER, 4, 3004, 2, 2); // the bulk brings the peer's state 4 (not 1: it is gone there)
        message.type(JournalRecordType.UPDATE.code());
        offer(PeerInbox.STATE, asked + 500);
        journaled();
        message.clear().creatorId(PEER).wallTimeMillis(asked);
        offer(PeerInbox.BULK_END, asked + 600);
        assertEquals(1, inbox.reconcileAsked());
        assertEquals(1, inbox.reconcileAnnounced());
        assertEquals(List.of("sync_request 0 0", "update " + (SyncHints.REPLY | SyncHints.FULL) + " 0"), journaled(),
                "this node's own initiative (origin rule), sent by the sync agent");
        assertEquals(4, table.size(), "nothing is removed on its own: the peer answers");
        inbox.drain(table, recorder, asked + 700, 100);
        assertEquals(List.of(), journaled(), "done after one pass");
    }

    /** A peer's state that merely expired here leaves no tombstone: the creator refreshing it is right. */
    @Test
    void aPeersStateThatExpiredHereIsImportedAgain() {
        udpState(PEER, 5, 1000, 2, 2);
        offer(PeerInbox.STATE);
        table.remove(table.findById(PEER, 5), io.tandem.engine.state.StateRemoveReason.EXPIRED);
        journaled();
        udpState(PEER, 5, 1000, 2, 2);
        message.type(JournalRecordType.UPDATE.code());
        offer(PeerInbox.STATE, NOW + 500);
        assertTrue(table.findById(PEER, 5) >= 0);
        assertEquals(0, inbox.removedReports());
        assertEquals(2, inbox.imported());
    }

    /** The packet thread's side allocates nothing: 1M peer updates merged, with journaling. */
    @Test
    void applyingPeerUpdatesAllocatesNothing() {
        for (int i = 0; i < 32; i++) {
            udpState(PEER, 100 + i, 3000 + i, 1, 0);
            offer(PeerInbox.STATE);
        }
        // Deferral on: once per drain, an INS_ACK for a state of ours whose first packet is held.
        final io.tandem.engine.verdict.DeferredVerdicts held = new io.tandem.engine.verdict.DeferredVerdicts(
                new io.tandem.engine.verdict.HeldVerdictSink() {
                    @Override
                    public void hold() {
                    }

                    @Override
                    public void release(final long packetId, final int verdict) {
                    }
                }, table, 8, 20);
        final int ownSlot = ownUdpState(9999, NOW);
        final long ownId = table.id(ownSlot);
        final UnsafeBuffer requestBuffer = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        final JournalRecordFlyweight request = new JournalRecordFlyweight().wrap(requestBuffer, 0);
        final Runnable work = () -> {
            for (int i = 0; i < 1_000_000; i++) {
                if ((i & 127) == 0) { // we answer with ours now and then, so that older updates are stale
                    request.clear().creatorId(PEER).id(100 + (i >> 7 & 31));
                    inbox.offer(PeerInbox.REQUEST, requestBuffer, 0);
                }
                udpState(PEER, 100 + (i & 31), 3000 + (i & 31), (i & 64) == 0 ? 2 : 1, 2);
                message.type(JournalRecordType.UPDATE.code());
                inbox.offer((i & 1) == 0 ? PeerInbox.COMPRESSED : PeerInbox.STATE, staging, 0);
                if ((i & 63) == 0) { // one hold per drain, released by the ack in it
                    table.deferred(ownSlot, true);
                    held.hold(ownSlot, i, NOW);
                    inbox.offerAck(LOCAL, ownId);
                }
                if ((i & 63) == 63) {
                    inbox.drain(table, recorder, held, NOW + i, System.nanoTime(), 128);
                    ring.ring().read((type, buffer, index, length) -> { }, Integer.MAX_VALUE);
                }
            }
        };
        work.run();
        final io.tandem.engine.testing.AllocationMeter meter = new io.tandem.engine.testing.AllocationMeter();
        assertEquals(0, meter.measure(3, work), meter.rounds());
        assertTrue(inbox.merged() > 1_000_000 && inbox.stale() > 0, "merges and corrections happened");
        assertEquals(held.deferred(), held.released(io.tandem.engine.verdict.DeferredVerdicts.Release.ACK),
                "each hold released by the ack that followed it, in the same duty cycle (the ring wraps too)");
        assertTrue(held.released(io.tandem.engine.verdict.DeferredVerdicts.Release.ACK) > 15_000,
                "held packets were released by INS_ACK: " + held.released(io.tandem.engine.verdict.DeferredVerdicts.Release.ACK));
    }
}
