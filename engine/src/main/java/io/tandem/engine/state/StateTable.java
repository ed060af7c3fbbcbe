package io.tandem.engine.state;

import static io.tandem.engine.state.PfConstants.PFSTATE_ACK;
import static io.tandem.engine.state.PfConstants.TCPS_FIN_WAIT_2;

import io.tandem.engine.decode.DecodedPacket;
import java.util.function.IntConsumer;

/**
 * The connection-state table of one PacketAgent: pf's states, stored so that each maps 1:1 onto a
 * pfsync v5 state record, built from parts as NPF splits its connection tracking.
 *
 * <p><b>Overview.</b> A state describes one connection: address family, protocol, the 5-tuple as the
 * initiator sent it, the interface it is bound to (0 = floating), the rule that created it, the
 * direction of its first packet, its cluster-wide name {@code (creatorid, id)}, times, counters and
 * two peer halves exactly like pf's {@code pf_state_peer}: {@code src} is the initiator and
 * {@code dst} the responder, each with {@code seqlo}, {@code seqhi}, {@code seqdiff},
 * {@code max_win}, {@code mss}, {@code state} and {@code wscale}. Timeout classes and values are pf's
 * ({@link StateTimeouts}).
 *
 * <p><b>Parts.</b> This class is the table's one entry point and life cycle; the work is done by:
 * <ul>
 * <li>{@link StateStore} — the fields: the hot ones packed into one 128-byte record per slot, the
 *     cold ones in arrays by slot; the free stack, generations;</li>
 * <li>{@link StateIndex} — one entry per state, found by its forward or backward key, in a keyed
 *     symmetric open-addressing hash (NPF's
 *     {@code npf_conndb}), and {@code (creatorid, id) → slot};</li>
 * <li>{@link TcpTracker} — pf's per-packet checks: {@code pf_tcp_track_full()}, SINGLE/MULTIPLE
 *     for UDP and others, split-path bounds (NPF's {@code npf_state_tcp.c});</li>
 * <li>{@link StateExpiry} — deadlines from timeout classes with adaptive scaling, the bounded sweep;</li>
 * <li>{@link PeerViewMerge} — a pfsync peer's view merged field by field.</li>
 * </ul>
 * What pfsync needs beyond that — when a change is reported, whether a state is on a split path,
 * what the peers were last told — is sync policy, outside this package
 * ({@code io.tandem.engine.sync.SyncPolicy}), reached through {@link StateSyncHooks}.
 *
 * <p><b>Life cycle of a state.</b> {@link #create} (after the ruleset passed the first packet;
 * checks the rule's max-states, the capacity and duplicate keys, in pf's order) → repeated
 * {@link #lookup} + {@link #track} per packet → removal by {@link #expire} once its deadline
 * passes, or by {@link #remove}. {@link #restore} puts back a state from a journal record or a peer.
 * Every insert, protocol-state change and removal is told to the {@link StateChangeListener} (the
 * journal recorder), and so to the peers.
 *
 * <p><b>Synchronisation.</b> Owned by the PacketAgent's packet thread, the single writer; the first
 * thread that mutates the table becomes its owner and every mutator asserts it (tests run with
 * {@code -ea}). Peers' updates and snapshot requests reach the owner through its inbox and mailboxes.
 * One read comes from other threads: {@link #size()}, a plain int read by the metrics scrape as a
 * gauge (it may be a moment stale, never torn).
 *
 * <p><b>Memory bound.</b> Fixed at construction, in the parts: 182 bytes per slot in the store (128 of
 * them the packed record) and about 84 in the two indexes — about 266 bytes per state, 27 MB for pf's
 * default 100,000 states — plus 4 bytes per rule; the sync policy adds its own (see there). The
 * capacity is at most {@code 2^27 - 1} states (the records are one Java array). Nothing on the
 * packet path allocates.
 *
 * <p><b>Failure policy.</b> No exceptions on the packet path. A full table, a duplicate key or a
 * rule's state limit makes {@link #create} return a negative {@code FAIL_*} code and count it; a
 * packet that fails a state's checks makes {@link #track} return a {@code DROP_*} code and counts
 * the reason. Exceptions are thrown only for configuration or programming errors (bad constructor
 * arguments, a rule number out of range).
 *
 * <p><b>Deliberate differences from pf</b> are listed on the methods and parts: no sequence-number
 * modulation, scrub or synproxy; ICMP echo states key on the identifier only (not on the type);
 * lookups do not check a direction.
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

    /** {@link #mergeHalves} result bit: the merge let this node conclude more than the peer's record says. */
    public static final int MERGE_DERIVED = 4;

    // ---- peers (pf's constants are in PfConstants) --------------------------------------------
    /** Peer indices: src = the initiator, dst = the responder. */
    public static final int PEER_SRC = 0;
    public static final int PEER_DST = 1;

    /** Packets of sloppy tracking a recovered TCP state gets before pf's full checks resume. */
    public static final int RESYNC_PACKETS = 64;

    private static final int EMPTY = StateIndex.EMPTY;

    // ---- configuration ------------------------------------------------------------------------
    private int maxRules;
    private final boolean ifBound;
    private StateTimeouts timeouts;
    private final int creatorId;
    private final StateCounters counters;

    // ---- parts --------------------------------------------------------------------------------
    private final StateStore store;
    private final StateIndex index;
    private final TcpTracker tracker;
    private final StateExpiry expiry;
    private final PeerViewMerge peerMerge;

    /** Own ids are {@code idBase + 1, idBase + 2, ...}, or interleaved ({@link #idSequence}). */
    private final long idBase;
    private StateChangeListener listener = StateChangeListener.NONE;
    private HeldStateListener heldListener = (table, slot) -> { };
    private StateSyncHooks sync = StateSyncHooks.NONE;
    private StateSlotWatcher slotWatcher;
    private StateArrivalListener arrivalListener = StateArrivalListener.NONE;
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
        if (creatorId == 0) {
            throw new IllegalArgumentException("creatorId must not be 0");
        }
        this.store = new StateStore(capacity, maxRules);
        this.maxRules = maxRules;
        this.ifBound = ifBound;
        this.timeouts = timeouts;
        this.creatorId = creatorId;
        this.idBase = idBase;
        this.counters = counters;
        this.index = new StateIndex(store);
        this.tracker = new TcpTracker(store, counters, normalizeTcpFlags);
        this.expiry = new StateExpiry(store, timeouts, counters);
        this.peerMerge = new PeerViewMerge(store, tracker);
        this.index.ownIds(creatorId, idBase + 1, 1);
    }

    /** {@link #lookup(DecodedPacket, int, long)}: the caller has no hash of the key. */
    public static final long NO_KEY_HASH = -1;

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
        return lookup(p, ifindex, NO_KEY_HASH);
    }

    /**
     * {@link #lookup(DecodedPacket, int)} with the key's hash, when the caller has it already: the
     * {@link #lookupHash} of this packet on this interface, taken for {@link #prefetch} (as an unsigned
     * number), or {@link #NO_KEY_HASH}.
     */
    public int lookup(final DecodedPacket p, final int ifindex, final long keyHash) {
        if (p.icmpError) {
            return -1;
        }
        counters.increment(StateCounter.LOOKUPS);
        final int ifKey = ifBound ? ifindex : 0;
        final int h = keyHash >= 0 ? (int) keyHash
            : index.hashOf(p.family, p.protocol, ifKey, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort);
        final int entry = index.find(h, p.family, p.protocol, ifKey, p.srcHi, p.srcLo, p.dstHi, p.dstLo,
            p.srcPort, p.dstPort);
        if (entry == EMPTY) {
            return -1;
        }
        counters.increment(StateCounter.LOOKUP_HITS);
        lastLookupForward = (entry & 1) == 0;
        return entry >>> 1;
    }

    /**
     * The hash of the key a {@link #lookup} of {@code p} on {@code ifindex} starts from, for
     * {@link #prefetch}; reads no table memory.
     */
    public int lookupHash(final DecodedPacket p, final int ifindex) {
        return index.hashOf(p.family, p.protocol, ifBound ? ifindex : 0, p.srcHi, p.srcLo, p.dstHi, p.dstLo,
                p.srcPort, p.dstPort);
    }

    /**
     * Warms the cache for later lookups of the keys with these hashes ({@link #lookupHash}): reads every
     * index word at their home positions, then the records those name. A batch of packets prefetched
     * together before it is decided has its cache misses overlap instead of following one another.
     * Changes nothing.
     */
    public void prefetch(final int[] hashes, final int n) {
        index.prefetch(hashes, n);
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
        final int entry = index.find(p.innerFamily, p.innerProtocol, ifKey, p.innerSrcHi, p.innerSrcLo,
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
        if (store.proto(slot) == DecodedPacket.PROTO_TCP && !tracker.quoteInWindow(slot, quotedForward, p.innerSeq)) {
            counters.increment(StateCounter.MISMATCH_BAD_ICMP_ERROR);
            return -1;
        }
        counters.increment(StateCounter.LOOKUP_HITS);
        lastLookupForward = !quotedForward;
        return slot;
    }

    /** The slot of the state with this pfsync identity, or -1. */
    public int findById(final int creator, final long id) {
        return index.findById(creator, id);
    }

    /** The slot of the state with exactly this key (as stored: initiator first), or -1. */
    public int findSlot(final int af, final int protocol, final int ifIndex, final long sHi, final long sLo,
            final long dHi, final long dLo, final int sPort, final int dPort) {
        final int entry = index.find(af, protocol, ifBound ? ifIndex : 0, sHi, sLo, dHi, dLo, sPort, dPort);
        return entry == EMPTY ? -1 : entry >>> 1;
    }

    /**
     * The index entry of the state holding this connection in either orientation: {@code slot << 1}
     * when its initiator is {@code s}, {@code slot << 1 | 1} when its initiator is {@code d}; -1 if none.
     */
    public int findEntry(final int af, final int protocol, final int ifIndex, final long sHi, final long sLo,
            final long dHi, final long dLo, final int sPort, final int dPort) {
        return index.find(af, protocol, ifBound ? ifIndex : 0, sHi, sLo, dHi, dLo, sPort, dPort);
    }

    // =========================================================================================
    // Create, restore, remove
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
        return create(p, ruleNumber, maxStates, dir, ifIndex, nowMillis, deferred ? CREATE_DEFERRED : CREATE_QUEUED);
    }

    /** {@link #create(DecodedPacket, int, int, int, int, long, int)}: the INS goes with the next frame. */
    public static final int CREATE_QUEUED = 0;
    /** The INS goes at once ({@link SyncHints#IMMEDIATE}): a peer may await the state (split path). */
    public static final int CREATE_ANNOUNCED = 1;
    /** Marked {@link PfConstants#PFSTATE_ACK} (its first packet is held) and its INS goes at once. */
    public static final int CREATE_DEFERRED = 2;

    /**
     * As {@link #create(DecodedPacket, int, int, int, int, long)}, telling the listener how the new
     * state reaches the peers: {@link #CREATE_QUEUED}, {@link #CREATE_ANNOUNCED} or {@link #CREATE_DEFERRED}.
     */
    public int create(final DecodedPacket p, final int ruleNumber, final int maxStates, final int dir,
            final int ifIndex, final long nowMillis, final int announce) {
        assert onOwnerThread();
        final boolean deferred = announce == CREATE_DEFERRED;
        if (ruleNumber < -1 || ruleNumber >= maxRules) {
            throw new IllegalArgumentException("rule number out of range: " + ruleNumber);
        }
        if (!p.hasTransportHeader() || p.icmpError) {
            return FAIL_UNTRACKABLE;
        }
        final StateStore st = store;
        if (maxStates > 0 && ruleNumber >= 0 && st.ruleStates(ruleNumber) >= maxStates) {
            counters.increment(StateCounter.INSERT_FAILED_RULE_LIMIT);
            return FAIL_RULE_LIMIT;
        }
        if (st.full()) {
            counters.increment(StateCounter.INSERT_FAILED_FULL);
            return FAIL_FULL;
        }
        final int ifKey = ifBound ? ifIndex : 0;
        // One probe finds a state holding this connection either way round: every state has both its
        // keys in the index (a self-keyed one's two keys are the same), so a state whose key is the
        // reverse of this packet's has this packet's key as its other one.
        final int existing = index.find(p.family, p.protocol, ifKey, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort,
                p.dstPort);
        if (existing != EMPTY) {
            final int old = existing >>> 1;
            if (st.proto(old) == DecodedPacket.PROTO_TCP
                    && st.peerState(old, PEER_SRC) >= TCPS_FIN_WAIT_2 && st.peerState(old, PEER_DST) >= TCPS_FIN_WAIT_2) {
                remove(old, StateRemoveReason.REUSED);
            } else {
                counters.increment(StateCounter.INSERT_FAILED_DUPLICATE);
                return FAIL_DUPLICATE;
            }
        }

        final int slot = st.allocate(ruleNumber);
        if (slotWatcher != null) {
            slotWatcher.allocated(slot);
        }
        st.setKey(slot, p.family, p.protocol, ifKey, p.srcHi, p.srcLo, p.dstHi, p.dstLo, p.srcPort, p.dstPort);
        st.direction[slot] = (byte) dir;
        st.creatorIds[slot] = creatorId;
        st.ids[slot] = index.nextOwnId();
        st.creationMillis[slot] = nowMillis;
        final long[] r = st.rec;
        final int b = StateStore.base(slot);
        r[b + StateStore.W_LAST_ACTIVITY] = nowMillis;
        r[b + StateStore.W_PACKETS] = 1;
        r[b + StateStore.W_PACKETS + 1] = 0;
        r[b + StateStore.W_BYTES] = p.ipLength;
        r[b + StateStore.W_BYTES + 1] = 0;
        tracker.start(slot, p);
        index.insertCreated(slot);
        if (deferred) {
            StateStore.setStateFlags(r, b, PFSTATE_ACK);
        }
        sync.created(slot, nowMillis);
        listener.onInsert(this, slot, announce != CREATE_QUEUED ? SyncHints.IMMEDIATE : 0);
        return slot;
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
     * protocol's default, counted.
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
        final StateStore st = store;
        if (st.full()) {
            counters.increment(StateCounter.INSERT_FAILED_FULL);
            return FAIL_FULL;
        }
        if (index.find(af, protocol, ifKey, sHi, sLo, dHi, dLo, sPort, dPort) != EMPTY) { // either way round, as in create
            counters.increment(StateCounter.INSERT_FAILED_DUPLICATE);
            return FAIL_DUPLICATE;
        }
        final int slot = st.allocate(ruleNumber >= 0 && ruleNumber < maxRules ? ruleNumber : -1);
        if (slotWatcher != null) {
            slotWatcher.allocated(slot);
        }
        st.setKey(slot, af, protocol, ifKey, sHi, sLo, dHi, dLo, sPort, dPort);
        st.direction[slot] = (byte) state.direction();
        st.creatorIds[slot] = state.creatorId();
        st.ids[slot] = state.id();
        st.creationMillis[slot] = state.creationMillis();
        final long[] r = st.rec;
        final int b = StateStore.base(slot);
        r[b + StateStore.W_LAST_ACTIVITY] = lastActivity;
        StateStore.setTimeoutClass(r, b, expiry.knownTimeoutClass(protocol, state.timeoutClass()));
        for (int i = 0; i < 2; i++) {
            r[b + StateStore.W_PACKETS + i] = state.packets(i);
            r[b + StateStore.W_BYTES + i] = state.bytes(i);
            restorePeer(slot, i, state.seqLo(i), state.seqHi(i), state.seqDiff(i), state.maxWin(i), state.mss(i),
                    state.peerState(i), state.wscale(i), keepWindows);
        }
        tracker.restored(slot, protocol == DecodedPacket.PROTO_TCP);
        st.resyncPackets[slot] = RESYNC_PACKETS;
        sync.restored(slot, lastActivity);
        index.insert(slot);
        arrivalListener.stateArrived(this, slot);
        return slot;
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
        final StateStore st = store;
        final long[] r = st.rec;
        final int b = StateStore.base(slot);
        final boolean clear = StateStore.proto(r, b) == DecodedPacket.PROTO_TCP && !keepWindows;
        StateStore.setSeqLo(r, b, peer, clear ? 0 : (int) seqLoValue);
        StateStore.setSeqHi(r, b, peer, clear ? 1 : (int) seqHiValue);
        st.setSeqDiff(slot, peer, (int) seqDiffValue);
        StateStore.setMaxWin(r, b, peer, maxWinValue);
        st.mss[slot * 2 + peer] = mssValue;
        StateStore.setPeerState(r, b, peer, state);
        StateStore.setWscale(r, b, peer, wscaleValue);
    }

    /** Removes a live state now, counting {@code reason}; its slot's generation is bumped. */
    public void remove(final int slot, final StateRemoveReason reason) {
        removeLive(slot, reason, true);
    }

    /**
     * Removes a live state covered by a CLEAR journal record the caller has just written (a flush, as
     * pf's {@code pfctl -F states} marks its states {@code PFSTATE_NOSYNC} so that none is announced
     * on its own): counted under {@code reason} and a held first packet dropped as by {@link #remove},
     * but the listener is not told, so no per-state DELETE record (and no DEL_C) follows the CLEAR.
     * The sync hooks are ({@link StateSyncHooks#removed}): a peer's late report of it is refused.
     */
    public void removeCleared(final int slot, final StateRemoveReason reason) {
        removeLive(slot, reason, false);
    }

    /** Removes a live state: a held first packet dropped, the listener told (or not), tombstone, count. */
    private void removeLive(final int slot, final StateRemoveReason reason, final boolean tellListener) {
        assert onOwnerThread();
        if (!store.live[slot]) {
            throw new IllegalStateException("slot not live: " + slot);
        }
        final int b = StateStore.base(slot);
        if ((StateStore.stateFlags(store.rec, b) & PFSTATE_ACK) != 0) {
            heldListener.heldStateRemoved(this, slot);
            StateStore.setStateFlags(store.rec, b, StateStore.stateFlags(store.rec, b) & ~PFSTATE_ACK);
        }
        if (tellListener) {
            listener.onRemove(this, slot, reason);
        }
        sync.removed(slot, reason); // a tombstone for a flushed state, cleared or not
        release(slot);
        counters.increment(reason.counter());
    }

    /**
     * Removes a state without counting it or telling the listener: recovery replaying a DELETE, or
     * replacing a state by a newer record of it.
     */
    public void forget(final int slot) {
        assert onOwnerThread();
        release(slot);
    }

    private void release(final int slot) {
        if (slotWatcher != null) {
            slotWatcher.releasing(this, slot);
        }
        index.delete(slot);
        store.free(slot);
        sync.freed(slot);
    }

    // =========================================================================================
    // Track, merge, expire
    // =========================================================================================

    /**
     * Checks a packet against its state and advances the state, as pf's {@code pf_test_state_*}
     * ({@link TcpTracker}). {@code forward} is {@link #lastLookupForward()} of the lookup that found
     * {@code slot}. On {@link #PASS} the per-direction packet and byte counters grow; on a drop the
     * reason is counted and the state is unchanged except where pf changes it too (a handshake
     * mismatch resets the sending half). A change of protocol state or timeout class is told to the
     * listener at once; other updates when the sync policy wants them reported.
     *
     * @return {@link #PASS}, {@link #DROP_OUT_OF_WINDOW}, {@link #DROP_BAD_FLAGS},
     *         {@link #DROP_BAD_RST} or {@link #STATE_REUSED} (state removed; evaluate the rules)
     */
    public int track(final int slot, final DecodedPacket p, final boolean forward, final long nowMillis) {
        assert onOwnerThread();
        final StateStore st = store;
        assert st.live[slot];
        final long[] r = st.rec;
        final int b = StateStore.base(slot);
        final int before = StateStore.peerState(r, b, PEER_SRC) << 16 | StateStore.peerState(r, b, PEER_DST) << 8
                | StateStore.timeoutClass(r, b);
        final int sender = forward ? PEER_SRC : PEER_DST;
        final int maxWinBefore = StateStore.maxWin(r, b, sender);
        final int result = tracker.track(slot, b, p, forward, nowMillis);
        if (result == STATE_REUSED) {
            remove(slot, StateRemoveReason.REUSED);
            return result;
        }
        if (before != (StateStore.peerState(r, b, PEER_SRC) << 16 | StateStore.peerState(r, b, PEER_DST) << 8
                | StateStore.timeoutClass(r, b))) {
            listener.onUpdate(this, slot, sync.changed(slot, nowMillis));
        } else if (result == PASS) {
            final int hints = sync.updated(slot, nowMillis, StateStore.maxWin(r, b, sender) > maxWinBefore);
            if (hints != StateSyncHooks.NO_REPORT) {
                listener.onUpdate(this, slot, hints);
            }
        }
        return result;
    }

    /**
     * Merges a pfsync peer's view of a state into ours field by field ({@link PeerViewMerge}): every
     * field only moves forward; the state is refreshed. Whether the peer is behind what we told it
     * is the sync policy's to judge, before calling this.
     *
     * @param swapped the peer's initiator is our responder (a state both nodes created, one of them
     *                from the reply)
     * @return {@link #MERGE_DERIVED} when this node concluded more than the peer's record says (an
     *         ACK seen here completes a transition the peer cannot see), else 0
     */
    public int mergeHalves(final int slot, final StateHalves v, final boolean swapped, final long nowMillis) {
        assert onOwnerThread();
        return peerMerge.merge(slot, v, swapped, nowMillis);
    }

    /**
     * Tells the listener (the journal, and so the peers) of a state's current values: the sync
     * policy's reports of ordinary updates that waited for their interval.
     */
    public void announce(final int slot, final int syncHints) {
        assert onOwnerThread();
        listener.onUpdate(this, slot, syncHints);
    }

    /**
     * Examines at most {@code budget} slots from the sweep cursor (wrapping at the end) and removes
     * the live states whose deadline is at or before {@code nowMillis} (counted as expired); see
     * {@link StateExpiry}. A full pass over the table takes {@code capacity / budget} calls.
     *
     * @return the number of states removed
     */
    public int expire(final long nowMillis, final int budget) {
        assert onOwnerThread();
        return expiry.expire(this, nowMillis, budget);
    }

    /**
     * The state's deadline: last activity plus its class's timeout after adaptive scaling for the
     * current number of states (pf's {@code pf_state_expires()}, computed in whole seconds as pf).
     */
    public long expiresAtMillis(final int slot) {
        return expiry.expiresAtMillis(slot);
    }

    /** Seconds left before the state expires at {@code nowMillis}, 0 if already due (pfsync's {@code expire}). */
    public long expiresInSeconds(final int slot, final long nowMillis) {
        final long left = expiresAtMillis(slot) - nowMillis;
        return left <= 0 ? 0 : (left + 999) / 1000;
    }

    /**
     * Ends the sloppy re-learning of a TCP state's windows at once ({@link #restore} starts it): for a
     * state a peer has just created (its INS), whose windows are current.
     */
    public void trustWindows(final int slot) {
        assert onOwnerThread();
        tracker.endResync(slot);
    }

    /** Sets or clears {@link PfConstants#PFSTATE_ACK}: the deferral of the state's first packet starts or ends. */
    public void deferred(final int slot, final boolean held) {
        assert onOwnerThread();
        final int b = StateStore.base(slot);
        final int flags = StateStore.stateFlags(store.rec, b);
        StateStore.setStateFlags(store.rec, b, held ? flags | PFSTATE_ACK : flags & ~PFSTATE_ACK);
    }

    /**
     * A reload ({@code pfctl -f}): new timeout values apply to every state from now on (deadlines are
     * computed on demand), and every live state is detached from its rule, because the new ruleset's
     * rule numbers are not the old one's — the states are kept and go on matching packets, as pf keeps
     * a state after its rule is gone, but count toward no rule's {@code max-states}. Rule numbers are
     * {@code 0 .. maxRules - 1} from now on. Owner thread; allocates (a reload is not on the packet path).
     */
    public void reload(final int newMaxRules, final StateTimeouts newTimeouts) {
        assert onOwnerThread();
        if (newMaxRules < 0) {
            throw new IllegalArgumentException("maxRules < 0: " + newMaxRules);
        }
        store.detachRules(newMaxRules);
        this.maxRules = newMaxRules;
        this.timeouts = newTimeouts;
        expiry.timeouts(newTimeouts);
    }

    // =========================================================================================
    // Wiring
    // =========================================================================================

    /** Installs the listener told when a state with a held first packet is removed (the deferral queue). */
    public void setHeldStateListener(final HeldStateListener l) {
        this.heldListener = l == null ? (table, slot) -> { } : l;
    }

    /** Installs the listener told of every state that arrives by {@link #restore} (packets awaiting a peer's state). */
    public void setArrivalListener(final StateArrivalListener l) {
        this.arrivalListener = l == null ? StateArrivalListener.NONE : l;
    }

    /** Installs the listener told of every insert, update and removal (the journal recorder). */
    public void setListener(final StateChangeListener listener) {
        this.listener = listener == null ? StateChangeListener.NONE : listener;
    }

    /** Installs the sync policy's hooks ({@link StateSyncHooks#NONE} without sync). */
    /**
     * Installs (or, with null, removes) the one {@link StateSlotWatcher}; owner thread only. Costs a
     * null check per state created or freed while none is installed.
     */
    public void setSlotWatcher(final StateSlotWatcher watcher) {
        assert onOwnerThread();
        this.slotWatcher = watcher;
    }

    public void setSyncHooks(final StateSyncHooks hooks) {
        this.sync = hooks == null ? StateSyncHooks.NONE : hooks;
        tracker.sync(this.sync);
    }

    public StateSyncHooks syncHooks() {
        return sync;
    }

    private boolean onOwnerThread() {
        final Thread current = Thread.currentThread();
        if (owner == null) {
            owner = current;
        }
        return owner == current;
    }

    // =========================================================================================
    // Read accessors (owner thread; size() also from the metrics scrape)
    // =========================================================================================

    /** Order of half states for merging: synproxy states (11, 12) come before every real TCP state. */
    public static int halfStateRank(final int halfState) {
        return PeerViewMerge.stateRank(halfState);
    }

    /** This node's creator id, written into every state it creates. */
    public int creatorId() {
        return creatorId;
    }

    /**
     * Numbers this table's states as the {@code index}-th of {@code count} queue threads' tables
     * ({@link StateIds#threadOf}): {@code idBase + index + 1}, then every {@code count}-th. Call before the
     * first state is created.
     */
    public void idSequence(final int index, final int count) {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("id sequence " + index + " of " + count);
        }
        this.index.ownIds(creatorId, idBase + index + 1, count);
    }

    public int capacity() {
        return store.capacity;
    }

    /** Number of live states (the {@code tandem_states} gauge). */
    public int size() {
        return store.size();
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
        return store.ruleStates(ruleNumber);
    }

    /** Index slots of the hash index (a power of two). */
    public int indexSize() {
        return index.size();
    }

    public boolean isLive(final int slot) {
        return store.live[slot];
    }

    /** Bumped each time the slot is freed: {@code (slot, generation)} names one state. */
    public int generation(final int slot) {
        return store.generation[slot];
    }

    /** The first live slot at or after {@code fromSlot}, or -1: {@code for (s = nextLive(0); s >= 0; s = nextLive(s + 1))}. */
    public int nextLive(final int fromSlot) {
        final boolean[] live = store.live;
        for (int s = Math.max(fromSlot, 0); s < live.length; s++) {
            if (live[s]) {
                return s;
            }
        }
        return -1;
    }

    /** Calls {@code action} with every live slot in slot order; it must not create or remove states. */
    public void forEachLive(final IntConsumer action) {
        final boolean[] live = store.live;
        for (int s = 0; s < live.length; s++) {
            if (live[s]) {
                action.accept(s);
            }
        }
    }

    /** pf's {@code state_flags}: {@link PfConstants#PFSTATE_ACK} while the state's first packet is held (deferral). */
    public int stateFlags(final int slot) {
        return StateStore.stateFlags(store.rec, StateStore.base(slot)) & 0xff;
    }

    public int family(final int slot) {
        return store.family(slot);
    }

    public int protocol(final int slot) {
        return store.proto(slot) & 0xff;
    }

    public long srcHi(final int slot) {
        return store.rec[StateStore.base(slot) + StateStore.W_SRC_HI];
    }

    public long srcLo(final int slot) {
        return store.rec[StateStore.base(slot) + StateStore.W_SRC_LO];
    }

    public long dstHi(final int slot) {
        return store.rec[StateStore.base(slot) + StateStore.W_DST_HI];
    }

    public long dstLo(final int slot) {
        return store.rec[StateStore.base(slot) + StateStore.W_DST_LO];
    }

    /** Initiator's port (ICMP echo: the identifier). */
    public int srcPort(final int slot) {
        return StateStore.srcPort(store.rec, StateStore.base(slot));
    }

    public int dstPort(final int slot) {
        return StateStore.dstPort(store.rec, StateStore.base(slot));
    }

    /** Bound interface index; 0 for floating states (always 0 in a floating table). */
    public int ifindex(final int slot) {
        return StateStore.ifindex(store.rec, StateStore.base(slot));
    }

    /** Creating rule number, -1 for none (pfsync writes 0xffffffff). */
    public int rule(final int slot) {
        return store.rule[slot];
    }

    /** Direction of the first packet: pf's {@code PF_IN}, {@code PF_OUT} or {@code PF_INOUT} ({@link PfConstants}). */
    public int direction(final int slot) {
        return store.direction[slot];
    }

    public int creatorId(final int slot) {
        return store.creatorIds[slot];
    }

    public long id(final int slot) {
        return store.ids[slot];
    }

    public long creationMillis(final int slot) {
        return store.creationMillis[slot];
    }

    /** pf's {@code state->expire}: time of the last activity that refreshed the state. */
    public long lastActivityMillis(final int slot) {
        return store.rec[StateStore.base(slot) + StateStore.W_LAST_ACTIVITY];
    }

    /** {@code PFTM_*} index ({@link StateTimeouts}). */
    public int timeoutClass(final int slot) {
        return store.timeoutClass(slot);
    }

    /** Packets passed: {@code dirIndex} 0 = sent by the initiator, 1 = by the responder (pf's packets[0/1]). */
    public long packets(final int slot, final int dirIndex) {
        return store.rec[StateStore.base(slot) + StateStore.W_PACKETS + dirIndex];
    }

    public long bytes(final int slot, final int dirIndex) {
        return store.rec[StateStore.base(slot) + StateStore.W_BYTES + dirIndex];
    }

    /** Highest sequence number sent, plus one ({@link #PEER_SRC} or {@link #PEER_DST}), unsigned. */
    public long seqLo(final int slot, final int peer) {
        return Integer.toUnsignedLong(StateStore.seqLo(store.rec, StateStore.base(slot), peer));
    }

    /** Highest sequence number the other end acknowledged plus its window, unsigned. */
    public long seqHi(final int slot, final int peer) {
        return Integer.toUnsignedLong(StateStore.seqHi(store.rec, StateStore.base(slot), peer));
    }

    /** Sequence number modulator; always 0 (no modulation here), kept for pfsync. */
    public long seqDiff(final int slot, final int peer) {
        return Integer.toUnsignedLong(store.seqDiff[slot * 2 + peer]);
    }

    /** Largest window seen from this peer, unscaled. */
    public int maxWin(final int slot, final int peer) {
        return StateStore.maxWin(store.rec, StateStore.base(slot), peer);
    }

    public int mss(final int slot, final int peer) {
        return store.mss[slot * 2 + peer];
    }

    /** {@code TCPS_*} for TCP, {@code PFUDPS_*}/{@code PFOTHERS_*} otherwise, 0 for ICMP. */
    public int peerState(final int slot, final int peer) {
        return store.peerState(slot, peer);
    }

    /** {@link PfConstants#PF_WSCALE_FLAG} | shift, or 0. */
    public int wscale(final int slot, final int peer) {
        return StateStore.wscale(store.rec, StateStore.base(slot), peer) & 0xff;
    }
}
