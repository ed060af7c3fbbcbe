package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalDirectory;
import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalWriter;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.state.SyncHints;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncStats;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@link SyncAgent}s back to back over an {@link InMemoryPfsyncTransport}, driven by calling their
 * duty cycle ({@code onStart}, {@code doWork}, {@code onClose}) on the test thread, with real journals,
 * outboxes, inboxes and snapshot mailboxes; the test plays each node's packet thread. A local journal
 * INSERT leaves as an INS frame and reaches the peer's {@link PeerInbox} and table; a bulk request sent
 * at start is answered with BUS START, the states and BUS END, after which the asker is in sync.
 */
class SyncAgentDutyCycleTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final int A = 0x11111111;
    private static final int B = 0x22222222;
    private static final int ADDRESS_A = 0xC6120301;
    private static final int ADDRESS_B = 0xC6120302;

    @TempDir
    Path dir;

    private Node a;
    private Node b;

    /** One node: its journal, its sync agent, and what its packet thread owns (table, inbox, mailbox). */
    private final class Node implements AutoCloseable {
        final Journal journal;
        final JournalWriter writer;
        final PeerInbox inbox = new PeerInbox();
        final StateSnapshotMailbox mailbox = new StateSnapshotMailbox();
        final StateTable table;
        final SyncAgent agent;
        final InMemoryPfsyncTransport transport;

        Node(final String name, final int creator, final InMemoryPfsyncTransport transport) throws Exception {
            final Path d = Files.createDirectories(dir.resolve(name));
            journal = Journal.openForWriting(JournalDirectory.openForWriting(d, creator, 1), "hourly");
            writer = new JournalWriter(journal, new JournalHealth(d, 0), 0);
            table = new StateTable(64, 4, false, true, StateTimeouts.defaults(64), creator, 0, new StateCounters());
            this.transport = transport;
            final SyncSettings s = new SyncSettings();
            s.ifname = "sync0";
            s.peer = "224.0.0.240";
            s.creatorId = creator;
            agent = new SyncAgent(journal, inbox, mailbox, s, QUIET).transport(() -> transport);
        }

        /** One duty cycle of the sync thread, then the packet thread's part: answer a snapshot request. */
        int cycle() {
            final int work = agent.doWork();
            mailbox.serve(table, System.currentTimeMillis());
            return work;
        }

        /** The packet thread applies what peers sent; returns the messages applied. */
        int drainInbox() {
            return inbox.drain(table, null, System.currentTimeMillis(), 100);
        }

        @Override
        public void close() {
            agent.onClose();
            agent.close();
            journal.close();
        }
    }

    private void startBoth() throws Exception {
        final InMemoryPfsyncTransport[] link = InMemoryPfsyncTransport.link(ADDRESS_A, ADDRESS_B);
        a = new Node("a", A, link[0]);
        b = new Node("b", B, link[1]);
        a.agent.onStart();
        b.agent.onStart();
    }

    @AfterEach
    void tearDown() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private void cycles(final int n) {
        for (int i = 0; i < n; i++) {
            a.cycle();
            b.cycle();
        }
    }

    @Test
    void eachNodeAsksForABulkUpdateAtStartAndIsAnsweredWithBusStartTheStatesAndBusEnd() throws Exception {
        startBoth();
        assertEquals(1, a.agent.bulkRequestsSent());
        assertEquals(1, b.transport.pending(), "A's UPD_REQ 0/0 waits for B");
        UdpStates.add(a.table, 1, System.currentTimeMillis()); // A holds one state

        cycles(4);

        assertTrue(b.agent.inSync(), "B had A's BUS END");
        assertEquals(1, b.agent.bulkStatesReceived(), "A's one state");
        assertEquals(1, a.agent.bulksSent());
        assertEquals(1, a.agent.lastBulkStatesSent());
        assertTrue(a.agent.inSync(), "A had B's BUS START and END (an empty table)");
        assertEquals(0, a.agent.bulkStatesReceived());
        final PfsyncStats sent = a.agent.stats();
        assertEquals(2, sent.oacts[PfsyncConstants.ACT_BUS], "BUS START and BUS END");
        assertEquals(1, sent.oacts[PfsyncConstants.ACT_UPD_1400]);
        assertEquals(1, b.agent.stats().iacts[PfsyncConstants.ACT_UPD_1400]);
        assertEquals(2, b.drainInbox(), "the state reached B's inbox, then BULK_END (reconcile)");
        assertEquals(1, b.table.size());
        assertEquals(0, a.agent.stats().oerrors + b.agent.stats().oerrors);
        assertEquals(a.transport.framesSent, a.agent.stats().opackets, "every frame sent counted once");
    }

    @Test
    void aLocalInsertInTheJournalLeavesAsAnInsFrameAndReachesThePeersInbox() throws Exception {
        startBoth();
        cycles(3); // the bulk requests of the start, answered (two empty tables)
        final long insBefore = b.agent.stats().iacts[PfsyncConstants.ACT_INS_1400];
        b.drainInbox(); // the start's BULK_END

        final long now = System.currentTimeMillis();
        a.writer.record().type(JournalRecordType.INSERT.code()).originKind(JournalRecorder.ORIGIN_RULE)
                .creatorId(A).id(7).af(2).proto(17).direction(1).timeoutClass(8)
                .addresses(0, 0xC6120101L, 0, 0xC6120201L).ports(40_001, 53).rule(0)
                .peer(0, 0, 0, 0, 0, 0, 1, 0).peer(1, 0, 0, 0, 0, 0, 1, 0)
                .creationMillis(now).expireAtMillis(now + 30_000).wallTimeMillis(now)
                .syncHints(SyncHints.IMMEDIATE);
        assertTrue(a.writer.append());

        assertTrue(a.agent.doWork() > 0, "the record read and its frame sent in one cycle");
        assertEquals(1, a.agent.stats().oacts[PfsyncConstants.ACT_INS_1400], "sent as INS (format 1400)");
        assertEquals(1, b.transport.pending());

        b.agent.doWork();
        assertEquals(insBefore + 1, b.agent.stats().iacts[PfsyncConstants.ACT_INS_1400]);
        assertEquals(1, b.drainInbox(), "the INS reached B's inbox");
        assertEquals(1, b.inbox.imported());
        final int slot = b.table.nextLive(0);
        assertTrue(slot >= 0);
        assertEquals(A, b.table.creatorId(slot));
        assertEquals(7, b.table.id(slot));
        assertEquals(1, b.agent.peers().peers().size());
        assertEquals("198.18.3.1", b.agent.peers().peers().get(0).address());
    }

    @Test
    void anInsAskingForAnAcknowledgementIsAnsweredBeforeTheFramesBehindItAreRead() throws Exception {
        startBoth();
        cycles(3); // the bulk requests of the start, answered
        b.drainInbox();
        for (int i = 0; i < 3; i++) { // three frames: the first INS holds a packet on A, the others do not
            insert(a, A, 20 + i, i == 0 ? PfConstants.PFSTATE_ACK : 0);
            assertTrue(a.agent.doWork() > 0, "INS " + i + " sent in a frame of its own");
        }
        assertEquals(3, b.transport.pending());
        final long receivedBefore = b.transport.framesReceived;
        final int sentBefore = b.transport.receivedAtSend.size();

        b.agent.doWork(); // reads all three frames in one cycle

        assertEquals(receivedBefore + 3, b.transport.framesReceived);
        assertEquals(1, b.agent.stats().oacts[PfsyncConstants.ACT_INS_ACK], "one INS_ACK");
        assertEquals(sentBefore + 1, b.transport.receivedAtSend.size(), "one frame sent: the INS_ACK");
        assertEquals(receivedBefore + 1, b.transport.receivedAtSend.get(sentBefore),
                "sent as soon as the INS's frame was read, before the two frames behind it");
    }

    @Test
    void anInsAckRingsThePacketThreadBeforeTheFramesBehindItAreRead() throws Exception {
        startBoth();
        cycles(3); // the bulk requests of the start, answered
        b.drainInbox();
        a.drainInbox();
        insert(a, A, 30, PfConstants.PFSTATE_ACK); // A holds a first packet for it
        assertTrue(a.agent.doWork() > 0, "A's INS sent");
        assertTrue(b.agent.doWork() > 0, "B read it and acknowledged it");
        insert(b, B, 31, 0); // then two frames of B's own changes follow the INS_ACK
        assertTrue(b.agent.doWork() > 0);
        insert(b, B, 32, 0);
        assertTrue(b.agent.doWork() > 0);
        assertEquals(3, a.transport.pending(), "the INS_ACK, then two INS frames");
        final long receivedBefore = a.transport.framesReceived;
        final List<Long> rungAt = new ArrayList<>();
        a.inbox.wakeup(() -> rungAt.add(a.transport.framesReceived));

        a.agent.doWork(); // reads all three frames in one cycle

        assertEquals(receivedBefore + 3, a.transport.framesReceived);
        assertEquals(1, a.agent.stats().iacts[PfsyncConstants.ACT_INS_ACK]);
        assertTrue(!rungAt.isEmpty() && rungAt.get(0) == receivedBefore + 1,
                "the packet thread's doorbell rung as soon as the INS_ACK's frame was read: " + rungAt);
    }

    /** Appends an INSERT of {@code creator}'s state {@code id} to be sent at once, with these state flags. */
    private static void insert(final Node node, final int creator, final long id, final int stateFlags) {
        insert(node, creator, id, stateFlags, SyncHints.IMMEDIATE);
    }

    /** Appends an INSERT of {@code creator}'s state {@code id} with these state flags and sync hints. */
    private static void insert(final Node node, final int creator, final long id, final int stateFlags,
                               final int hints) {
        final long now = System.currentTimeMillis();
        node.writer.record().type(JournalRecordType.INSERT.code()).originKind(JournalRecorder.ORIGIN_RULE)
                .creatorId(creator).id(id).af(2).proto(17).direction(1).timeoutClass(8).stateFlags(stateFlags)
                .addresses(0, 0xC6120101L, 0, 0xC6120201L).ports(40_000 + (int) id, 53).rule(0)
                .peer(0, 0, 0, 0, 0, 0, 1, 0).peer(1, 0, 0, 0, 0, 0, 1, 0)
                .creationMillis(now).expireAtMillis(now + 30_000).wallTimeMillis(now)
                .syncHints(hints);
        assertTrue(node.writer.append());
    }

    @Test
    void aNodeWhosePeerDoesNotAnswerWaitsForItsRetryNotTenMilliseconds() throws Exception {
        final long before = System.currentTimeMillis();
        startBoth(); // B's thread never runs: A's bulk request stays unanswered
        final long after = System.currentTimeMillis();
        final long quiet = System.nanoTime() + 2 * SyncAgent.DEEP_IDLE_AFTER_NANOS;
        assertTrue(a.agent.requestingBulk());

        assertEquals(SyncAgent.DEEP_IDLE_MILLIS, a.agent.idleWaitMillis(after, quiet),
                "the retry is 5 s away: a full second's wait, not 10 ms");
        final int nearRetry = a.agent.idleWaitMillis(before + BulkRequester.RETRY_MILLIS - 300, quiet);
        assertTrue(nearRetry > 0 && nearRetry <= 300 + (after - before), "the retry bounds the wait: " + nearRetry);
        assertEquals(0, a.agent.idleWaitMillis(after + BulkRequester.RETRY_MILLIS, quiet), "the retry is due");
    }

    @Test
    void anIdleNodeWithAMessageInItsOutboxWaitsUntilTheFlushNotTenMilliseconds() throws Exception {
        startBoth();
        cycles(3); // the bulk requests of the start, answered: neither asks any more
        assertTrue(a.agent.inSync() && b.agent.inSync());
        final long now = System.currentTimeMillis();
        insert(a, A, 8, 0, 0); // no IMMEDIATE: it waits in the outbox for the flush delay (1 s)
        assertTrue(a.agent.doWork() > 0, "the record read into the outbox");
        assertEquals(0, a.agent.stats().oacts[PfsyncConstants.ACT_INS_1400], "not sent yet");
        final long queued = System.currentTimeMillis();
        assertEquals(SyncAgent.IDLE_POLL_MILLIS, a.agent.idleWaitMillis(queued, System.nanoTime()),
                "it did something just now: a short wait, since more may follow at once");

        final long quiet = System.nanoTime() + 2 * SyncAgent.DEEP_IDLE_AFTER_NANOS;
        final int wait = a.agent.idleWaitMillis(queued + 400, quiet);
        assertTrue(wait > 0 && wait <= 600 && wait >= 600 - (queued - now),
                "the flush, 600 ms away, bounds the wait: " + wait);
        assertEquals(0, a.agent.idleWaitMillis(queued + 1000, quiet), "the flush is due");
    }

    @Test
    void onCloseClosesTheTransport() throws Exception {
        startBoth();
        a.close();
        assertTrue(a.transport.closed());
        a = null;
    }
}
