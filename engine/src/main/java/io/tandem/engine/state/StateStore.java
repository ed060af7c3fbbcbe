package io.tandem.engine.state;

import java.util.Arrays;

/**
 * The storage of a {@link StateTable}: pf's state fields by slot — the hot ones packed into one
 * 128-byte record per slot, the cold ones in arrays — the free-slot stack, slot generations and the
 * per-rule state counts; NPF's connection storage ({@code npf_conn_t} and its pool) without an
 * object per connection.
 *
 * <p><b>Record.</b> Everything one packet of an established connection reads or writes — the key
 * the index confirms, both halves' sequence tracking, state, flags, last activity and counters —
 * is in one record of {@value #STRIDE} longs (128 bytes, two cache lines) in the on-heap array
 * {@link #rec}, at {@code base(slot) = PAD + slot * STRIDE}. So a packet touches the record's two
 * adjacent lines where a structure of arrays touched about twenty lines far apart. The words
 * (offsets from the base, {@code W_*}; bit 0 is the least significant):
 * <pre>
 *  0 srcHi          1 srcLo          2 dstHi          3 dstLo       (addresses, as DecodedPacket)
 *  4 srcPort 0-31, dstPort 32-63
 *  5 ifindex 0-31, family 32-39, proto 40-47, timeoutClass 48-55, stateFlags 56-63
 *  6 peerState[src] 0-7, peerState[dst] 8-15, wscale[src] 16-23, wscale[dst] 24-31,
 *    here 32-39 (the tracker's seen bits 0-3, {@link #RESYNC} 4, {@link #MODULATED} 5), 40-63 unused
 *  7 lastActivityMillis
 *  8 half src: seqlo 0-31, seqhi 32-63     9 half dst: the same
 * 10 max_win src 0-31, dst 32-63          11 the tracker's last ack, src 0-31, dst 32-63
 * 12 packets[0]  13 packets[1]  14 bytes[0]  15 bytes[1]
 * </pre>
 * Every field keeps its full width (bytes as bytes, ints as ints, longs as longs), so the values
 * are exactly those of the earlier structure of arrays. The 32- and 8-bit fields are read with a
 * shift and written with a mask through the static accessors below, which take the record array
 * and a base the caller computes once per packet; they are tiny, so the JIT inlines them on the
 * deep packet path (checked with {@code -XX:+PrintInlining}: C2 inlines every one of them into
 * {@code trackTcp} and {@code track}).
 *
 * <p><b>Alignment.</b> HotSpot places an array on an 8-byte boundary only, so whether a record
 * starts on a cache line depends on where the GC put the array (all records share the array's
 * offset, as the stride is 128). {@link #PAD} (6 longs) aligns the records when the array's data
 * starts 16 bytes past a 128-byte boundary, which is where G1 puts a humongous array; under
 * {@code -XX:+UseParallelGC} ({@code scripts/tandem}, the benchmarks) the offset is whatever the
 * GC gives, and a misaligned record spans three lines instead of two. The three are adjacent and
 * fetched in parallel once the slot is known, so this costs bandwidth more than latency; a short
 * test of PAD 0..7 in the benchmark showed differences within the machine's noise.
 *
 * <p><b>Cold fields</b> stay in arrays by slot: liveness, generation, rule, direction, the
 * cluster-wide name {@code (creatorid, id)}, creation time, the re-learning count, and per half
 * ({@code slot * 2 + PEER_SRC / PEER_DST}) {@code mss} (read on SYNs only) and {@code seqdiff}.
 * {@code seqdiff} is 0 unless a peer that modulates sequence numbers sent it; the record's
 * {@link #MODULATED} bit says whether either half has one, so ordinary packets do not read it.
 *
 * <p><b>Owner.</b> The packet thread that owns the table; no synchronisation.
 *
 * <p><b>Life cycle of a slot.</b> {@link #allocate} pops the lowest free slot, marks it live and
 * clears its record (halves, flags, not re-learning) and cold halves; {@link #free} marks it dead,
 * bumps its generation (so {@code (slot, generation)} names one state, spec G.6), drops its rule
 * count and pushes it back.
 *
 * <p><b>Memory bound.</b> Fixed at construction: 186 bytes per slot — the 128-byte record, 50 of
 * cold fields (liveness 1, generation 4, rule 4, direction 1, creatorid 4, id 8, creation 8,
 * re-learning count 4, two mss and two seqdiff 16), 4 of expiry hint and 4 of free stack — plus 4
 * bytes per rule: about 19 MB for pf's default 100,000 states. (The structure of arrays took 171 here plus 9 in the
 * tracker, which now keeps its bits and last acks in the record.) The record array is one Java
 * array of {@code PAD + capacity * STRIDE} longs, so the capacity is at most {@link #MAX_CAPACITY}
 * (2^27 - 1, 16 GiB of records).
 *
 * <p><b>Failure policy.</b> Bad constructor arguments throw {@link IllegalArgumentException};
 * {@link #allocate} on a full store is a programming error (callers check {@link #full()} first).
 */
final class StateStore {
    /** Longs per record: 128 bytes. */
    static final int STRIDE = 16;
    /** Longs before record 0: the array's 16-byte header plus 48 bytes make 64 (see the class doc). */
    static final int PAD = 6;
    /** Most slots: {@code PAD + capacity * STRIDE} must be a valid array length. */
    static final int MAX_CAPACITY = (1 << 27) - 1;

    static final int W_SRC_HI = 0;
    static final int W_SRC_LO = 1;
    static final int W_DST_HI = 2;
    static final int W_DST_LO = 3;
    /** srcPort low 32 bits, dstPort high 32. */
    static final int W_PORTS = 4;
    /** ifindex 0-31, family 32-39, proto 40-47, timeoutClass 48-55, stateFlags 56-63. */
    static final int W_KEY = 5;
    /** peerState 0-7 / 8-15, wscale 16-23 / 24-31, here 32-39. */
    static final int W_HALVES = 6;
    static final int W_LAST_ACTIVITY = 7;
    /** Plus the half: seqlo low 32 bits, seqhi high 32. */
    static final int W_SEQ = 8;
    /** Half 0 low 32 bits, half 1 high 32. */
    static final int W_MAX_WIN = 10;
    /** Half 0 low 32 bits, half 1 high 32. */
    static final int W_LAST_ACK = 11;
    /** Plus the direction index. */
    static final int W_PACKETS = 12;
    /** Plus the direction index. */
    static final int W_BYTES = 14;

    /** Bits of {@link #W_KEY} that are the key: ifindex, family, proto. */
    static final long KEY_MASK = 0x0000_FFFF_FFFF_FFFFL;

    /** {@code here}: a recovered TCP state whose halves re-learn their windows from the next packets. */
    static final int RESYNC = 0x10;
    /** {@code here}: a half has a non-zero {@code seqdiff} (in {@link #seqDiff}). */
    static final int MODULATED = 0x20;

    private static final int SHIFT_FAMILY = 32;
    private static final int SHIFT_PROTO = 40;
    private static final int SHIFT_TIMEOUT = 48;
    private static final int SHIFT_FLAGS = 56;
    private static final int SHIFT_WSCALE = 16;
    private static final int SHIFT_HERE = 32;

    final int capacity;
    /** The records: {@code PAD + capacity * STRIDE} longs. */
    final long[] rec;

    final boolean[] live;
    final int[] generation;
    final int[] rule;
    final byte[] direction;
    final int[] creatorIds;
    final long[] ids;
    final long[] creationMillis;
    /**
     * Per slot, for the expiry sweep ({@link StateExpiry}): a time in {@link #hintSeconds} before which
     * the state cannot expire, or {@link #CHECK_NOW}. The sweep reads this compact array and goes to a
     * record only when its hint has passed, so long-lived states cost it 4 bytes each, not a cache line.
     * Valid while the state's deadline can only move later: a packet moves last activity forward; a
     * change of timeout class ({@link #changeTimeoutClass}), a new slot and new timeout values reset it.
     */
    final int[] expiryHint;
    /** An expiry hint that says nothing: the sweep reads the record. */
    static final int CHECK_NOW = Integer.MIN_VALUE;
    /** Hints count seconds from 2020-01-01 (so that an int lasts until 2088). */
    private static final long HINT_EPOCH_SECONDS = 1_577_836_800L;

    /** Per half, {@code slot * 2 + peer}. */
    final int[] mss;
    /** Per half, {@code slot * 2 + peer}; 32-bit modular. Read only when the record says {@link #MODULATED}. */
    final int[] seqDiff;
    /** Packets a recovered TCP state still tracks sloppily ({@link StateTable#RESYNC_PACKETS} at restore). */
    final int[] resyncPackets;

    private final int[] freeSlots;
    private int freeTop;
    private int size;
    private int[] ruleStates;

    StateStore(final int capacity, final int maxRules) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity out of range: " + capacity);
        }
        if (maxRules < 0) {
            throw new IllegalArgumentException("maxRules < 0: " + maxRules);
        }
        this.capacity = capacity;
        rec = new long[PAD + capacity * STRIDE];
        live = new boolean[capacity];
        generation = new int[capacity];
        rule = new int[capacity];
        direction = new byte[capacity];
        creatorIds = new int[capacity];
        ids = new long[capacity];
        creationMillis = new long[capacity];
        mss = new int[capacity * 2];
        seqDiff = new int[capacity * 2];
        resyncPackets = new int[capacity];
        expiryHint = new int[capacity];
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
     * Takes a free slot for a state of {@code ruleNumber} (-1 for none): live, record (halves, flags,
     * counters, key) and cold halves cleared, not re-learning. The caller fills in the rest.
     */
    int allocate(final int ruleNumber) {
        final int slot = freeSlots[--freeTop];
        live[slot] = true;
        rule[slot] = ruleNumber;
        final int b = base(slot);
        Arrays.fill(rec, b, b + STRIDE, 0L);
        expiryHint[slot] = CHECK_NOW;
        mss[slot * 2] = 0;
        mss[slot * 2 + 1] = 0;
        seqDiff[slot * 2] = 0;
        seqDiff[slot * 2 + 1] = 0;
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

    /** Sets the key of a freshly allocated slot (timeout class and state flags are left as they are). */
    void setKey(final int slot, final int fam, final int protocol, final int ifKey, final long sHi, final long sLo,
            final long dHi, final long dLo, final int sPort, final int dPort) {
        final long[] r = rec;
        final int b = base(slot);
        r[b + W_SRC_HI] = sHi;
        r[b + W_SRC_LO] = sLo;
        r[b + W_DST_HI] = dHi;
        r[b + W_DST_LO] = dLo;
        r[b + W_PORTS] = ports(sPort, dPort);
        r[b + W_KEY] = (r[b + W_KEY] & ~KEY_MASK) | keyWord(fam, protocol, ifKey);
    }

    /** Sets a half's {@code seqdiff} and the record's {@link #MODULATED} bit accordingly. */
    void setSeqDiff(final int slot, final int peer, final int value) {
        seqDiff[slot * 2 + peer] = value;
        final long[] r = rec;
        final int b = base(slot);
        final int h = here(r, b);
        setHere(r, b, seqDiff[slot * 2] != 0 || seqDiff[slot * 2 + 1] != 0 ? h | MODULATED : h & ~MODULATED);
    }

    // ---- record accessors: r is rec, b a base(slot) -----------------------------------------------

    /** The index of record {@code slot}'s first word in {@link #rec}. */
    static int base(final int slot) {
        return PAD + slot * STRIDE;
    }

    /** The ports word of a key. */
    static long ports(final int srcPort, final int dstPort) {
        return (srcPort & 0xFFFF_FFFFL) | ((long) dstPort << 32);
    }

    /** The key bits of {@link #W_KEY}: ifindex, family and proto (as bytes). */
    static long keyWord(final int fam, final int protocol, final int ifKey) {
        return (ifKey & 0xFFFF_FFFFL) | ((long) (fam & 0xff) << SHIFT_FAMILY) | ((long) (protocol & 0xff) << SHIFT_PROTO);
    }

    private static long withInt(final long word, final int shift, final int value) {
        return (word & ~(0xFFFF_FFFFL << shift)) | ((value & 0xFFFF_FFFFL) << shift);
    }

    private static long withByte(final long word, final int shift, final int value) {
        return (word & ~(0xFFL << shift)) | ((long) (value & 0xff) << shift);
    }

    static int srcPort(final long[] r, final int b) {
        return (int) r[b + W_PORTS];
    }

    static int dstPort(final long[] r, final int b) {
        return (int) (r[b + W_PORTS] >>> 32);
    }

    static int ifindex(final long[] r, final int b) {
        return (int) r[b + W_KEY];
    }

    /** As stored: a signed byte. */
    static byte family(final long[] r, final int b) {
        return (byte) (r[b + W_KEY] >>> SHIFT_FAMILY);
    }

    /** As stored: a signed byte. */
    static byte proto(final long[] r, final int b) {
        return (byte) (r[b + W_KEY] >>> SHIFT_PROTO);
    }

    static byte timeoutClass(final long[] r, final int b) {
        return (byte) (r[b + W_KEY] >>> SHIFT_TIMEOUT);
    }

    static void setTimeoutClass(final long[] r, final int b, final int value) {
        r[b + W_KEY] = withByte(r[b + W_KEY], SHIFT_TIMEOUT, value);
    }

    /**
     * Sets the timeout class of the live state whose record is at {@code b}; a change resets its expiry
     * hint, as the new class may be shorter. Every class change of a live state goes through here.
     */
    void changeTimeoutClass(final long[] r, final int b, final int value) {
        if (timeoutClass(r, b) != (byte) value) {
            setTimeoutClass(r, b, value);
            expiryHint[(b - PAD) / STRIDE] = CHECK_NOW;
        }
    }

    /** {@code millis} (wall clock) as an expiry hint: whole seconds, rounded down, clamped to an int. */
    static int hintSeconds(final long millis) {
        final long s = Math.floorDiv(millis, 1000L) - HINT_EPOCH_SECONDS;
        return s >= Integer.MAX_VALUE ? Integer.MAX_VALUE : s <= CHECK_NOW + 1 ? CHECK_NOW + 1 : (int) s;
    }

    /** pf's {@code state_flags}; {@link PfConstants#PFSTATE_ACK} while the state's first packet is held. */
    static byte stateFlags(final long[] r, final int b) {
        return (byte) (r[b + W_KEY] >>> SHIFT_FLAGS);
    }

    static void setStateFlags(final long[] r, final int b, final int value) {
        r[b + W_KEY] = withByte(r[b + W_KEY], SHIFT_FLAGS, value);
    }

    /** Half {@code h} (0 src, 1 dst): {@code TCPS_*} etc., a signed byte as stored. */
    static byte peerState(final long[] r, final int b, final int h) {
        return (byte) (r[b + W_HALVES] >>> (h << 3));
    }

    static void setPeerState(final long[] r, final int b, final int h, final int value) {
        r[b + W_HALVES] = withByte(r[b + W_HALVES], h << 3, value);
    }

    /** Half {@code h}: {@link PfConstants#PF_WSCALE_FLAG} | shift, or 0; a signed byte as stored. */
    static byte wscale(final long[] r, final int b, final int h) {
        return (byte) (r[b + W_HALVES] >>> (SHIFT_WSCALE + (h << 3)));
    }

    static void setWscale(final long[] r, final int b, final int h, final int value) {
        r[b + W_HALVES] = withByte(r[b + W_HALVES], SHIFT_WSCALE + (h << 3), value);
    }

    /** The tracker's seen bits, {@link #RESYNC} and {@link #MODULATED}. */
    static int here(final long[] r, final int b) {
        return (int) (r[b + W_HALVES] >>> SHIFT_HERE) & 0xff;
    }

    static void setHere(final long[] r, final int b, final int value) {
        r[b + W_HALVES] = withByte(r[b + W_HALVES], SHIFT_HERE, value);
    }

    static long lastActivity(final long[] r, final int b) {
        return r[b + W_LAST_ACTIVITY];
    }

    static void setLastActivity(final long[] r, final int b, final long millis) {
        r[b + W_LAST_ACTIVITY] = millis;
    }

    static int seqLo(final long[] r, final int b, final int h) {
        return (int) r[b + W_SEQ + h];
    }

    static void setSeqLo(final long[] r, final int b, final int h, final int value) {
        r[b + W_SEQ + h] = withInt(r[b + W_SEQ + h], 0, value);
    }

    static int seqHi(final long[] r, final int b, final int h) {
        return (int) (r[b + W_SEQ + h] >>> 32);
    }

    static void setSeqHi(final long[] r, final int b, final int h, final int value) {
        r[b + W_SEQ + h] = withInt(r[b + W_SEQ + h], 32, value);
    }

    static int maxWin(final long[] r, final int b, final int h) {
        return (int) (r[b + W_MAX_WIN] >>> (h << 5));
    }

    static void setMaxWin(final long[] r, final int b, final int h, final int value) {
        r[b + W_MAX_WIN] = withInt(r[b + W_MAX_WIN], h << 5, value);
    }

    static int lastAck(final long[] r, final int b, final int h) {
        return (int) (r[b + W_LAST_ACK] >>> (h << 5));
    }

    static void setLastAck(final long[] r, final int b, final int h, final int value) {
        r[b + W_LAST_ACK] = withInt(r[b + W_LAST_ACK], h << 5, value);
    }

    // ---- by slot, for the cold paths and the table's read accessors ----------------------------------

    byte family(final int slot) {
        return family(rec, base(slot));
    }

    byte proto(final int slot) {
        return proto(rec, base(slot));
    }

    byte peerState(final int slot, final int h) {
        return peerState(rec, base(slot), h);
    }

    byte timeoutClass(final int slot) {
        return timeoutClass(rec, base(slot));
    }

    long lastActivity(final int slot) {
        return rec[base(slot) + W_LAST_ACTIVITY];
    }
}
