package io.tandem.engine.tools;

import io.tandem.engine.shard.FlowOwner;

import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Rebuilds the state table from records, as {@code tandem journal states} and {@code export} show
 * it: INSERT, UPDATE and SNAPSHOT put the record's state (by its pfsync identity, creatorid and
 * id), DELETE removes it, CLEAR removes the states of one creator ({@link
 * JournalRecorder#clearedCreator}: from a peer (origin kind 1), the creatorid in its origin field;
 * otherwise its own creatorid, one record per creator of a flush), or every state when it names none. Epoch markers, START, DEFER and RELEASE
 * change nothing.
 *
 * <p>Snapshot epochs: a complete epoch (EPOCH_START … EPOCH_END of the same number) holds every
 * state that was live during the pass, so the engine's recovery starts from the last complete
 * epoch's EPOCH_START with an empty table. To show what recovery would restore, the replay does the
 * same while going forward: from each EPOCH_START it also builds a shadow table, starting empty,
 * that receives every following record; at the matching EPOCH_END the shadow becomes the table.
 * States that the epoch does not mention (records lost to a full ring, or replaced by an imported
 * epoch) thus disappear exactly as they would on restart. An epoch that never ends (the engine
 * stopped, or a hole restarted the pass) is dropped at the next EPOCH_START.
 *
 * With several queue threads ({@code set queue FIRST:LAST}) each snapshots its own table, and its
 * epoch markers name it: each thread's epoch has its own shadow, and at its EPOCH_END only the states
 * whose flows that thread owns ({@link FlowOwner}) are replaced, as recovery restores them.
 *
 * <p>Memory bound: one 256-byte copy of the last record per live state, twice while an epoch is
 * open; in insertion order.
 */
public final class StateTableReplay {
    private Map<Key, byte[]> states = new LinkedHashMap<>();
    /** Per queue thread (rule field of the epoch markers; 0 with one queue): the open epoch's shadow and its number. */
    private final Map<Integer, Map<Key, byte[]>> shadows = new java.util.HashMap<>();
    private final Map<Integer, Long> shadowEpochs = new java.util.HashMap<>();
    private long completeEpoch = -1;
    private long applied;
    private boolean damaged;

    /**
     * Replays the journal in {@code dir} from its first record up to {@code atMillis}: stops at the
     * first record written after it (journal order is the truth when the wall clock stepped).
     * Skipped records are reported on {@code err}.
     */
    public static StateTableReplay of(final Path dir, final long atMillis, final PrintWriter err,
            final boolean progress) throws JournalException {
        final StateTableReplay replay = new StateTableReplay();
        try (JournalScan scan = JournalScan.open(dir, err, progress)) {
            while (scan.next() == JournalReadStatus.OK) {
                final JournalRecordFlyweight r = scan.record();
                if (r.wallTimeMillis() > atMillis) {
                    break;
                }
                replay.apply(r);
            }
            scan.reportSkipped(err);
            replay.damaged = scan.damaged();
        }
        return replay;
    }

    /** Applies one valid record. */
    public void apply(final JournalRecordFlyweight r) {
        applied++;
        final int type = r.type();
        if (type == JournalRecordType.EPOCH_START.code()) {
            final int t = JournalRecorder.epochThread(r);
            shadows.put(t, new LinkedHashMap<>());
            shadowEpochs.put(t, r.epoch());
            return;
        }
        if (type == JournalRecordType.EPOCH_END.code()) {
            final int t = JournalRecorder.epochThread(r);
            final int threads = JournalRecorder.epochThreads(r);
            final Map<Key, byte[]> shadow = shadows.get(t);
            if (shadow != null && shadowEpochs.get(t) == r.epoch()) {
                if (threads == 1) {
                    states = shadow;
                } else {
                    // Queue thread t snapshotted its own flows: they are replaced, the other threads' stay.
                    states.values().removeIf(b -> owner(b, threads) == t);
                    shadow.forEach((k, b) -> {
                        if (owner(b, threads) == t) {
                            states.put(k, b.clone());
                        }
                    });
                }
                shadows.remove(t);
                completeEpoch = r.epoch();
            }
            return;
        }
        apply(states, r);
        for (final Map<Key, byte[]> shadow : shadows.values()) {
            apply(shadow, r);
        }
    }

    private static void apply(final Map<Key, byte[]> table, final JournalRecordFlyweight r) {
        final int type = r.type();
        if (type == JournalRecordType.INSERT.code() || type == JournalRecordType.UPDATE.code()
                || type == JournalRecordType.SNAPSHOT.code()) {
            final Key key = new Key(r.creatorId(), r.id());
            byte[] copy = table.get(key);
            if (copy == null) {
                copy = new byte[JournalRecordFlyweight.LENGTH];
                table.put(key, copy);
            }
            r.buffer().getBytes(r.offset(), copy, 0, JournalRecordFlyweight.LENGTH);
        } else if (type == JournalRecordType.DELETE.code()) {
            table.remove(new Key(r.creatorId(), r.id()));
        } else if (type == JournalRecordType.CLEAR.code()) {
            final int creator = JournalRecorder.clearedCreator(r);
            if (creator != 0) {
                table.keySet().removeIf(k -> k.creatorId == creator);
            } else {
                table.clear();
            }
        }
    }

    /** The queue thread (of {@code threads}) that owned the flow of a recorded state ({@link FlowOwner}). */
    private static int owner(final byte[] bytes, final int threads) {
        final JournalRecordFlyweight r = new JournalRecordFlyweight().wrap(new UnsafeBuffer(bytes), 0);
        return FlowOwner.of(r.af(), r.proto(), r.srcHi(), r.srcLo(), r.dstHi(), r.dstLo(), r.srcPort(), r.dstPort(),
                threads);
    }

    /** The last complete snapshot epoch the table was rebuilt from, or -1 (replayed from the start). */
    public long completeEpoch() {
        return completeEpoch;
    }

    /** True when the journal had damage (reported on stderr; the command exits with status 3). */
    public boolean damaged() {
        return damaged;
    }

    /** Records applied so far. */
    public long applied() {
        return applied;
    }

    /** Number of states in the table (expired ones included). */
    public int size() {
        return states.size();
    }

    /**
     * The states alive at {@code atMillis}: those without an expiry deadline or whose deadline is not
     * before it; each is a 256-byte record (wrap it with a flyweight).
     */
    public List<byte[]> live(final long atMillis) {
        final List<byte[]> out = new ArrayList<>(states.size());
        final JournalRecordFlyweight r = new JournalRecordFlyweight();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[0]);
        for (final Iterator<byte[]> it = states.values().iterator(); it.hasNext(); ) {
            final byte[] bytes = it.next();
            buffer.wrap(bytes);
            r.wrap(buffer, 0);
            final long expire = r.expireAtMillis();
            if (expire == 0 || expire >= atMillis) {
                out.add(bytes);
            }
        }
        return out;
    }

    /** A state's pfsync identity. */
    private record Key(int creatorId, long id) {
    }
}
