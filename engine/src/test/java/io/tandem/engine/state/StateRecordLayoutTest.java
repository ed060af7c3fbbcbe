package io.tandem.engine.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The packed record of {@link StateStore} and the one-word entries of {@link StateIndex}: every
 * field keeps its full width at its extremes, no field (or neighbouring record) overlaps another,
 * and a fingerprint (32-bit hash) shared by two keys still finds the right slot.
 */
class StateRecordLayoutTest {
    /** A field of the record, read and written by slot. */
    private record Field(String name, Setter set, Getter get, long[] extremes) { }

    @FunctionalInterface
    private interface Setter {
        void set(StateStore st, int slot, long value);
    }

    @FunctionalInterface
    private interface Getter {
        long get(StateStore st, int slot);
    }

    private static final long[] LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x5555_5555_5555_5555L};
    private static final long[] INTS = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x5555_5555};
    private static final long[] BYTES = {0, 1, -1, Byte.MIN_VALUE, Byte.MAX_VALUE, 0x55};

    private static long[] rec(final StateStore st) {
        return st.rec;
    }

    /** Key fields are set through {@link StateStore#setKey} with one component replaced. */
    private static void key(final StateStore st, final int slot, final int component, final long v) {
        final long[] r = st.rec;
        final int b = StateStore.base(slot);
        final long[] k = {StateStore.family(r, b), StateStore.proto(r, b), StateStore.ifindex(r, b),
            r[b + StateStore.W_SRC_HI], r[b + StateStore.W_SRC_LO], r[b + StateStore.W_DST_HI],
            r[b + StateStore.W_DST_LO], StateStore.srcPort(r, b), StateStore.dstPort(r, b)};
        k[component] = v;
        st.setKey(slot, (int) k[0], (int) k[1], (int) k[2], k[3], k[4], k[5], k[6], (int) k[7], (int) k[8]);
    }

    private static List<Field> fields() {
        final List<Field> f = new ArrayList<>();
        f.add(new Field("family", (st, s, v) -> key(st, s, 0, v), (st, s) -> st.family(s), BYTES));
        f.add(new Field("proto", (st, s, v) -> key(st, s, 1, v), (st, s) -> st.proto(s), BYTES));
        f.add(new Field("ifindex", (st, s, v) -> key(st, s, 2, v),
            (st, s) -> StateStore.ifindex(rec(st), StateStore.base(s)), INTS));
        final String[] addr = {"srcHi", "srcLo", "dstHi", "dstLo"};
        final int[] words = {StateStore.W_SRC_HI, StateStore.W_SRC_LO, StateStore.W_DST_HI, StateStore.W_DST_LO};
        for (int i = 0; i < 4; i++) {
            final int component = 3 + i;
            final int w = words[i];
            f.add(new Field(addr[i], (st, s, v) -> key(st, s, component, v),
                (st, s) -> rec(st)[StateStore.base(s) + w], LONGS));
        }
        f.add(new Field("srcPort", (st, s, v) -> key(st, s, 7, v),
            (st, s) -> StateStore.srcPort(rec(st), StateStore.base(s)), INTS));
        f.add(new Field("dstPort", (st, s, v) -> key(st, s, 8, v),
            (st, s) -> StateStore.dstPort(rec(st), StateStore.base(s)), INTS));
        f.add(new Field("timeoutClass", (st, s, v) -> StateStore.setTimeoutClass(rec(st), StateStore.base(s), (int) v),
            (st, s) -> st.timeoutClass(s), BYTES));
        f.add(new Field("stateFlags", (st, s, v) -> StateStore.setStateFlags(rec(st), StateStore.base(s), (int) v),
            (st, s) -> StateStore.stateFlags(rec(st), StateStore.base(s)), BYTES));
        f.add(new Field("here", (st, s, v) -> StateStore.setHere(rec(st), StateStore.base(s), (int) v),
            (st, s) -> (byte) StateStore.here(rec(st), StateStore.base(s)), BYTES));
        f.add(new Field("lastActivity", (st, s, v) -> StateStore.setLastActivity(rec(st), StateStore.base(s), v),
            (st, s) -> st.lastActivity(s), LONGS));
        for (int h = 0; h < 2; h++) {
            final int half = h;
            f.add(new Field("peerState" + h,
                (st, s, v) -> StateStore.setPeerState(rec(st), StateStore.base(s), half, (int) v),
                (st, s) -> st.peerState(s, half), BYTES));
            f.add(new Field("wscale" + h,
                (st, s, v) -> StateStore.setWscale(rec(st), StateStore.base(s), half, (int) v),
                (st, s) -> StateStore.wscale(rec(st), StateStore.base(s), half), BYTES));
            f.add(new Field("seqLo" + h,
                (st, s, v) -> StateStore.setSeqLo(rec(st), StateStore.base(s), half, (int) v),
                (st, s) -> StateStore.seqLo(rec(st), StateStore.base(s), half), INTS));
            f.add(new Field("seqHi" + h,
                (st, s, v) -> StateStore.setSeqHi(rec(st), StateStore.base(s), half, (int) v),
                (st, s) -> StateStore.seqHi(rec(st), StateStore.base(s), half), INTS));
            f.add(new Field("maxWin" + h,
                (st, s, v) -> StateStore.setMaxWin(rec(st), StateStore.base(s), half, (int) v),
                (st, s) -> StateStore.maxWin(rec(st), StateStore.base(s), half), INTS));
            f.add(new Field("lastAck" + h,
                (st, s, v) -> StateStore.setLastAck(rec(st), StateStore.base(s), half, (int) v),
                (st, s) -> StateStore.lastAck(rec(st), StateStore.base(s), half), INTS));
            f.add(new Field("packets" + h,
                (st, s, v) -> rec(st)[StateStore.base(s) + StateStore.W_PACKETS + half] = v,
                (st, s) -> rec(st)[StateStore.base(s) + StateStore.W_PACKETS + half], LONGS));
            f.add(new Field("bytes" + h,
                (st, s, v) -> rec(st)[StateStore.base(s) + StateStore.W_BYTES + half] = v,
                (st, s) -> rec(st)[StateStore.base(s) + StateStore.W_BYTES + half], LONGS));
        }
        return f;
    }

    /** A value per (field, slot) that no extreme uses in the same field, so overwrites show. */
    private static long background(final Field field, final int fieldIndex, final int slot) {
        final long v = 0x2A + fieldIndex * 3 + slot;
        return field.extremes() == BYTES ? (byte) v : field.extremes() == INTS ? (int) (v * 0x0101_0101L) : v * 0x0101_0101_0101L;
    }

    @Test
    void everyFieldRoundTripsAtItsExtremesWithoutTouchingAnyOther() {
        final List<Field> fields = fields();
        final int slots = 3;
        for (int fi = 0; fi < fields.size(); fi++) {
            final Field field = fields.get(fi);
            for (final long extreme : field.extremes()) {
                final StateStore st = new StateStore(slots, 0);
                for (int s = 0; s < slots; s++) {
                    assertEquals(s, st.allocate(-1));
                }
                for (int gi = 0; gi < fields.size(); gi++) {
                    for (int s = 0; s < slots; s++) {
                        fields.get(gi).set().set(st, s, background(fields.get(gi), gi, s));
                    }
                }
                field.set().set(st, 1, extreme);
                assertEquals(extreme, field.get().get(st, 1), field.name() + " = " + extreme);
                for (int gi = 0; gi < fields.size(); gi++) {
                    for (int s = 0; s < slots; s++) {
                        if (gi == fi && s == 1) {
                            continue;
                        }
                        final Field other = fields.get(gi);
                        assertEquals(background(other, gi, s), other.get().get(st, s),
                            "slot " + s + " " + other.name() + " after " + field.name() + " = " + extreme + " in slot 1");
                    }
                }
                // The pad before record 0 and the words after the last record stay untouched.
                for (int i = 0; i < StateStore.PAD; i++) {
                    assertEquals(0L, st.rec[i]);
                }
                assertEquals(StateStore.PAD + slots * StateStore.STRIDE, st.rec.length);
            }
        }
    }

    @Test
    void allocateClearsTheRecordAndTheColdHalves() {
        final StateStore st = new StateStore(2, 0);
        final int slot = st.allocate(-1);
        final int b = StateStore.base(slot);
        java.util.Arrays.fill(st.rec, b, b + StateStore.STRIDE, -1L);
        st.setSeqDiff(slot, 1, 7);
        st.mss[slot * 2] = 1460;
        st.free(slot);
        assertEquals(slot, st.allocate(-1));
        for (int i = 0; i < StateStore.STRIDE; i++) {
            assertEquals(0L, st.rec[b + i], "word " + i);
        }
        assertEquals(0, st.seqDiff[slot * 2 + 1]);
        assertEquals(0, st.mss[slot * 2]);
    }

    @Test
    void modulatedBitFollowsTheSeqDiffs() {
        final StateStore st = new StateStore(1, 0);
        final int slot = st.allocate(-1);
        final int b = StateStore.base(slot);
        st.setSeqDiff(slot, 0, -1);
        assertEquals(StateStore.MODULATED, StateStore.here(st.rec, b) & StateStore.MODULATED);
        st.setSeqDiff(slot, 1, 5);
        st.setSeqDiff(slot, 0, 0);
        assertEquals(StateStore.MODULATED, StateStore.here(st.rec, b) & StateStore.MODULATED);
        st.setSeqDiff(slot, 1, 0);
        assertEquals(0, StateStore.here(st.rec, b) & StateStore.MODULATED);
    }

    @Test
    void capacityIsBoundedByTheRecordArray() {
        assertThrows(IllegalArgumentException.class, () -> new StateStore(StateStore.MAX_CAPACITY + 1, 0));
        assertTrue((long) StateStore.PAD + (long) StateStore.MAX_CAPACITY * StateStore.STRIDE <= Integer.MAX_VALUE - 8);
    }

    @Test
    void fingerprintCollisionsStillFindTheRightSlot() {
        final int capacity = 64;
        final StateStore st = new StateStore(capacity, 0);
        final StateIndex index = new StateIndex(st);
        // Birthday search for two different keys whose 32-bit hashes (the fingerprints) are equal.
        final SplittableRandom random = new SplittableRandom(7);
        final Map<Integer, long[]> seen = new HashMap<>();
        long[] a = null;
        long[] b = null;
        for (int i = 0; i < 4_000_000 && a == null; i++) {
            final long[] k = {random.nextLong(), random.nextInt(65536), random.nextInt(65536)};
            final int h = index.hashOf(2, 6, 0, 0, k[0], 0, 0x0a000001L, (int) k[1], (int) k[2]);
            final long[] prior = seen.putIfAbsent(h, k);
            if (prior != null && (prior[0] != k[0] || prior[1] != k[1] || prior[2] != k[2])) {
                a = prior;
                b = k;
            }
        }
        assertTrue(a != null, "no fingerprint collision found");
        final int slotA = put(st, index, a);
        final int slotB = put(st, index, b);
        // Same home bucket, same fingerprint: each key finds its own slot, either way round.
        assertEquals(slotA << 1, index.find(2, 6, 0, 0, a[0], 0, 0x0a000001L, (int) a[1], (int) a[2]));
        assertEquals(slotB << 1, index.find(2, 6, 0, 0, b[0], 0, 0x0a000001L, (int) b[1], (int) b[2]));
        assertEquals(slotA << 1 | 1, index.find(2, 6, 0, 0, 0x0a000001L, 0, a[0], (int) a[2], (int) a[1]));
        assertEquals(slotB << 1 | 1, index.find(2, 6, 0, 0, 0x0a000001L, 0, b[0], (int) b[2], (int) b[1]));
        // The index words carry the fingerprint over the entry.
        int words = 0;
        for (int i = 0; i < index.size(); i++) {
            final long w = index.word(i);
            if (w != StateIndex.EMPTY_WORD) {
                words++;
                final int entry = (int) w;
                assertEquals(0, entry & 1, "an entry names the slot only: both directions find it");
                final int slot = entry >>> 1;
                assertTrue(slot == slotA || slot == slotB);
                final long[] k = slot == slotA ? a : b;
                // The hash is symmetric: the forward and the backward key give the fingerprint.
                final int expected = index.hashOf(2, 6, 0, 0, k[0], 0, 0x0a000001L, (int) k[1], (int) k[2]);
                assertEquals(expected, index.hashOf(2, 6, 0, 0, 0x0a000001L, 0, k[0], (int) k[2], (int) k[1]));
                assertEquals(expected, (int) (w >>> 32));
            }
        }
        assertEquals(2, words, "one entry per state");
        // Deleting the first keeps the second findable (backward shift across the shared fingerprint).
        index.delete(slotA);
        st.free(slotA);
        assertEquals(StateIndex.EMPTY, index.find(2, 6, 0, 0, a[0], 0, 0x0a000001L, (int) a[1], (int) a[2]));
        assertEquals(slotB << 1, index.find(2, 6, 0, 0, b[0], 0, 0x0a000001L, (int) b[1], (int) b[2]));
        assertEquals(slotB << 1 | 1, index.find(2, 6, 0, 0, 0x0a000001L, 0, b[0], (int) b[2], (int) b[1]));
    }

    private static int put(final StateStore st, final StateIndex index, final long[] k) {
        final int slot = st.allocate(-1);
        st.setKey(slot, 2, 6, 0, 0, k[0], 0, 0x0a000001L, (int) k[1], (int) k[2]);
        st.creatorIds[slot] = 1;
        st.ids[slot] = slot + 1;
        index.insert(slot);
        return slot;
    }
}
