package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.shard.FlowOwner;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateIds;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Peers' messages with two queue threads ({@code set queue FIRST:LAST}): each reaches the table of the
 * thread that holds (or will hold) its state — by the flow's key, by the identity learned from it, by
 * the thread bits of our own ids — and a message for a state the router does not know reaches every
 * thread without making the others count it as bad or ask for it.
 */
class PeerInboxesTest {
    private static final int LOCAL = 0x11111111;
    private static final int PEER = 0x22222222;
    private static final long NOW = 1_700_000_000_000L;
    private static final long RUN_BASE = StateIds.initialBase(NOW);
    private static final int FLOWS = 64;

    private final List<PeerInbox> inboxes = List.of(new PeerInbox(), new PeerInbox());
    private final PeerInboxes router = new PeerInboxes(inboxes, LOCAL, RUN_BASE);
    private final List<StateTable> tables = List.of(table(0), table(1));
    private final UnsafeBuffer staging = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
    private final JournalRecordFlyweight message = new JournalRecordFlyweight().wrap(staging, 0);

    private static StateTable table(final int thread) {
        final StateTable t = new StateTable(256, 4, false, true, StateTimeouts.defaults(256), LOCAL, RUN_BASE,
                new StateCounters());
        t.idSequence(thread, 2);
        return t;
    }

    /** The peer's UDP state {@code i}: 198.18.1.i:(1000+i) → 198.18.2.1:53, id 100+i. */
    private void peerState(final int i) {
        message.clear().type(JournalRecordType.INSERT.code()).originKind(JournalRecorder.ORIGIN_PEER).origin(PEER)
                .creatorId(PEER).id(100 + i).af(DecodedPacket.FAMILY_INET).proto(DecodedPacket.PROTO_UDP)
                .direction(1).timeoutClass(8).addresses(0, 0xC6120100L + i, 0, 0xC6120201L).ports(1000 + i, 53)
                .rule(-1).peer(0, 0, 0, 0, 0, 0, 2, 0).peer(1, 0, 0, 0, 0, 0, 2, 0)
                .creationMillis(NOW - 1000).expireAtMillis(NOW + 30_000);
    }

    /** A message that names a state by identity only (UPD_C, DEL_C, UPD_REQ): no key. */
    private void identity(final int creator, final long id) {
        message.clear().type(JournalRecordType.UPDATE.code()).originKind(JournalRecorder.ORIGIN_PEER).origin(creator)
                .creatorId(creator).id(id).timeoutClass(8).peer(0, 0, 0, 0, 0, 0, 2, 0).peer(1, 0, 0, 0, 0, 0, 2, 0);
    }

    private int drain(final int thread) {
        return inboxes.get(thread).drain(tables.get(thread), null, NOW, 10_000);
    }

    private static int owner(final int i) {
        return FlowOwner.of(DecodedPacket.FAMILY_INET, DecodedPacket.PROTO_UDP, 0, 0xC6120100L + i, 0, 0xC6120201L,
                1000 + i, 53, 2);
    }

    private void importAll() {
        for (int i = 0; i < FLOWS; i++) {
            peerState(i);
            router.offer(PeerInbox.STATE, staging, 0);
        }
        drain(0);
        drain(1);
    }

    @Test
    void aPeersStateGoesToTheThreadThatOwnsItsFlow() {
        importAll();
        int[] owned = new int[2];
        for (int i = 0; i < FLOWS; i++) {
            final int o = owner(i);
            owned[o]++;
            assertTrue(tables.get(o).findById(PEER, 100 + i) >= 0, "state " + i + " in its owner's table " + o);
            assertEquals(-1, tables.get(1 - o).findById(PEER, 100 + i), "and not in the other");
        }
        assertTrue(owned[0] > 0 && owned[1] > 0, "both threads own some of the flows");
        assertEquals(owned[0], tables.get(0).size());
        assertEquals(owned[1], tables.get(1).size());
    }

    @Test
    void updatesAndDeletesByIdentityReachTheThreadThatHoldsTheState() {
        importAll();
        for (int i = 0; i < FLOWS; i++) {
            identity(PEER, 100 + i);
            router.offer(PeerInbox.COMPRESSED, staging, 0);
        }
        drain(0);
        drain(1);
        assertEquals(FLOWS, router.sum(PeerInbox::merged), "every UPD_C merged into the state it names");
        assertEquals(0, router.sum(PeerInbox::requested), "none asked for: each reached its holder");
        assertEquals(0, router.broadcasts());
        for (int i = 0; i < FLOWS; i += 2) {
            identity(PEER, 100 + i);
            router.offer(PeerInbox.DELETE, staging, 0);
        }
        drain(0);
        drain(1);
        assertEquals(FLOWS / 2, tables.get(0).size() + tables.get(1).size(), "every other state deleted");
        assertEquals(0, router.sum(PeerInbox::badState));
    }

    @Test
    void ourOwnIdsOfThisRunGoToTheThreadThatNumberedThem() {
        assertEquals(0, router.threadOf(LOCAL, RUN_BASE + 1));
        assertEquals(1, router.threadOf(LOCAL, RUN_BASE + 2));
        assertEquals(0, router.threadOf(LOCAL, RUN_BASE + 1001));
        assertEquals(-1, router.threadOf(LOCAL, RUN_BASE - (1L << 32) + 2), "an earlier run's id: not by number");
        assertEquals(-1, router.threadOf(PEER, RUN_BASE + 2), "a peer's id is not ours to number");
        // An acknowledgement of our state numbered by thread 1 wakes thread 1 only.
        router.offerAck(LOCAL, RUN_BASE + 2);
        assertEquals(0, drain(0));
        assertEquals(1, drain(1));
        // Thread bits match the tables' numbering.
        final DecodedPacket p = new DecodedPacket();
        for (int t = 0; t < 2; t++) {
            p.reset();
            p.family = DecodedPacket.FAMILY_INET;
            p.protocol = DecodedPacket.PROTO_UDP;
            p.l4Offset = 20;
            p.ipLength = 100;
            p.srcLo = 0xC6120101L;
            p.dstLo = 0xC6120201L;
            p.srcPort = 4000 + t;
            p.dstPort = 53;
            final int slot = tables.get(t).create(p, 0, PfConstants.PF_IN, 0, NOW);
            assertEquals(t, router.threadOf(LOCAL, tables.get(t).id(slot)), "id " + tables.get(t).id(slot));
        }
    }

    @Test
    void aStateTheRouterDoesNotKnowIsSoughtInEveryThreadQuietly() {
        // The peer's states reached the tables without the router (as after a restart: recovered).
        final PeerInboxes fresh = new PeerInboxes(inboxes, LOCAL, RUN_BASE);
        importAll();
        identity(PEER, 100 + 7);
        fresh.offer(PeerInbox.COMPRESSED, staging, 0);
        identity(PEER, 100 + 8);
        fresh.offer(PeerInbox.DELETE, staging, 0);
        identity(PEER, 999);
        fresh.offer(PeerInbox.DELETE, staging, 0);
        identity(PEER, 998);
        fresh.offer(PeerInbox.REQUEST, staging, 0);
        drain(0);
        drain(1);
        assertEquals(4, fresh.broadcasts());
        assertEquals(1, router.sum(PeerInbox::merged), "the holder merged the UPD_C");
        assertEquals(owner(7) == 0 ? 0 : 1, router.sum(PeerInbox::requested),
                "thread 0 asks for a UPD_C it lacks (its full answer goes by key); the other thread stays quiet");
        assertEquals(-1, tables.get(owner(8)).findById(PEER, 108), "the holder deleted");
        assertEquals(0, router.sum(PeerInbox::badState), "the threads that lacked them counted nothing");
        assertEquals(0, router.sum(PeerInbox::answered));
    }

    @Test
    void aClearReachesEveryThread() {
        importAll();
        message.clear().type(JournalRecordType.CLEAR.code()).creatorId(PEER);
        router.offer(PeerInbox.CLEAR, staging, 0);
        drain(0);
        drain(1);
        assertEquals(0, tables.get(0).size() + tables.get(1).size());
        assertEquals(FLOWS, router.sum(PeerInbox::cleared));
    }

    @Test
    void thereIsRoomOnlyWhenEveryInboxHasRoom() {
        assertTrue(router.hasRoomFor(128));
        peerState(0);
        while (inboxes.get(1).hasRoomFor(128)) {
            inboxes.get(1).offer(PeerInbox.STATE, staging, 0);
        }
        assertTrue(inboxes.get(0).hasRoomFor(128));
        assertTrue(!router.hasRoomFor(128), "thread 1's inbox is nearly full");
    }
}
