package io.tandem.engine.state;

import java.security.SecureRandom;
import org.agrona.collections.Long2LongHashMap;

/**
 * The two indexes of a {@link StateTable}: by key, like NPF's connection database
 * ({@code npf_conndb.c}), and by pfsync identity {@code (creatorid, id)}.
 *
 * <p><b>Key index.</b> Each live state has one entry in an open-addressing hash index, found from
 * either direction of its connection: the hash is <em>symmetric</em>, computed over the key with its
 * two ends (address and port) in a canonical order, so the forward key (the 5-tuple as the initiator
 * sent it) and the backward key (the reply: addresses and ports swapped) hash alike, where NPF keeps two
 * entries ({@code c_forw_entry}/{@code c_back_entry}). A lookup compares the record's key with the
 * packet's both ways round and answers which way matched. One entry per state halves the index and
 * the random memory writes of a state's creation and removal. An entry is one {@code long}: the
 * symmetric 32-bit hash (the fingerprint) in the high half and {@code slot << 1} in the low half,
 * {@link #EMPTY_WORD} for none; {@link #find} answers {@code slot << 1 | side} (side 0 forward,
 * 1 backward; a self-keyed state, same address and port at both ends, matches forward). A probe reads
 * one word per candidate and goes to the slot's record in the {@link StateStore} only when the
 * fingerprint matches, so a lookup at the usual load touches one line of the index and the record's
 * lines. The index has a power-of-two size of at least {@code capacity / 0.7} entries (load ≤ 0.7),
 * linear probing and backward-shift deletion, so there are no tombstones and probe lengths do not
 * degrade with churn. Keys are family, protocol, both addresses, both ports and the interface index (0 in a
 * floating table: the caller passes the key's interface). The hash is UMAC's NH over the key's six
 * 64-bit words — per word {@code (lo32 + k) * (hi32 + k')}, each addition modulo 2^32, the products
 * summed modulo 2^64 — with twelve secret 32-bit keys drawn from {@link SecureRandom} at
 * construction, then MurmurHash3's 64-bit finaliser to spread the sum. NH is 2^-32-almost-universal:
 * two distinct keys give the same sum for at most a 2^-32 share of the secret keys, so a remote sender
 * who does not know them cannot aim collisions at a chain. The six products do not depend on one
 * another, so a hash costs a multiply's latency plus the finaliser's, about a quarter of the chain of
 * six dependent multiply-xorshift rounds it replaces. The keys themselves are read from the
 * {@link StateStore}.
 *
 * <p><b>Identity index.</b> {@code (creatorid, id) → slot}, for pfsync messages that name a state
 * only by its identity, in two parts:
 * <ul>
 *   <li><b>The recent window</b> holds the states this table numbered itself in this run
 *       ({@link #insertCreated}): their ids are {@code firstId + k * stride} for the k-th creation
 *       ({@link StateTable#idSequence}), so the window is an array of slots by {@code k} modulo its size
 *       (a power of two, at least the capacity). Creations write it in order, one int after the other,
 *       so a flood of new flows does not pay a random cache miss per state to be found by identity,
 *       as it does in a hash map. An entry is cleared when its state goes; when the window comes round
 *       to an entry still in use (a state that outlived {@code window} later creations), that state moves
 *       to the map first. A hit is checked against the slot's stored identity and liveness.</li>
 *   <li><b>The map</b> (Agrona's open-addressing {@link Long2LongHashMap}, sized once) holds every
 *       other state: restored from the journal, imported from a peer, and own states moved out of the
 *       window.</li>
 * </ul>
 *
 * <p><b>Owner.</b> The table's packet thread. <b>Memory bound:</b> 8 bytes per key-index entry (one long),
 * 16 per identity-map entry and 4 per window entry, all sized to powers of two at construction: for
 * 100,000 states 2.1 MB for the key index, 4.2 MB for the map and 0.5 MB for the window (about 68 bytes
 * per state together). Nothing allocates after construction. <b>Failure policy:</b> none needed: a miss is -1 ({@link #EMPTY}),
 * a missing entry on delete is an assertion (a programming error).
 */
final class StateIndex {
    /** No entry. */
    static final int EMPTY = -1;
    /** An empty index word (its low half, -1, is never an entry: slots are below 2^27). */
    static final long EMPTY_WORD = -1L;
    private static final double MAX_LOAD = 0.7;
    private static final long LOW32 = 0xFFFF_FFFFL;

    private final StateStore store;
    private final long[] rec;
    /** Per entry: hash in the high 32 bits, {@code slot << 1 | side} in the low 32. */
    private final long[] index;
    private final int mask;
    /** NH's secret keys, two 32-bit ones per key word (zero-extended). */
    private final long k0;
    private final long k1;
    private final long k2;
    private final long k3;
    private final long k4;
    private final long k5;
    private final long k6;
    private final long k7;
    private final long k8;
    private final long k9;
    private final long k10;
    private final long k11;
    private final Long2LongHashMap idIndex;
    /** The recent window: slot of own creation {@code k} at {@code k & windowMask}, or {@link #EMPTY}. */
    private final int[] window;
    private final int windowMask;
    private int ownCreator;
    private long firstId;
    private long idStride = 1;
    /** Own creations numbered so far ({@code k} of the next one). */
    private long created;

    StateIndex(final StateStore store) {
        this.store = store;
        this.rec = store.rec;
        final SecureRandom random = new SecureRandom();
        this.k0 = random.nextInt() & LOW32;
        this.k1 = random.nextInt() & LOW32;
        this.k2 = random.nextInt() & LOW32;
        this.k3 = random.nextInt() & LOW32;
        this.k4 = random.nextInt() & LOW32;
        this.k5 = random.nextInt() & LOW32;
        this.k6 = random.nextInt() & LOW32;
        this.k7 = random.nextInt() & LOW32;
        this.k8 = random.nextInt() & LOW32;
        this.k9 = random.nextInt() & LOW32;
        this.k10 = random.nextInt() & LOW32;
        this.k11 = random.nextInt() & LOW32;
        final long wanted = (long) Math.ceil(store.capacity / MAX_LOAD);
        int indexSize = Integer.highestOneBit((int) Math.min(wanted, 1 << 30));
        if (indexSize < wanted) {
            indexSize <<= 1;
        }
        index = new long[indexSize];
        java.util.Arrays.fill(index, EMPTY_WORD);
        mask = indexSize - 1;
        idIndex = new Long2LongHashMap(Math.max(16, store.capacity * 2), 0.65f, -1L);
        final int windowSize = Integer.highestOneBit(store.capacity) == store.capacity
            ? store.capacity : Integer.highestOneBit(store.capacity) << 1;
        window = new int[windowSize];
        java.util.Arrays.fill(window, EMPTY);
        windowMask = windowSize - 1;
    }

    /**
     * How this table numbers the states it creates: creator {@code creator}, ids {@code first},
     * {@code first + stride}, ... ({@link StateTable#idSequence}). Called before the first creation.
     */
    void ownIds(final int creator, final long first, final int stride) {
        if (created != 0) {
            throw new IllegalStateException("own ids are set before the first state is created");
        }
        this.ownCreator = creator;
        this.firstId = first;
        this.idStride = stride;
    }

    int size() {
        return index.length;
    }

    /** The entry ({@code slot << 1 | side}) whose key this is, or {@link #EMPTY}. */
    int find(final int fam, final int protocol, final int ifKey, final long aHi, final long aLo,
            final long bHi, final long bLo, final int portA, final int portB) {
        return find((int) hash(fam, protocol, ifKey, aHi, aLo, bHi, bLo, portA, portB), fam, protocol, ifKey,
            aHi, aLo, bHi, bLo, portA, portB);
    }

    /** {@link #find} of a key whose hash ({@link #hashOf}) the caller computed already. */
    int find(final int h, final int fam, final int protocol, final int ifKey, final long aHi, final long aLo,
            final long bHi, final long bLo, final int portA, final int portB) {
        assert h == hashOf(fam, protocol, ifKey, aHi, aLo, bHi, bLo, portA, portB) : "not this key's hash";
        final long fingerprint = (long) h << 32;
        final long keyWord = StateStore.keyWord(fam, protocol, ifKey);
        final long[] idx = index;
        int i = h & mask;
        while (true) {
            final long w = idx[i];
            if (w == EMPTY_WORD) {
                return EMPTY;
            }
            if ((w & 0xFFFF_FFFF_0000_0000L) == fingerprint) {
                final int side = matchingSide((int) w >>> 1, keyWord, aHi, aLo, bHi, bLo, portA, portB);
                if (side >= 0) {
                    return (int) w | side;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * Brings into the cache what lookups of the keys with these hashes will read: first the index word
     * at each home position, then the record each names if its fingerprint matches (both lines). Two
     * tight loops of independent loads, so that many misses are in flight at once. Changes nothing.
     */
    void prefetch(final int[] hashes, final int n) {
        final long[] idx = index;
        final int m = mask;
        long sum = 0;
        for (int k = 0; k < n; k++) {
            sum += idx[hashes[k] & m];
        }
        final long[] r = rec;
        for (int k = 0; k < n; k++) {
            final int h = hashes[k];
            final long w = idx[h & m];
            if ((w >>> 32) == (h & 0xFFFF_FFFFL) && w != EMPTY_WORD) {
                final int b = StateStore.base((int) w >>> 1);
                sum += r[b] + r[b + 8];
            }
        }
        touched = sum;
    }

    /** What the last prefetch read, kept so that its reads are not optimised away. */
    long touched;

    /**
     * Enters a slot whose key and identity are set, an identity this table did not number now (restored,
     * imported): both keys (one if self-keyed) and the identity in the map.
     */
    void insert(final int slot) {
        insertKeys(slot);
        idIndex.put(idKey(store.creatorIds[slot], store.ids[slot]), slot);
    }

    /**
     * The id of this table's next own state ({@link #ownIds}); {@link #insertCreated} enters it.
     */
    long nextOwnId() {
        return firstId + created * idStride;
    }

    /**
     * Enters a slot this table has just created, whose id is {@link #nextOwnId()}: both keys and the
     * identity in the recent window, moving the state the window held there, if still live, to the map.
     */
    void insertCreated(final int slot) {
        assert store.ids[slot] == nextOwnId() && store.creatorIds[slot] == ownCreator : "not the next own id";
        insertKeys(slot);
        final int at = (int) created & windowMask;
        final int outlived = window[at];
        if (outlived != EMPTY) {
            idIndex.put(idKey(store.creatorIds[outlived], store.ids[outlived]), outlived);
        }
        window[at] = slot;
        created++;
    }

    /** The slot's one key-index entry, found from both directions (the class comment). */
    private void insertKeys(final int slot) {
        final int h = slotHash(slot);
        int i = h & mask;
        while (index[i] != EMPTY_WORD) {
            i = (i + 1) & mask;
        }
        index[i] = ((long) h << 32) | (slot << 1);
    }

    /** Takes a live slot's entries out (before the store frees it). */
    void delete(final int slot) {
        deleteKeys(slot);
        final int at = windowPosition(store.creatorIds[slot], store.ids[slot]);
        if (at >= 0 && window[at] == slot) {
            window[at] = EMPTY;
        } else {
            idIndex.remove(idKey(store.creatorIds[slot], store.ids[slot]));
        }
    }

    /** The slot of the live state with this pfsync identity, or -1. */
    int findById(final int creator, final long id) {
        final int at = windowPosition(creator, id);
        if (at >= 0 && window[at] != EMPTY && isLive(window[at], creator, id)) {
            return window[at];
        }
        final long slot = idIndex.get(idKey(creator, id));
        return slot >= 0 && isLive((int) slot, creator, id) ? (int) slot : -1;
    }

    private boolean isLive(final int slot, final int creator, final long id) {
        return store.live[slot] && store.ids[slot] == id && store.creatorIds[slot] == creator;
    }

    /**
     * Where the recent window would hold this identity: one of this table's ids among its last
     * {@code window} creations; else -1.
     */
    private int windowPosition(final int creator, final long id) {
        if (creator != ownCreator || created == 0) {
            return -1;
        }
        final long offset = id - firstId;
        if (offset < 0 || idStride != 1 && offset % idStride != 0) {
            return -1;
        }
        final long k = idStride == 1 ? offset : offset / idStride;
        if (k >= created || k < created - window.length) {
            return -1;
        }
        return (int) k & windowMask;
    }

    private static long idKey(final int creator, final long id) {
        return id ^ (creator * 0x9E3779B97F4A7C15L);
    }

    /**
     * The 32-bit hash (an entry's fingerprint) of a key, as {@link #find} computes it: the first step of a
     * lookup, which reads no table memory ({@link #prefetch}; tests).
     */
    int hashOf(final int fam, final int protocol, final int ifKey, final long aHi, final long aLo,
            final long bHi, final long bLo, final int portA, final int portB) {
        return (int) hash(fam, protocol, ifKey, aHi, aLo, bHi, bLo, portA, portB);
    }

    private long hash(final int fam, final int protocol, final int ifKey, final long aHi, final long aLo,
            final long bHi, final long bLo, final int portA, final int portB) {
        // The two ends in canonical order (lower address, then lower port, first), so both directions agree.
        final boolean swap = aHi != bHi ? aHi > bHi : aLo != bLo ? aLo > bLo : (portA & 0xffff) > (portB & 0xffff);
        final long xHi = swap ? bHi : aHi;
        final long xLo = swap ? bLo : aLo;
        final long yHi = swap ? aHi : bHi;
        final long yLo = swap ? aLo : bLo;
        final int xPort = swap ? portB : portA;
        final int yPort = swap ? portA : portB;
        final long w0 = ((long) fam << 56) | ((long) protocol << 48) | ((long) (xPort & 0xffff) << 16) | (yPort & 0xffff);
        long h = nh(w0, k0, k1) + nh(ifKey & LOW32, k2, k3)
            + nh(xHi, k4, k5) + nh(xLo, k6, k7)
            + nh(yHi, k8, k9) + nh(yLo, k10, k11);
        h ^= h >>> 33; // MurmurHash3's fmix64
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** NH of one word: {@code (lo32(w) + ka mod 2^32) * (hi32(w) + kb mod 2^32)}, a 64-bit product. */
    private static long nh(final long word, final long ka, final long kb) {
        return ((word + ka) & LOW32) * (((word >>> 32) + kb) & LOW32);
    }

    /**
     * Which way round the record of {@code slot} holds this key: 0 as its forward key (initiator
     * first), 1 as its backward key, -1 neither. {@code keyWord} is {@link StateStore#keyWord}: family
     * and protocol compare as bytes, as they are stored.
     */
    private int matchingSide(final int slot, final long keyWord, final long aHi, final long aLo,
            final long bHi, final long bLo, final int portA, final int portB) {
        final long[] r = rec;
        final int b = StateStore.base(slot);
        if ((r[b + StateStore.W_KEY] & StateStore.KEY_MASK) != keyWord) {
            return -1;
        }
        final long ports = r[b + StateStore.W_PORTS];
        if (r[b + StateStore.W_SRC_LO] == aLo && r[b + StateStore.W_DST_LO] == bLo
                && r[b + StateStore.W_SRC_HI] == aHi && r[b + StateStore.W_DST_HI] == bHi
                && ports == StateStore.ports(portA, portB)) {
            return 0;
        }
        if (r[b + StateStore.W_DST_LO] == aLo && r[b + StateStore.W_SRC_LO] == bLo
                && r[b + StateStore.W_DST_HI] == aHi && r[b + StateStore.W_SRC_HI] == bHi
                && ports == StateStore.ports(portB, portA)) {
            return 1;
        }
        return -1;
    }

    /** The symmetric hash of a slot's key (its forward and backward key hash alike). */
    private int slotHash(final int slot) {
        final long[] r = rec;
        final int b = StateStore.base(slot);
        return (int) hash(StateStore.family(r, b), StateStore.proto(r, b) & 0xff, StateStore.ifindex(r, b),
            r[b + StateStore.W_SRC_HI], r[b + StateStore.W_SRC_LO], r[b + StateStore.W_DST_HI], r[b + StateStore.W_DST_LO],
            StateStore.srcPort(r, b), StateStore.dstPort(r, b));
    }

    /** Removes the slot's entry and closes the gap by shifting later entries of the run back (no tombstones). */
    private void deleteKeys(final int slot) {
        final int entry = slot << 1;
        int i = slotHash(slot) & mask;
        while ((int) index[i] != entry) {
            assert index[i] != EMPTY_WORD : "index entry missing";
            i = (i + 1) & mask;
        }
        int hole = i;
        int j = (i + 1) & mask;
        while (index[j] != EMPTY_WORD) {
            final int home = (int) (index[j] >>> 32) & mask;
            // Move j into the hole unless its home lies cyclically in (hole, j].
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                index[hole] = index[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        index[hole] = EMPTY_WORD;
    }

    /** The raw index word at {@code i} (tests). */
    long word(final int i) {
        return index[i];
    }
}
