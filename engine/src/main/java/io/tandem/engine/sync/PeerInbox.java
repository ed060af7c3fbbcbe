package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateHalves;
import io.tandem.engine.state.StateRemoveReason;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.state.SyncHints;
import io.tandem.engine.verdict.DeferredVerdicts;
import java.nio.ByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * How what pfsync peers say reaches the state table without a second writer.
 *
 * <p>Theory of operation. The sync thread turns each valid pfsync record into a message — a
 * journal-format record plus a kind ({@link #STATE}, {@link #COMPRESSED}, {@link #DELETE},
 * {@link #REQUEST}, {@link #CLEAR}) — and {@link #offer}s it into a bounded single-producer
 * single-consumer ring; acknowledgements of our own deferred states (INS_ACK) go into a second,
 * small ring ({@link #offerAck}) that is drained first, so a held packet is never released behind
 * a bulk update. After posting, the sync thread rings the packet thread's {@link #wakeup doorbell}.
 * The packet thread {@link #drain}s a bounded number per duty cycle and acts as pf's pfsync input
 * handlers do (spec C.5):
 * <ul>
 *   <li>STATE (INS or UPD, full record): an unknown (creatorid, id) is imported with its windows —
 *       an INS is a connection the peer has just created, so its windows are trusted at once; an UPD
 *       re-learns them sloppily for a few packets, as after recovery. If another state holds the same
 *       connection (both nodes created one: a reply reached this node before the peer's INS), the
 *       one with the lower (creatorid, id) wins on every node, so the cluster converges on one state:
 *       if the peer's wins, ours gives way to it (what ours knew is merged in, and a packet of ours
 *       held for deferral is released); if ours wins, ours is sent back in full once and the peer's
 *       identity is remembered, so a peer that keeps sending it (FreeBSD keeps its own) is counted and
 *       never answered in a loop. A known state is merged like COMPRESSED.</li>
 *   <li>An update (UPD or UPD_C) of a state this node removed for good within
 *       {@link RemovedStates#WINDOW_MILLIS} (flushed, killed, deleted or cleared by a peer, closed,
 *       reused) is a report that crossed the removal, or comes from a peer that missed our DEL_C: it is
 *       refused and answered with a DEL_C (a SYNC_DELETE journal record), so deletion wins on every
 *       node. An INS is imported all the same: pfsync sends it once, when the state is created (or
 *       loaded by {@code tandem states load}), never as a report of an older state.</li>
 *   <li>COMPRESSED (UPD_C): merged field by field ({@link SyncPolicy#mergeFromPeer}); when the
 *       peer's record is behind what we last reported, our version goes back at once (a REPLY), at
 *       most once a second per state. A peer's update of a state whose first packet we hold
 *       acknowledges it: the packet is released. An unknown id is asked for: a SYNC_REQUEST journal
 *       record makes the sync agent send UPD_REQ.</li>
 *   <li>DELETE (DEL_C): the state is removed (a held first packet is dropped, as pf does); unknown ids
 *       count {@code badstate}.</li>
 *   <li>REQUEST (UPD_REQ for one state): the state is journaled again, marked to be sent in full at
 *       once; unknown ids count {@code badstate}.</li>
 *   <li>CLEAR (CLR): every state of that creator (on that interface, when one is named) is removed.</li>
 *   <li>REQUEST for one of our own states that we no longer hold: answered with DEL_C (our ids are
 *       never reused, so it is gone), so a peer that missed our DEL_C drops its copy.</li>
 *   <li>BULK_END (the bulk update asked for at start is complete): the states nobody told us about
 *       since we asked are reconciled with the sender, a bounded slice per duty cycle
 *       ({@link #reconcileStep}).</li>
 * </ul>
 * A peer's INS that asks for an acknowledgement (PFSTATE_ACK: its first packet is held there) is
 * {@link #offerAcknowledged offered acknowledged}: the sync thread answers it with INS_ACK as soon as
 * the message is in the ring, before this thread has imported it. What makes that answer true is
 * {@link #applyAcknowledged}: before deciding a packet it received (or another queue handed it), the
 * packet thread applies every message up to the last acknowledged one, whatever its per-cycle limit.
 * The peer's reply to the released packet is sent after our INS_ACK left, so it is received here
 * after that INS was in the ring, and is decided after the state is in the table.
 * Every change is journaled with the peer as its origin, so the sync agent does not echo it — only
 * records marked {@link SyncHints#REPLY} go back out. Failure policy: a full ring drops the message
 * and counts it (an acknowledgement lost this way leaves its packet to the deferral timeout);
 * nothing here throws. Memory bound: the rings (1 MiB, about 3,900 messages; 64 KiB, about 2,700
 * acknowledgements) and a table of the last {@link #REMEMBERED} refused identities.
 */
public final class PeerInbox {
    /** A full state record (INS, UPD; any format). */
    public static final int STATE = 1;
    /** A compressed update (UPD_C): identity, both halves, timeout class; no key. */
    public static final int COMPRESSED = 2;
    /** DEL_C: identity only. */
    public static final int DELETE = 3;
    /** UPD_REQ for one state: identity only. */
    public static final int REQUEST = 4;
    /** CLR: creatorid, and in the ifindex field the local interface (0 = every interface). */
    public static final int CLEAR = 5;
    /**
     * The bulk update this node asked for at start is complete: creatorid = the peer that sent it,
     * wall time = when we first asked. Starts the reconciliation ({@link #reconcileStep}).
     */
    public static final int BULK_END = 6;
    /**
     * Added to COMPRESSED, DELETE or REQUEST by the {@link PeerInboxes router} when it does not know which
     * queue thread holds the state and sends the message to every thread: a thread that does not hold
     * it does nothing (no {@code badstate}, no request, no answer).
     */
    public static final int QUIET = 0x100;
    /** Bits above {@link #QUIET}: which peer ({@link SyncPeers} index + 1, 0 = not known) sent the message. */
    private static final int PEER_SHIFT = 16;

    /** A message kind marked with the {@link SyncPeers} index of the peer whose frame carried it. */
    public static int fromPeer(final int kind, final int peerIndex) {
        return peerIndex < 0 ? kind : kind | (peerIndex + 1) << PEER_SHIFT;
    }

    /** The kind of a message (STATE … BULK_END), without {@link #QUIET} and the peer bits. */
    static int kindOf(final int kindAndFlags) {
        return kindAndFlags & (QUIET - 1);
    }

    /** Slots examined, and states acted on, per duty cycle by the reconciliation after a bulk update. */
    static final int RECONCILE_SLOTS_PER_CYCLE = 4096;
    static final int RECONCILE_ACTIONS_PER_CYCLE = 256;

    /** Identities of peers' states that lost a collision here, remembered this long. */
    static final int REMEMBERED = 256;
    static final long REMEMBER_MILLIS = 60_000;

    private static final int RING_BYTES = 1 << 20;
    private static final int ACK_RING_BYTES = 1 << 16;
    private static final int ACK_LENGTH = 12;
    private static final int ACK_DRAIN_LIMIT = 1024;

    private final OneToOneRingBuffer ring = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    private final OneToOneRingBuffer ackRing = new OneToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(ACK_RING_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
    private final UnsafeBuffer ackStaging = new UnsafeBuffer(new byte[ACK_LENGTH]);
    private final JournalRecordFlyweight record = new JournalRecordFlyweight();
    private final MessageHandler handler = this::apply;
    private final MessageHandler ackHandler = this::applyAck;
    private final Halves ours = new Halves();

    private final int[] rememberedCreators = new int[REMEMBERED];
    private final long[] rememberedIds = new long[REMEMBERED];
    private final long[] rememberedAt = new long[REMEMBERED];
    private int rememberNext;
    /** The message being applied was sent to every thread: an unknown state is another thread's. */
    private boolean quiet;
    /** The {@link SyncPeers} index of the peer whose frame carried the message being applied (-1: not known). */
    private int peer = -1;

    private volatile Runnable wakeup = () -> { };

    private StateTable table;
    private SyncPolicy policy;
    private JournalRecorder recorder;
    private DeferredVerdicts deferrals;
    private long now;
    private long nowNanos;

    // Counters: dropped and acksDropped are written by the sync thread; the rest by the packet thread.
    private volatile long dropped;
    private volatile long acksDropped;
    /** Ring position just past the last message the sync thread acknowledged to a peer (sync thread writes). */
    private volatile long acknowledgedThrough;
    private long acknowledgedApplied;
    private long imported;
    private long merged;
    private long deleted;
    private long refused;
    private long stale;
    private long corrections;
    private long badState;
    private long requested;
    private long answered;
    private long cleared;
    private long collisionsWon;
    private long collisionsLost;
    private long collisionsRepeated;
    private long removedReports;
    private long answeredGone;
    private long reconcileAsked;
    private long reconcileAnnounced;
    /** Reconciliation after a bulk update: next slot, the bulk's sender, when we asked (-1 = none running). */
    private int reconcileCursor = -1;
    private int reconcilePeer;
    private long reconcileSinceMillis;

    /** Sync thread: hands one message over; false (counted) when the ring is full. */
    public boolean offer(final int kind, final UnsafeBuffer source, final int offset) {
        if (ring.write(kind, source, offset, JournalRecordFlyweight.LENGTH)) {
            return true;
        }
        dropped++;
        return false;
    }

    /**
     * Sync thread: hands over a message the sync thread will acknowledge to the peer before this
     * inbox's thread applies it (a peer's INS with PFSTATE_ACK); the packet thread then applies it
     * before deciding any packet it receives afterwards ({@link #applyAcknowledged}). False (counted,
     * and not to be acknowledged) when the ring is full.
     */
    public boolean offerAcknowledged(final int kind, final UnsafeBuffer source, final int offset) {
        if (!offer(kind, source, offset)) {
            return false;
        }
        acknowledgedThrough = ring.producerPosition(); // volatile: published after the message itself
        return true;
    }

    /**
     * Packet thread, after {@link #drain} in the same duty cycle and before deciding packets received
     * (or handed over) since: applies every message up to and including the last one the sync thread
     * acknowledged, beyond the cycle's limit if need be (at most the ring's content). Two volatile reads
     * when there is nothing to apply.
     *
     * @return messages applied
     */
    public int applyAcknowledged() {
        final long through = acknowledgedThrough;
        if (table == null || ring.consumerPosition() >= through) {
            return 0;
        }
        int applied = 0;
        while (ring.consumerPosition() < through) {
            final int n = ring.read(handler, 1); // one at a time: stop at the acknowledged one
            if (n == 0) {
                break; // cannot happen: the acknowledged messages were published before the position
            }
            applied += n;
        }
        acknowledgedApplied += applied;
        return applied;
    }

    /**
     * Sync thread: a peer acknowledged one of our states (INS_ACK); the packet thread releases its held
     * first packet. False (counted) when the ring is full.
     */
    public boolean offerAck(final int creator, final long id) {
        ackStaging.putInt(0, creator);
        ackStaging.putLong(4, id);
        if (ackRing.write(1, ackStaging, 0, ACK_LENGTH)) {
            return true;
        }
        acksDropped++;
        return false;
    }

    /** The packet thread's doorbell, rung by {@link #wake} (the packet agent installs it). */
    public void wakeup(final Runnable doorbell) {
        this.wakeup = doorbell == null ? () -> { } : doorbell;
    }

    /** Sync thread: tells the packet thread that messages wait (once per batch of offers). */
    public void wake() {
        wakeup.run();
    }

    /** Sync thread: true when at least {@code messages} more fit (the receiver stops reading before that). */
    public boolean hasRoomFor(final int messages) {
        return RING_BYTES - ring.size() > messages * (JournalRecordFlyweight.LENGTH + 8);
    }

    /**
     * Packet thread: the trailing reports of the table's {@link SyncPolicy} that are due
     * ({@link SyncPolicy#reportDue}); none before the first {@link #drain}.
     */
    public int reportDue(final long nowMillis, final int budget) {
        return policy == null ? 0 : policy.reportDue(nowMillis, budget);
    }

    /** Packet thread: {@link SyncPolicy#millisToNextReport}, -1 before the first {@link #drain}. */
    public long millisToNextReport(final long nowMillis) {
        return policy == null ? -1 : policy.millisToNextReport(nowMillis);
    }

    /** Packet thread: applies up to {@code limit} messages (without deferral); returns how many. */
    public int drain(final StateTable states, final JournalRecorder journal, final long nowMillis, final int limit) {
        return drain(states, journal, null, nowMillis, System.nanoTime(), limit);
    }

    /**
     * Packet thread: applies every waiting acknowledgement (releasing held packets through
     * {@code held}, which may be null when nothing is deferred), then up to {@code limit} messages.
     *
     * @return messages applied
     */
    public int drain(final StateTable states, final JournalRecorder journal, final DeferredVerdicts held,
            final long nowMillis, final long nowNanosValue, final int limit) {
        if (this.table != states) {
            this.table = states;
            this.policy = SyncPolicy.of(states);
        }
        this.recorder = journal;
        this.deferrals = held;
        this.now = nowMillis;
        this.nowNanos = nowNanosValue;
        policy.tick(nowMillis);
        // A read stops where the ring wraps around (Agrona pads the end), so each ring is read twice:
        // otherwise a message just past the wrap would wait a whole duty cycle.
        int acks = ackRing.read(ackHandler, ACK_DRAIN_LIMIT);
        if (acks < ACK_DRAIN_LIMIT) {
            acks += ackRing.read(ackHandler, ACK_DRAIN_LIMIT - acks);
        }
        int messages = ring.read(handler, limit);
        if (messages < limit) {
            messages += ring.read(handler, limit - messages);
        }
        if (reconcileCursor >= 0) {
            reconcileStep();
        }
        return acks + messages;
    }

    private void applyAck(final int kind, final MutableDirectBuffer buffer, final int index, final int length) {
        if (length != ACK_LENGTH) {
            return;
        }
        final int slot = table.findById(buffer.getInt(index), buffer.getLong(index + 4));
        if (slot >= 0) {
            policy.insAcknowledged(slot); // the peers hold it: its repeats need not be full
        }
        if (deferrals != null) {
            deferrals.releaseAcknowledged(slot, nowNanos);
        }
    }

    private void apply(final int kindAndFlags, final MutableDirectBuffer buffer, final int index, final int length) {
        record.wrap(buffer, index);
        final int kind = kindOf(kindAndFlags);
        quiet = (kindAndFlags & QUIET) != 0;
        peer = (kindAndFlags >>> PEER_SHIFT) - 1;
        if (recorder != null) {
            recorder.beginPeer(record.origin());
        }
        try {
            switch (kind) {
                case DELETE -> delete();
                case REQUEST -> request();
                case CLEAR -> clear();
                case BULK_END -> {
                    reconcileCursor = 0;
                    reconcilePeer = record.creatorId();
                    reconcileSinceMillis = record.wallTimeMillis();
                }
                case COMPRESSED -> update(false);
                default -> update(true);
            }
        } finally {
            if (recorder != null) {
                recorder.endPeer();
            }
        }
    }

    private void delete() {
        final int slot = table.findById(record.creatorId(), record.id());
        if (slot < 0) {
            if (!quiet) {
                badState++;
            }
            return;
        }
        table.remove(slot, StateRemoveReason.FLUSHED);
        deleted++;
    }

    private void request() {
        final int slot = table.findById(record.creatorId(), record.id());
        if (slot < 0) {
            if (quiet) {
                return;
            }
            badState++;
            if (record.creatorId() == table.creatorId() && recorder != null) {
                // One of our own states that we no longer hold: its ids are never reused, so it is gone
                // for good — say so (DEL_C), so that a peer that missed our DEL_C drops its copy.
                answeredGone++;
                recorder.onSyncDelete(record.creatorId(), record.id());
            }
            return;
        }
        answered++;
        reply(slot, SyncHints.FULL | SyncHints.IMMEDIATE);
    }

    private void clear() {
        final int creator = record.creatorId();
        final int ifindex = record.ifindex();
        for (int slot = 0, n = table.capacity(); slot < n; slot++) {
            if (table.isLive(slot) && table.creatorId(slot) == creator
                    && (ifindex == 0 || table.ifindex(slot) == ifindex)) {
                table.remove(slot, StateRemoveReason.FLUSHED);
                cleared++;
            }
        }
    }

    private void update(final boolean full) {
        final int creator = record.creatorId();
        final int slot = table.findById(creator, record.id());
        if (slot < 0) {
            if (quiet) {
                return; // another thread's
            }
            if (record.type() != JournalRecordType.INSERT.code() && policy.removedRecently(creator, record.id(), now)) {
                // A report that crossed our removal (or a peer that missed our DEL_C): deletion wins.
                // An INS is not a report but an announcement — the peer creates the state now (or an
                // administrator loaded it with `tandem states load`) — and is imported.
                removedReports++;
                if (recorder != null) {
                    recorder.onSyncDelete(creator, record.id());
                }
            } else if (remembered(creator, record.id())) {
                collisionsRepeated++; // a state that lost a collision here: handled once already
            } else if (full) {
                importState();
            } else {
                requested++;
                if (recorder != null) {
                    recorder.onSyncRequest(creator, record.id());
                }
            }
            return;
        }
        merge(slot, record, false);
    }

    /** A peer's view of a state we hold: merged; a held first packet is acknowledged; a correction if owed. */
    private void merge(final int slot, final StateHalves view, final boolean swapped) {
        final int result = policy.mergeFromPeer(slot, view, swapped, now);
        policy.updatedBy(slot, peer);
        merged++;
        if ((table.stateFlags(slot) & PfConstants.PFSTATE_ACK) != 0 && deferrals != null) {
            deferrals.releaseAcknowledged(slot, nowNanos); // the peer has the state
        }
        if ((result & SyncPolicy.MERGE_BEHIND) != 0) {
            stale++;
        }
        if ((result & SyncPolicy.MERGE_CORRECT) != 0) {
            corrections++;
            reply(slot, SyncHints.IMMEDIATE);
        } else if ((result & SyncPolicy.MERGE_DERIVED) != 0) {
            reply(slot, SyncHints.IMMEDIATE); // we concluded more than the peer's record says: tell it
        } else if (recorder != null) {
            recorder.onUpdate(table, slot, 0);
        }
    }

    private void importState() {
        final int creator = record.creatorId();
        final long id = record.id();
        final int entry = table.findEntry(record.af(), record.proto(), record.ifindex(), record.srcHi(),
                record.srcLo(), record.dstHi(), record.dstLo(), record.srcPort(), record.dstPort());
        boolean swapped = false;
        boolean gaveWay = false;
        if (entry >= 0) {
            final int existing = entry >>> 1;
            swapped = (entry & 1) != 0;
            if (table.creatorId(existing) == creator && !swapped) {
                // The same creator reused the connection (a client port used again): its new state
                // supersedes our copy of its old one, whose DEL_C follows in the same frame (A.6 order).
                table.remove(existing, StateRemoveReason.FLUSHED);
            } else if (wins(creator, id, table.creatorId(existing), table.id(existing))) {
                // Both nodes made a state for this connection; the peer's wins everywhere. Ours gives
                // way, keeping what it knew, and a first packet of ours that waits is released.
                ours.capture(table, existing);
                if (deferrals != null && (table.stateFlags(existing) & PfConstants.PFSTATE_ACK) != 0) {
                    deferrals.releaseAcknowledged(existing, nowNanos);
                }
                table.remove(existing, StateRemoveReason.SUPERSEDED);
                collisionsLost++;
                gaveWay = true;
            } else {
                // Ours wins: the peer learns it from our state in full, sent once.
                remember(creator, id);
                collisionsWon++;
                reply(existing, SyncHints.FULL | SyncHints.IMMEDIATE);
                return;
            }
        }
        final int timeout = record.timeoutClass();
        final long timeoutMillis = table.timeouts().seconds(Math.min(timeout, StateTimeouts.COUNT - 1)) * 1000L;
        final long deadline = record.expireAtMillis() > 0 ? record.expireAtMillis() : now + timeoutMillis;
        // The record is the peer's whole state; we supply no rule (ours are not the peer's), a last
        // activity that keeps its deadline, and keep its windows (about a second old at most).
        final int slot = table.restore(record, -1, deadline - timeoutMillis, true);
        if (slot < 0) {
            refused++;
            badState++;
            return;
        }
        if (record.type() == JournalRecordType.INSERT.code()) {
            table.trustWindows(slot); // just created by the peer: its windows are current
        }
        policy.markPeerUpdate(slot, now);
        policy.updatedBy(slot, peer);
        imported++;
        if (recorder != null) {
            recorder.onInsert(table, slot, 0); // an INS_ACK it asked for went out when it arrived (FrameIngress)
        }
        if (gaveWay) {
            policy.mergeFromPeer(slot, ours, swapped, now);
            policy.markReported(slot, now);
            if (recorder != null) {
                recorder.onUpdate(table, slot, SyncHints.REPLY | SyncHints.IMMEDIATE); // what we knew, once
            }
        }
    }

    /**
     * After the bulk update this node asked for at start: the states nobody has told us about since we
     * asked may be stale — recovered from our journal, while a peer removed them and its DEL_C went
     * unheard. The bulk's sender holds every state it created, so each of its states it did not send
     * is asked for (UPD_REQ: it answers with the state, or with DEL_C when it is gone); each of ours
     * created before we asked is announced in full (a peer that removed it lately refuses it and
     * answers DEL_C; one that never had it imports it). Other nodes' states are left to their
     * creators. Bounded per duty cycle ({@link #RECONCILE_SLOTS_PER_CYCLE} slots,
     * {@link #RECONCILE_ACTIONS_PER_CYCLE} records).
     */
    private void reconcileStep() {
        final int own = table.creatorId();
        final int n = table.capacity();
        int examined = 0;
        int acted = 0;
        int slot = reconcileCursor;
        for (; slot < n && examined < RECONCILE_SLOTS_PER_CYCLE && acted < RECONCILE_ACTIONS_PER_CYCLE; slot++) {
            examined++;
            if (!table.isLive(slot) || policy.peerSyncMillis(slot) >= reconcileSinceMillis) {
                continue;
            }
            final int creator = table.creatorId(slot);
            if (creator == reconcilePeer && creator != own) {
                reconcileAsked++;
                acted++;
                if (recorder != null) {
                    recorder.onSyncRequest(creator, table.id(slot));
                }
            } else if (creator == own && table.creationMillis(slot) < reconcileSinceMillis) {
                reconcileAnnounced++;
                acted++;
                reply(slot, SyncHints.FULL);
            }
        }
        reconcileCursor = slot < n ? slot : -1;
    }

    /** States asked for (UPD_REQ) and announced (full UPD) by the reconciliation after a bulk update. */
    public long reconcileAsked() {
        return reconcileAsked;
    }

    public long reconcileAnnounced() {
        return reconcileAnnounced;
    }

    /** Peers' requests for one of our states that is gone, answered with DEL_C. */
    public long answeredGone() {
        return answeredGone;
    }

    /** Journals our version of a state to be sent to the peers (an answer or a correction). */
    private void reply(final int slot, final int hints) {
        policy.replied(slot, now); // repeated until the peer shows it, as a report is
        if (recorder != null) {
            recorder.onUpdate(table, slot, SyncHints.REPLY | hints);
        }
    }

    /**
     * Which of two states for one connection the cluster keeps: the lower creatorid, then the lower id
     * (both unsigned). Every node decides the same from the same two identities, so a collision is
     * settled within one exchange and never argued.
     */
    static boolean wins(final int creatorA, final long idA, final int creatorB, final long idB) {
        final int c = Integer.compareUnsigned(creatorA, creatorB);
        return c < 0 || c == 0 && Long.compareUnsigned(idA, idB) < 0;
    }

    private void remember(final int creator, final long id) {
        final int i = rememberNext;
        rememberedCreators[i] = creator;
        rememberedIds[i] = id;
        rememberedAt[i] = now;
        rememberNext = (i + 1) % REMEMBERED;
    }

    private boolean remembered(final int creator, final long id) {
        for (int i = 0; i < REMEMBERED; i++) {
            if (rememberedIds[i] == id && rememberedCreators[i] == creator && rememberedAt[i] != 0
                    && now - rememberedAt[i] < REMEMBER_MILLIS) {
                return true;
            }
        }
        return false;
    }

    /** Our own state's halves, captured before it gives way to a peer's (no allocation). */
    private static final class Halves implements StateHalves {
        private final long[] seqLo = new long[2];
        private final long[] seqHi = new long[2];
        private final int[] maxWin = new int[2];
        private final int[] mss = new int[2];
        private final int[] state = new int[2];
        private final int[] wscale = new int[2];
        private int timeout;

        void capture(final StateTable t, final int slot) {
            for (int h = 0; h < 2; h++) {
                seqLo[h] = t.seqLo(slot, h);
                seqHi[h] = t.seqHi(slot, h);
                maxWin[h] = t.maxWin(slot, h);
                mss[h] = t.mss(slot, h);
                state[h] = t.peerState(slot, h);
                wscale[h] = t.wscale(slot, h);
            }
            timeout = t.timeoutClass(slot);
        }

        @Override
        public long seqLo(final int half) {
            return seqLo[half];
        }

        @Override
        public long seqHi(final int half) {
            return seqHi[half];
        }

        @Override
        public int maxWin(final int half) {
            return maxWin[half];
        }

        @Override
        public int mss(final int half) {
            return mss[half];
        }

        @Override
        public int peerState(final int half) {
            return state[half];
        }

        @Override
        public int wscale(final int half) {
            return wscale[half];
        }

        @Override
        public int timeoutClass() {
            return timeout;
        }
    }

    public long dropped() {
        return dropped;
    }

    /** Acknowledgements lost to a full acknowledgement ring (their packets wait for the timeout). */
    public long acksDropped() {
        return acksDropped;
    }

    /** Messages applied ahead of the per-cycle limit because the sync thread had acknowledged them. */
    public long acknowledgedApplied() {
        return acknowledgedApplied;
    }

    public long imported() {
        return imported;
    }

    public long merged() {
        return merged;
    }

    public long deleted() {
        return deleted;
    }

    public long refused() {
        return refused;
    }

    /** Peer updates behind what we last reported of the state (pfsyncstats {@code stale}). */
    public long stale() {
        return stale;
    }

    /** Stale updates answered with our version at once (the others fell within a second of the last answer). */
    public long corrections() {
        return corrections;
    }

    /** Requests, deletions and imports naming a state that could not be found or made (pfsyncstats {@code badstate}). */
    public long badState() {
        return badState;
    }

    /** Compressed updates for unknown states, answered with a request for the full state. */
    public long requested() {
        return requested;
    }

    /** Requests for one state answered with the full state. */
    public long answered() {
        return answered;
    }

    /**
     * Peers' reports (full or compressed) of states removed here for good within
     * {@link RemovedStates#WINDOW_MILLIS}: refused, and answered with a DEL_C.
     */
    public long removedReports() {
        return removedReports;
    }

    /** States removed by peers' CLR messages. */
    public long cleared() {
        return cleared;
    }

    /** Collisions (a peer's state for a connection we hold under another identity) that ours won. */
    public long collisionsWon() {
        return collisionsWon;
    }

    /** Collisions that the peer's state won: ours gave way to it. */
    public long collisionsLost() {
        return collisionsLost;
    }

    /** Messages about a peer's state that already lost a collision here, ignored. */
    public long collisionsRepeated() {
        return collisionsRepeated;
    }
}
