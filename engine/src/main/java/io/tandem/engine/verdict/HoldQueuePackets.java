package io.tandem.engine.verdict;

import io.tandem.engine.decode.DecodedPacket;

/**
 * The packets a packet thread moved from its queue to its hold queue ({@code set hold-queue}), each with
 * its id on the hold queue once that is known and the verdict it was given before then.
 *
 * <p>Why. A packet the thread holds (pfsync deferral, a packet awaiting a peer's state, a packet handed to
 * another queue's thread) stays in the kernel queue without a verdict. A VERDICT_BATCH releases every
 * queued id up to the one it names, so while a packet is held on the queue only single VERDICT messages
 * may be sent. Moved instead to a second queue bound to the same socket (the verdict {@code NF_QUEUE} with
 * that queue's number, which the kernel carries out at once: the packet re-enters the same hook's queueing
 * on the hold queue), it leaves the first queue, and batching there goes on. The kernel then delivers it
 * again, on the hold queue, under that queue's own id; its verdict, when the thread releases it, goes to
 * the hold queue under that id, and the kernel resumes the packet where it was queued.
 *
 * <p>Theory of operation. Owned by the packet thread (through its {@link VerdictBatcher}); single writer, no
 * synchronisation. A FIFO ring of entries in the order the packets were moved: the id on the first queue,
 * a fingerprint of the packet ({@link #fingerprint}), the id on the hold queue (unknown until it arrives)
 * and a verdict given before that (pending). The kernel delivers moved packets on the hold queue in the
 * order they were moved, so a packet arriving there belongs to the oldest entry not yet arrived; the
 * fingerprint checks it. Releases come in any order: an entry leaves the ring when its verdict has been
 * sent, and the ring's head passes over entries that left.
 *
 * <p>Memory bound: {@code capacity} entries, preallocated; when full, the batcher holds the next packet on
 * its queue as without a hold queue. Failure policy: a packet arriving on the hold queue that matches no
 * entry's fingerprint (no rule should send packets there, so it is not one of ours) is dropped and
 * counted; entries skipped over to find a match (a move the kernel failed to carry out, e.g. out of
 * memory) are counted as lost, and their release sends nothing, since the packet is gone.
 */
public final class HoldQueuePackets {
    /** The hold queue id of an entry whose packet has not arrived there yet. */
    static final long NOT_ARRIVED = -1;
    /** The hold queue id of an entry whose packet never arrived there (skipped by a later one). */
    static final long LOST = -2;
    /** No verdict given yet. */
    static final int NO_VERDICT = -1;
    /** {@link #arrived}: the packet matches no entry. */
    public static final int UNMATCHED = -2;
    /** {@link #arrived}: matched; its verdict is not known yet. */
    public static final int WAITING = -1;

    private static final long FREE = Long.MIN_VALUE;

    private final int mask;
    private final long[] ids;
    private final long[] fingerprints;
    private final long[] holdIds;
    private final int[] verdicts;
    /** Positions (monotonic; index = position & mask): oldest live entry, next free, oldest not arrived. */
    private long head;
    private long tail;
    private long nextToArrive;
    private int live;
    private long lost;

    /** @param capacity entries, a power of two */
    public HoldQueuePackets(final int capacity) {
        if (capacity < 1 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, got " + capacity);
        }
        mask = capacity - 1;
        ids = new long[capacity];
        fingerprints = new long[capacity];
        holdIds = new long[capacity];
        verdicts = new int[capacity];
        java.util.Arrays.fill(ids, FREE);
    }

    /**
     * A fingerprint of a packet that survives the move: its addresses, ports, protocol, IP length and
     * (TCP) sequence number and flags, mixed. Two packets of one flow can share it; the order tells them apart.
     */
    public static long fingerprint(final DecodedPacket p) {
        long h = p.family * 31L + p.protocol;
        h = mix(h, p.srcHi);
        h = mix(h, p.srcLo);
        h = mix(h, p.dstHi);
        h = mix(h, p.dstLo);
        h = mix(h, ((long) p.srcPort << 16) | p.dstPort);
        h = mix(h, ((long) p.ipLength << 32) | p.tcpFlags);
        return mix(h, p.seq);
    }

    private static long mix(final long h, final long v) {
        final long x = (h ^ v) * 0x9E37_79B9_7F4A_7C15L;
        return x ^ (x >>> 29);
    }

    /** Whether another packet can be moved. */
    public boolean full() {
        return tail - head > mask;
    }

    /** Packets moved and not yet released. */
    public int live() {
        return live;
    }

    /** Entries skipped because their packet never arrived on the hold queue. */
    public long lost() {
        return lost;
    }

    /** A packet (id {@code id} on the first queue) was moved to the hold queue; check {@link #full()} first. */
    public void moved(final long id, final long fingerprint) {
        final int e = (int) (tail++ & mask);
        ids[e] = id;
        fingerprints[e] = fingerprint;
        holdIds[e] = NOT_ARRIVED;
        verdicts[e] = NO_VERDICT;
        live++;
    }

    /** The entry of the moved packet with first-queue id {@code id}, or -1 if none. */
    public int find(final long id) {
        for (long pos = head; pos < tail; pos++) {
            final int e = (int) (pos & mask);
            if (ids[e] == id) {
                return e;
            }
        }
        return -1;
    }

    /** The entry's id on the hold queue, {@link #NOT_ARRIVED} or {@link #LOST}. */
    public long holdId(final int e) {
        return holdIds[e];
    }

    /** The entry's verdict is {@code verdict}; it is sent when its packet arrives on the hold queue. */
    public void pend(final int e, final int verdict) {
        verdicts[e] = verdict;
    }

    /** The entry's verdict was sent (or its packet is lost): it leaves the ring. */
    public void remove(final int e) {
        ids[e] = FREE;
        live--;
        while (head < tail && ids[(int) (head & mask)] == FREE) {
            head++;
        }
        if (nextToArrive < head) {
            nextToArrive = head;
        }
    }

    /**
     * A packet arrived on the hold queue under {@code holdId}: it belongs to the oldest entry not yet
     * arrived whose fingerprint it has; older entries not arrived are lost. Returns the verdict to send
     * it now (the entry then left the ring), {@link #WAITING} (the entry keeps the id until its release) or
     * {@link #UNMATCHED}.
     */
    public int arrived(final long holdId, final long fingerprint) {
        long pos = nextToArrive;
        while (pos < tail) {
            final int e = (int) (pos & mask);
            if (ids[e] != FREE && holdIds[e] == NOT_ARRIVED && fingerprints[e] == fingerprint) {
                break;
            }
            pos++;
        }
        if (pos == tail) {
            return UNMATCHED;
        }
        for (long skipped = nextToArrive; skipped < pos; skipped++) {
            final int s = (int) (skipped & mask);
            if (ids[s] != FREE && holdIds[s] == NOT_ARRIVED) {
                lost++;
                if (verdicts[s] != NO_VERDICT) {
                    remove(s); // released already: nothing left to send it
                } else {
                    holdIds[s] = LOST;
                }
            }
        }
        nextToArrive = pos + 1;
        final int e = (int) (pos & mask);
        final int verdict = verdicts[e];
        if (verdict != NO_VERDICT) {
            remove(e);
            return verdict;
        }
        holdIds[e] = holdId;
        return WAITING;
    }

    /** Whether some moved packet has not arrived on the hold queue yet (shutdown waits for them). */
    public boolean awaitingArrival() {
        for (long pos = Math.max(nextToArrive, head); pos < tail; pos++) {
            final int e = (int) (pos & mask);
            if (ids[e] != FREE && holdIds[e] == NOT_ARRIVED) {
                return true;
            }
        }
        return false;
    }
}
