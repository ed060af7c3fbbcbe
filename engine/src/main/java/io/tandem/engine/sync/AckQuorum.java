package io.tandem.engine.sync;

/**
 * Which INS_ACKs release a held first packet when there are several peers: the acknowledgement of every
 * peer that answers, not just the first one.
 *
 * <p>Why. With three firewalls and the split path between two of them (client through fwA, server
 * through fwC), the first INS_ACK can come from fwB, which carries neither direction. Releasing the
 * SYN on it lets the server's SYN-ACK reach fwC while fwC is still importing the same multicast INS,
 * and fwC drops it (measured: 2–3 of 21 connections, each then waiting a second for the client's
 * retransmitted SYN). FreeBSD releases on the first INS_ACK; it is written for two nodes.
 *
 * <p>Theory of operation. The sync thread tells this class each INS it sends with PFSTATE_ACK
 * ({@link #sent}) and each INS_ACK naming one of its states ({@link #acknowledged}, with the
 * {@link SyncPeers} index of the peer whose frame carried it), and each peer it hears a frame from
 * ({@link #heard}). The <i>answering</i> peers are those heard from that have not missed an INS, and
 * those that missed one and have acknowledged an INS in time since. An INS_ACK is passed on to the packet
 * thread — which releases the held packet — once every answering peer has acknowledged that state. A
 * state is remembered for {@code deferTimeoutMillis} after its INS went out (released or not). A peer
 * whose acknowledgement comes within that time is (again) answering; one that comes later (the
 * state forgotten) is passed on but does not make its sender answering, so a peer that is always
 * slower than the timeout is not waited for. A state still unreleased when it is forgotten (its
 * packet has left by its timeout) marks as missed, and drops from the set, every peer that did not
 * acknowledge it ({@link #expire}), so a dead or silent peer costs one held packet its timeout, not
 * every one, and its frames do not bring it back; only an acknowledgement in time does. A peer counts
 * from its first frame — at start, every peer's bulk-update request — so that the first connection
 * after a start waits for every peer too (learning the set from acknowledgements alone let the first
 * one go on the first INS_ACK, and fwC dropped its SYN-ACK, once in CI). With no answering peer (none
 * heard from, or every one missed one) the first INS_ACK releases, as in FreeBSD, and its sender joins
 * the set. With one peer this is exactly FreeBSD's rule.
 *
 * <p>Owner: the sync thread only; its three counts ({@link #heldBack}, {@link #overflows},
 * {@link #answeringPeers}) are plain fields read racily by the scrape and control threads through
 * {@link SyncCounters} (metrics {@code tandem_pfsync_deferral_acks_held_back_total},
 * {@code tandem_pfsync_deferral_quorum_overflows_total} and {@code tandem_pfsync_deferral_answering_peers};
 * the status JSON's {@code acks_held_back}, {@code quorum_overflows} and {@code answering_peers}). Memory
 * bound: half of {@link #CAPACITY} states (those sent within the defer timeout: 8,192, so 409,600 new
 * held connections a second at the default 20 ms) in open-addressed arrays, and a ring of the same
 * capacity in send order that makes the expiry constant time per state; beyond that (8,192 states, or
 * 16,384 sends counting a state sent again, within one defer timeout) a state is not remembered and its
 * first acknowledgement passes at once (first-ack behaviour, as FreeBSD: harmless with two firewalls;
 * counted {@link #overflows}). No setting raises the bound. About 700 KiB, allocated once.
 * Allocation-free after construction. Failure policy: an INS_ACK for a state not remembered here (late,
 * or for a packet that was not held) is passed on unchanged: the packet thread counts it as it always did.
 */
final class AckQuorum {
    /** States remembered at most (a power of two): those whose INS went out within the last defer timeout. */
    static final int CAPACITY = 16384;
    private static final int MASK = CAPACITY - 1;
    private static final long EMPTY = 0;

    private final long deferTimeoutMillis;
    /** State id of each slot; {@link #EMPTY} for a free slot (state ids are never 0). */
    private final long[] ids = new long[CAPACITY];
    /** When its INS went out (ms). */
    private final long[] sentMillis = new long[CAPACITY];
    /** The peers (bits by SyncPeers index) that acknowledged it. */
    private final long[] acked = new long[CAPACITY];
    /** Its acknowledgement has gone to the packet thread. */
    private final boolean[] released = new boolean[CAPACITY];
    /** The states in the order their INS went out (id, time), for the expiry: a ring of CAPACITY. */
    private final long[] orderIds = new long[CAPACITY];
    private final long[] orderMillis = new long[CAPACITY];
    private long orderHead;
    private long orderTail;
    private int count;
    /** Peers that acknowledged an INS in time and have not missed one since. */
    private long answering;
    /** Peers that did not acknowledge a held state in time and have not acknowledged one in time since. */
    private long missed;
    private long overflows;
    private long heldBack;

    AckQuorum(final long deferTimeoutMillis) {
        this.deferTimeoutMillis = Math.max(1, deferTimeoutMillis);
    }

    /** The INS of our state {@code id} went out with PFSTATE_ACK at {@code now}. */
    void sent(final long id, final long now) {
        if (id == EMPTY) {
            return;
        }
        expire(now);
        if (count >= CAPACITY / 2 || orderTail - orderHead == CAPACITY) {
            overflows++;
            return; // acknowledgements of this one pass at once
        }
        int i = slot(id);
        while (ids[i] != EMPTY && ids[i] != id) {
            i = (i + 1) & MASK;
        }
        if (ids[i] == EMPTY) {
            count++;
        }
        ids[i] = id;
        sentMillis[i] = now;
        acked[i] = 0;
        released[i] = false;
        final int o = (int) (orderTail++ & MASK);
        orderIds[o] = id;
        orderMillis[o] = now;
    }

    /**
     * Peer {@code peer} acknowledged our state {@code id}: true when the packet thread should have the
     * acknowledgement now (every answering peer has acknowledged it, it was released already, or it is
     * not remembered here: late, or its packet was not held).
     */
    boolean acknowledged(final long id, final int peer, final long now) {
        expire(now);
        final int i = find(id);
        if (i < 0) {
            return true; // late (after the defer timeout): passed on, and its sender does not join
        }
        final long bit = peer >= 0 && peer < 64 ? 1L << peer : 0;
        answering |= bit; // in time: waited for from now on
        missed &= ~bit;
        acked[i] |= bit;
        if (released[i]) {
            return true;
        }
        if ((acked[i] & answering) == answering) {
            released[i] = true;
            return true;
        }
        heldBack++;
        return false;
    }

    /**
     * Forgets the states whose INS went out more than the defer timeout ago, oldest first; one not
     * released by then (its packet has left by its timeout) drops from the answering set every peer
     * that did not acknowledge it. Constant time per state.
     */
    void expire(final long now) {
        while (orderHead != orderTail) {
            final int o = (int) (orderHead & MASK);
            if (now - orderMillis[o] <= deferTimeoutMillis) {
                return;
            }
            orderHead++;
            final int i = find(orderIds[o]);
            if (i >= 0 && sentMillis[i] == orderMillis[o]) { // not sent again since
                if (!released[i]) {
                    missed |= answering & ~acked[i];
                    answering &= acked[i];
                }
                remove(i);
            }
        }
    }

    /**
     * A frame from peer {@code peer} ({@link SyncPeers} index) was accepted: it is waited for from now on,
     * unless it missed an acknowledgement and has not acknowledged one in time since.
     */
    void heard(final int peer) {
        final long bit = peer >= 0 && peer < 64 ? 1L << peer : 0;
        if ((missed & bit) == 0) {
            answering |= bit;
        }
    }

    /** INS_ACKs held back because another answering peer had not acknowledged the state yet. */
    long heldBack() {
        return heldBack;
    }

    /**
     * States not remembered because the table was full (more than half of {@link #CAPACITY} sent within
     * one defer timeout): their acknowledgements pass at once, so the first peer's releases the packet.
     */
    long overflows() {
        return overflows;
    }

    /** How many peers are waited for now (the answering set). */
    int answeringPeers() {
        return Long.bitCount(answering);
    }

    private static int slot(final long id) {
        return (int) (id ^ (id >>> 29) ^ (id >>> 47)) * 0x9E3779B9 >>> 18 & MASK;
    }

    private int find(final long id) {
        if (id == EMPTY || count == 0) {
            return -1;
        }
        int i = slot(id);
        while (ids[i] != EMPTY) {
            if (ids[i] == id) {
                return i;
            }
            i = (i + 1) & MASK;
        }
        return -1;
    }

    /** Removes slot {@code i}, moving back the entries of its probe run (linear probing, no tombstones). */
    private void remove(final int i) {
        int hole = i;
        ids[hole] = EMPTY;
        count--;
        int j = (hole + 1) & MASK;
        while (ids[j] != EMPTY) {
            final int home = slot(ids[j]);
            // move j into the hole when its home is not in (hole, j] (cyclically)
            if (((j - home) & MASK) >= ((j - hole) & MASK)) {
                ids[hole] = ids[j];
                sentMillis[hole] = sentMillis[j];
                acked[hole] = acked[j];
                released[hole] = released[j];
                ids[j] = EMPTY;
                hole = j;
            }
            j = (j + 1) & MASK;
        }
    }
}
