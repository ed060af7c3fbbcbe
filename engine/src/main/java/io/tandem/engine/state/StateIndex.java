package io.tandem.engine.state;

import java.security.SecureRandom;
import org.agrona.collections.Long2LongHashMap;

/**
 * The two indexes of a {@link StateTable}: by key, like NPF's connection database
 * ({@code npf_conndb.c}), and by pfsync identity {@code (creatorid, id)}.
 *
 * <p><b>Key index.</b> Each live state has two entries in one open-addressing hash index, like
 * NPF's {@code c_forw_entry}/{@code c_back_entry}: the forward key (the 5-tuple as the initiator sent
 * it) and the backward key (the reply as it appears on the wire: addresses and ports swapped); a
 * self-keyed state (same address and port at both ends) has one. An entry is {@code slot << 1 | side}
 * (side 0 forward, 1 backward) with its 32-bit hash alongside. The index has a power-of-two size of
 * at least {@code 2 * capacity / 0.7} entries (two entries per state at load ≤ 0.7), linear probing
 * and backward-shift deletion, so there are no tombstones and probe lengths do not degrade with
 * churn. Keys are family, protocol, both addresses, both ports and the interface index (0 in a
 * floating table: the caller passes the key's interface). The hash is a 64-bit multiply-xorshift mix
 * of the key words keyed by two secret 64-bit seeds drawn from {@link SecureRandom} at
 * construction, so a remote sender cannot aim collisions at a chain without knowing the seeds (a
 * keyed mix, not SipHash). The keys themselves are read from the {@link StateStore}.
 *
 * <p><b>Identity index.</b> {@code (creatorid, id) → slot}, for pfsync messages that name a state
 * only by its identity (Agrona's open-addressing {@link Long2LongHashMap}, sized once).
 *
 * <p><b>Owner.</b> The table's packet thread. <b>Memory bound:</b> 8 bytes per key-index entry and
 * 16 per identity-index entry, both sized to powers of two at construction: 4.2 MB each for
 * 100,000 states (about 84 bytes per state together). Nothing
 * allocates after construction. <b>Failure policy:</b> none needed: a miss is -1 ({@link #EMPTY}),
 * a missing entry on delete is an assertion (a programming error).
 */
final class StateIndex {
    /** No entry. */
    static final int EMPTY = -1;
    private static final double MAX_LOAD = 0.7;

    private final StateStore store;
    private final int[] index;
    private final int[] indexHash;
    private final int mask;
    private final long seed0;
    private final long seed1;
    private final Long2LongHashMap idIndex;

    StateIndex(final StateStore store) {
        this.store = store;
        final SecureRandom random = new SecureRandom();
        this.seed0 = random.nextLong();
        this.seed1 = random.nextLong() | 1L;
        final long wanted = (long) Math.ceil(2L * store.capacity / MAX_LOAD);
        int indexSize = Integer.highestOneBit((int) Math.min(wanted, 1 << 30));
        if (indexSize < wanted) {
            indexSize <<= 1;
        }
        index = new int[indexSize];
        indexHash = new int[indexSize];
        java.util.Arrays.fill(index, EMPTY);
        mask = indexSize - 1;
        idIndex = new Long2LongHashMap(Math.max(16, store.capacity * 2), 0.65f, -1L);
    }

    int size() {
        return index.length;
    }

    /** The entry ({@code slot << 1 | side}) whose key this is, or {@link #EMPTY}. */
    int find(final int fam, final int protocol, final int ifKey, final long aHi, final long aLo,
            final long bHi, final long bLo, final int portA, final int portB) {
        final int h = (int) hash(fam, protocol, ifKey, aHi, aLo, bHi, bLo, portA, portB);
        int i = h & mask;
        while (true) {
            final int entry = index[i];
            if (entry == EMPTY) {
                return EMPTY;
            }
            if (indexHash[i] == h && entryMatches(entry, fam, protocol, ifKey, aHi, aLo, bHi, bLo, portA, portB)) {
                return entry;
            }
            i = (i + 1) & mask;
        }
    }

    /** Enters a slot whose key and identity are set: both keys (one if self-keyed) and its identity. */
    void insert(final int slot) {
        insertSide(slot, 0);
        if (!store.selfKeyed(slot)) {
            insertSide(slot, 1);
        }
        idIndex.put(idKey(store.creatorIds[slot], store.ids[slot]), slot);
    }

    /** Takes a live slot's entries out (before the store frees it). */
    void delete(final int slot) {
        deleteSide(slot, 0);
        if (!store.selfKeyed(slot)) {
            deleteSide(slot, 1);
        }
        idIndex.remove(idKey(store.creatorIds[slot], store.ids[slot]));
    }

    /** The slot of the live state with this pfsync identity, or -1. */
    int findById(final int creator, final long id) {
        final long slot = idIndex.get(idKey(creator, id));
        if (slot < 0 || !store.live[(int) slot] || store.ids[(int) slot] != id
                || store.creatorIds[(int) slot] != creator) {
            return -1;
        }
        return (int) slot;
    }

    private static long idKey(final int creator, final long id) {
        return id ^ (creator * 0x9E3779B97F4A7C15L);
    }

    private long hash(final int fam, final int protocol, final int ifKey, final long aHi, final long aLo,
            final long bHi, final long bLo, final int portA, final int portB) {
        long h = seed0;
        h = mix(h, ((long) fam << 56) | ((long) protocol << 48) | ((long) (portA & 0xffff) << 16) | (portB & 0xffff));
        h = mix(h, ifKey);
        h = mix(h, aHi);
        h = mix(h, aLo);
        h = mix(h, bHi);
        h = mix(h, bLo);
        h ^= seed1;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 31;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 29;
        return h;
    }

    private long mix(final long h, final long word) {
        long x = (h ^ word) * seed1;
        x ^= x >>> 32;
        return Long.rotateLeft(x, 23) * 0x9e3779b97f4a7c15L;
    }

    private boolean entryMatches(final int entry, final int fam, final int protocol, final int ifKey,
            final long aHi, final long aLo, final long bHi, final long bLo, final int portA, final int portB) {
        final StateStore s = store;
        final int slot = entry >>> 1;
        if (s.family[slot] != (byte) fam || s.proto[slot] != (byte) protocol || s.ifindex[slot] != ifKey) {
            return false;
        }
        if ((entry & 1) == 0) {
            return s.srcLo[slot] == aLo && s.dstLo[slot] == bLo && s.srcHi[slot] == aHi && s.dstHi[slot] == bHi
                && s.srcPort[slot] == portA && s.dstPort[slot] == portB;
        }
        return s.dstLo[slot] == aLo && s.srcLo[slot] == bLo && s.dstHi[slot] == aHi && s.srcHi[slot] == bHi
            && s.dstPort[slot] == portA && s.srcPort[slot] == portB;
    }

    /** Hash of a slot's forward (side 0) or backward (side 1) key. */
    private int slotHash(final int slot, final int side) {
        final StateStore s = store;
        if (side == 0) {
            return (int) hash(s.family[slot], s.proto[slot] & 0xff, s.ifindex[slot], s.srcHi[slot], s.srcLo[slot],
                s.dstHi[slot], s.dstLo[slot], s.srcPort[slot], s.dstPort[slot]);
        }
        return (int) hash(s.family[slot], s.proto[slot] & 0xff, s.ifindex[slot], s.dstHi[slot], s.dstLo[slot],
            s.srcHi[slot], s.srcLo[slot], s.dstPort[slot], s.srcPort[slot]);
    }

    private void insertSide(final int slot, final int side) {
        final int h = slotHash(slot, side);
        int i = h & mask;
        while (index[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        index[i] = (slot << 1) | side;
        indexHash[i] = h;
    }

    /** Removes an entry and closes the gap by shifting later entries of the run back (no tombstones). */
    private void deleteSide(final int slot, final int side) {
        final int entry = (slot << 1) | side;
        int i = slotHash(slot, side) & mask;
        while (index[i] != entry) {
            assert index[i] != EMPTY : "index entry missing";
            i = (i + 1) & mask;
        }
        int hole = i;
        int j = (i + 1) & mask;
        while (index[j] != EMPTY) {
            final int home = indexHash[j] & mask;
            // Move j into the hole unless its home lies cyclically in (hole, j].
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                index[hole] = index[j];
                indexHash[hole] = indexHash[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        index[hole] = EMPTY;
    }
}
