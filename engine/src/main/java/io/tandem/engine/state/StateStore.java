package io.tandem.engine.state;

/**
 * The storage of a {@link StateTable}: pf's state fields in a structure of arrays indexed by slot,
 * the free-slot stack, slot generations and the per-rule state counts — NPF's connection storage
 * ({@code npf_conn_t} and its pool) without an object per connection.
 *
 * <p><b>Layout.</b> Per slot, {@code 0 <= slot < capacity}: liveness, generation, the key (family,
 * protocol, both addresses as two longs each, both ports, interface), rule, direction, cluster-wide
 * name {@code (creatorid, id)}, creation and last-activity times, timeout class, pf's
 * {@code state_flags}, and the re-learning flag and count of a recovered TCP state. Per half, index
 * {@code slot * 2 + PEER_SRC / PEER_DST}: pf's {@code pf_state_peer} fields ({@code seqlo},
 * {@code seqhi}, {@code seqdiff} as 32-bit modular ints, {@code max_win}, {@code mss}, state,
 * {@code wscale}) and the per-direction packet and byte counters. The parts that read and write the
 * fields ({@link StateIndex}, {@link TcpTracker}, {@link StateExpiry}, {@link PeerViewMerge}) live in
 * this package and use the arrays directly; everyone else reads through {@link StateTable}.
 *
 * <p><b>Owner.</b> The packet thread that owns the table; no synchronisation.
 *
 * <p><b>Life cycle of a slot.</b> {@link #allocate} pops the lowest free slot, marks it live and
 * clears its halves; {@link #free} marks it dead, bumps its generation (so {@code (slot, generation)}
 * names one state, spec G.6), drops its rule count and pushes it back.
 *
 * <p><b>Memory bound.</b> Fixed at construction: 171 bytes per slot (86 of key, name, times and
 * flags; 76 of two halves with their counters; 5 of re-learning; 4 of free stack) plus 4 bytes per
 * rule: about 17 MB for pf's default 100,000 states.
 *
 * <p><b>Failure policy.</b> Bad constructor arguments throw {@link IllegalArgumentException};
 * {@link #allocate} on a full store is a programming error (callers check {@link #full()} first).
 */
final class StateStore {
    final int capacity;

    final boolean[] live;
    final int[] generation;
    final byte[] family;
    final byte[] proto;
    final long[] srcHi;
    final long[] srcLo;
    final long[] dstHi;
    final long[] dstLo;
    final int[] srcPort;
    final int[] dstPort;
    final int[] ifindex;
    final int[] rule;
    final byte[] direction;
    final int[] creatorIds;
    final long[] ids;
    final long[] creationMillis;
    final long[] lastActivityMillis;
    final byte[] timeoutClass;
    /** pf's {@code state_flags}; {@link PfConstants#PFSTATE_ACK} while the state's first packet is held. */
    final byte[] stateFlags;
    /** Index {@code slot * 2 + 0}: packets sent by the initiator; {@code + 1}: by the responder. */
    final long[] packets;
    final long[] bytes;

    // Halves, index slot * 2 + PEER_SRC / PEER_DST. Sequence numbers are 32-bit modular ints.
    final int[] seqLo;
    final int[] seqHi;
    final int[] seqDiff;
    final int[] maxWin;
    final int[] mss;
    final byte[] peerState;
    final byte[] wscale;
    /** Per slot: a recovered TCP state whose halves re-learn their windows from the next packets. */
    final boolean[] resync;
    /** Packets a recovered TCP state still tracks sloppily ({@link StateTable#RESYNC_PACKETS} at restore). */
    final int[] resyncPackets;

    private final int[] freeSlots;
    private int freeTop;
    private int size;
    private int[] ruleStates;

    StateStore(final int capacity, final int maxRules) {
        if (capacity < 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("capacity out of range: " + capacity);
        }
        if (maxRules < 0) {
            throw new IllegalArgumentException("maxRules < 0: " + maxRules);
        }
        this.capacity = capacity;
        live = new boolean[capacity];
        generation = new int[capacity];
        family = new byte[capacity];
        proto = new byte[capacity];
        srcHi = new long[capacity];
        srcLo = new long[capacity];
        dstHi = new long[capacity];
        dstLo = new long[capacity];
        srcPort = new int[capacity];
        dstPort = new int[capacity];
        ifindex = new int[capacity];
        rule = new int[capacity];
        direction = new byte[capacity];
        creatorIds = new int[capacity];
        ids = new long[capacity];
        creationMillis = new long[capacity];
        lastActivityMillis = new long[capacity];
        timeoutClass = new byte[capacity];
        stateFlags = new byte[capacity];
        packets = new long[capacity * 2];
        bytes = new long[capacity * 2];
        seqLo = new int[capacity * 2];
        seqHi = new int[capacity * 2];
        seqDiff = new int[capacity * 2];
        maxWin = new int[capacity * 2];
        mss = new int[capacity * 2];
        peerState = new byte[capacity * 2];
        wscale = new byte[capacity * 2];
        resync = new boolean[capacity];
        resyncPackets = new int[capacity];
        freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            freeSlots[i] = capacity - 1 - i; // lowest slot on top
        }
        freeTop = capacity;
        ruleStates = new int[maxRules];
    }

    boolean full() {
        return freeTop == 0;
    }

    int size() {
        return size;
    }

    int maxRules() {
        return ruleStates.length;
    }

    int ruleStates(final int ruleNumber) {
        return ruleStates[ruleNumber];
    }

    /**
     * Takes a free slot for a state of {@code ruleNumber} (-1 for none): live, halves and flags
     * cleared, not re-learning. The caller fills in the rest.
     */
    int allocate(final int ruleNumber) {
        final int slot = freeSlots[--freeTop];
        live[slot] = true;
        rule[slot] = ruleNumber;
        stateFlags[slot] = 0;
        resync[slot] = false;
        clearHalf(slot * 2);
        clearHalf(slot * 2 + 1);
        if (ruleNumber >= 0) {
            ruleStates[ruleNumber]++;
        }
        size++;
        return slot;
    }

    /** Gives a live slot back: dead, generation bumped, rule count dropped. */
    void free(final int slot) {
        live[slot] = false;
        generation[slot]++;
        if (rule[slot] >= 0) {
            ruleStates[rule[slot]]--;
        }
        freeSlots[freeTop++] = slot;
        size--;
    }

    private void clearHalf(final int i) {
        seqLo[i] = 0;
        seqHi[i] = 0;
        seqDiff[i] = 0;
        maxWin[i] = 0;
        mss[i] = 0;
        peerState[i] = 0;
        wscale[i] = 0;
    }

    /**
     * Detaches every live state from its rule ({@code rule} -1, counted under no rule) and sizes the
     * per-rule counts for {@code maxRules} rules: a new ruleset was loaded, whose rule numbers are not
     * the old one's (pf's states keep pointing at the old rules, which no longer match packets).
     */
    void detachRules(final int maxRules) {
        for (int slot = 0; slot < capacity; slot++) {
            if (live[slot]) {
                rule[slot] = -1;
            }
        }
        ruleStates = new int[maxRules];
    }

    /** A state whose backward key equals its forward key (same address and port at both ends). */
    boolean selfKeyed(final int slot) {
        return srcHi[slot] == dstHi[slot] && srcLo[slot] == dstLo[slot] && srcPort[slot] == dstPort[slot];
    }
}
