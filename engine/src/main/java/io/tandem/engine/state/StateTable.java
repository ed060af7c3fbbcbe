package io.tandem.engine.state;

import static io.tandem.engine.state.PfConstants.MAXACKWINDOW;
import static io.tandem.engine.state.PfConstants.PFOTHERS_NO_TRAFFIC;
import static io.tandem.engine.state.PfConstants.PFOTHERS_SINGLE;
import static io.tandem.engine.state.PfConstants.PFSTATE_ACK;
import static io.tandem.engine.state.PfConstants.PFUDPS_MULTIPLE;
import static io.tandem.engine.state.PfConstants.PFUDPS_NO_TRAFFIC;
import static io.tandem.engine.state.PfConstants.PFUDPS_SINGLE;
import static io.tandem.engine.state.PfConstants.PF_TCPS_PROXY_SRC;
import static io.tandem.engine.state.PfConstants.PF_WSCALE_FLAG;
import static io.tandem.engine.state.PfConstants.PF_WSCALE_MASK;
import static io.tandem.engine.state.PfConstants.TCPS_CLOSED;
import static io.tandem.engine.state.PfConstants.TCPS_CLOSING;
import static io.tandem.engine.state.PfConstants.TCPS_ESTABLISHED;
import static io.tandem.engine.state.PfConstants.TCPS_FIN_WAIT_2;
import static io.tandem.engine.state.PfConstants.TCPS_SYN_SENT;
import static io.tandem.engine.state.PfConstants.TCPS_TIME_WAIT;
import static io.tandem.engine.state.PfConstants.TCP_MAXWIN;
import static io.tandem.engine.state.PfConstants.TCP_MAX_WINSHIFT;

import io.tandem.engine.decode.DecodedPacket;
import java.security.SecureRandom;
import java.util.function.IntConsumer;

/**
 * The connection-state table of one PacketAgent: pf's states, stored so that each maps 1:1 onto a
 * pfsync v5 state record, indexed like NPF's connection database.
 *
 * <p><b>Overview.</b> A state describes one connection: address family, protocol, the 5-tuple as the
 * initiator sent it, the interface it is bound to (0 = floating), the rule that created it, the
 * direction of its first packet, its cluster-wide name {@code (creatorid, id)}, times, counters and
 * two peer halves exactly like pf's {@code pf_state_peer}: {@code src} is the initiator and
 * {@code dst} the responder, each with {@code seqlo}, {@code seqhi}, {@code seqdiff},
 * {@code max_win}, {@code mss}, {@code state} and {@code wscale}. TCP is tracked as pf's
 * {@code pf_tcp_track_full()} does; UDP and other protocols use pf's SINGLE/MULTIPLE half states;
 * ICMP echo states are keyed by the echo identifier. Timeout classes and values are pf's
 * ({@link StateTimeouts}).
 *
 * <p><b>Storage.</b> Structure of arrays indexed by slot, {@code 0 <= slot < capacity}: no object
 * per connection. Free slots form a stack in an {@code int[]}. Each live state has two entries in
 * one open-addressing hash index, like NPF's {@code c_forw_entry}/{@code c_back_entry}: the forward
 * key (the 5-tuple as the initiator sent it) and the backward key (the reply as it appears on the
 * wire: addresses and ports swapped). An entry is {@code slot << 1 | side} (side 0 forward, 1
 * backward) with its 32-bit hash alongside. The index has a power-of-two size of at least
 * {@code 2 * capacity / 0.7} entries (two entries per state at load ≤ 0.7), linear probing, and
 * backward-shift deletion, so there are no tombstones and probe lengths do not degrade with churn.
 * Keys are family, protocol, both addresses, both ports and, when the table is interface-bound,
 * the interface index. The hash is a 64-bit multiply-xorshift mix of the key words keyed by two
 * secret 64-bit seeds drawn from {@link SecureRandom} at construction, so a remote sender cannot aim
 * collisions at a chain without knowing the seeds (it is a keyed mix, not SipHash).
 *
 * <p><b>Life cycle of a state.</b> {@link #create} (after the ruleset passed the first packet;
 * checks the rule's max-states, the capacity and duplicate keys, in pf's order) → repeated
 * {@link #lookup} + {@link #track} per packet → removal by {@link #expire} once its deadline
 * passes, or by {@link #remove}. A state's deadline is its last activity plus its timeout class's
 * value, scaled adaptively with the number of states (pf's {@code pf_state_expires()}); closing
 * TCP connections move to the short classes (tcp.finwait, tcp.closed), so they leave soon. The
 * sweep is incremental: a cursor walks the slots, at most {@code budget} per call, so no call pauses
 * in proportion to the table size. A slot's generation is bumped when it is freed, so later code
 * can hold {@code (slot, generation)} handles (spec G.6).
 *
 * <p><b>Synchronisation.</b> Owned by the PacketAgent's packet thread, the single writer; the
 * first thread that mutates the table becomes its owner and every mutator asserts it (tests run
 * with {@code -ea}). Other threads never touch it: peers' updates and snapshot requests reach the
 * owner through its inbox. Read accessors are meant for the owner too (journal, pfsync export).
 *
 * <p><b>Split paths and pfsync.</b> Per state the table also keeps what pfsync needs on the owner
 * thread: which halves passed here, the highest ack each half sent, the values last reported to the
 * peers (and the report before), when a peer last updated the state, the throttle of its reports and
 * a FIFO of states with a change still to report. {@link #trackTcp} widens pf's bounds on a split
 * path, {@link #mergeFromPeer} merges a peer's view field by field (docs/pfsync.md).
 *
 * <p><b>Memory bound.</b> Fixed at construction: about 260 bytes per slot (the connection, two
 * halves, counters, and about 85 bytes of pfsync bookkeeping) plus 8 bytes per index entry and 16
 * per id-index entry — roughly 32 MB for pf's default 100,000 states — and 4 bytes per rule. Nothing
 * on the packet path allocates.
 *
 * <p><b>Failure policy.</b> No exceptions on the packet path. A full table, a duplicate key or a
 * rule's state limit makes {@link #create} return a negative {@code FAIL_*} code and count it; a
 * packet that fails a state's checks makes {@link #track} return a {@code DROP_*} code and counts
 * the reason. Exceptions are thrown only for configuration or programming errors (bad constructor
 * arguments, a rule number out of range).
 *
 * <p><b>Deliberate differences from pf</b> are listed on the methods: no sequence-number
 * modulation, scrub or synproxy ({@code seqdiff} is kept for pfsync but always 0 locally); ICMP
 * echo states key on the identifier only (not on the type); lookups do not check a direction.
 */
public final class StateTable {
    // ---- results ----------------------------------------------------------------------------
    /** {@link #track}: the packet fits the state; pass it. */
    public static final int PASS = 0;
    /** {@link #track}: outside the sequence windows (pf's BADSTATE). */
    public static final int DROP_OUT_OF_WINDOW = 1;
    /** {@link #track}: an illegal TCP flag combination (pf scrub's flag checks). */
    public static final int DROP_BAD_FLAGS = 2;
    /** {@link #track}: a RST whose sequence number is not the exact expected one (blind reset). */
    public static final int DROP_BAD_RST = 3;
    /**
     * {@link #track}: a SYN reusing the 5-tuple of a TCP state that had closed in both directions.
     * As pf, the old state has been removed (counted as reused); the caller treats the packet as
     * matching no state and evaluates the ruleset, which may create a new state.
     */
    public static final int STATE_REUSED = 4;

    /** {@link #create}: every slot is in use. */
    public static final int FAIL_FULL = -1;
    /** {@link #create}: the forward or backward key is already in the table. */
    public static final int FAIL_DUPLICATE = -2;
    /** {@link #create}: the rule already has {@code maxStates} states. */
    public static final int FAIL_RULE_LIMIT = -3;
    /** {@link #create}: the packet cannot have a state (no transport header, or an ICMP error). */
    public static final int FAIL_UNTRACKABLE = -4;

    // ---- peers (pf's constants are in PfConstants) --------------------------------------------
    /** Peer indices: src = the initiator, dst = the responder. */
    public static final int PEER_SRC = 0;
    public static final int PEER_DST = 1;

    private static final int EMPTY = -1;
    private static final double MAX_LOAD = 0.7;

    // ---- configuration ------------------------------------------------------------------------
    private final int capacity;
    private final int maxRules;
    private final boolean ifBound;
    private final boolean normalizeTcpFlags;
    private final StateTimeouts timeouts;
    private final int creatorId;
    private final long idBase;
    private final StateCounters counters;
    private final long seed0;
    private final long seed1;

    // ---- per-slot storage (structure of arrays) -------------------------------------------------
    private final boolean[] live;
    private final int[] generation;
    private final byte[] family;
    private final byte[] proto;
    private final long[] srcHi;
    private final long[] srcLo;
    private final long[] dstHi;
    private final long[] dstLo;
    private final int[] srcPort;
    private final int[] dstPort;
    private final int[] ifindex;
    private final int[] rule;
    private final byte[] direction;
    private final int[] creatorIds;
    private final long[] ids;
    private final long[] creationMillis;
    private final long[] lastActivityMillis;
    private final byte[] timeoutClass;
    /** Index {@code slot * 2 + 0}: packets sent by the initiator; {@code + 1}: by the responder. */
    private final long[] packets;
    private final long[] bytes;

    // Peer halves, index slot * 2 + PEER_SRC / PEER_DST. Sequence numbers are 32-bit modular ints.
    private final int[] seqLo;
    private final int[] seqHi;
    private final int[] seqDiff;
    private final int[] maxWin;
    private final int[] mss;
    private final byte[] peerState;
    private final byte[] wscale;
    /** Per slot: a recovered TCP state whose halves re-learn their windows from the next packets. */
    private final boolean[] resync;
    /** Packets a recovered TCP state still tracks sloppily (see {@link #restore}). */
    private final int[] resyncPackets;
    /** Packets of sloppy tracking a recovered TCP state gets before pf's full checks resume. */
    public static final int RESYNC_PACKETS = 64;

    // pfsync bookkeeping (pf's pfsync_time and sync_updates), used only with enableSyncUpdates.
    /** Per slot: when a pfsync peer last updated (or created) this state; 0 = never. */
    private final long[] peerSyncMillis;
    /** Per slot: when the last change of this state was reported for sync. */
    private final long[] syncReportedMillis;
    /** Per slot: local updates since the last report (pf's sync_updates). */
    private final int[] syncUpdates;
    /** Per slot: which halves this node has passed packets from ({@link #SEEN_SRC}, {@link #SEEN_DST}). */
    private final byte[] seenHere;
    /**
     * Per half: the highest ack number this node saw the half send. On a split path the other half's
     * SYN or FIN may be known here only later, from the peer, when pf's ACK-driven transitions have
     * already been missed; {@link #mergeFromPeer} applies them then.
     */
    private final int[] lastAck;
    /** Per slot: pf's {@code state_flags}; {@link PfConstants#PFSTATE_ACK} while the state's first packet is held. */
    private final byte[] stateFlags;
    /**
     * Per half: the values last reported for sync (what the peers were told), and those of the report
     * before it ("settled": old enough that every peer must have them), for the correction rule.
     */
    private final int[] reportedSeqLo;
    private final int[] reportedSeqHi;
    private final byte[] reportedState;
    private final int[] settledSeqLo;
    private final int[] settledSeqHi;
    private final byte[] settledState;
    /** Per slot: when the last report was made. */
    private final long[] reportedAtMillis;
    /** Per slot: when our version was last sent back to correct a peer. */
    private final long[] lastCorrectionMillis;
    /** Per slot: changed since its last report, and whether it waits in the trailing-report queue. */
    private final boolean[] syncDirty;
    private final boolean[] syncQueued;
    /** FIFO of dirty slots (slot | generation << 32) and when each was queued; at most one entry per slot. */
    private final long[] dirtyQueue;
    private final long[] dirtyQueuedMillis;
    private int dirtyHead;
    private int dirtyCount;
    private boolean syncUpdatesEnabled;
    private int syncMaxUpdates = 128;
    /** pf's 1-second timer: an updated state is reported at least this often. */
    public static final long SYNC_UPDATE_INTERVAL_MILLIS = 1000;
    /** pf's split-path window: a state a peer updated this recently is reported on every local update. */
    public static final long SYNC_SPLIT_WINDOW_MILLIS = 2000;
    /** A peer's update that is behind our last report is answered at most this often per state. */
    public static final long CORRECTION_INTERVAL_MILLIS = 1000;
    /**
     * A report this recent may still be on its way (a peer's update sent meanwhile crosses it), so a
     * peer's record is judged against the report before it. Far above a sync link's round trip.
     */
    public static final long REPORT_SETTLE_MILLIS = 100;
    /**
     * On a split path, a half may send up to this many of the other half's largest windows beyond the
     * highest sequence number this node saw it send (see {@link #trackTcp}).
     */
    public static final int SPLIT_WINDOWS = 2;
    /** The least progress of a half's seqlo that makes a state reported at once ({@link #movedFar}). */
    public static final long REPORT_REACH_MIN = 64 * 1024;
    /** {@link #seenHere}: a packet sent by the initiator (src) passed here; by the responder (dst). */
    public static final int SEEN_SRC = 1;
    public static final int SEEN_DST = 2;
    /**
     * {@link #seenHere}: a packet with an ACK sent by the src (or dst) half passed here;
     * {@link #lastAck} holds the highest such ack number.
     */
    private static final int ACK_SEEN_SRC = 4;
    private static final int ACK_SEEN_DST = 8;

    /** {@link #mergeFromPeer} result bit: the merge let this node conclude more than the peer's record says. */
    public static final int MERGE_DERIVED = 4;

    /** {@link #mergeFromPeer} result bit: the peer's record lacks something we reported (pfsync's stale). */
    public static final int MERGE_BEHIND = 1;
    /** {@link #mergeFromPeer} result bit: ... and our version should go back to it now (rate-limited). */
    public static final int MERGE_CORRECT = 2;

    private final int[] freeSlots;
    private int freeTop;
    private int size;
    private final int[] ruleStates;

    // ---- index ------------------------------------------------------------------------------
    private final int[] index;
    private final int[] indexHash;
    private final int mask;

    private long nextId;
    /** (creatorid, id) → slot, for pfsync messages that name a state only by its identity. */
    private final org.agrona.collections.Long2LongHashMap idIndex;
    private StateChangeListener listener = StateChangeListener.NONE;
    private HeldStateListener heldListener = (table, slot) -> { };
    private int expireCursor;
    private boolean lastLookupForward;
    private Thread owner;

    /** A floating table with pf's default timeouts for {@code capacity} states and TCP flag checks on. */
    public StateTable(final int capacity, final int maxRules, final int creatorId, final long idBase,
            final StateCounters counters) {
        this(capacity, maxRules, false, true, StateTimeouts.defaults(capacity), creatorId, idBase, counters);
    }

    /**
     * @param capacity          most states at once (pf's {@code set limit states}, default 100000)
     * @param maxRules          rule numbers are {@code 0 .. maxRules - 1} (for per-rule state counts)
     * @param ifBound           keys include the interface index (pf's {@code if-bound}); else floating
     * @param normalizeTcpFlags drop illegal TCP flag combinations on tracked packets, as pf's scrub
     * @param timeouts          timeout values; adaptive start/end are state counts
     * @param creatorId         this node's non-zero pfsync creatorid
     * @param idBase            ids are {@code idBase + 1, idBase + 2, ...}; see {@link StateIds}
     * @param counters          where this table counts; written only by the owner thread
     */
    public StateTable(final int capacity, final int maxRules, final boolean ifBound, final boolean normalizeTcpFlags,
            final StateTimeouts timeouts, final int creatorId, final long idBase, final StateCounters counters) {
        if (capacity < 1 || capacity > (1 << 28)) {
            throw new IllegalArgumentException("capacity out of range: " + capacity);
        }
        if (maxRules < 0) {
            throw new IllegalArgumentException("maxRules < 0: " + maxRules);
        }
        if (creatorId == 0) {
            throw new IllegalArgumentException("creatorId must not be 0");
        }
        this.capacity = capacity;
        this.maxRules = maxRules;
        this.ifBound = ifBound;
        this.normalizeTcpFlags = normalizeTcpFlags;
        this.timeouts = timeouts;
        this.creatorId = creatorId;
        this.idBase = idBase;
        this.nextId = idBase;
        this.counters = counters;
        final SecureRandom random = new SecureRandom();
        this.seed0 = random.nextLong();
        this.seed1 = random.nextLong() | 1L;

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
        idIndex = new org.agrona.collections.Long2LongHashMap(Math.max(16, capacity * 2), 0.65f, -1L);
        resyncPackets = new int[capacity];
        peerSyncMillis = new long[capacity];
        syncReportedMillis = new long[capacity];
        syncUpdates = new int[capacity];
        seenHere = new byte[capacity];
        lastAck = new int[capacity * 2];
        stateFlags = new byte[capacity];
        reportedSeqLo = new int[capacity * 2];
        reportedSeqHi = new int[capacity * 2];
        reportedState = new byte[capacity * 2];
        settledSeqLo = new int[capacity * 2];
        settledSeqHi = new int[capacity * 2];
        settledState = new byte[capacity * 2];
        reportedAtMillis = new long[capacity];
        lastCorrectionMillis = new long[capacity];
        syncDirty = new boolean[capacity];
        syncQueued = new boolean[capacity];
        dirtyQueue = new long[capacity];
        dirtyQueuedMillis = new long[capacity];

        freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            freeSlots[i] = capacity - 1 - i; // lowest slot on top
        }
        freeTop = capacity;
        ruleStates = new int[maxRules];

        final long wanted = (long) Math.ceil(2L * capacity / MAX_LOAD);
        int indexSize = Integer.highestOneBit((int) Math.min(wanted, 1 << 30));
        if (indexSize < wanted) {
            indexSize <<= 1;
        }
        index = new int[indexSize];
        indexHash = new int[indexSize];
        java.util.Arrays.fill(index, EMPTY);
        mask = indexSize - 1;
    }

    // =========================================================================================
    // Lookup
    // =========================================================================================

    /**
     * The state whose forward or backward key the packet's 5-tuple matches, or -1. Records in
     * {@link #lastLookupForward()} whether it matched the forward key (the packet was sent by the
     * initiator). ICMP errors never match here (see {@link #lookupIcmpError}).
     *
     * <p>As pf, a hit does not check expiry (the sweep removes expired states) and, unlike NPF, no
     * direction (in/out) consistency: the caller may compare {@link #direction(int)} if it wants to.
     */
    public int lookup(final DecodedPacket p, final int ifindex) {
        if (p.icmpError) {
            return -1;
        }
        counters.increment(StateCounter.LOOKUPS);
        final int ifKey = ifBound ? ifindex : 0;
        final int entry = find(p.family, p.protocol, ifKey, p.srcHi, p.srcLo, p.dstHi, p.dstLo,
            p.srcPort, p.dstPort);
        if (entry == EMPTY) {
            return -1;
        }
        counters.increment(StateCounter.LOOKUP_HITS);
        lastLookupForward = (entry & 1) == 0;
        return entry >>> 1;
    }

    /** True when the last successful lookup matched the forward key (the initiator sent the packet). */
    public boolean lastLookupForward() {
        return lastLookupForward;
    }

    /**
     * The state of the packet quoted by an ICMP or ICMPv6 error, or -1. The quote is a packet that
     * went the other way (from the host the error is addressed to), so it is looked up as sent.
     * As pf's {@code pf_test_state_icmp()}, a quoted TCP header must carry a sequence number
     * inside the window of the peer that sent it: {@code seqlo - max_win(other) << scale <= seq
     * <= seqhi}. The error must also be addressed to the quoted packet's source (RFC 792); pf does
     * not check that separately. A miss counts {@code icmp_error_unrelated}; a failed check counts
     * {@code bad_icmp_error}. On a hit {@link #lastLookupForward()} tells the direction of the error
     * itself: true when it travels like the initiator's packets (it quotes a responder's packet).
     * The state's timers are not refreshed, as in pf.
     */
    public int lookupIcmpError(final DecodedPacket p, final int ifindex) {
        if (!p.icmpError || p.innerFamily == 0) {
            return -1;
        }
        counters.increment(StateCounter.LOOKUPS);
        final int ifKey = ifBound ? ifindex : 0;
        final int entry = find(p.innerFamily, p.innerProtocol, ifKey, p.innerSrcHi, p.innerSrcLo,
            p.innerDstHi, p.innerDstLo, p.innerSrcPort, p.innerDstPort);
        if (entry == EMPTY) {
            counters.increment(StateCounter.ICMP_ERROR_NO_STATE);
            return -1;
        }
        final int slot = entry >>> 1;
        final boolean quotedForward = (entry & 1) == 0;
        if (p.family != p.innerFamily || p.dstHi != p.innerSrcHi || p.dstLo != p.innerSrcLo) {
            counters.increment(StateCounter.MISMATCH_BAD_ICMP_ERROR);
            return -1;
        }
        if (proto[slot] == DecodedPacket.PROTO_TCP) {
            final int x = slot * 2 + (quotedForward ? PEER_SRC : PEER_DST); // sender of the quote
            final int y = slot * 2 + (quotedForward ? PEER_DST : PEER_SRC);
            final int dws = wscale[x] != 0 && wscale[y] != 0 ? wscale[y] & PF_WSCALE_MASK : 0;
            final int seq = (int) p.innerSeq - seqDiff[x];
            if (!seqGeq(seqHi[x], seq) || !seqGeq(seq, seqLo[x] - (maxWin[y] << dws))) {
                counters.increment(StateCounter.MISMATCH_BAD_ICMP_ERROR);
                return -1;
            }
        }
        counters.increment(StateCounter.LOOKUP_HITS);
        lastLookupForward = !quotedForward;
        return slot;
    }

    // =========================================================================================
    // Create
    // =========================================================================================

    /** {@link #create(DecodedPacket, int, int, int, int, long)} without a per-rule state limit. */
    public int create(final DecodedPacket p, final int ruleNumber, final int dir, final int ifIndex,
            final long nowMillis) {
        return create(p, ruleNumber, 0, dir, ifIndex, nowMillis);
    }

    /**
     * Creates a state for the first packet of a connection that the ruleset passed with
     * {@code keep state}, initialising the peers as pf's {@code pf_create_state()}. Checks, in pf's
     * order: the rule's {@code max-states} ({@code maxStates > 0}), free capacity, then duplicate
     * keys; a duplicate that is a TCP state closed in both directions is replaced (pf's
     * {@code pf_state_key_attach()}), any other duplicate refuses.
     *
     * @param ruleNumber rule number in {@code 0 .. maxRules - 1}, or -1 for none (no per-rule count)
     * @param maxStates  the rule's state limit, 0 for none
     * @param dir        {@link PfConstants#PF_IN} or {@link PfConstants#PF_OUT} (or {@link PfConstants#PF_INOUT})
     * @param ifIndex    interface the packet arrived on; part of the key only in an if-bound table
     * @return the slot, or {@link #FAIL_RULE_LIMIT}, {@link #FAIL_FULL}, {@link #FAIL_DUPLICATE},
     *         {@link #FAIL_UNTRACKABLE}
     */
    public int create(final DecodedPacket p, final int ruleNumber, final int maxStates, final int dir,
            final int ifIndex, final long nowMillis) {
        return create(p, ruleNumber, maxStates, dir, ifIndex, nowMillis, false);
    }

    /**
     * As {@link #create(DecodedPacket, int, int, int, int, long)}; {@code deferred} marks the new state
     * {@link PfConstants#PFSTATE_ACK} before the listener is told, so its journal record (and the pfsync INS made
     * from it) says that its first packet is held until a peer acknowledges it.
     */
    public int create(final DecodedPacket p, final int ruleNumber, final int maxStates, final int dir,
            final int ifIndex, final long nowMillis, final boolean deferred) {
        assert onOwnerThread();
        if (ruleNumber < -1 || ruleNumber >= maxRules) {
            throw new IllegalArgumentException("rule number out of range: " + ruleNumber);
        }
        if (!p.hasTransportHeader() || p.icmpError) {
            return FAIL_UNTRACKABLE;
        }
        if (maxStates > 0 && ruleNumber >= 0 && ruleStates[ruleNumber] >= maxStates) {
            counters.increment(StateCounter.INSERT_FAILED_RULE_LIMIT);
            return FAIL_RULE_LIMIT;
        }
        if (freeTop == 0) {
            counters.increment(StateCounter.INSERT_FAILED_FULL);
            return FAIL_FULL;
        }
        final int ifKey = ifBound ? ifIndex : 0;
        int existing = find(p.family, p.protocol, ifKey, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort);
        if (existing == EMPTY) {
            existing = find(p.family, p.protocol, ifKey, p.dstHi, p.dstLo, p.srcHi, p.srcLo, p.dstPort, p.srcPort);
        }
        if (existing != EMPTY) {
            final int old = existing >>> 1;
            if (proto[old] == DecodedPacket.PROTO_TCP
                    && peerState[old * 2] >= TCPS_FIN_WAIT_2 && peerState[old * 2 + 1] >= TCPS_FIN_WAIT_2) {
                remove(old, StateRemoveReason.REUSED);
            } else {
                counters.increment(StateCounter.INSERT_FAILED_DUPLICATE);
                return FAIL_DUPLICATE;
            }
        }

        final int slot = freeSlots[--freeTop];
        live[slot] = true;
        family[slot] = (byte) p.family;
        proto[slot] = (byte) p.protocol;
        srcHi[slot] = p.srcHi;
        srcLo[slot] = p.srcLo;
        dstHi[slot] = p.dstHi;
        dstLo[slot] = p.dstLo;
        srcPort[slot] = p.srcPort;
        dstPort[slot] = p.dstPort;
        ifindex[slot] = ifKey;
        rule[slot] = ruleNumber;
        direction[slot] = (byte) dir;
        creatorIds[slot] = creatorId;
        ids[slot] = ++nextId;
        idIndex.put(idKey(creatorId, ids[slot]), slot);
        creationMillis[slot] = nowMillis;
        lastActivityMillis[slot] = nowMillis;
        packets[slot * 2] = 1;
        packets[slot * 2 + 1] = 0;
        bytes[slot * 2] = p.ipLength;
        bytes[slot * 2 + 1] = 0;
        final int s = slot * 2;
        final int d = s + 1;
        clearPeer(s);
        clearPeer(d);
        resync[slot] = false;
        resetSync(slot, nowMillis);
        seenHere[slot] = SEEN_SRC;

        switch (p.protocol) {
            case DecodedPacket.PROTO_TCP:
                initTcp(p, s, d);
                timeoutClass[slot] = StateTimeouts.TCP_FIRST_PACKET;
                counters.increment(StateCounter.INSERTS_TCP);
                break;
            case DecodedPacket.PROTO_UDP:
                peerState[s] = PFUDPS_SINGLE;
                peerState[d] = PFUDPS_NO_TRAFFIC;
                timeoutClass[slot] = StateTimeouts.UDP_FIRST_PACKET;
                counters.increment(StateCounter.INSERTS_UDP);
                break;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                // pf sets no half states for ICMP; only the timeout class.
                timeoutClass[slot] = StateTimeouts.ICMP_FIRST_PACKET;
                counters.increment(StateCounter.INSERTS_ICMP);
                break;
            default:
                peerState[s] = PFOTHERS_SINGLE;
                peerState[d] = PFOTHERS_NO_TRAFFIC;
                timeoutClass[slot] = StateTimeouts.OTHER_FIRST_PACKET;
                counters.increment(StateCounter.INSERTS_OTHER);
                break;
        }

        indexInsert(slot, 0);
        if (!selfKeyed(slot)) {
            indexInsert(slot, 1);
        }
        if (ruleNumber >= 0) {
            ruleStates[ruleNumber]++;
        }
        size++;
        if (deferred) {
            stateFlags[slot] = PFSTATE_ACK;
        }
        markReported(slot, nowMillis);
        listener.onInsert(this, slot);
        return slot;
    }

    /** The per-state pfsync bookkeeping of a new slot: nothing reported, nothing held, not split. */
    private void resetSync(final int slot, final long reportedMillis) {
        peerSyncMillis[slot] = 0;
        syncReportedMillis[slot] = reportedMillis;
        syncUpdates[slot] = 0;
        seenHere[slot] = 0;
        stateFlags[slot] = 0;
        lastCorrectionMillis[slot] = 0;
        syncDirty[slot] = false;
        reportedAtMillis[slot] = 0;
        for (int i = slot * 2; i <= slot * 2 + 1; i++) {
            reportedSeqLo[i] = 0;
            reportedSeqHi[i] = 0;
            reportedState[i] = 0;
            settledSeqLo[i] = 0;
            settledSeqHi[i] = 0;
            settledState[i] = 0;
        }
    }

    /** pf_create_state() for TCP: the initiator's half from its first packet, the responder's empty. */
    private void initTcp(final DecodedPacket p, final int s, final int d) {
        final int flags = p.tcpFlags;
        seqLo[s] = (int) p.seq;
        int hi = seqLo[s] + p.payloadLength + 1;
        if ((flags & DecodedPacket.TH_SYN) != 0) {
            hi++;
            wscale[s] = (byte) wscaleOption(p);
        }
        int win = Math.max(p.window, 1);
        if ((wscale[s] & PF_WSCALE_MASK) != 0) {
            // Keep max_win in unscaled units, rounding up, as pf.
            final int shift = wscale[s] & PF_WSCALE_MASK;
            win = (win + (1 << shift) - 1) >>> shift;
        }
        maxWin[s] = win;
        if ((flags & DecodedPacket.TH_FIN) != 0) {
            hi++;
        }
        seqHi[s] = hi;
        mss[s] = p.mss;
        peerState[s] = TCPS_SYN_SENT;
        seqHi[d] = 1;
        maxWin[d] = 1;
        peerState[d] = TCPS_CLOSED;
    }

    /** pf_get_wscale(): 0 when absent, else PF_WSCALE_FLAG with the shift clamped to 14. */
    private static int wscaleOption(final DecodedPacket p) {
        if (p.wscale < 0) {
            return 0;
        }
        return PF_WSCALE_FLAG | Math.min(p.wscale, TCP_MAX_WINSHIFT);
    }

    private void clearPeer(final int i) {
        seqLo[i] = 0;
        seqHi[i] = 0;
        seqDiff[i] = 0;
        maxWin[i] = 0;
        mss[i] = 0;
        peerState[i] = 0;
        wscale[i] = 0;
    }

    // =========================================================================================
    // Track
    // =========================================================================================

    /**
     * Checks a packet against its state and advances the state, as pf's {@code pf_test_state_*}.
     * {@code forward} is {@link #lastLookupForward()} of the lookup that found {@code slot}.
     * On {@link #PASS} the per-direction packet and byte counters grow; on a drop the reason is
     * counted and the state is unchanged except where pf changes it too (a handshake mismatch resets
     * the sending half, see {@link #trackTcp}).
     *
     * @return {@link #PASS}, {@link #DROP_OUT_OF_WINDOW}, {@link #DROP_BAD_FLAGS},
     *         {@link #DROP_BAD_RST} or {@link #STATE_REUSED} (state removed; evaluate the rules)
     */
    public int track(final int slot, final DecodedPacket p, final boolean forward, final long nowMillis) {
        assert onOwnerThread();
        assert live[slot];
        final int s = slot * 2 + (forward ? PEER_SRC : PEER_DST);
        final int d = slot * 2 + (forward ? PEER_DST : PEER_SRC);
        final int before = peerState[slot * 2] << 16 | peerState[slot * 2 + 1] << 8 | timeoutClass[slot];
        final int maxWinBefore = maxWin[s];
        final int result;
        switch (proto[slot]) {
            case DecodedPacket.PROTO_TCP:
                result = trackTcp(slot, p, s, d, nowMillis);
                break;
            case DecodedPacket.PROTO_UDP:
                trackSingleMultiple(slot, s, d, nowMillis, StateTimeouts.UDP_SINGLE, StateTimeouts.UDP_MULTIPLE);
                result = PASS;
                break;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                lastActivityMillis[slot] = nowMillis;
                timeoutClass[slot] = StateTimeouts.ICMP_ERROR_REPLY;
                result = PASS;
                break;
            default:
                trackSingleMultiple(slot, s, d, nowMillis, StateTimeouts.OTHER_SINGLE, StateTimeouts.OTHER_MULTIPLE);
                result = PASS;
                break;
        }
        if (result == PASS) {
            final int dirIndex = forward ? 0 : 1;
            packets[slot * 2 + dirIndex]++;
            bytes[slot * 2 + dirIndex] += p.ipLength;
            seenHere[slot] |= (byte) (forward ? SEEN_SRC : SEEN_DST);
            if (proto[slot] == DecodedPacket.PROTO_TCP && (p.tcpFlags & DecodedPacket.TH_ACK) != 0) {
                final int ack = (int) p.ack - seqDiff[d];
                final int bit = forward ? ACK_SEEN_SRC : ACK_SEEN_DST;
                if ((seenHere[slot] & bit) == 0 || seqGt(ack, lastAck[s])) {
                    lastAck[s] = ack;
                    seenHere[slot] |= (byte) bit;
                }
            }
        }
        if (result != STATE_REUSED
                && before != (peerState[slot * 2] << 16 | peerState[slot * 2 + 1] << 8 | timeoutClass[slot])) {
            report(slot, splitPath(slot, nowMillis) ? SyncHints.IMMEDIATE : 0, nowMillis);
        } else if (result == PASS && syncUpdatesEnabled) {
            reportForSync(slot, nowMillis, maxWin[s] > maxWinBefore);
        }
        return result;
    }

    /**
     * Turns on the reporting of ordinary updates (a packet passed on a state and moved its windows or
     * counters, without changing its protocol state) for pfsync, throttled the way pf's sync queue
     * sends them (spec B.4 UPDATE): a state is reported at most once per
     * {@link #SYNC_UPDATE_INTERVAL_MILLIS} — the first update after that interval is reported, and a
     * change that came within the interval is reported when it ends ({@link #reportDue}) — and at once,
     * marked {@link SyncHints#IMMEDIATE}, after {@code maxUpdates} updates of a TCP state (0: every
     * update). On a split path (a peer updated the state in the last {@link #SYNC_SPLIT_WINDOW_MILLIS})
     * a larger {@code max_win} is reported at once, because the other node's window checks lean on it;
     * other window advances keep the throttle (see {@link #trackTcp}: split-path checks do not need
     * every update). Off by default: without sync nobody needs them.
     */
    public void enableSyncUpdates(final int maxUpdates) {
        syncUpdatesEnabled = true;
        syncMaxUpdates = maxUpdates;
    }

    /** True when a pfsync peer updated (or created) the state within the split window (pf's pfsync_time test). */
    public boolean splitPath(final int slot, final long nowMillis) {
        final long t = peerSyncMillis[slot];
        return t != 0 && nowMillis - t < SYNC_SPLIT_WINDOW_MILLIS;
    }

    private void reportForSync(final int slot, final long nowMillis, final boolean windowGrew) {
        if (windowGrew && splitPath(slot, nowMillis) || proto[slot] == DecodedPacket.PROTO_TCP && movedFar(slot)) {
            report(slot, SyncHints.IMMEDIATE, nowMillis);
        } else if (nowMillis - syncReportedMillis[slot] >= SYNC_UPDATE_INTERVAL_MILLIS) {
            report(slot, 0, nowMillis);
        } else if (proto[slot] == DecodedPacket.PROTO_TCP && ++syncUpdates[slot] >= syncMaxUpdates) {
            report(slot, SyncHints.IMMEDIATE, nowMillis);
        } else {
            markDirty(slot, nowMillis);
        }
    }

    /**
     * True when a half's {@code seqlo} moved more than a quarter of the other half's largest window
     * (at least {@link #REPORT_REACH_MIN} bytes) since the last report. A peer that takes over the
     * connection checks it against what we reported, with about a window of slack; with GSO
     * super-packets {@code maxupdates} packets can be megabytes, so packets alone do not bound how
     * far behind a peer's view falls.
     */
    private boolean movedFar(final int slot) {
        for (int h = 0; h < 2; h++) {
            final int i = slot * 2 + h;
            final int other = slot * 2 + 1 - h;
            if (reportedSeqLo[i] == 0 || seqLo[i] == 0) {
                continue;
            }
            final int shift = wscale[i] != 0 && wscale[other] != 0 ? wscale[other] & PF_WSCALE_MASK : 0;
            final long reach = Math.max(REPORT_REACH_MIN, ((long) maxWin[other] << shift) / 4);
            if (Integer.toUnsignedLong(seqLo[i] - reportedSeqLo[i]) > reach && seqGt(seqLo[i], reportedSeqLo[i])) {
                return true;
            }
        }
        return false;
    }

    /** Journals (and so sends) the state's current values, remembering them as what the peers were told. */
    private void report(final int slot, final int hints, final long nowMillis) {
        syncUpdates[slot] = 0;
        syncReportedMillis[slot] = nowMillis;
        syncDirty[slot] = false;
        markReported(slot, nowMillis);
        listener.onUpdate(this, slot, hints);
    }

    /**
     * Remembers the state's current half values as the ones the peers were told: the journal record of
     * this change goes to them. Called for every change sent for sync (inserts, updates, and the
     * packet thread's answers to peers). {@link #mergeFromPeer} compares a peer's record with these.
     */
    public void markReported(final int slot, final long nowMillis) {
        final boolean settle = nowMillis - reportedAtMillis[slot] >= REPORT_SETTLE_MILLIS;
        for (int i = slot * 2; i <= slot * 2 + 1; i++) {
            if (settle) {
                settledSeqLo[i] = reportedSeqLo[i];
                settledSeqHi[i] = reportedSeqHi[i];
                settledState[i] = reportedState[i];
            }
            reportedSeqLo[i] = seqLo[i];
            reportedSeqHi[i] = seqHi[i];
            reportedState[i] = peerState[i];
        }
        reportedAtMillis[slot] = nowMillis;
    }

    private void markDirty(final int slot, final long nowMillis) {
        syncDirty[slot] = true;
        if (!syncQueued[slot] && dirtyCount < capacity) {
            final int tail = (dirtyHead + dirtyCount) % capacity;
            dirtyQueue[tail] = slot | (long) generation[slot] << 32;
            dirtyQueuedMillis[tail] = nowMillis;
            dirtyCount++;
            syncQueued[slot] = true;
        }
    }

    /**
     * Reports the states whose last change came within the throttle interval and was not yet sent
     * (pf sends its queue on a one-second timer, so no change stays unsent): examines at most
     * {@code budget} queued states that waited an interval. Packet thread, every duty cycle.
     *
     * @return states reported
     */
    public int reportDue(final long nowMillis, final int budget) {
        int reported = 0;
        for (int n = 0; n < budget && dirtyCount > 0; n++) {
            final int head = dirtyHead;
            if (nowMillis - dirtyQueuedMillis[head] < SYNC_UPDATE_INTERVAL_MILLIS) {
                break;
            }
            final long entry = dirtyQueue[head];
            dirtyHead = (head + 1) % capacity;
            dirtyCount--;
            final int slot = (int) entry;
            if (generation[slot] != (int) (entry >>> 32)) {
                continue; // the state is gone; its slot's flag was reset when it was freed
            }
            syncQueued[slot] = false;
            if (!live[slot] || !syncDirty[slot]) {
                continue;
            }
            if (nowMillis - syncReportedMillis[slot] >= SYNC_UPDATE_INTERVAL_MILLIS) {
                report(slot, 0, nowMillis);
                reported++;
            } else {
                markDirty(slot, nowMillis); // reported since it was queued: wait for its own interval
            }
        }
        return reported;
    }

    /** pf_test_state_udp() and pf_test_state_other(): the sender is at least SINGLE; an answer makes the other MULTIPLE. */
    private void trackSingleMultiple(final int slot, final int s, final int d, final long nowMillis,
            final int singleClass, final int multipleClass) {
        if (peerState[s] < PFUDPS_SINGLE) {
            peerState[s] = PFUDPS_SINGLE;
        }
        if (peerState[d] == PFUDPS_SINGLE) {
            peerState[d] = PFUDPS_MULTIPLE;
        }
        lastActivityMillis[slot] = nowMillis;
        timeoutClass[slot] = (byte) (peerState[s] == PFUDPS_MULTIPLE && peerState[d] == PFUDPS_MULTIPLE
            ? multipleClass : singleClass);
    }

    /**
     * pf's TCP state test: the state-reuse rule of {@code pf_test_state_tcp()}, scrub's flag checks
     * (when enabled), then {@code pf_tcp_track_full()} (Guido van Rooij's sequence tracking):
     * <ol>
     * <li>Window scaling applies only when both halves carry {@code PF_WSCALE_FLAG}, never to SYNs.
     * <li>The first packet of a half (seqlo 0) initialises it: seqlo, state SYN_SENT, seqhi = end +
     *     the other's window, and for a SYN the scale factor, kept only if the other side's SYN had
     *     one too (else the other side's window is unscaled back and its scale dropped).
     * <li>No-data packets are judged at seqlo. The ack is replaced by the other's seqlo when there is
     *     no ACK flag, for RST|ACK with ack 0, and before the other half sent anything.
     * <li>Main check: data end ≤ seqhi; seq ≥ seqlo − the other's window (one window of
     *     retransmission); −MAXACKWINDOW ≤ ackskew ≤ MAXACKWINDOW << scale; a RST must carry seqlo,
     *     seqlo + 1 or seqlo − 1. Passing advances seqlo/seqhi/max_win and the half states and picks
     *     the timeout class.
     * <li>Loose check (SYN retransmissions before the answer, states picked up late, stray packets
     *     after close): within MAXACKWINDOW of the windows; advances the windows but not the timer.
     * <li>Anything else drops. A mismatch while both halves are SYN_SENT resets the sender's half
     *     (pf also sends a RST there; we do not).
     * </ol>
     */
    private int trackTcp(final int slot, final DecodedPacket p, final int s, final int d, final long nowMillis) {
        final int flags = p.tcpFlags;
        final boolean syn = (flags & DecodedPacket.TH_SYN) != 0;
        final boolean fin = (flags & DecodedPacket.TH_FIN) != 0;
        final boolean rst = (flags & DecodedPacket.TH_RST) != 0;
        final boolean hasAck = (flags & DecodedPacket.TH_ACK) != 0;

        // pf_test_state_tcp(): a new SYN on a connection closed in both directions starts over.
        if ((flags & (DecodedPacket.TH_SYN | DecodedPacket.TH_ACK)) == DecodedPacket.TH_SYN
                && peerState[s] >= TCPS_FIN_WAIT_2 && peerState[d] >= TCPS_FIN_WAIT_2) {
            remove(slot, StateRemoveReason.REUSED);
            return STATE_REUSED;
        }
        if (normalizeTcpFlags && badFlags(flags)) {
            counters.increment(StateCounter.MISMATCH_BAD_FLAGS);
            return DROP_BAD_FLAGS;
        }

        int win = p.window;
        int sws;
        int dws;
        if (wscale[s] != 0 && wscale[d] != 0 && !syn) {
            sws = wscale[s] & PF_WSCALE_MASK;
            dws = wscale[d] & PF_WSCALE_MASK;
        } else {
            sws = 0;
            dws = 0;
        }

        final int origSeq = (int) p.seq;
        int seq = origSeq;
        int end;
        int dataEnd;
        if (seqLo[s] == 0) {
            // First packet from this end: set up its half.
            end = seq + p.payloadLength;
            if (syn) {
                end++;
                if ((wscale[d] & PF_WSCALE_FLAG) != 0) {
                    wscale[s] = (byte) wscaleOption(p);
                    if ((wscale[s] & PF_WSCALE_FLAG) != 0) {
                        // Both sides offered scaling: remove the scale from this initial window.
                        sws = wscale[s] & PF_WSCALE_MASK;
                        win = (win + (1 << sws) - 1) >>> sws;
                        dws = wscale[d] & PF_WSCALE_MASK;
                    } else {
                        // No scaling after all: undo the scaling of the other side's window.
                        maxWin[d] = Math.min(TCP_MAXWIN, maxWin[d] << (wscale[d] & PF_WSCALE_MASK));
                        wscale[d] = 0;
                    }
                }
            }
            dataEnd = end;
            if (fin) {
                end++;
            }
            seqLo[s] = seq;
            if (peerState[s] < TCPS_SYN_SENT) {
                peerState[s] = TCPS_SYN_SENT;
            }
            if (mss[s] == 0 && syn) {
                mss[s] = p.mss;
            }
            // Slide the window: seqhi may have been set before (state picked up late).
            final int w = Math.max(1, maxWin[d] << dws);
            if (seqHi[s] == 1 || seqGeq(end + w, seqHi[s])) {
                seqHi[s] = end + w;
            }
            if (win > maxWin[s]) {
                maxWin[s] = win;
            }
        } else {
            end = seq + p.payloadLength;
            if (syn) {
                end++;
            }
            dataEnd = end;
            if (fin) {
                end++;
            }
        }

        final boolean dKnown = peerState[d] >= TCPS_SYN_SENT; // d sent its SYN (seen here or told by a peer)
        if (resync[slot]) {
            final int rawAck = (int) p.ack - seqDiff[d];
            return trackRecovered(slot, s, d, win, sws, end, hasAck ? rawAck : seqLo[d],
                    hasAck ? dKnown : seqLo[d] != 0, hasAck, fin, rst, nowMillis);
        }
        int ack = (int) p.ack - seqDiff[d];
        boolean checkAck = true;
        if (!hasAck) {
            ack = seqLo[d]; // let it pass the ack skew check
        } else if ((ack == 0 && (flags & (DecodedPacket.TH_ACK | DecodedPacket.TH_RST))
                == (DecodedPacket.TH_ACK | DecodedPacket.TH_RST)) || !dKnown) {
            ack = seqLo[d]; // broken stacks and FIN|ACK after a SYN timeout: nothing to acknowledge
        } else if (seqLo[d] == 0) {
            checkAck = false; // split path: d's state came from a peer before its sequence numbers did
        }
        // The ack is a position in d's sequence space (so it may move d's seqhi) unless it was replaced
        // by a seqlo that is not known yet. pf also moves seqhi by a replaced 0; that would leave a
        // meaningless seqhi which breaks pf's own "seqhi == 1: not set" test when d's SYN is seen later.
        final boolean ackUsable = dKnown && (ack != seqLo[d] || seqLo[d] != 0);

        if (seq == end) {
            // Ease sequencing restrictions on packets without data.
            seq = seqLo[s];
            end = seq;
            dataEnd = seq;
        }

        final int ackskew = seqLo[d] - ack;
        // Split path (theory in docs/pfsync.md): when d's packets do not all pass here, the bounds pf takes
        // from d's packets lag behind, so each is widened to the limit that what this node sees proves.
        // (1) d acknowledges at most what s sent (seqlo[s]) and offers at most its largest window, so s
        //     sends at most SPLIT_WINDOWS of d's largest windows beyond seqlo[s];
        // (3) s acknowledges at most what d sent, and d sends within the window s offered: seqhi[d],
        //     which this node computes from s's own packets; and, by (1) for d, at most SPLIT_WINDOWS
        //     of s's largest windows beyond d's seqlo.
        // Both stay within one or two windows of the connection's live sequence numbers, so a blind
        // (off-path) packet is still refused; RSTs keep pf's exact check against seqlo[s].
        int hiBound = seqHi[s];
        boolean ackAhead = ackskew >= -MAXACKWINDOW;
        // In a cluster every state may take a split path at any moment (a route moves, a node fails
        // over and back), and a node cannot tell at once that the other direction stopped passing here,
        // so with sync on the widened bounds always apply; alone, a node checks exactly as pf.
        final boolean remote = syncUpdatesEnabled || (seenHere[slot] & (d == slot * 2 ? SEEN_SRC : SEEN_DST)) == 0
                || splitPath(slot, nowMillis);
        if (dKnown && remote) {
            final int widened = seqLo[s] + splitReach(maxWin[d], dws);
            if (seqGt(widened, hiBound)) {
                hiBound = widened;
            }
            if (!ackAhead && (seqHi[d] != 1 && seqGeq(seqHi[d], ack)
                    || seqLo[d] != 0 && seqGeq(seqLo[d] + splitReach(maxWin[s], sws), ack))) {
                ackAhead = true; // (3), or: d sent at most the reach of (1) beyond its seqlo, so s acks no more
            }
        }

        if (seqGeq(hiBound, dataEnd)                                      // last octet inside the other's window
                && seqGeq(seq, seqLo[s] - (maxWin[d] << dws))             // retransmit: at most a window back
                && (!checkAck || (ackAhead                                // acking at most one window back
                        && ackskew <= (MAXACKWINDOW << sws)))             // acking at most one window forward
                && (!rst || origSeq == seqLo[s] || origSeq == seqLo[s] + 1 || origSeq + 1 == seqLo[s])) {
            advanceWindows(s, d, win, sws, end, ack, ackUsable);
            if (syn && peerState[s] < TCPS_SYN_SENT) {
                peerState[s] = TCPS_SYN_SENT;
            }
            if (fin && peerState[s] < TCPS_CLOSING) {
                peerState[s] = TCPS_CLOSING;
            }
            if (hasAck) {
                if (peerState[d] == TCPS_SYN_SENT) {
                    peerState[d] = TCPS_ESTABLISHED;
                } else if (peerState[d] == TCPS_CLOSING) {
                    peerState[d] = TCPS_FIN_WAIT_2;
                }
            }
            if (rst) {
                peerState[s] = TCPS_TIME_WAIT;
                peerState[d] = TCPS_TIME_WAIT;
            }
            lastActivityMillis[slot] = nowMillis;
            timeoutClass[slot] = (byte) tcpTimeoutClass(peerState[s], peerState[d]);
            return PASS;
        }
        // Loose window forward: beyond seqhi, or on a split path whose other half is not known here yet
        // (its SYN-ACK crossed the peer, whose update is on its way), beyond what s itself sent — pf's
        // MAXACKWINDOW slides along with s, so the first flights after the handshake pass meanwhile.
        final int looseHi = remote && !dKnown && seqGt(seqLo[s], seqHi[s]) ? seqLo[s] : seqHi[s];
        if ((peerState[d] < TCPS_SYN_SENT || peerState[d] >= TCPS_FIN_WAIT_2 || peerState[s] >= TCPS_FIN_WAIT_2)
                && seqGeq(looseHi + MAXACKWINDOW, dataEnd)                // within a window forward
                && seqGeq(seq, seqLo[s] - MAXACKWINDOW)) {                // within a window backward
            // Loose: shotgunned SYNs, connections picked up late, stray packets after close.
            // The timer is not refreshed, so a flood cannot keep the state alive.
            advanceWindows(s, d, win, sws, end, ack, ackUsable);
            if (fin && peerState[s] < TCPS_CLOSING) {
                peerState[s] = TCPS_CLOSING;
            }
            if (rst) {
                peerState[s] = TCPS_TIME_WAIT;
                peerState[d] = TCPS_TIME_WAIT;
            }
            return PASS;
        }
        final int base = slot * 2;
        if (peerState[base + PEER_SRC] == TCPS_SYN_SENT && peerState[base + PEER_DST] == TCPS_SYN_SENT) {
            // Handshake mismatch: forget this half so that its next packet starts it again.
            seqLo[s] = 0;
            seqHi[s] = 1;
            maxWin[s] = 1;
        }
        if (rst) {
            counters.increment(StateCounter.MISMATCH_BAD_RST);
            return DROP_BAD_RST;
        }
        counters.increment(StateCounter.MISMATCH_OUT_OF_WINDOW);
        return DROP_OUT_OF_WINDOW;
    }

    /**
     * A state recovered from the journal, tracked like pf's {@code sloppy} states for its first
     * {@link #RESYNC_PACKETS} packets: flags move the half states, the windows are re-learned from
     * every packet, and no sequence check drops anything — while the engine restarted the connection
     * moved on by an unknown amount, and packets lost meanwhile come back as retransmissions out of
     * order. Once both halves have been seen and the grace count is spent, pf's full checks resume.
     */
    private int trackRecovered(final int slot, final int s, final int d, final int win, final int sws, final int end,
            final int ack, final boolean ackUsable, final boolean hasAck, final boolean fin, final boolean rst,
            final long nowMillis) {
        advanceWindows(s, d, win, sws, end, ack, ackUsable);
        if (fin && peerState[s] < TCPS_CLOSING) {
            peerState[s] = TCPS_CLOSING;
        }
        if (hasAck && peerState[d] == TCPS_CLOSING) {
            peerState[d] = TCPS_FIN_WAIT_2;
        }
        if (rst) {
            peerState[s] = TCPS_TIME_WAIT;
            peerState[d] = TCPS_TIME_WAIT;
        }
        lastActivityMillis[slot] = nowMillis;
        timeoutClass[slot] = (byte) tcpTimeoutClass(peerState[s], peerState[d]);
        if (--resyncPackets[slot] <= 0 && seqLo[s] != 0 && seqLo[d] != 0) {
            resync[slot] = false;
        }
        return PASS;
    }

    private void advanceWindows(final int s, final int d, final int win, final int sws, final int end,
            final int ack, final boolean ackUsable) {
        if (maxWin[s] < win) {
            maxWin[s] = win;
        }
        if (seqGt(end, seqLo[s])) {
            seqLo[s] = end;
        }
        final int scaled = win << sws;
        if (ackUsable && (seqHi[d] == 1 || seqGeq(ack + scaled, seqHi[d]))) {
            seqHi[d] = ack + Math.max(scaled, 1);
        }
    }

    /** How far beyond seqlo a half may send on a split path: {@link #SPLIT_WINDOWS} of the other's largest window. */
    private static int splitReach(final int otherMaxWin, final int shift) {
        return (int) Math.min((long) SPLIT_WINDOWS * ((long) Math.max(otherMaxWin, 1) << shift), 1L << 30);
    }

    /**
     * The timeout class a restored or imported state keeps: its own when it is one of pf's state
     * classes here, else (a FreeBSD peer's SCTP class, a damaged import) its protocol's default,
     * counted — an index beyond the timeout table would otherwise end the packet thread at expiry.
     */
    private int knownTimeoutClass(final int protocol, final int timeout) {
        if (timeout >= 0 && timeout <= StateTimeouts.OTHER_MULTIPLE) {
            return timeout;
        }
        counters.increment(StateCounter.RESTORED_UNKNOWN_TIMEOUT);
        switch (protocol) {
            case DecodedPacket.PROTO_TCP:
                return StateTimeouts.TCP_ESTABLISHED;
            case DecodedPacket.PROTO_UDP:
                return StateTimeouts.UDP_MULTIPLE;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                return StateTimeouts.ICMP_ERROR_REPLY;
            default:
                return StateTimeouts.OTHER_MULTIPLE;
        }
    }

    /** pf's timeout class for a TCP state from its two half states (first match wins). */
    static int tcpTimeoutClass(final int src, final int dst) {
        if (src >= TCPS_FIN_WAIT_2 && dst >= TCPS_FIN_WAIT_2) {
            return StateTimeouts.TCP_CLOSED;
        }
        if (src >= TCPS_CLOSING && dst >= TCPS_CLOSING) {
            return StateTimeouts.TCP_FIN_WAIT;
        }
        if (src < TCPS_ESTABLISHED || dst < TCPS_ESTABLISHED) {
            return StateTimeouts.TCP_OPENING;
        }
        if (src >= TCPS_CLOSING || dst >= TCPS_CLOSING) {
            return StateTimeouts.TCP_CLOSING;
        }
        return StateTimeouts.TCP_ESTABLISHED;
    }

    /**
     * pf scrub's TCP flag checks ({@code pf_normalize_tcp()}): SYN with RST or FIN; neither SYN, ACK
     * nor RST; FIN, PUSH or URG without ACK.
     */
    static boolean badFlags(final int flags) {
        if ((flags & DecodedPacket.TH_SYN) != 0) {
            if ((flags & (DecodedPacket.TH_RST | DecodedPacket.TH_FIN)) != 0) {
                return true;
            }
        } else if ((flags & (DecodedPacket.TH_ACK | DecodedPacket.TH_RST)) == 0) {
            return true;
        }
        return (flags & DecodedPacket.TH_ACK) == 0
            && (flags & (DecodedPacket.TH_FIN | DecodedPacket.TH_PUSH | DecodedPacket.TH_URG)) != 0;
    }

    /** SEQ_GT: a is after b in 32-bit modular sequence space. */
    static boolean seqGt(final int a, final int b) {
        return a - b > 0;
    }

    /** SEQ_GEQ. */
    static boolean seqGeq(final int a, final int b) {
        return a - b >= 0;
    }

    /** SEQ_LT. */
    static boolean seqLt(final int a, final int b) {
        return a - b < 0;
    }

    // =========================================================================================
    // Expiry and removal
    // =========================================================================================

    /**
     * Examines at most {@code budget} slots from the sweep cursor (wrapping at the end) and removes
     * the live states whose deadline is at or before {@code nowMillis} (counted as expired).
     * A full pass over the table takes {@code capacity / budget} calls; the work of one call never
     * depends on the table size.
     *
     * @return the number of states removed
     */
    public int expire(final long nowMillis, final int budget) {
        assert onOwnerThread();
        final int n = Math.max(0, Math.min(budget, capacity));
        int removed = 0;
        int cursor = expireCursor;
        for (int i = 0; i < n; i++) {
            if (live[cursor] && expiresAtMillis(cursor) <= nowMillis) {
                remove(cursor, StateRemoveReason.EXPIRED);
                removed++;
            }
            cursor++;
            if (cursor == capacity) {
                cursor = 0;
            }
        }
        expireCursor = cursor;
        counters.add(StateCounter.EXPIRE_SLOTS_EXAMINED, n);
        return removed;
    }

    /** Removes a live state now, counting {@code reason}; its slot's generation is bumped. */
    public void remove(final int slot, final StateRemoveReason reason) {
        assert onOwnerThread();
        if (!live[slot]) {
            throw new IllegalStateException("slot not live: " + slot);
        }
        if ((stateFlags[slot] & PFSTATE_ACK) != 0) {
            heldListener.heldStateRemoved(this, slot);
            stateFlags[slot] &= ~PFSTATE_ACK;
        }
        listener.onRemove(this, slot, reason);
        indexDelete(slot, 0);
        if (!selfKeyed(slot)) {
            indexDelete(slot, 1);
        }
        idIndex.remove(idKey(creatorIds[slot], ids[slot]));
        live[slot] = false;
        syncQueued[slot] = false;
        generation[slot]++;
        if (rule[slot] >= 0) {
            ruleStates[rule[slot]]--;
        }
        freeSlots[freeTop++] = slot;
        size--;
        counters.increment(reason.counter());
    }

    /**
     * The state's deadline: last activity plus its class's timeout after adaptive scaling for the
     * current number of states (pf's {@code pf_state_expires()}, computed in whole seconds as pf).
     * Computed on demand because adaptive scaling moves it as the table fills and empties.
     */
    public long expiresAtMillis(final int slot) {
        return lastActivityMillis[slot] + timeouts.scaledSeconds(timeoutClass[slot], size) * 1000L;
    }

    /** Seconds left before the state expires at {@code nowMillis}, 0 if already due (pfsync's {@code expire}). */
    public long expiresInSeconds(final int slot, final long nowMillis) {
        final long left = expiresAtMillis(slot) - nowMillis;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    // =========================================================================================
    // Index
    // =========================================================================================

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

    private int find(final int fam, final int protocol, final int ifKey, final long aHi, final long aLo,
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

    private boolean entryMatches(final int entry, final int fam, final int protocol, final int ifKey,
            final long aHi, final long aLo, final long bHi, final long bLo, final int portA, final int portB) {
        final int slot = entry >>> 1;
        if (family[slot] != (byte) fam || proto[slot] != (byte) protocol || ifindex[slot] != ifKey) {
            return false;
        }
        if ((entry & 1) == 0) {
            return srcLo[slot] == aLo && dstLo[slot] == bLo && srcHi[slot] == aHi && dstHi[slot] == bHi
                && srcPort[slot] == portA && dstPort[slot] == portB;
        }
        return dstLo[slot] == aLo && srcLo[slot] == bLo && dstHi[slot] == aHi && srcHi[slot] == bHi
            && dstPort[slot] == portA && srcPort[slot] == portB;
    }

    /** Hash of a slot's forward (side 0) or backward (side 1) key. */
    private int slotHash(final int slot, final int side) {
        if (side == 0) {
            return (int) hash(family[slot], proto[slot] & 0xff, ifindex[slot], srcHi[slot], srcLo[slot],
                dstHi[slot], dstLo[slot], srcPort[slot], dstPort[slot]);
        }
        return (int) hash(family[slot], proto[slot] & 0xff, ifindex[slot], dstHi[slot], dstLo[slot],
            srcHi[slot], srcLo[slot], dstPort[slot], srcPort[slot]);
    }

    /** A state whose backward key equals its forward key (same address and port at both ends) has one entry. */
    private boolean selfKeyed(final int slot) {
        return srcHi[slot] == dstHi[slot] && srcLo[slot] == dstLo[slot] && srcPort[slot] == dstPort[slot];
    }

    private void indexInsert(final int slot, final int side) {
        final int h = slotHash(slot, side);
        int i = h & mask;
        while (index[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        index[i] = (slot << 1) | side;
        indexHash[i] = h;
    }

    /** Removes an entry and closes the gap by shifting later entries of the run back (no tombstones). */
    private void indexDelete(final int slot, final int side) {
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

    private boolean onOwnerThread() {
        final Thread current = Thread.currentThread();
        if (owner == null) {
            owner = current;
        }
        return owner == current;
    }

    // =========================================================================================
    // Read accessors (owner thread)
    // =========================================================================================

    /** Installs the listener told when a state with a held first packet is removed (the deferral queue). */
    public void setHeldStateListener(final HeldStateListener l) {
        this.heldListener = l == null ? (table, slot) -> { } : l;
    }

    /** Installs the listener told of every insert, update and removal (the journal recorder). */
    public void setListener(final StateChangeListener listener) {
        this.listener = listener == null ? StateChangeListener.NONE : listener;
    }

    /**
     * Puts back a whole state, both halves included, from one exchange record: a state recovered
     * from the journal or imported from a pfsync peer, with its recorded identity, counters and
     * timers. The listener is not told (the state is already in the journal).
     *
     * <p>The record ({@code JournalRecordFlyweight}, the one exchange record) supplies the key
     * (family, protocol, addresses, ports, interface), direction, creator id and id, creation time,
     * timeout class, packet and byte counters and both {@link StateHalves} ({@code seqdiff} from the
     * {@link StateView}; a {@link StateSnapshotRow} is not a whole state and cannot serve). The
     * record's rule, state flags, last activity and expiry deadline are not read: state flags start
     * clear, and the caller supplies what it computes differently from the record:
     * <ul>
     * <li>{@code ruleNumber}: journal recovery passes the recorded rule; a peer's state passes -1 (our
     *     rule numbers are not the peer's). Out of range means none.</li>
     * <li>{@code lastActivity} (wall-clock ms): each caller derives it from the record's expiry
     *     deadline its own way (see {@code JournalRecovery.put} and {@code PeerInbox.importState}).</li>
     * <li>{@code keepWindows}: false for journal recovery — TCP halves then re-learn their sequence
     *     windows from the next packet each way (seqlo and seqhi cleared, as for a connection pf picks
     *     up mid-stream), because recorded windows may be seconds behind a busy connection; true for a
     *     pfsync peer's state, which is at most about a second old, and whose view of the half this
     *     node may never see the split-path checks need.</li>
     * </ul>
     * A TCP state starts {@link #RESYNC_PACKETS} packets of sloppy tracking either way
     * ({@link #trustWindows} ends it); a timeout class this engine does not have becomes the
     * protocol's default, counted ({@code knownTimeoutClass}).
     *
     * @return the slot, or a negative {@code FAIL_*} code (table full, duplicate key), counted
     */
    public int restore(final StateView state, final int ruleNumber, final long lastActivity,
            final boolean keepWindows) {
        assert onOwnerThread();
        final int af = state.af();
        final int protocol = state.proto();
        final long sHi = state.srcHi();
        final long sLo = state.srcLo();
        final long dHi = state.dstHi();
        final long dLo = state.dstLo();
        final int sPort = state.srcPort();
        final int dPort = state.dstPort();
        final int ifKey = ifBound ? state.ifindex() : 0;
        if (size >= capacity) {
            counters.increment(StateCounter.INSERT_FAILED_FULL);
            return FAIL_FULL;
        }
        if (find(af, protocol, ifKey, sHi, sLo, dHi, dLo, sPort, dPort) != EMPTY
                || find(af, protocol, ifKey, dHi, dLo, sHi, sLo, dPort, sPort) != EMPTY) {
            counters.increment(StateCounter.INSERT_FAILED_DUPLICATE);
            return FAIL_DUPLICATE;
        }
        final int slot = freeSlots[--freeTop];
        live[slot] = true;
        family[slot] = (byte) af;
        proto[slot] = (byte) protocol;
        srcHi[slot] = sHi;
        srcLo[slot] = sLo;
        dstHi[slot] = dHi;
        dstLo[slot] = dLo;
        srcPort[slot] = sPort;
        dstPort[slot] = dPort;
        ifindex[slot] = ifKey;
        rule[slot] = ruleNumber >= 0 && ruleNumber < ruleStates.length ? ruleNumber : -1;
        direction[slot] = (byte) state.direction();
        creatorIds[slot] = state.creatorId();
        ids[slot] = state.id();
        idIndex.put(idKey(creatorIds[slot], ids[slot]), slot);
        creationMillis[slot] = state.creationMillis();
        lastActivityMillis[slot] = lastActivity;
        timeoutClass[slot] = (byte) knownTimeoutClass(protocol, state.timeoutClass());
        for (int i = 0; i < 2; i++) {
            packets[slot * 2 + i] = state.packets(i);
            bytes[slot * 2 + i] = state.bytes(i);
            restorePeer(slot, i, state.seqLo(i), state.seqHi(i), state.seqDiff(i), state.maxWin(i), state.mss(i),
                    state.peerState(i), state.wscale(i), keepWindows);
        }
        resync[slot] = protocol == DecodedPacket.PROTO_TCP;
        resyncPackets[slot] = RESYNC_PACKETS;
        resetSync(slot, lastActivity);
        indexInsert(slot, 0);
        if (!selfKeyed(slot)) {
            indexInsert(slot, 1);
        }
        if (rule[slot] >= 0) {
            ruleStates[rule[slot]]++;
        }
        size++;
        return slot;
    }

    /**
     * Merges a peer's view of a state into ours (goal G-MERGE), field by field: the further protocol
     * state of each half (a real TCP state beats a synproxy one, as in pf's rule), and for TCP the
     * further {@code seqlo} and {@code seqhi} (modulo 2^32) of each half whose sequence space the peer
     * knows, the larger {@code max_win}, and what the peer learned of window scaling and MSS from a
     * SYN this node did not see. Every field only moves forward, so merging is order-independent and
     * repeated merges change nothing: two nodes that have heard each other's latest hold the same
     * values.
     *
     * <p>When the two directions of a connection cross different nodes, each knows some fields
     * better than the other, so a peer's record is nearly always behind ours somewhere — that alone
     * is no reason to answer. What calls for an answer is a record behind what we <i>reported</i>:
     * the peer missed or lost our message (or it is a FreeBSD peer that overwrote a half with an older
     * one, opnsense/src#327). A report younger than {@link #REPORT_SETTLE_MILLIS} may simply be crossing
     * the peer's record on the link, so the record is then judged against the report before it. Then {@link #MERGE_BEHIND} is set (pfsync's {@code stale}) and, at most
     * once per {@link #CORRECTION_INTERVAL_MILLIS} per state, {@link #MERGE_CORRECT}: the caller sends
     * our version back at once. Between Tandem nodes a correction leaves its receiver at least at what
     * we reported, so it is never answered in turn; the interval bounds the rest.
     *
     * <p>The state is refreshed (last activity now, the timeout class of the merged half states) and
     * marked as updated by a peer (pf's {@code pfsync_time}: the split-path test).
     *
     * @param swapped the peer's initiator is our responder (a state both nodes created, one of them
     *                from the reply)
     * @return {@link #MERGE_BEHIND} and {@link #MERGE_CORRECT} bits
     */
    public int mergeFromPeer(final int slot, final StateHalves v, final boolean swapped, final long nowMillis) {
        assert onOwnerThread();
        final boolean tcp = proto[slot] == DecodedPacket.PROTO_TCP;
        int result = 0;
        if (tcp) {
            mergeScaling(slot, v, swapped ? 1 : 0);
        }
        final boolean recent = nowMillis - reportedAtMillis[slot] < REPORT_SETTLE_MILLIS;
        for (int half = 0; half < 2; half++) {
            final int h = swapped ? 1 - half : half;
            final int i = slot * 2 + half;
            final int theirs = v.peerState(h);
            if (recent ? behind(theirs, (int) v.seqLo(h), (int) v.seqHi(h), tcp, settledState[i], settledSeqLo[i],
                    settledSeqHi[i]) : behind(theirs, (int) v.seqLo(h), (int) v.seqHi(h), tcp, reportedState[i],
                    reportedSeqLo[i], reportedSeqHi[i])) {
                result |= MERGE_BEHIND;
            }
            if (stateRank(theirs) > stateRank(peerState[i])) {
                peerState[i] = (byte) theirs;
            }
            if (tcp) {
                mergeWindows(i, theirs, (int) v.seqLo(h), (int) v.seqHi(h));
            }
            if (v.maxWin(h) > maxWin[i]) {
                maxWin[i] = v.maxWin(h);
            }
            if (mss[i] == 0) {
                mss[i] = v.mss(h);
            }
        }
        if (tcp && (seenHere[slot] & (ACK_SEEN_SRC | ACK_SEEN_DST)) != 0) {
            result |= lateAckTransition(slot, ACK_SEEN_SRC, slot * 2, slot * 2 + 1)
                    | lateAckTransition(slot, ACK_SEEN_DST, slot * 2 + 1, slot * 2);
        }
        lastActivityMillis[slot] = nowMillis;
        timeoutClass[slot] = (byte) (tcp ? tcpTimeoutClass(peerState[slot * 2], peerState[slot * 2 + 1])
                : laterClass(timeoutClass[slot], v.timeoutClass()));
        peerSyncMillis[slot] = nowMillis;
        if ((result & MERGE_BEHIND) != 0 && nowMillis - lastCorrectionMillis[slot] >= CORRECTION_INTERVAL_MILLIS) {
            lastCorrectionMillis[slot] = nowMillis;
            result |= MERGE_CORRECT;
        }
        return result;
    }

    /**
     * pf's ACK-driven transitions of the acknowledged half — SYN_SENT to ESTABLISHED, CLOSING to
     * FIN_WAIT_2 — applied late: on a split path the acknowledging packets pass here, but the half's
     * SYN or FIN crossed the peer, so this node learns that the half is SYN_SENT or CLOSING only from
     * the peer's view, after the ACK. If the highest ack seen from the acknowledging half ({@code acker})
     * covers the acknowledged half's {@code seqlo} (its SYN or FIN included), the transition is made —
     * a conclusion the peer cannot draw (it never saw the ACK), so the caller sends it
     * ({@link #MERGE_DERIVED}). Without it a split connection's halves stay SYN_SENT or CLOSING: an idle
     * connection keeps tcp.opening's 30 s, and a closed one is never "closed in both directions", so a
     * new SYN reusing its ports is dropped instead of starting over.
     */
    private int lateAckTransition(final int slot, final int bit, final int acker, final int acked) {
        if ((seenHere[slot] & bit) == 0 || seqLo[acked] == 0 || !seqGeq(lastAck[acker], seqLo[acked])) {
            return 0;
        }
        if (peerState[acked] == TCPS_SYN_SENT) {
            peerState[acked] = TCPS_ESTABLISHED;
            return MERGE_DERIVED;
        }
        if (peerState[acked] == TCPS_CLOSING) {
            peerState[acked] = TCPS_FIN_WAIT_2;
            return MERGE_DERIVED;
        }
        return 0;
    }

    /** A half's sequence numbers from a peer that knows them (its SYN was seen there): each the further. */
    private void mergeWindows(final int i, final int theirState, final int lo, final int hi) {
        if (theirState < TCPS_SYN_SENT || lo == 0) {
            return; // the peer has not seen this half's SYN either
        }
        if (seqLo[i] == 0 || seqGt(lo, seqLo[i])) {
            seqLo[i] = lo;
        }
        if (hi != 0 && hi != 1 && (seqHi[i] == 0 || seqHi[i] == 1 || seqGt(hi, seqHi[i]))) {
            seqHi[i] = hi;
        }
    }

    /**
     * Window scaling is settled by the responder's SYN, which perhaps only the peer saw: if it carried
     * the option, take the responder's shift; if the peer saw it without one (its responder half is
     * known, and it dropped the initiator's shift as pf does), drop ours and unscale the initiator's
     * max_win the way pf_tcp_track_full() does.
     */
    private void mergeScaling(final int slot, final StateHalves v, final int theirSrc) {
        final int s = slot * 2;
        final int d = s + 1;
        final int theirDst = 1 - theirSrc;
        final int srcScale = v.wscale(theirSrc);
        final int dstScale = v.wscale(theirDst);
        if (wscale[d] != 0) {
            return;
        }
        if ((dstScale & PF_WSCALE_FLAG) != 0 && (wscale[s] & PF_WSCALE_FLAG) != 0) {
            wscale[d] = (byte) dstScale;
        } else if (dstScale == 0 && srcScale == 0 && wscale[s] != 0
                && v.peerState(theirDst) >= TCPS_SYN_SENT && v.seqLo(theirDst) != 0) {
            maxWin[s] = Math.min(TCP_MAXWIN, maxWin[s] << (wscale[s] & PF_WSCALE_MASK));
            wscale[s] = 0;
        }
    }

    /** True when a peer's half is behind one we reported: in state, or (TCP) in seqlo or seqhi. */
    private static boolean behind(final int theirState, final int lo, final int hi, final boolean tcp,
            final int reportedState, final int reportedLo, final int reportedHi) {
        if (stateRank(theirState) < stateRank(reportedState)) {
            return true;
        }
        if (!tcp || reportedState < TCPS_SYN_SENT || reportedLo == 0) {
            return false;
        }
        if (lo == 0 || seqLt(lo, reportedLo)) {
            return true;
        }
        return reportedHi != 0 && reportedHi != 1 && (hi == 0 || hi == 1 || seqLt(hi, reportedHi));
    }

    /** The further of two non-TCP timeout classes of one protocol (pf's classes for a protocol only move up). */
    private static int laterClass(final int ours, final int theirs) {
        return theirs > ours && theirs <= StateTimeouts.OTHER_MULTIPLE && classFamily(theirs) == classFamily(ours)
                ? theirs : ours;
    }

    private static int classFamily(final int timeoutClass) {
        if (timeoutClass <= StateTimeouts.TCP_CLOSED) {
            return 0;
        }
        if (timeoutClass <= StateTimeouts.UDP_MULTIPLE) {
            return 1;
        }
        return timeoutClass <= StateTimeouts.ICMP_ERROR_REPLY ? 2 : 3;
    }

    /** Order of half states for merging: synproxy states (11, 12) come before every real TCP state. */
    private static int stateRank(final int halfState) {
        return halfState >= PF_TCPS_PROXY_SRC ? halfState - PF_TCPS_PROXY_SRC - 2 : halfState;
    }

    /** Marks a state as just created or updated by a pfsync peer (pf's pfsync_time): split-path detection. */
    public void markPeerUpdate(final int slot, final long nowMillis) {
        assert onOwnerThread();
        peerSyncMillis[slot] = nowMillis;
    }

    /** The slot of the state with this pfsync identity, or -1. */
    public int findById(final int creator, final long id) {
        final long slot = idIndex.get(idKey(creator, id));
        if (slot < 0 || !live[(int) slot] || ids[(int) slot] != id || creatorIds[(int) slot] != creator) {
            return -1;
        }
        return (int) slot;
    }

    private static long idKey(final int creator, final long id) {
        return id ^ (creator * 0x9E3779B97F4A7C15L);
    }

    /** The slot of the state with exactly this key (as stored: initiator first), or -1. */
    public int findSlot(final int af, final int protocol, final int ifIndex, final long sHi, final long sLo,
            final long dHi, final long dLo, final int sPort, final int dPort) {
        final int entry = find(af, protocol, ifBound ? ifIndex : 0, sHi, sLo, dHi, dLo, sPort, dPort);
        return entry == EMPTY ? -1 : entry >>> 1;
    }

    /**
     * Removes a state without counting it or telling the listener: recovery replaying a DELETE, or
     * replacing a state by a newer record of it.
     */
    public void forget(final int slot) {
        assert onOwnerThread();
        indexDelete(slot, 0);
        if (!selfKeyed(slot)) {
            indexDelete(slot, 1);
        }
        idIndex.remove(idKey(creatorIds[slot], ids[slot]));
        live[slot] = false;
        syncQueued[slot] = false;
        generation[slot]++;
        if (rule[slot] >= 0) {
            ruleStates[rule[slot]]--;
        }
        freeSlots[freeTop++] = slot;
        size--;
    }

    /**
     * Sets one half of a state {@link #restore} is putting back ({@code peer} 0 = initiator).
     * {@code keepWindows} keeps a TCP half's seqlo and seqhi; otherwise they are cleared (0 and 1).
     * Package-private: tests use it to give a half a particular state.
     */
    void restorePeer(final int slot, final int peer, final long seqLoValue, final long seqHiValue,
            final long seqDiffValue, final int maxWinValue, final int mssValue, final int state, final int wscaleValue,
            final boolean keepWindows) {
        assert onOwnerThread();
        final int i = slot * 2 + peer;
        final boolean clear = proto[slot] == DecodedPacket.PROTO_TCP && !keepWindows;
        seqLo[i] = clear ? 0 : (int) seqLoValue;
        seqHi[i] = clear ? 1 : (int) seqHiValue;
        seqDiff[i] = (int) seqDiffValue;
        maxWin[i] = maxWinValue;
        mss[i] = mssValue;
        peerState[i] = (byte) state;
        wscale[i] = (byte) wscaleValue;
    }

    /**
     * Ends the sloppy re-learning of a TCP state's windows at once ({@link #restore} starts it): for a
     * state a peer has just created (its INS), whose windows are current.
     */
    public void trustWindows(final int slot) {
        assert onOwnerThread();
        resync[slot] = false;
    }

    /** pf's {@code state_flags}: {@link PfConstants#PFSTATE_ACK} while the state's first packet is held (deferral). */
    public int stateFlags(final int slot) {
        return stateFlags[slot] & 0xff;
    }

    /** Sets or clears {@link PfConstants#PFSTATE_ACK}: the deferral of the state's first packet starts or ends. */
    public void deferred(final int slot, final boolean held) {
        assert onOwnerThread();
        stateFlags[slot] = (byte) (held ? stateFlags[slot] | PFSTATE_ACK : stateFlags[slot] & ~PFSTATE_ACK);
    }

    /**
     * The index entry of the state holding this connection in either orientation: {@code slot << 1}
     * when its initiator is {@code s}, {@code slot << 1 | 1} when its initiator is {@code d}; -1 if none.
     */
    public int findEntry(final int af, final int protocol, final int ifIndex, final long sHi, final long sLo,
            final long dHi, final long dLo, final int sPort, final int dPort) {
        return find(af, protocol, ifBound ? ifIndex : 0, sHi, sLo, dHi, dLo, sPort, dPort);
    }

    /** States whose last change waits for its trailing report ({@link #reportDue}). */
    public int reportsPending() {
        return dirtyCount;
    }

    /** This node's creator id, written into every state it creates. */
    public int creatorId() {
        return creatorId;
    }

    public int capacity() {
        return capacity;
    }

    /** Number of live states (the {@code tandem_states} gauge). */
    public int size() {
        return size;
    }

    public boolean ifBound() {
        return ifBound;
    }

    public StateTimeouts timeouts() {
        return timeouts;
    }

    public StateCounters counters() {
        return counters;
    }

    /** Live states created by {@code ruleNumber}. */
    public int ruleStates(final int ruleNumber) {
        return ruleStates[ruleNumber];
    }

    /** Index slots of the hash index (a power of two). */
    public int indexSize() {
        return index.length;
    }

    public boolean isLive(final int slot) {
        return live[slot];
    }

    /** Bumped each time the slot is freed: {@code (slot, generation)} names one state. */
    public int generation(final int slot) {
        return generation[slot];
    }

    /** The first live slot at or after {@code fromSlot}, or -1: {@code for (s = nextLive(0); s >= 0; s = nextLive(s + 1))}. */
    public int nextLive(final int fromSlot) {
        for (int s = Math.max(fromSlot, 0); s < capacity; s++) {
            if (live[s]) {
                return s;
            }
        }
        return -1;
    }

    /** Calls {@code action} with every live slot in slot order; it must not create or remove states. */
    public void forEachLive(final IntConsumer action) {
        for (int s = 0; s < capacity; s++) {
            if (live[s]) {
                action.accept(s);
            }
        }
    }

    public int family(final int slot) {
        return family[slot];
    }

    public int protocol(final int slot) {
        return proto[slot] & 0xff;
    }

    public long srcHi(final int slot) {
        return srcHi[slot];
    }

    public long srcLo(final int slot) {
        return srcLo[slot];
    }

    public long dstHi(final int slot) {
        return dstHi[slot];
    }

    public long dstLo(final int slot) {
        return dstLo[slot];
    }

    /** Initiator's port (ICMP echo: the identifier). */
    public int srcPort(final int slot) {
        return srcPort[slot];
    }

    public int dstPort(final int slot) {
        return dstPort[slot];
    }

    /** Bound interface index; 0 for floating states (always 0 in a floating table). */
    public int ifindex(final int slot) {
        return ifindex[slot];
    }

    /** Creating rule number, -1 for none (pfsync writes 0xffffffff). */
    public int rule(final int slot) {
        return rule[slot];
    }

    /** Direction of the first packet: pf's {@code PF_IN}, {@code PF_OUT} or {@code PF_INOUT} ({@link PfConstants}). */
    public int direction(final int slot) {
        return direction[slot];
    }

    public int creatorId(final int slot) {
        return creatorIds[slot];
    }

    public long id(final int slot) {
        return ids[slot];
    }

    public long creationMillis(final int slot) {
        return creationMillis[slot];
    }

    /** pf's {@code state->expire}: time of the last activity that refreshed the state. */
    public long lastActivityMillis(final int slot) {
        return lastActivityMillis[slot];
    }

    /** {@code PFTM_*} index ({@link StateTimeouts}). */
    public int timeoutClass(final int slot) {
        return timeoutClass[slot];
    }

    /** Packets passed: {@code dirIndex} 0 = sent by the initiator, 1 = by the responder (pf's packets[0/1]). */
    public long packets(final int slot, final int dirIndex) {
        return packets[slot * 2 + dirIndex];
    }

    public long bytes(final int slot, final int dirIndex) {
        return bytes[slot * 2 + dirIndex];
    }

    /** Highest sequence number sent, plus one ({@link #PEER_SRC} or {@link #PEER_DST}), unsigned. */
    public long seqLo(final int slot, final int peer) {
        return Integer.toUnsignedLong(seqLo[slot * 2 + peer]);
    }

    /** Highest sequence number the other end acknowledged plus its window, unsigned. */
    public long seqHi(final int slot, final int peer) {
        return Integer.toUnsignedLong(seqHi[slot * 2 + peer]);
    }

    /** Sequence number modulator; always 0 (no modulation here), kept for pfsync. */
    public long seqDiff(final int slot, final int peer) {
        return Integer.toUnsignedLong(seqDiff[slot * 2 + peer]);
    }

    /** Largest window seen from this peer, unscaled. */
    public int maxWin(final int slot, final int peer) {
        return maxWin[slot * 2 + peer];
    }

    public int mss(final int slot, final int peer) {
        return mss[slot * 2 + peer];
    }

    /** {@code TCPS_*} for TCP, {@code PFUDPS_*}/{@code PFOTHERS_*} otherwise, 0 for ICMP. */
    public int peerState(final int slot, final int peer) {
        return peerState[slot * 2 + peer];
    }

    /** {@link PfConstants#PF_WSCALE_FLAG} | shift, or 0. */
    public int wscale(final int slot, final int peer) {
        return wscale[slot * 2 + peer] & 0xff;
    }
}
