package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.sync.SyncPolicy;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.testing.AllocationMeter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recorder on the packet thread: state changes become records in the in-flight ring without
 * allocating; the journal thread moves them into Chronicle; recovery rebuilds the table from the
 * last complete snapshot epoch; and records a crashed engine left in the ring are not lost.
 */
class JournalRecorderTest {
    private static final int CREATOR = 0x0c0ffee0;

    static StateTable table(final int capacity) {
        final long[] t = StateTimeouts.defaultSeconds(capacity);
        t[StateTimeouts.ADAPTIVE_START] = 0;
        t[StateTimeouts.ADAPTIVE_END] = 0;
        return new StateTable(capacity, 4, false, true, StateTimeouts.of(t), CREATOR, 1L << 40, new StateCounters());
    }

    /** A UDP packet of flow {@code i} (client 198.18.x.y:10000+, server 198.18.2.10:53), or its reply. */
    static void udp(final DecodedPacket p, final int i, final boolean reply) {
        p.reset();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.l4Offset = 20;
        p.ipLength = 100;
        final long a = 0xC6120100L + (i >>> 8 & 0xff) * 256 + (i & 0xff);
        final long b = 0xC612020AL;
        p.srcLo = reply ? b : a;
        p.dstLo = reply ? a : b;
        p.srcPort = reply ? 53 : 10000 + (i & 0x3fff);
        p.dstPort = reply ? 10000 + (i & 0x3fff) : 53;
    }

    /** A 64-state table whose changes go to {@code recorder}, which also feeds {@code lane}. */
    private static StateTable recordedTable(final JournalRecorder recorder, final UrgentRecordLane lane) {
        recorder.urgentLane(lane);
        final StateTable t = table(64);
        t.setListener(recorder);
        return t;
    }

    /** The health of a journal directory that can never hold its reserve: suspended from the first check. */
    private static JournalHealth suspendedHealth(final Path dir) {
        final JournalHealth health = new JournalHealth(dir, Long.MAX_VALUE);
        health.check(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertTrue(health.suspended());
        return health;
    }

    /** The records the lane holds, each as {@code label} makes it, in order. */
    private static List<String> drained(final UrgentRecordLane lane,
            final java.util.function.Function<JournalRecordFlyweight, String> label) {
        final List<String> out = new ArrayList<>();
        final JournalRecordFlyweight r = new JournalRecordFlyweight();
        lane.drain((type, buffer, index, length) -> out.add(label.apply(r.wrap(buffer, index))), 100);
        return out;
    }

    /**
     * A journal suspended for lack of disk does not stop pfsync: records the sync agent acts on (a
     * local creation and removal) reach it by the urgent lane, counted as sent without the journal;
     * a peer's change, never echoed, does not use the lane; nothing reaches the ring.
     */
    @Test
    void whileTheJournalIsSuspendedLocalChangesStillReachTheSyncAgent(@TempDir final Path dir) throws Exception {
        final JournalRing ring = JournalRing.open(dir, 1 << 20);
        final JournalHealth health = suspendedHealth(dir);
        final JournalRecorder recorder = new JournalRecorder(ring, health, CREATOR, 1, 0, 0);
        final UrgentRecordLane lane = new UrgentRecordLane();
        final StateTable t = recordedTable(recorder, lane);
        final DecodedPacket p = new DecodedPacket();
        udp(p, 1, false);
        final int slot = t.create(p, 0, PfConstants.PF_IN, 0, 1_000_000);
        t.remove(slot, io.tandem.engine.state.StateRemoveReason.FLUSHED);
        recorder.beginPeer(0x22222222);
        udp(p, 2, false);
        t.create(p, 0, PfConstants.PF_IN, 0, 1_000_000);
        recorder.endPeer();

        assertEquals(List.of("insert #1", "delete #2"),
                drained(lane, r -> JournalRecordType.of(r.type()).label() + " #" + r.sequence()));
        assertEquals(2, health.sentWithoutJournal());
        assertEquals(3, health.dropped(), "none of the three is journaled");
        assertEquals(0, ring.size(), "the ring gets nothing while suspended");
        ring.close();
    }

    /**
     * While the journal is suspended every change the sync agent acts on goes by the lane; with the packet
     * thread's own sender attached ({@code sync.DirectInsSender}) only an INSERT sent at once goes to it. A
     * queued INSERT, a removal and a request for a peer's state go to the sync agent unmarked. (The sender
     * once got them all and queued each as an INS: a request, which holds no state, stopped the engine.)
     */
    @Test
    void whileTheJournalIsSuspendedOnlyInsertsSentAtOnceGoToThePacketThreadsSender(@TempDir final Path dir)
            throws Exception {
        final JournalRing ring = JournalRing.open(dir, 1 << 20);
        final JournalHealth health = suspendedHealth(dir);
        final JournalRecorder recorder = new JournalRecorder(ring, health, CREATOR, 1, 0, 0);
        final UrgentRecordLane lane = new UrgentRecordLane();
        final List<String> taken = new ArrayList<>();
        final JournalRecordFlyweight seen = new JournalRecordFlyweight();
        lane.sender((record, offset) -> taken.add(label(seen.wrap(record, offset))));
        final StateTable t = recordedTable(recorder, lane);
        final DecodedPacket p = new DecodedPacket();
        udp(p, 1, false);
        t.create(p, 0, 0, PfConstants.PF_IN, 0, 1_000_000, StateTable.CREATE_DEFERRED);
        udp(p, 2, false);
        final int queued = t.create(p, 0, 0, PfConstants.PF_IN, 0, 1_000_000, StateTable.CREATE_QUEUED);
        t.remove(queued, io.tandem.engine.state.StateRemoveReason.FLUSHED);
        recorder.onSyncRequest(0x22222222, 99);

        assertEquals(List.of("insert #1"), taken);
        final String request = JournalRecordType.SYNC_REQUEST.label();
        assertEquals(List.of("sent insert #1", "insert #2", "delete #3", request + " #4"),
                drainedWithType(lane));
        ring.close();
    }

    private static String label(final JournalRecordFlyweight r) {
        return JournalRecordType.of(r.type()).label() + " #" + r.sequence();
    }

    /** The records the lane holds, each labelled, "sent " in front of those the sender took. */
    private static List<String> drainedWithType(final UrgentRecordLane lane) {
        final List<String> out = new ArrayList<>();
        final JournalRecordFlyweight r = new JournalRecordFlyweight();
        lane.drain((type, buffer, index, length) -> out.add(
                (type == UrgentRecordLane.MSG_RECORD_SENT ? "sent " : "") + label(r.wrap(buffer, index))), 100);
        return out;
    }

    /**
     * Which new states' INSERTs take the urgent lane to the sync agent (besides the ring): a held first
     * packet's (PFSTATE_ACK, sent at once) and an announced one's (sent at once for peers that await it,
     * without PFSTATE_ACK); a queued one's only through the journal.
     */
    @Test
    void heldAndAnnouncedInsertsTakeTheUrgentLaneQueuedOnesDoNot(@TempDir final Path dir) throws Exception {
        final JournalRing ring = JournalRing.open(dir, 1 << 20);
        final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), CREATOR, 1, 0, 0);
        final UrgentRecordLane lane = new UrgentRecordLane();
        final StateTable t = recordedTable(recorder, lane);
        final DecodedPacket p = new DecodedPacket();
        udp(p, 1, false);
        t.create(p, 0, 0, PfConstants.PF_IN, 0, 1_000_000, StateTable.CREATE_QUEUED);
        udp(p, 2, false);
        t.create(p, 0, 0, PfConstants.PF_IN, 0, 1_000_000, StateTable.CREATE_ANNOUNCED);
        udp(p, 3, false);
        t.create(p, 0, 0, PfConstants.PF_IN, 0, 1_000_000, StateTable.CREATE_DEFERRED);

        assertEquals(List.of("insert #2 hints 1 flags 0", "insert #3 hints 1 flags " + PfConstants.PFSTATE_ACK),
                drained(lane, r -> JournalRecordType.of(r.type()).label() + " #" + r.sequence() + " hints "
                        + r.syncHints() + " flags " + r.stateFlags()));
        assertTrue(ring.size() >= 3 * JournalRecordFlyweight.LENGTH, "all three go to the journal too: " + ring.size());
        ring.close();
    }

    /**
     * One rolling-snapshot pass (from one EPOCH_END to the next) takes {@code set journal snapshot} seconds with slices a millisecond apart,
     * also when the slots due per millisecond are not whole: 4,096 slots in 3 s are 1.37 a millisecond,
     * and rounding that down to 1 made the pass 4.1 s. Also with slices 7 ms apart, and with a table
     * smaller than the interval in milliseconds (under one slot a millisecond: rounded up, it took 64 ms).
     */
    @ParameterizedTest(name = "{0} slots, slices {1} ms apart")
    @CsvSource({"4096, 1", "4096, 7", "64, 1"})
    void aSnapshotPassTakesTheSnapshotInterval(final int capacity, final int sliceMillis, @TempDir final Path dir)
            throws Exception {
        final JournalRing ring = JournalRing.open(dir, 1 << 22);
        final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), CREATOR, 3, 0, 0);
        final StateTable t = table(capacity);
        t.setListener(recorder);
        final DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < capacity / 8; i++) {
            udp(p, i, false);
            t.create(p, 0, PfConstants.PF_IN, 0, 1_000_000);
        }
        final List<Long> starts = new ArrayList<>();
        final List<Long> ends = new ArrayList<>();
        final JournalRecordFlyweight r = new JournalRecordFlyweight();
        for (long now = 1_000_000; now <= 1_010_000; now += sliceMillis) {
            recorder.snapshotSlice(t, now);
            ring.ring().read((type, b, index, length) -> {
                r.wrap(b, index);
                if (r.type() == JournalRecordType.EPOCH_START.code()) {
                    starts.add(r.wallTimeMillis());
                } else if (r.type() == JournalRecordType.EPOCH_END.code()) {
                    ends.add(r.wallTimeMillis());
                }
            }, Integer.MAX_VALUE);
        }
        assertTrue(ends.size() >= 3, "passes ended at " + ends + ", started at " + starts);
        for (int i = 1; i < ends.size(); i++) {
            final long pass = ends.get(i) - ends.get(i - 1);
            assertTrue(Math.abs(pass - 3000) <= sliceMillis, "pass " + i + " took " + pass + " ms: " + starts + " " + ends);
        }
        ring.close();
    }

    /**
     * A journal thread killed after appending a batch from the ring and before releasing it (the ring's
     * reader moves its head at the end of a batch) leaves that batch both in the journal and in the ring.
     * The next start's drain appends only what the journal lacks: every record once, in order.
     */
    @Test
    void recordsAppendedButNotReleasedFromTheRingAreNotJournaledTwice(@TempDir final Path dir) throws Exception {
        final JournalDirectory d = JournalDirectory.openForWriting(dir, 0, CREATOR);
        final List<byte[]> records = new ArrayList<>();
        try (JournalRing ring = JournalRing.open(dir, EngineJournal.RING_CAPACITY)) {
            final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), CREATOR, 60, 0, 0);
            final StateTable t = table(64);
            t.setListener(recorder);
            final DecodedPacket p = new DecodedPacket();
            for (int i = 0; i < 10; i++) {
                udp(p, i, false);
                t.create(p, 0, PfConstants.PF_IN, 0, 1_000_000);
            }
            ring.ring().read((type, b, index, length) -> {
                final byte[] copy = new byte[length];
                b.getBytes(index, copy);
                records.add(copy);
            }, Integer.MAX_VALUE);
            assertEquals(10, records.size());
            try (Journal journal = Journal.openForWriting(d, "hourly")) {
                final JournalWriter writer = new JournalWriter(journal, new JournalHealth(dir, 0), 0);
                for (int i = 0; i < 6; i++) { // the batch got this far into the journal ...
                    writer.appendRaw(new UnsafeBuffer(records.get(i)), 0);
                }
                writer.close();
            }
            for (final byte[] r : records) { // ... and all ten were still in the ring
                assertTrue(ring.offer(new UnsafeBuffer(r), 0));
            }
        }
        final java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (EngineJournal journal = EngineJournal.open(dir, "hourly", 1000, 60, CREATOR, CREATOR,
                new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8))) {
            assertEquals(4, journal.leftoversDrained(), log.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
        assertTrue(log.toString(java.nio.charset.StandardCharsets.UTF_8).contains("6 record(s) of the in-flight ring"
                + " were in the journal already"), log.toString(java.nio.charset.StandardCharsets.UTF_8));
        final List<Long> sequences = new ArrayList<>();
        try (Journal journal = Journal.openForReading(dir); JournalReader r = JournalReader.fromStart(journal)) {
            while (r.next() != JournalReadStatus.END) {
                sequences.add(r.record().sequence());
            }
        }
        assertEquals(java.util.stream.LongStream.rangeClosed(1, 10).boxed().toList(), sequences);
    }

    @Test
    void recordingStateChangesAllocatesNothing(@TempDir final Path dir) throws Exception {
        final JournalRing ring = JournalRing.open(dir, 1 << 20);
        final JournalHealth health = new JournalHealth(dir, 0);
        final JournalRecorder recorder = new JournalRecorder(ring, health, CREATOR, 1, 0, 0);
        final StateTable t = table(4096);
        t.setListener(recorder);
        SyncPolicy.of(t).enableSyncUpdates(4); // pfsync on: ordinary updates are reported (journaled with sync hints) too
        final DecodedPacket p = new DecodedPacket();
        final long[] now = {1_000_000};
        final Runnable work = () -> {
            for (int i = 0; i < 1_000_000; i++) {
                final int flow = i % 3000;
                udp(p, flow, (i & 1) == 1);
                final int slot = t.lookup(p, 0);
                if (slot < 0) {
                    t.create(p, 0, PfConstants.PF_IN, 0, now[0]);
                } else {
                    t.track(slot, p, t.lastLookupForward(), now[0]);
                }
                if ((i & 255) == 0) {
                    now[0] += 1000;
                    t.expire(now[0], 64);
                    recorder.snapshotSlice(t, now[0]);
                    ring.ring().read((type, b, index, length) -> { }, Integer.MAX_VALUE); // the journal thread's part
                }
            }
        };
        work.run();
        final AllocationMeter meter = new AllocationMeter();
        assertEquals(0, meter.measure(3, work), meter.rounds());
        assertTrue(health.written() == 0 && recorder.sequence() > 100_000, "records went through the ring");
        ring.close();
    }

    @Test
    void recoveryRebuildsTheTableFromTheLastCompleteEpoch(@TempDir final Path dir) throws Exception {
        final JournalDirectory d = JournalDirectory.openForWriting(dir, 0, CREATOR);
        final DecodedPacket p = new DecodedPacket();
        final List<Long> liveIds = new ArrayList<>();
        long lastSequence;
        try (Journal journal = Journal.openForWriting(d, "hourly")) {
            final JournalRing ring = JournalRing.open(dir, 1 << 22);
            final JournalHealth health = new JournalHealth(dir, 0);
            final JournalRecorder recorder = new JournalRecorder(ring, health, CREATOR, 1, 0, 0);
            final StateTable t = table(1024);
            t.setListener(recorder);
            long now = 1_000_000;
            for (int i = 0; i < 600; i++) {
                udp(p, i, false);
                t.create(p, 0, PfConstants.PF_IN, 0, now);
            }
            // Three complete snapshot passes while flows change: some answered (UPDATE), some removed.
            for (int step = 0; step < 3000; step++) {
                now += 1;
                recorder.snapshotSlice(t, now);
                if (step % 10 == 0) {
                    final int i = step / 10;
                    udp(p, i, true);
                    final int slot = t.lookup(p, 0);
                    if (slot >= 0) {
                        t.track(slot, p, t.lastLookupForward(), now);
                    }
                    if (i % 3 == 0 && slot >= 0) {
                        t.remove(slot, io.tandem.engine.state.StateRemoveReason.CLOSED);
                    }
                }
            }
            for (int s = t.nextLive(0); s >= 0; s = t.nextLive(s + 1)) {
                liveIds.add(t.id(s));
            }
            lastSequence = recorder.sequence();
            // The journal thread's part, done here synchronously.
            final JournalAgent agent = new JournalAgent(journal, ring, health, new JournalRetention(dir, 10,
                    journal.queue().rollCycle()), System.err);
            agent.start();
            agent.awaitReady(10, TimeUnit.SECONDS);
            agent.close();
            ring.close();
            assertEquals(lastSequence, health.written(), "every record reached Chronicle");
        }
        try (Journal journal = Journal.openForWriting(d, "hourly")) {
            final StateTable recovered = table(1024);
            final JournalRecovery.Result r = JournalRecovery.recover(journal, recovered);
            assertTrue(r.fromCompleteEpoch(), "recovery started at a complete epoch");
            assertTrue(r.recordsRead() < lastSequence, "it did not replay the whole journal: " + r);
            assertEquals(lastSequence, r.lastSequence());
            assertEquals(liveIds.size(), recovered.size());
            final List<Long> ids = new ArrayList<>();
            for (int s = recovered.nextLive(0); s >= 0; s = recovered.nextLive(s + 1)) {
                ids.add(recovered.id(s));
                assertEquals(CREATOR, recovered.creatorId(s));
            }
            ids.sort(null);
            liveIds.sort(null);
            assertEquals(liveIds, ids, "the same states, by id");
        }
    }

    @Test
    void recordsACrashedEngineLeftInTheRingReachTheJournalAtTheNextStart(@TempDir final Path dir) throws Exception {
        final JournalDirectory d = JournalDirectory.openForWriting(dir, 0, CREATOR);
        final DecodedPacket p = new DecodedPacket();
        // An engine that recorded 50 inserts into the ring and "died" before its journal thread ran.
        final JournalRing ring = JournalRing.open(dir, 1 << 20);
        final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), CREATOR, 60, 0, 0);
        final StateTable t = table(128);
        t.setListener(recorder);
        for (int i = 0; i < 50; i++) {
            udp(p, i, false);
            t.create(p, 0, PfConstants.PF_IN, 0, 5_000_000);
        }
        ring.close(); // no drain: the process is gone

        try (EngineJournal journal = EngineJournal.open(dir, "hourly", 10, 60, 0, 1, System.err)) {
            assertEquals(50, journal.leftoversDrained(), "the ring's records were moved into the journal");
            final StateTable recovered = table(128);
            final JournalRecovery.Result r = journal.recoverInto(recovered, System.currentTimeMillis());
            assertEquals(50, r.statesRestored());
            assertEquals(CREATOR, journal.creatorId(), "the node keeps its creatorid");
        }
    }

    /**
     * The urgent lane is fed only when a sync thread drains it (pfsync on, {@link EngineJournal#feedsPeers(int)}):
     * a lane nobody drains fills, and then every record the ring drops was counted as lost to peers.
     */
    @Test
    void recordersFeedTheUrgentLaneOnlyWhenTheSyncThreadReadsIt(@TempDir final Path dir) throws Exception {
        try (EngineJournal alone = EngineJournal.open(dir.resolve("alone"), "hourly", 10, 60, 0, 1, System.err)) {
            alone.recoverInto(table(16), System.currentTimeMillis());
            assertFalse(alone.recorder().feedsUrgentLane(), "without pfsync nothing drains a lane");
        }
        try (EngineJournal synced = EngineJournal.open(dir.resolve("synced"), "hourly", 10, 60, 0, 2, System.err)) {
            synced.feedsPeers(100);
            synced.recoverInto(table(16), System.currentTimeMillis());
            assertTrue(synced.recorder().feedsUrgentLane());
        }
    }

    /**
     * With pfsync the sync thread reads the journal, so the journal thread's nap while packets journal is
     * no longer than the sync thread's flush delay; without pfsync it is {@link JournalAgent#NAP_MILLIS}.
     */
    @Test
    void withPfsyncTheJournalThreadNapsNoLongerThanTheSyncFlushDelay(@TempDir final Path dir) throws Exception {
        final int[][] cases = {{-1, JournalAgent.NAP_MILLIS}, {3, 3}, {100, JournalAgent.NAP_MILLIS}};
        for (final int[] c : cases) {
            try (EngineJournal j = EngineJournal.open(dir.resolve("d" + c[0]), "hourly", 10, 60, 0, 1, System.err)) {
                if (c[0] >= 0) {
                    j.feedsPeers(c[0]);
                }
                assertEquals(TimeUnit.MILLISECONDS.toNanos(c[1]), j.agent().napNanos(), "flush delay " + c[0]);
            }
        }
    }

    @Test
    void aSecondEngineOnTheSameJournalIsRefused(@TempDir final Path dir) throws Exception {
        try (EngineJournal first = EngineJournal.open(dir, "hourly", 10, 60, 0, 7, System.err)) {
            assertEquals(7, first.creatorId());
            final JournalException e = org.junit.jupiter.api.Assertions.assertThrows(JournalException.class,
                    () -> EngineJournal.open(dir, "hourly", 10, 60, 0, 7, System.err));
            assertTrue(e.getMessage().contains("already open") || e.getMessage().contains("in use"), e.getMessage());
        }
    }

    @Test
    void aDirectoryThatIsNotAJournalIsRefused(@TempDir final Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("notes.txt"), "not a journal");
        final JournalException e = org.junit.jupiter.api.Assertions.assertThrows(JournalException.class,
                () -> JournalDirectory.openForWriting(dir, 0, 1));
        assertTrue(e.getMessage().contains("not a Tandem journal"), e.getMessage());
    }
}
