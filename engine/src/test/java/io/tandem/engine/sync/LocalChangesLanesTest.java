package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.UrgentRecordLane;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.SyncHints;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The urgent lanes of several queue threads: the sync agent sends a record it took from a lane at once
 * and skips it when the journal brings it later. The threads' sequence numbers interleave and the
 * journal thread drains their rings in turn, so the journal brings one thread's records in order but
 * not the threads' in order of sequence number: each journal record must be matched against its own
 * thread's lane, or records would be sent twice (or, matched against another lane, that lane's
 * entries dropped early).
 */
class LocalChangesLanesTest {
    private static final int C = 0x0A0B0C0D;
    private static final long NOW = 1_700_000_000_000L;

    private final SyncOutbox outbox = new SyncOutbox(new PfsyncFrameEncoder(1500), 1301, new PfsyncStateMapping());
    private final LocalChanges changes = new LocalChanges(outbox, C);

    /** The INSERT of a state whose first packet is held (PFSTATE_ACK, sent at once), journal sequence {@code sequence}. */
    private static UnsafeBuffer heldInsert(final long sequence) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        new JournalRecordFlyweight().wrap(b, 0).clear().type(JournalRecordType.INSERT.code()).creatorId(C)
                .id(sequence).sequence(sequence).wallTimeMillis(NOW).af(2).proto(17)
                .stateFlags(PfConstants.PFSTATE_ACK).syncHints(SyncHints.IMMEDIATE);
        return b;
    }

    /**
     * The packet thread put a held packet's INSERT into its lane, then the journal thread wrote it, both
     * after the sync loop read the lanes: the journal reader meets the record first. It must read the
     * lanes again rather than send the INS now and once more when the lane copy comes (a second INS,
     * which a peer answers with a second INS_ACK).
     */
    @Test
    void aHeldInsertTheJournalBringsBeforeItsLaneCopyIsSentOnce() {
        final UrgentRecordLane lane = new UrgentRecordLane();
        assertEquals(0, changes.readLanes(List.of(lane), NOW, l -> { }), "the loop read the empty lane");
        assertTrue(lane.offer(heldInsert(5), 0));
        changes.fromJournal(new JournalRecordFlyweight().wrap(heldInsert(5), 0), NOW, l -> { });
        assertFalse(outbox.isEmpty(), "its INS is queued");
        final int[] frames = {0};
        outbox.flush(NOW, l -> frames[0]++);
        assertEquals(1, frames[0]);
        assertEquals(0, changes.readLanes(List.of(lane), NOW, l -> { }), "the lane copy was taken already");
        assertTrue(outbox.isEmpty(), "no second INS");
    }

    /**
     * With a packet thread's own sender ({@link DirectInsSender}) on the lane, a held packet's INSERT goes in
     * marked as sent, without ringing the sync thread: the sync agent registers the state with the quorum (so
     * the acknowledgements that release its packet are counted as without the sender) and sends nothing, not
     * when the lane brings it and not when the journal does.
     */
    @Test
    void anInsertThePacketThreadSentIsNotedNotSentAgain() {
        final AckQuorum quorum = new AckQuorum(20);
        changes.ackQuorum(quorum);
        quorum.sent(1, NOW); // peers 0 and 1 answer: both are waited for from now on
        assertTrue(quorum.acknowledged(1, 0, NOW));
        assertTrue(quorum.acknowledged(1, 1, NOW));
        final UrgentRecordLane lane = new UrgentRecordLane();
        final int[] rung = {0};
        lane.doorbell(() -> rung[0]++);
        final List<Long> taken = new java.util.ArrayList<>();
        lane.sender((record, offset) -> taken.add(new JournalRecordFlyweight().wrap(record, offset).sequence()));
        assertTrue(lane.offer(heldInsert(5), 0));
        assertEquals(List.of(5L), taken, "the packet thread's sender took it");
        assertEquals(0, rung[0], "the sync thread is not woken for it");
        assertEquals(1, changes.readLanes(List.of(lane), NOW, l -> { }));
        assertTrue(outbox.isEmpty(), "no INS queued by the sync thread");
        assertEquals(1, changes.packetThreadSent());
        assertFalse(quorum.acknowledged(5, 0, NOW), "registered: peer 1 is waited for");
        assertTrue(quorum.acknowledged(5, 1, NOW));
        changes.fromJournal(new JournalRecordFlyweight().wrap(heldInsert(5), 0), NOW, l -> { });
        assertTrue(outbox.isEmpty(), "the journal's copy is skipped");
    }

    @Test
    void aSenderThatCannotSendLeavesTheRecordToTheSyncThread() {
        final UrgentRecordLane lane = new UrgentRecordLane();
        final int[] rung = {0};
        lane.doorbell(() -> rung[0]++);
        lane.sender((record, offset) -> false);
        assertTrue(lane.offer(heldInsert(6), 0));
        assertEquals(1, rung[0], "the sync thread is woken to send it");
        assertEquals(1, changes.readLanes(List.of(lane), NOW, l -> { }));
        assertFalse(outbox.isEmpty(), "its INS is queued by the sync thread");
        assertEquals(0, changes.packetThreadSent());
    }

    @Test
    void aFullLaneDropsTheCopyAndThePacketThreadDoesNotSendIt() {
        final UrgentRecordLane lane = new UrgentRecordLane();
        final int[] takes = {0};
        lane.sender((record, offset) -> ++takes[0] > 0);
        int offered = 0;
        while (lane.offer(heldInsert(offered + 1), 0)) {
            offered++;
        }
        assertEquals(offered, takes[0], "taken only when the lane had room");
        assertEquals(1, lane.dropped());
        assertTrue(offered > 500, "the lane holds hundreds of records: " + offered);
    }

    private static void offer(final UrgentRecordLane lane, final long sequence) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        new JournalRecordFlyweight().wrap(b, 0).clear().type(JournalRecordType.INSERT.code()).creatorId(C)
                .id(sequence).sequence(sequence).wallTimeMillis(NOW);
        assertTrue(lane.offer(b, 0));
    }

    @Test
    void eachJournalRecordIsMatchedAgainstItsOwnThreadsLane() {
        final UrgentRecordLane thread0 = new UrgentRecordLane();
        final UrgentRecordLane thread1 = new UrgentRecordLane();
        // Sequence numbers after 100, two threads: thread 0 numbers 101, 103, ...; thread 1 102, 104, ...
        offer(thread0, 101);
        offer(thread0, 105);
        offer(thread1, 102);
        offer(thread1, 104);
        offer(thread1, 108);
        assertEquals(5, changes.readLanes(List.of(thread0, thread1), NOW, l -> { }));
        // The journal thread drained thread 1's ring first: 102, 104, 106 (not in the lane), 108; then thread 0's.
        assertTrue(changes.takenFromLane(102));
        assertTrue(changes.takenFromLane(104));
        assertFalse(changes.takenFromLane(106));
        assertTrue(changes.takenFromLane(108));
        assertTrue(changes.takenFromLane(101), "thread 0's lane was not touched by thread 1's higher numbers");
        assertFalse(changes.takenFromLane(103));
        assertTrue(changes.takenFromLane(105));
        assertFalse(changes.takenFromLane(105), "each once");
    }

    @Test
    void withOneLaneTheJournalPassesWhatItLost() {
        final UrgentRecordLane lane = new UrgentRecordLane();
        offer(lane, 7);
        offer(lane, 9);
        changes.readLanes(List.of(lane), NOW, l -> { });
        assertFalse(changes.takenFromLane(8), "a record the lane did not take");
        assertTrue(changes.takenFromLane(9), "7 never reached the journal (its ring was full): passed over");
        assertFalse(changes.takenFromLane(7));
    }
}
