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
 * {@link SyncPeers} index of the peer whose frame carried it). The <i>answering</i> peers are those that
 * have acknowledged an INS and have not missed one since. An INS_ACK is passed on to the packet thread —
 * which releases the held packet — once every answering peer has acknowledged that state. A peer that
 * acknowledges for the first time (or again) joins the answering set; a state whose acknowledgements
 * are still incomplete {@code deferTimeoutMillis} after its INS went out (the packet thread has released
 * the packet by its timeout by then) drops the peers that did not answer from the set
 * ({@link #expire}), so a dead or silent peer costs one held packet its timeout, not every one. With
 * no answering peer (at start, or after every peer missed one) the first INS_ACK releases, as in
 * FreeBSD, and its sender joins the set. With one peer this is exactly FreeBSD's rule.
 *
 * <p>Owner: the sync thread only. Memory bound: {@link #CAPACITY} pending states in open-addressed
 * arrays; when they are full the acknowledgement passes at once (first-ack behaviour, counted
 * {@link #overflows}). Allocation-free. Failure policy: an INS_ACK for a state not pending here (late,
 * after the sweep, or for a packet that was not held) is passed on unchanged: the packet thread counts
 * it as it always did.
 */
final class AckQuorum {
    /** Pending states at most (a power of two): several times any {@code defer-limit} in use. */
    static final int CAPACITY = 4096;
    private static final int MASK = CAPACITY - 1;
    private static final long EMPTY = 0;

    private final long deferTimeoutMillis;
    /** State id of each slot; {@link #EMPTY} for a free slot (state ids are never 0). */
    private final long[] ids = new long[CAPACITY];
    /** When its INS went out (ms). */
    private final long[] sentMillis = new long[CAPACITY];
    /** The peers (bits by SyncPeers index) that acknowledged it. */
    private final long[] acked = new long[CAPACITY];
    private int count;
    /** Peers that acknowledged an INS and have not missed one since. */
    private long answering;
    private long nextExpireMillis;
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
        if (count >= CAPACITY / 2) {
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
    }

    /**
     * Peer {@code peer} acknowledged our state {@code id}: true when the packet thread should have the
     * acknowledgement now (every answering peer has acknowledged it, or it is not pending here).
     */
    boolean acknowledged(final long id, final int peer, final long now) {
        expire(now);
        final long bit = peer >= 0 && peer < 64 ? 1L << peer : 0;
        answering |= bit;
        final int i = find(id);
        if (i < 0) {
            return true;
        }
        acked[i] |= bit;
        if ((acked[i] & answering) == answering) {
            remove(i);
            return true;
        }
        heldBack++;
        return false;
    }

    /**
     * Drops the states whose INS went out more than the defer timeout ago, and with them, from the
     * answering set, every peer that did not acknowledge one of them. Cheap when nothing is pending;
     * scans the table at most once per millisecond otherwise.
     */
    void expire(final long now) {
        if (count == 0 || now < nextExpireMillis) {
            return;
        }
        nextExpireMillis = now + 1;
        for (int i = 0; i < CAPACITY && count > 0; i++) {
            if (ids[i] != EMPTY && now - sentMillis[i] > deferTimeoutMillis) {
                answering &= acked[i];
                remove(i);
                i--; // the slot may now hold a shifted entry
            }
        }
    }

    /** INS_ACKs held back because another answering peer had not acknowledged the state yet. */
    long heldBack() {
        return heldBack;
    }

    /** States whose acknowledgements passed at once because the table was full. */
    long overflows() {
        return overflows;
    }

    /** How many peers are waited for now (the answering set). */
    int answeringPeers() {
        return Long.bitCount(answering);
    }

    private static int slot(final long id) {
        return (int) (id ^ (id >>> 29) ^ (id >>> 47)) * 0x9E3779B9 >>> 20 & MASK;
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
                ids[j] = EMPTY;
                hole = j;
            }
            j = (j + 1) & MASK;
        }
    }
}
