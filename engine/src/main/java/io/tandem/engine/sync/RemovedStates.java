package io.tandem.engine.sync;

/**
 * The pfsync identities (creatorid, id) of states this node removed for good — flushed or killed by
 * an administrator, deleted or cleared by a peer, closed, or reused — in the last
 * {@link #WINDOW_MILLIS}: a tombstone per state, so that a peer's report of a state that crosses our
 * deletion on the sync link does not bring the state back.
 *
 * <p>Why. pfsync deletes by message: a DEL_C (or CLR) goes out once, and the peer's own reports of the
 * same state — an update sent just before the DEL_C reached it, a settle repeat
 * ({@link SyncPolicy#SETTLE_REPEATS}), a bulk update in progress — may arrive here after the removal.
 * pf imports a full update of an unknown id as a new state ({@code pfsync_in_upd}), which resurrects
 * the state on this node alone, and nothing deletes it again until it expires. With a tombstone the
 * {@link PeerInbox} refuses such a report and answers it with a DEL_C, so deletion wins on every
 * node, also when the first DEL_C was lost. A state that merely <i>expired</i> here gets no tombstone:
 * a peer that still refreshes it is right (see {@code LocalChanges.announcesDelete}); nor does one
 * that gave way in a collision (its identity is never held by the peers). A new connection on the
 * same addresses gets a new id, so tombstones never block it.
 *
 * <p><b>Structure.</b> A set-associative table: {@link #WAYS} entries per set, the set chosen by a
 * hash of the identity. Adding takes a free or timed-out way of the set, or else the oldest
 * (eviction). Looking up compares the set's ways. <b>Owner:</b> the table's packet thread (the
 * policy's and the inbox's thread); single writer, no locks. <b>Memory bound:</b> {@link #CAPACITY}
 * entries of 20 bytes, 1.3 MB, allocated at construction; nothing allocates after. <b>Failure
 * policy:</b> when more than about {@link #CAPACITY} states are removed within the window (a flush
 * of a large table), the oldest tombstones are evicted ({@link #evicted} counts them), and a late
 * report of such a state may bring it back on this node until it expires — the behaviour of pf
 * itself.
 */
public final class RemovedStates {
    /** How long a removed identity is remembered: above a peer's settle repeats and a bulk update. */
    public static final long WINDOW_MILLIS = 30_000;
    /** Ways per set. */
    static final int WAYS = 8;
    /** Tombstones held at most. */
    public static final int CAPACITY = 1 << 16;

    private static final int SET_MASK = CAPACITY / WAYS - 1;

    private final int[] creators = new int[CAPACITY];
    private final long[] ids = new long[CAPACITY];
    /** When the identity was removed; 0 = empty way. */
    private final long[] removedAt = new long[CAPACITY];
    private long added;
    private long evicted;

    /** Remembers that the state {@code (creator, id)} was removed at {@code nowMillis} (&gt; 0). */
    public void add(final int creator, final long id, final long nowMillis) {
        final int base = set(creator, id) * WAYS;
        int victim = base;
        for (int i = base; i < base + WAYS; i++) {
            if (removedAt[i] != 0 && creators[i] == creator && ids[i] == id) {
                victim = i; // removed again (a second flush of a resurrected copy): restart its window
                break;
            }
            if (removedAt[i] == 0 || nowMillis - removedAt[i] >= WINDOW_MILLIS) {
                victim = i;
                break;
            }
            if (removedAt[i] < removedAt[victim]) {
                victim = i;
            }
        }
        if (removedAt[victim] != 0 && nowMillis - removedAt[victim] < WINDOW_MILLIS
                && (creators[victim] != creator || ids[victim] != id)) {
            evicted++;
        }
        creators[victim] = creator;
        ids[victim] = id;
        removedAt[victim] = Math.max(1, nowMillis);
        added++;
    }

    /** True when {@code (creator, id)} was removed within {@link #WINDOW_MILLIS} of {@code nowMillis}. */
    public boolean contains(final int creator, final long id, final long nowMillis) {
        final int base = set(creator, id) * WAYS;
        for (int i = base; i < base + WAYS; i++) {
            if (removedAt[i] != 0 && ids[i] == id && creators[i] == creator
                    && nowMillis - removedAt[i] < WINDOW_MILLIS) {
                return true;
            }
        }
        return false;
    }

    /** Tombstones added. */
    public long added() {
        return added;
    }

    /** Tombstones evicted within their window because their set was full. */
    public long evicted() {
        return evicted;
    }

    private static int set(final int creator, final long id) {
        long h = id * 0x9E3779B97F4A7C15L + creator;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h & SET_MASK;
    }
}
