package io.tandem.engine.verdict;

import io.tandem.engine.state.HeldStateListener;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.SyncHints;

/**
 * First packets held for pfsync deferral: a new state's first packet gets no verdict until a peer has
 * the state, so that a reply crossing another firewall finds it there (FreeBSD's {@code pfsync_defer},
 * spec D; docs/pfsync.md "Deferral").
 *
 * <p>Theory of operation. Owned by the packet thread of one queue, like the state table and the
 * {@link VerdictBatcher} it drives; nothing here is touched by another thread. {@link #hold} takes a
 * packet whose state was just created with {@link PfConstants#PFSTATE_ACK} (the journal's INSERT carries
 * the flag, and the sync agent sends that INS at once with PFSTATE_ACK set). The packet stays in the
 * kernel queue: NFQUEUE needs only its id to give the verdict later. With several queue threads the
 * packet may have arrived on another thread's queue and been handed to this one, which owns its flow:
 * that thread holds it in its queue, and its verdict goes back there ({@link HeldVerdictSink#releaseTo}).
 * It leaves by exactly one of:
 * <ul>
 *   <li>{@link #releaseAcknowledged} — a peer acknowledged the state: its INS_ACK, a peer's update of
 *       the state, or a peer's own state for the connection that won a collision. Accepted;</li>
 *   <li>{@link #releaseForPacket} — another packet of the state passed here first (pf releases then
 *       too, before the update). Accepted, ahead of the later packet;</li>
 *   <li>{@link #expire} — held for {@code set sync defer-timeout} (FreeBSD: 20 ms). Accepted, and the
 *       state is sent again in full at once (its INS may have been lost);</li>
 *   <li>the limit — holding one more than {@code set sync defer-limit} releases the oldest (FreeBSD
 *       does the same). Accepted;</li>
 *   <li>{@link #heldStateRemoved} — the state left the table while its packet was held (expired, closed,
 *       deleted by a peer). Dropped, as pf drops it;</li>
 *   <li>{@link #releaseAll} — the engine stops. Accepted.</li>
 * </ul>
 * With several peers, the first acknowledgement releases the packet (as FreeBSD): holding it for
 * every peer would make one dead peer cost every new connection the whole timeout.
 *
 * <p>Memory bound: a ring of {@code limit} entries (slot, generation, packet id, time) plus one int per
 * state slot (its place in the ring), all allocated at construction; nothing is allocated per packet.
 * Releasing out of order leaves a hole that the head skips. Failure policy: nothing throws on the
 * packet path; every release is counted by its reason, and the hold time goes into a histogram.
 */
public final class DeferredVerdicts implements HeldStateListener, DeferralStats {
    private static final Release[] RELEASES = Release.values();
    private static final int NONE = -1;
    /** A held packet that arrived on this thread's own queue. */
    public static final int OWN_QUEUE = HeldPacketRing.OWN_QUEUE;

    private final HeldVerdictSink sink;
    private final StateTable table;
    private final int limit;
    private final long timeoutNanos;

    private final HeldPacketRing ring;
    /** Per entry of the ring: the state whose first packet it holds, and that state's generation. */
    private final int[] slots;
    private final int[] generations;
    /** Per state slot: its entry in the ring, or {@link #NONE}. */
    private final int[] entryOfSlot;

    // Counters: written by the packet thread only, read (slightly stale) by the scrape and control threads.
    private long deferred;
    private final long[] released = new long[RELEASES.length];
    private long acksWithoutHold;
    private final long[] holdBuckets = new long[BUCKET_MICROS.length + 1];
    private long holdNanosSum;
    /** When the latest packet was held ({@link #hold}); meaningless while nothing is held. */
    private long lastHoldNanos;
    /** The last packet released by an acknowledgement or a timeout went by an acknowledgement (true before any). */
    private boolean peersAnswer = true;

    /**
     * @param sink    where verdicts go (the queue's {@link VerdictBatcher})
     * @param table   the queue's state table (its {@link PfConstants#PFSTATE_ACK} flags are kept in step)
     * @param limit   most packets held at once ({@code set sync defer-limit}), at least 1
     * @param timeoutMillis longest hold ({@code set sync defer-timeout})
     */
    public DeferredVerdicts(final HeldVerdictSink sink, final StateTable table, final int limit,
            final long timeoutMillis) {
        if (limit < 1) {
            throw new IllegalArgumentException("defer limit must be at least 1: " + limit);
        }
        this.sink = sink;
        this.table = table;
        this.limit = limit;
        this.timeoutNanos = timeoutMillis * 1_000_000L;
        ring = new HeldPacketRing(limit);
        slots = new int[limit];
        generations = new int[limit];
        entryOfSlot = new int[table.capacity()];
        java.util.Arrays.fill(entryOfSlot, NONE);
        table.setHeldStateListener(this);
    }

    /**
     * Holds the first packet of the state in {@code slot} (created with {@link PfConstants#PFSTATE_ACK}).
     * When {@code limit} packets are already held, the oldest is released first.
     */
    public void hold(final int slot, final long packetId, final long nowNanos) {
        hold(slot, packetId, OWN_QUEUE, nowNanos);
    }

    /**
     * As above for a packet queue thread {@code receiver} received and handed to this one: its verdict goes
     * back there ({@link HeldVerdictSink#releaseTo}); that thread holds it in its queue meanwhile.
     */
    public void hold(final int slot, final long packetId, final int receiver, final long nowNanos) {
        while (ring.full()) {
            finish(ring.oldest(), VerdictBatcher.ACCEPT, Release.LIMIT, nowNanos);
        }
        final int e = ring.add(packetId, receiver, nowNanos);
        lastHoldNanos = nowNanos;
        slots[e] = slot;
        generations[e] = table.generation(slot);
        entryOfSlot[slot] = e;
        deferred++;
        if (receiver == OWN_QUEUE) {
            sink.hold();
        }
    }

    /** A peer acknowledged the state: release its packet (accept). False when nothing of it was held. */
    public boolean releaseAcknowledged(final int slot, final long nowNanos) {
        final int e = slot >= 0 ? entryOfSlot[slot] : NONE;
        if (e == NONE) {
            acksWithoutHold++;
            return false;
        }
        finish(e, VerdictBatcher.ACCEPT, Release.ACK, nowNanos);
        return true;
    }

    /** Another packet of the state passes here: the held one goes first (accept). */
    public void releaseForPacket(final int slot, final long nowNanos) {
        final int e = entryOfSlot[slot];
        if (e != NONE) {
            finish(e, VerdictBatcher.ACCEPT, Release.PACKET, nowNanos);
        }
    }

    @Override
    public void heldStateRemoved(final StateTable t, final int slot) {
        final int e = entryOfSlot[slot];
        if (e != NONE) {
            finish(e, VerdictBatcher.DROP, Release.DROPPED, System.nanoTime());
        }
    }

    /** Releases (accepts) the packets held for the timeout; returns how many. */
    public int expire(final long nowNanos) {
        int n = 0;
        for (int e = ring.oldest(); e >= 0 && nowNanos - ring.heldAtNanos(e) >= timeoutNanos; e = ring.oldest()) {
            finish(e, VerdictBatcher.ACCEPT, Release.TIMEOUT, nowNanos);
            n++;
        }
        return n;
    }

    /** Releases (accepts) every held packet: the engine stops. */
    public void releaseAll(final long nowNanos) {
        for (int e = ring.oldest(); e >= 0; e = ring.oldest()) {
            finish(e, VerdictBatcher.ACCEPT, Release.SHUTDOWN, nowNanos);
        }
    }

    /** When the packet held last was held ({@link System#nanoTime}); meaningful while {@link #held} is not 0. */
    public long lastHoldNanos() {
        return lastHoldNanos;
    }

    /**
     * Whether peers answer: the last packet released by an acknowledgement or by its timeout went by an
     * acknowledgement (true before any). False from a timeout until the next acknowledgement: no peer is
     * answering (down, or its answers lost), and waiting for one is all that is left.
     */
    public boolean peersAnswer() {
        return peersAnswer;
    }

    /** Nanoseconds until the oldest held packet's timeout (0 when due), or -1 when nothing is held. */
    public long nanosToNextTimeout(final long nowNanos) {
        return ring.nanosToTimeout(timeoutNanos, nowNanos);
    }

    private void finish(final int e, final int verdict, final Release why, final long nowNanos) {
        final int slot = slots[e];
        entryOfSlot[slot] = NONE;
        if (why != Release.DROPPED && table.isLive(slot) && table.generation(slot) == generations[e]) {
            table.deferred(slot, false);
            if (why == Release.TIMEOUT) {
                // No peer acknowledged the INS: it may be lost. Send the state again, in full and at once,
                // so that the peer has it before the answer to the packet released now reaches it.
                table.announce(slot, SyncHints.FULL | SyncHints.IMMEDIATE);
            }
        }
        if (why == Release.ACK || why == Release.TIMEOUT) {
            peersAnswer = why == Release.ACK;
        }
        final long nanos = Math.max(0, nowNanos - ring.heldAtNanos(e));
        ring.release(e, sink, verdict);
        released[why.ordinal()]++;
        holdNanosSum += nanos;
        final long micros = nanos / 1000;
        int b = 0;
        while (b < BUCKET_MICROS.length && micros > BUCKET_MICROS[b]) {
            b++;
        }
        holdBuckets[b]++;
    }

    @Override
    public int held() {
        return ring.held();
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public long timeoutMillis() {
        return timeoutNanos / 1_000_000L;
    }

    @Override
    public long deferred() {
        return deferred;
    }

    @Override
    public long released(final Release why) {
        return released[why.ordinal()];
    }

    @Override
    public long acksWithoutHold() {
        return acksWithoutHold;
    }

    @Override
    public long holdBucket(final int b) {
        return holdBuckets[b];
    }

    @Override
    public int holdBuckets() {
        return holdBuckets.length;
    }

    @Override
    public long holdNanosSum() {
        return holdNanosSum;
    }
}
