package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.shard.FlowOwner;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.tools.StateTableReplay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal of two queue threads ({@code set queue FIRST:LAST}): each thread records its own table
 * through its own ring, with its own snapshot epochs (of different lengths here); the journal thread
 * interleaves both. Recovery for each thread restores exactly the live
 * states whose flows it owns; recovery with one thread (a restart with one queue) restores all of
 * them; {@code tandem journal states} (the replay) shows them all; no sequence number is used twice.
 */
class JournalSeveralQueuesTest {
    private static final int CREATOR = 0x0c0ffee0;

    private static StateTable table(final int capacity, final int thread) {
        final long[] t = StateTimeouts.defaultSeconds(capacity);
        t[StateTimeouts.ADAPTIVE_START] = 0;
        t[StateTimeouts.ADAPTIVE_END] = 0;
        final StateTable table = new StateTable(capacity, 4, false, true, StateTimeouts.of(t), CREATOR,
                1L << 40, new StateCounters());
        table.idSequence(thread, 2);
        return table;
    }

    private static void udp(final DecodedPacket p, final int i, final boolean reply) {
        JournalRecorderTest.udp(p, i, reply);
    }

    @Test
    void eachQueueThreadRecoversTheFlowsItOwnsFromEveryThreadsEpochs(@TempDir final Path dir) throws Exception {
        final JournalDirectory d = JournalDirectory.openForWriting(dir, 0, CREATOR);
        final DecodedPacket p = new DecodedPacket();
        final Set<Long> live = new TreeSet<>();
        final List<Set<Long>> liveOf = List.of(new TreeSet<>(), new TreeSet<>());
        try (Journal journal = Journal.openForWriting(d, "hourly")) {
            final JournalHealth health = new JournalHealth(dir, 0);
            final List<JournalRing> rings = List.of(JournalRing.open(dir, 1 << 22, 0), JournalRing.open(dir, 1 << 22, 1));
            final List<JournalRecorder> recorders = new ArrayList<>();
            final List<StateTable> tables = List.of(table(256, 0), table(1024, 1));
            for (int k = 0; k < 2; k++) {
                // A pass examines at least a slot per ms: thread 0 passes its 256 slots 4 times as often as thread 1.
                recorders.add(new JournalRecorder(rings.get(k), health, CREATOR, 1, 0, 0, k, 2));
                tables.get(k).setListener(recorders.get(k));
            }
            // The journal thread's part, done here as it goes: both rings drained every millisecond.
            final JournalWriter writer = new JournalWriter(journal, health, 0);
            final Runnable drain = () -> rings.forEach(ring -> ring.drainTo(writer, Integer.MAX_VALUE));
            long now = 1_000_000;
            for (int i = 0; i < 400; i++) {
                udp(p, i, false);
                tables.get(FlowOwner.of(p, 2)).create(p, 0, PfConstants.PF_IN, 0, now);
            }
            for (int step = 0; step < 7000; step++) {
                now += 1;
                recorders.get(0).snapshotSlice(tables.get(0), now);
                recorders.get(1).snapshotSlice(tables.get(1), now);
                drain.run();
                if (step % 10 == 0) {
                    final int i = step / 10;
                    udp(p, i, true);
                    final StateTable t = tables.get(FlowOwner.of(p, 2));
                    final int slot = t.lookup(p, 0);
                    if (slot >= 0) {
                        t.track(slot, p, t.lastLookupForward(), now);
                        if (i % 3 == 0) {
                            t.remove(slot, io.tandem.engine.state.StateRemoveReason.CLOSED);
                        }
                    }
                }
            }
            // Then thread 0 alone makes a few more passes (thread 1's snapshot is behind, as when its ring was
            // busy): thread 1's states are recorded only before thread 0's last complete epoch began.
            for (int step = 0; step < 2000; step++) {
                recorders.get(0).snapshotSlice(tables.get(0), ++now);
                drain.run();
            }
            for (int k = 0; k < 2; k++) {
                final StateTable t = tables.get(k);
                for (int s = t.nextLive(0); s >= 0; s = t.nextLive(s + 1)) {
                    live.add(t.id(s));
                    liveOf.get(k).add(t.id(s));
                }
            }
            assertTrue(!liveOf.get(0).isEmpty() && !liveOf.get(1).isEmpty(), "both threads own flows");
            drain.run();
            writer.close();
            for (final JournalRing ring : rings) {
                ring.close();
            }
        }
        try (Journal journal = Journal.openForWriting(d, "hourly")) {
            long read = 0;
            for (int k = 0; k < 2; k++) {
                final StateTable recovered = table(1024, k);
                final JournalRecovery.Result r = JournalRecovery.recover(journal, recovered, k, 2);
                assertTrue(r.fromCompleteEpoch(), "thread " + k + ": from complete epochs");
                assertEquals(liveOf.get(k), ids(recovered), "thread " + k + " gets exactly the live flows it owns");
                read = r.recordsRead();
            }
            final StateTable all = table(2048, 0);
            final JournalRecovery.Result one = JournalRecovery.recover(journal, all, 0, 1);
            assertEquals(live, ids(all), "a restart with one queue restores every live state");
            assertEquals(read, one.recordsRead(), "from the same place");

            final Set<Long> sequences = new HashSet<>();
            long records = 0;
            try (JournalReader reader = JournalReader.fromStart(journal)) {
                while (reader.next() != JournalReadStatus.END) {
                    records++;
                    assertTrue(sequences.add(reader.record().sequence()), "sequence " + reader.record().sequence()
                            + " used twice");
                }
            }
            assertTrue(read < records, "recovery did not replay the whole journal: " + read + " of " + records);
        }
        final StateTableReplay replay = StateTableReplay.of(dir, Long.MAX_VALUE, new PrintWriter(new StringWriter()),
                false);
        assertEquals(live.size(), replay.live(0).size(), "tandem journal states shows every live state");
    }

    private static Set<Long> ids(final StateTable t) {
        final Set<Long> out = new TreeSet<>();
        for (int s = t.nextLive(0); s >= 0; s = t.nextLive(s + 1)) {
            out.add(t.id(s));
        }
        return out;
    }

    /**
     * The queue threads recover one after the other (each on its own thread, at start); the first writes
     * the START record, which the journal thread may append before a later thread reads the journal. Every
     * recorder must still number from the same last sequence number, or two threads would use one number.
     */
    @Test
    void threadsThatRecoverAfterTheStartRecordStillNumberApart(@TempDir final Path dir) throws Exception {
        try (EngineJournal journal = EngineJournal.open(dir, "hourly", 10, 60, 0, CREATOR, System.err,
                new io.tandem.engine.agent.AgentFailure(System.err), 2)) {
            journal.recoverInto(table(64, 0), System.currentTimeMillis(), 0);
            final long deadline = System.currentTimeMillis() + 10_000;
            while (journal.health().written() < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(5); // the journal thread appends thread 0's START record
            }
            assertEquals(1, journal.health().written(), "START is in the journal before thread 1 recovers");
            journal.recoverInto(table(64, 1), System.currentTimeMillis(), 1);
            final long zero = journal.recorder(0).sequence();
            final long one = journal.recorder(1).sequence();
            assertEquals(1, Math.floorMod(one - zero, 2), "interleaved: " + zero + ", " + one);
        }
    }
}
