package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.sync.wire.PfsyncClrFlyweight;
import io.tandem.engine.sync.wire.PfsyncDecodeResult;
import io.tandem.engine.sync.wire.PfsyncFrameDecoder;
import io.tandem.engine.sync.wire.PfsyncFrameEncoder;
import io.tandem.engine.sync.wire.PfsyncRecordHandler;
import io.tandem.engine.sync.wire.PfsyncStateRecord;
import io.tandem.engine.sync.wire.PfsyncStats;
import io.tandem.engine.sync.wire.PfsyncUpdCFlyweight;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The outbound sync queues: coalescing and upgrades (spec B.4), A.6 section order, MTU splitting, timing. */
class SyncOutboxTest {
    private static final int C = 0x0A0B0C0D;
    private static final long NOW = 1_700_000_000_000L;

    private final PfsyncFrameEncoder encoder = new PfsyncFrameEncoder(1500);
    private final SyncOutbox outbox = new SyncOutbox(encoder, 1301, new PfsyncStateMapping());
    private final List<byte[]> frames = new ArrayList<>();

    private static JournalRecordFlyweight record(final long id, final int seqLo) {
        final JournalRecordFlyweight r = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        r.clear().type(JournalRecordType.UPDATE.code()).creatorId(C).id(id).af(2).proto(6).direction(1).timeoutClass(2)
                .addresses(0, 0xC6120101L, 0, 0xC6120201L).ports(40000 + (int) id, 5201).rule(0)
                .peer(0, seqLo, seqLo + 1000, 0, 65535, 1460, 4, 7).peer(1, 5000, 6000, 0, 65535, 1460, 4, 7)
                .creationMillis(NOW - 5000).expireAtMillis(NOW + 86_400_000L).counters(10, 9, 1000, 900);
        return r;
    }

    private void flush() {
        outbox.flush(NOW, length -> {
            final byte[] f = new byte[length];
            encoder.buffer().getBytes(0, f);
            frames.add(f);
        });
    }

    private static List<String> decode(final byte[] frame) {
        final List<String> events = new ArrayList<>();
        final PfsyncRecordHandler h = new PfsyncRecordHandler() {
            @Override
            public void onClr(final PfsyncClrFlyweight clr) {
                events.add("clr");
            }

            @Override
            public void onState(final int action, final int format, final PfsyncStateRecord s) {
                events.add((action == 1 ? "ins " : "upd ") + s.id() + " seqlo " + s.src().seqlo());
            }

            @Override
            public void onInsAck(final long id, final int creatorid) {
                events.add("insack " + id);
            }

            @Override
            public void onUpdC(final PfsyncUpdCFlyweight u) {
                events.add("updc " + u.id() + " seqlo " + u.src().seqlo() + " expire " + u.expire());
            }

            @Override
            public void onUpdReq(final long id, final int creatorid) {
                events.add("updreq " + id);
            }

            @Override
            public void onDelC(final long id, final int creatorid) {
                events.add("delc " + id);
            }

            @Override
            public void onBus(final int creatorid, final long endtime, final int status) {
                events.add("bus");
            }
        };
        final PfsyncDecodeResult result = new PfsyncFrameDecoder(new PfsyncStats())
                .decode(new UnsafeBuffer(frame), 0, frame.length, h);
        assertTrue(result.applied(), result.toString());
        return events;
    }

    @Test
    void messagesCoalescePerStateAndGoOutInA6Order() {
        assertTrue(outbox.offerRequest(7, C, NOW));
        assertTrue(outbox.offerState(record(2, 100), SyncOutbox.Q_UPD_C, NOW));
        assertTrue(outbox.offerState(record(2, 200), SyncOutbox.Q_UPD, NOW)); // UPD_C → UPD, newest content
        assertTrue(outbox.offerState(record(5, 300), SyncOutbox.Q_UPD_C, NOW));
        assertTrue(outbox.offerState(record(5, 400), SyncOutbox.Q_UPD_C, NOW)); // coalesced
        assertTrue(outbox.offerState(record(1, 10), SyncOutbox.Q_INS, NOW));
        assertTrue(outbox.offerState(record(1, 20), SyncOutbox.Q_UPD_C, NOW)); // an INS stays an INS
        assertTrue(outbox.offerDelete(3, C, NOW));
        assertTrue(outbox.offerState(record(4, 1), SyncOutbox.Q_INS, NOW));
        assertTrue(outbox.offerDelete(4, C, NOW)); // never announced: nothing at all is sent for 4
        assertTrue(outbox.offerState(record(3, 1), SyncOutbox.Q_UPD_C, NOW)); // after its delete: ignored
        assertTrue(outbox.offerRequest(7, C, NOW)); // duplicate request suppressed
        assertTrue(outbox.offerInsAck(8, C, NOW));
        flush();
        assertEquals(1, frames.size());
        assertEquals(List.of("ins 1 seqlo 20", "insack 8", "upd 2 seqlo 200", "updc 5 seqlo 400 expire 0",
                "delc 3", "updreq 7"), decode(frames.get(0)));
        assertTrue(outbox.isEmpty());
    }

    /**
     * A record journaled more than a second ago — by a previous run, read after a restart — goes out
     * without its TCP windows: seconds-old sequence numbers can look ahead of the live ones modulo
     * 2^32, and a peer merging them as the further value would drop the connection's every packet.
     */
    /**
     * A queued record whose values are no valid state (here a record with no address family, as a request
     * record would be) is left out of the frame and counted, and the states around it still go out; it once
     * failed the encoder's check and stopped the thread that flushed.
     */
    @Test
    void aRecordThatIsNoValidStateIsLeftOutAndCountedNotThrown() {
        assertTrue(outbox.offerState(record(1, 100), SyncOutbox.Q_INS, NOW));
        assertTrue(outbox.offerState(record(2, 200).af(0), SyncOutbox.Q_INS, NOW));
        assertTrue(outbox.offerState(record(3, 300).af(0), SyncOutbox.Q_UPD_C, NOW));
        assertTrue(outbox.offerState(record(4, 400), SyncOutbox.Q_UPD, NOW));
        flush();
        assertEquals(1, frames.size());
        assertEquals(List.of("ins 1 seqlo 100", "upd 4 seqlo 400"), decode(frames.get(0)));
        assertEquals(2, outbox.unencodable());
        assertEquals("af must be 2, 10 or 28", outbox.unencodableProblem());
        assertTrue(outbox.isEmpty());
    }

    @Test
    void agedRecordsGoOutWithoutTheirWindows() {
        final LocalChanges changes = new LocalChanges(outbox, C);
        changes.accept(record(1, 10).type(JournalRecordType.INSERT.code()).wallTimeMillis(NOW - 5), NOW, l -> { });
        changes.accept(record(2, 200).wallTimeMillis(NOW - 1000), NOW, l -> { });
        changes.accept(record(3, 300).type(JournalRecordType.INSERT.code()).wallTimeMillis(NOW - 6400), NOW, l -> { });
        changes.accept(record(4, 400).wallTimeMillis(NOW - 1001).syncHints(io.tandem.engine.state.SyncHints.FULL),
                NOW, l -> { });
        assertEquals(2, changes.agedRecords());
        flush();
        assertEquals(List.of("ins 1 seqlo 10", "ins 3 seqlo 0", "upd 4 seqlo 0", "updc 2 seqlo 200 expire 0"),
                decode(frames.get(0)));
    }

    /**
     * A local CLEAR (tandem flush states) goes out at once as a CLR of the creator it names, in a frame
     * of its own after everything queued before it; a CLEAR learned from a peer is not echoed.
     */
    @Test
    void aLocalClearIsSentAsOneClrAfterWhatWasQueuedBeforeIt() {
        final LocalChanges changes = new LocalChanges(outbox, C);
        final List<Integer> clrCreators = new ArrayList<>();
        changes.accept(record(1, 10).type(JournalRecordType.INSERT.code()).wallTimeMillis(NOW), NOW, l -> { });
        final JournalRecordFlyweight clear = record(0, 0);
        clear.clear().type(JournalRecordType.CLEAR.code()).creatorId(0x11223344).wallTimeMillis(NOW);
        changes.accept(clear, NOW, length -> {
            final byte[] f = new byte[length];
            encoder.buffer().getBytes(0, f);
            frames.add(f);
        });
        assertEquals(2, frames.size());
        assertEquals(List.of("ins 1 seqlo 10"), decode(frames.get(0)));
        assertEquals(List.of("clr"), decode(frames.get(1)));
        new PfsyncFrameDecoder(new PfsyncStats()).decode(new UnsafeBuffer(frames.get(1)), 0, frames.get(1).length,
                new PfsyncDigestAdapter() {
                    @Override
                    public void onClr(final PfsyncClrFlyweight clr) {
                        clrCreators.add(clr.creatorid());
                        assertEquals(0, clr.ifnameLength());
                    }
                });
        assertEquals(List.of(0x11223344), clrCreators);
        assertTrue(outbox.isEmpty());
        clear.originKind(io.tandem.engine.journal.JournalRecorder.ORIGIN_PEER).origin(0x55);
        changes.accept(clear, NOW, l -> frames.add(new byte[0]));
        assertEquals(2, frames.size(), "a peer's CLEAR is not echoed");
    }

    /** A state loaded by tandem states load (INSERT, origin import) is announced as an INS, like a rule's. */
    @Test
    void aLoadedStateIsAnnouncedAsAnIns() {
        final LocalChanges changes = new LocalChanges(outbox, C);
        changes.accept(record(9, 90).type(JournalRecordType.INSERT.code()).wallTimeMillis(NOW)
                .originKind(io.tandem.engine.journal.JournalRecorder.ORIGIN_IMPORT), NOW, l -> { });
        flush();
        assertEquals(List.of("ins 9 seqlo 90"), decode(frames.get(0)));
    }

    /** Every callback ignored; override what a test looks at. */
    private abstract static class PfsyncDigestAdapter implements PfsyncRecordHandler {
        @Override
        public void onClr(final PfsyncClrFlyweight clr) {
        }

        @Override
        public void onState(final int action, final int format, final PfsyncStateRecord s) {
        }

        @Override
        public void onInsAck(final long id, final int creatorid) {
        }

        @Override
        public void onUpdC(final PfsyncUpdCFlyweight u) {
        }

        @Override
        public void onUpdReq(final long id, final int creatorid) {
        }

        @Override
        public void onDelC(final long id, final int creatorid) {
        }

        @Override
        public void onBus(final int creatorid, final long endtime, final int status) {
        }
    }

    @Test
    void aLargeOutboxIsSplitIntoFramesWithinTheMtu() {
        for (int i = 1; i <= 40; i++) {
            assertTrue(outbox.offerState(record(i, i), SyncOutbox.Q_INS, NOW));
        }
        for (int i = 41; i <= 100; i++) {
            assertTrue(outbox.offerState(record(i, i), SyncOutbox.Q_UPD_C, NOW));
        }
        flush();
        int ins = 0;
        int updc = 0;
        for (final byte[] f : frames) {
            assertTrue(f.length + 20 <= 1500, "frame of " + f.length + " bytes");
            for (final String e : decode(f)) {
                ins += e.startsWith("ins ") ? 1 : 0;
                updc += e.startsWith("updc ") ? 1 : 0;
            }
        }
        assertEquals(40, ins);
        assertEquals(60, updc);
        // 40 INS at 6 per frame fill 6 frames and leave 4 (968 bytes) in the 7th; 60 UPD_C at 84 bytes
        // go 5 into that one (4 + 5 × 84 ≤ 484 bytes left) and 17 per frame after it (55 = 17+17+17+4):
        // 7 + 4 = 11 frames.
        assertEquals(11, frames.size());
    }

    @Test
    void aFullOutboxRefusesUntilFlushed() {
        for (int i = 1; i <= SyncOutbox.STATES; i++) {
            assertTrue(outbox.offerState(record(i, i), SyncOutbox.Q_UPD_C, NOW));
        }
        assertFalse(outbox.offerState(record(SyncOutbox.STATES + 1, 1), SyncOutbox.Q_UPD_C, NOW));
        assertTrue(outbox.offerState(record(1, 99), SyncOutbox.Q_UPD_C, NOW), "a queued state still coalesces");
        flush();
        assertTrue(outbox.offerState(record(SyncOutbox.STATES + 1, 1), SyncOutbox.Q_UPD_C, NOW));
    }

    @Test
    void theOutboxIsDueAfterTheDelayOrAtOnceWhenAsked() {
        assertFalse(outbox.due(NOW, 100), "empty is never due");
        outbox.offerState(record(1, 1), SyncOutbox.Q_UPD_C, NOW);
        assertFalse(outbox.due(NOW + 99, 100));
        assertTrue(outbox.due(NOW + 100, 100));
        outbox.requestImmediate();
        assertTrue(outbox.due(NOW, 100));
        flush();
        outbox.offerRequest(9, C, NOW);
        assertTrue(outbox.due(NOW, 1000), "an update request is sent at once");
    }
}
