package io.tandem.engine.sync;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.shard.FlowOwner;
import io.tandem.engine.state.StateIds;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Which queue thread a peer's message goes to: with {@code set queue FIRST:LAST} each thread holds
 * the states of the flows it owns ({@link FlowOwner}), in its own table, and reads its own
 * {@link PeerInbox}; this router, on the sync thread, puts each message into the inbox of the thread
 * that holds (or will hold) the state. With one queue it is a plain pass-through to the one inbox.
 *
 * <p>Theory of operation. A message with a key (INS, UPD: {@link PeerInbox#STATE}) goes to the owner
 * of its flow, and the router learns its identity: a direct-mapped cache of {@link #CACHE_SLOTS}
 * entries maps (creatorid, id) to the thread. A message that names a state only by identity
 * (UPD_C, DEL_C, UPD_REQ, INS_ACK) goes to
 * <ol>
 *   <li>the cached thread; else</li>
 *   <li>for one of this node's own states numbered in this run, the thread that numbered it
 *       ({@link StateIds#threadOf}: the threads' ids interleave, and a thread numbers only the flows it
 *       owns); else</li>
 *   <li>every thread, marked {@link PeerInbox#QUIET}: the thread that holds the state acts on it, the
 *       others ignore it. An UPD_C goes to thread 0 unmarked instead of quiet, so that if no thread
 *       holds it, thread 0 asks for it (UPD_REQ); the full UPD that answers goes to the owner by its key
 *       and teaches the cache. Such a miss (a cache slot taken by another state, or a peer's state
 *       recovered from our journal, which we have not heard of in this run) costs at most one round
 *       trip; a DEL_C or UPD_REQ that no thread holds is then counted here ({@link #broadcasts}) rather
 *       than as {@code badstate}.</li>
 * </ol>
 * CLR and the end of a bulk update go to every thread (each clears, or reconciles, its own table),
 * after everything sent before them, since each inbox is read in order. INS_ACK names only our own
 * states: an id not numbered in this run (no packet of it can be held) goes to thread 0, which counts
 * it as an acknowledgement without a hold.
 *
 * <p>Owner: the sync thread (it alone offers and reads the cache); each inbox's packet thread drains
 * its own. Memory bound: the inboxes, and with several threads the cache (13 bytes a slot, about
 * 0.9 MB). Failure policy: a full inbox drops the message and counts it there; with
 * {@link #hasRoomFor} the sync thread stops reading frames before that.
 */
public final class PeerInboxes {
    /** Slots of the identity → thread cache (a power of two). */
    static final int CACHE_SLOTS = 1 << 16;

    private final PeerInbox[] inboxes;
    private final int threads;
    private final int ownCreatorId;
    private final long runBase;
    private final int[] cachedCreators;
    private final long[] cachedIds;
    private final byte[] cachedThreads;
    private final JournalRecordFlyweight record = new JournalRecordFlyweight();
    private final boolean[] offered;
    /** An INS_ACK was offered since {@link #takeAckOffered} last looked. */
    private boolean ackOffered;
    private volatile long broadcasts;
    private volatile long learned;

    /**
     * @param inboxes      one per queue thread, in thread order
     * @param ownCreatorId this node's creatorid
     * @param runBase      the upper 32 bits of this run's state ids ({@link StateIds#initialBase}): an own id
     *                     with other upper bits was numbered by an earlier run, perhaps with another number of
     *                     threads, and is not routed by {@link StateIds#threadOf}
     */
    public PeerInboxes(final List<PeerInbox> inboxes, final int ownCreatorId, final long runBase) {
        if (inboxes.isEmpty()) {
            throw new IllegalArgumentException("no inbox");
        }
        this.inboxes = inboxes.toArray(new PeerInbox[0]);
        this.threads = this.inboxes.length;
        this.ownCreatorId = ownCreatorId;
        this.runBase = runBase >>> 32;
        this.offered = new boolean[threads];
        final int slots = threads > 1 ? CACHE_SLOTS : 0;
        cachedCreators = new int[slots];
        cachedIds = new long[slots];
        cachedThreads = new byte[slots];
    }

    /** One inbox: one queue thread. */
    public static PeerInboxes of(final PeerInbox inbox) {
        return new PeerInboxes(List.of(inbox), 0, 0);
    }

    public int threads() {
        return threads;
    }

    /** Queue thread {@code index}'s inbox. */
    public PeerInbox inbox(final int index) {
        return inboxes[index];
    }

    /** Sync thread: one message (a journal-format record, {@link PeerInbox} kinds) to the thread it concerns. */
    public void offer(final int kind, final UnsafeBuffer source, final int offset) {
        if (threads == 1) {
            post(0, kind, source, offset);
            return;
        }
        record.wrap(source, offset);
        switch (PeerInbox.kindOf(kind)) {
            case PeerInbox.STATE -> post(stateOwner(source, offset), kind, source, offset);
            case PeerInbox.COMPRESSED, PeerInbox.DELETE, PeerInbox.REQUEST -> {
                final int t = threadOf(record.creatorId(), record.id());
                if (t >= 0) {
                    post(t, kind, source, offset);
                    return;
                }
                broadcasts++;
                for (int i = 0; i < threads; i++) {
                    final boolean asker = i == 0 && PeerInbox.kindOf(kind) == PeerInbox.COMPRESSED;
                    post(i, asker ? kind : kind | PeerInbox.QUIET, source, offset);
                }
            }
            default -> {
                for (int i = 0; i < threads; i++) {
                    post(i, kind, source, offset);
                }
            }
        }
    }

    /**
     * Sync thread: a peer's INS that asks for INS_ACK, to the thread that will hold its state, marked so
     * that thread applies it before deciding any packet received afterwards
     * ({@link PeerInbox#offerAcknowledged}).
     *
     * @return true when the message is in that thread's inbox: the caller may acknowledge it now
     */
    public boolean offerAcknowledged(final int peer, final UnsafeBuffer source, final int offset) {
        final int owner = stateOwner(source, offset);
        offered[owner] = true;
        return inboxes[owner].offerAcknowledged(PeerInbox.fromPeer(PeerInbox.STATE, peer), source, offset);
    }

    /** The thread that holds (or will hold) the state of a full record, learned for its identity. */
    private int stateOwner(final UnsafeBuffer source, final int offset) {
        if (threads == 1) {
            return 0;
        }
        record.wrap(source, offset);
        final int owner = FlowOwner.of(record.af(), record.proto(), record.srcHi(), record.srcLo(), record.dstHi(),
                record.dstLo(), record.srcPort(), record.dstPort(), threads);
        learn(record.creatorId(), record.id(), owner);
        return owner;
    }

    /** Sync thread: a peer acknowledged one of our states (INS_ACK): to the thread that holds it. */
    public void offerAck(final int creator, final long id) {
        final int t = threads == 1 ? 0 : threadOf(creator, id);
        final int to = t < 0 ? 0 : t;
        inboxes[to].offerAck(creator, id);
        offered[to] = true;
        ackOffered = true;
    }

    /**
     * Sync thread: true when an INS_ACK was offered since the last call (a packet thread holds a packet
     * for it, so the caller rings the doorbells now, not after the rest of the frames waiting).
     */
    public boolean takeAckOffered() {
        final boolean offeredAck = ackOffered;
        ackOffered = false;
        return offeredAck;
    }

    /** Sync thread: rings the doorbell of every thread that was given a message since the last call. */
    public void wake() {
        for (int i = 0; i < threads; i++) {
            if (offered[i]) {
                offered[i] = false;
                inboxes[i].wake();
            }
        }
    }

    /** Sync thread: true when every inbox has room for {@code messages} more (a broadcast may fill them all). */
    public boolean hasRoomFor(final int messages) {
        for (final PeerInbox inbox : inboxes) {
            if (!inbox.hasRoomFor(messages)) {
                return false;
            }
        }
        return true;
    }

    /** The thread that holds (creator, id) as far as the router knows, or -1. */
    int threadOf(final int creator, final long id) {
        final int slot = slot(creator, id);
        if (cachedIds[slot] == id && cachedCreators[slot] == creator && id != 0) {
            return cachedThreads[slot];
        }
        if (creator == ownCreatorId && (id >>> 32) == runBase) {
            return StateIds.threadOf(id, threads);
        }
        return -1;
    }

    private void learn(final int creator, final long id, final int owner) {
        final int slot = slot(creator, id);
        if (cachedIds[slot] != id || cachedCreators[slot] != creator) {
            cachedCreators[slot] = creator;
            cachedIds[slot] = id;
            learned++;
        }
        cachedThreads[slot] = (byte) owner;
    }

    private static int slot(final int creator, final long id) {
        long h = id * 0x9E3779B97F4A7C15L ^ creator;
        h ^= h >>> 29;
        return (int) (h & (CACHE_SLOTS - 1));
    }

    private void post(final int thread, final int kind, final UnsafeBuffer source, final int offset) {
        inboxes[thread].offer(kind, source, offset);
        offered[thread] = true;
    }

    /** Identity messages no thread was known to hold, sent to every thread (quietly). */
    public long broadcasts() {
        return broadcasts;
    }

    /** Identities of peers' states learned from their keyed messages. */
    public long learned() {
        return learned;
    }

    /** One of the inboxes' counters summed over the threads (a reader thread may call it). */
    public long sum(final java.util.function.ToLongFunction<PeerInbox> counter) {
        long n = 0;
        for (final PeerInbox i : inboxes) {
            n += counter.applyAsLong(i);
        }
        return n;
    }
}
