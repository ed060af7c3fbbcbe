package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.sync.wire.PfsyncClrFlyweight;
import io.tandem.engine.sync.wire.PfsyncConstants;
import io.tandem.engine.sync.wire.PfsyncFrameDecoder;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncRecordHandler;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The responder side of a bulk update ({@link BulkUpdateSender}), with a real table answering through
 * its {@link StateSnapshotMailbox} and every frame sent decoded again: BUS START at once, every state as
 * a full UPD in full frames (a chunk of 4,096 states at a time), BUS END last; at most 16 frames in a
 * burst and then the configured pace; a packet thread that does not answer aborts the bulk.
 */
class BulkUpdateSenderTest {
    private static final int OWN = 0x11111111;
    private static final long T0 = 1_700_000_000_000L;

    private final StateSnapshotMailbox mailbox = new StateSnapshotMailbox();
    private final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
    private final List<String> frames = new ArrayList<>();
    private final Set<Long> ids = new HashSet<>();
    private final PfsyncFrameDecoder decoder = new PfsyncFrameDecoder(new PfsyncStats());
    private final Recorder recorder = new Recorder();

    private BulkUpdateSender sender(final int framesPerSecond) {
        final PfsyncStateMapping mapping = new PfsyncStateMapping(1400);
        return new BulkUpdateSender(java.util.List.of(mailbox), encoder, new SyncOutbox(encoder, 1400, mapping), mapping, OWN,
                framesPerSecond);
    }

    private static StateTable table(final int states) {
        final StateTable t = new StateTable(8192, 4, false, true, StateTimeouts.defaults(8192), OWN, 0,
                new StateCounters());
        UdpStates.add(t, states, T0);
        return t;
    }

    /** The "sender": decodes each frame into one line, "BUS 1", "UPD 6" (six states) and so on. */
    private void send(final int length) {
        final byte[] frame = new byte[length];
        encoder.buffer().getBytes(0, frame);
        recorder.line.setLength(0);
        recorder.inFrame = 0;
        decoder.decode(new UnsafeBuffer(frame), 0, length, recorder);
        frames.add(recorder.line.toString().trim());
    }

    /** Steps until the bulk ends, the packet thread answering every request at once. */
    private void run(final BulkUpdateSender bulk, final StateTable table) {
        for (int i = 0; i < 100_000 && bulk.active(); i++) {
            mailbox.serve(table, T0);
            bulk.step(T0 + 2000, this::send);
        }
        assertFalse(bulk.active(), "the bulk ends");
    }

    @Test
    void anEmptyTableSendsBusStartAndBusEnd() {
        final BulkUpdateSender bulk = sender(5000);
        bulk.request(T0, this::send);
        assertEquals(List.of("BUS " + PfsyncConstants.PFSYNC_BUS_START), frames, "START at once");
        run(bulk, table(0));
        assertEquals(List.of("BUS " + PfsyncConstants.PFSYNC_BUS_START, "BUS " + PfsyncConstants.PFSYNC_BUS_END),
                frames);
        assertEquals(1, bulk.bulksSent());
        assertEquals(0, bulk.lastBulkStates());
        assertEquals(2000, bulk.lastBulkMillis());
        assertEquals(2, recorder.busEndtime, "BUS END carries the whole seconds since the request");
    }

    @Test
    void everyStateGoesOutOnceInFullFramesAcrossChunksBetweenStartAndEnd() {
        final int states = StateSnapshotMailbox.CHUNK + 904;
        final BulkUpdateSender bulk = sender(1_000_000);
        bulk.request(T0, this::send);
        run(bulk, table(states));
        assertEquals("BUS " + PfsyncConstants.PFSYNC_BUS_START, frames.get(0));
        assertEquals("BUS " + PfsyncConstants.PFSYNC_BUS_END, frames.get(frames.size() - 1));
        assertEquals(states, ids.size(), "every state once");
        assertEquals(states, recorder.states, "and no state twice");
        assertEquals(states, bulk.lastBulkStates());
        final int perFrame = Integer.parseInt(frames.get(1).substring("UPD ".length()));
        assertTrue(perFrame > 1, frames.get(1));
        int partial = 0;
        for (final String f : frames.subList(1, frames.size() - 1)) {
            assertTrue(f.startsWith("UPD "), f);
            if (Integer.parseInt(f.substring(4)) != perFrame) {
                partial++;
            }
        }
        assertTrue(partial <= 2, "full frames, but for the last of each chunk: " + partial);
    }

    /**
     * Several queue threads ({@code set queue FIRST:LAST}): one bulk reads every thread's table through its
     * own mailbox, one after the other, between one BUS START and one BUS END.
     */
    @Test
    void aBulkOfSeveralQueueThreadsSendsEveryTablesStatesBetweenOneStartAndOneEnd() {
        final StateSnapshotMailbox second = new StateSnapshotMailbox();
        final PfsyncStateMapping mapping = new PfsyncStateMapping(1400);
        final BulkUpdateSender bulk = new BulkUpdateSender(List.of(mailbox, second), encoder,
                new SyncOutbox(encoder, 1400, mapping), mapping, OWN, 1_000_000);
        final StateTable t0 = new StateTable(8192, 4, false, true, StateTimeouts.defaults(8192), OWN, 0,
                new StateCounters());
        t0.idSequence(0, 2);
        UdpStates.add(t0, StateSnapshotMailbox.CHUNK + 10, T0);
        final StateTable t1 = new StateTable(8192, 4, false, true, StateTimeouts.defaults(8192), OWN, 0,
                new StateCounters());
        t1.idSequence(1, 2);
        UdpStates.add(t1, 3000, T0);
        bulk.request(T0, this::send);
        for (int i = 0; i < 100_000 && bulk.active(); i++) {
            mailbox.serve(t0, T0);
            second.serve(t1, T0);
            bulk.step(T0 + 1000, this::send);
        }
        assertFalse(bulk.active(), "the bulk ends");
        final int states = StateSnapshotMailbox.CHUNK + 10 + 3000;
        assertEquals(states, ids.size(), "every state of both tables once");
        assertEquals(states, recorder.states, "and none twice");
        assertEquals(states, bulk.lastBulkStates());
        assertEquals("BUS " + PfsyncConstants.PFSYNC_BUS_START, frames.get(0));
        assertEquals("BUS " + PfsyncConstants.PFSYNC_BUS_END, frames.get(frames.size() - 1));
        assertEquals(2, frames.stream().filter(f -> f.startsWith("BUS")).count(), "one START, one END");
    }

    @Test
    void framesArePacedAfterABurstOfSixteen() {
        final BulkUpdateSender bulk = sender(1);
        bulk.request(T0, this::send);
        mailbox.serve(table(1000), T0);
        assertEquals(16, bulk.step(T0, this::send), "the burst");
        assertEquals(0, bulk.step(T0, this::send), "then one frame a second");
        assertTrue(bulk.active());
        assertEquals(17, frames.size());
    }

    @Test
    void aSecondRequestDuringABulkRestartsNothing() {
        final BulkUpdateSender bulk = sender(5000);
        bulk.request(T0, this::send);
        bulk.request(T0 + 10, this::send);
        assertEquals(1, frames.size(), "one BUS START");
        run(bulk, table(3));
        assertEquals(1, bulk.bulksSent());
        assertEquals(3, bulk.lastBulkStates());
    }

    @Test
    void aPacketThreadThatDoesNotAnswerAbortsTheBulk() {
        final BulkUpdateSender bulk = sender(5000);
        bulk.request(T0, this::send);
        assertEquals(0, bulk.step(T0 + 5000, this::send), "waiting for the chunk");
        assertTrue(bulk.active());
        assertNull(bulk.takeAbortReason());
        bulk.step(T0 + 5001, this::send);
        assertFalse(bulk.active());
        assertNotNull(bulk.takeAbortReason());
        assertNull(bulk.takeAbortReason(), "taken once");
        assertEquals(0, bulk.bulksSent());
    }

    private final class Recorder implements PfsyncRecordHandler {
        final StringBuilder line = new StringBuilder();
        int states;
        long busEndtime = -1;
        int inFrame;

        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord s) {
            assertEquals(PfsyncConstants.ACT_UPD_1400, action);
            assertEquals(OWN, s.creatorid());
            ids.add(s.id());
            states++;
            line.setLength(0);
            line.append("UPD ").append(++inFrame);
        }

        @Override
        public void onBus(final int creatorid, final long endtime, final int status) {
            assertEquals(OWN, creatorid);
            line.append("BUS ").append(status);
            if (status == PfsyncConstants.PFSYNC_BUS_END) {
                busEndtime = endtime;
            }
        }

        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
            line.append("CLR ");
        }

        @Override
        public void onInsAck(final long id, final int creatorid) {
            line.append("INS_ACK ");
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight updC) {
            line.append("UPD_C ");
        }

        @Override
        public void onUpdReq(final long id, final int creatorid) {
            line.append("UPD_REQ ");
        }

        @Override
        public void onDelC(final long id, final int creatorid) {
            line.append("DEL_C ");
        }
    }
}
