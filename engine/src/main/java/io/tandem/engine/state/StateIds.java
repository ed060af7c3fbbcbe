package io.tandem.engine.state;

/**
 * How state ids are chosen so that {@code (creatorid, id)} stays unique across restarts without
 * persisting anything.
 *
 * <p>A table numbers its states {@code idBase + 1, idBase + 2, ...}. {@link #initialBase(long)}
 * puts the wall-clock second of start-up in the upper 32 bits: a restart happens later in
 * wall-clock time, so its base is at least {@code 2^32} above the previous run's base, and the
 * previous run's ids stay below the new base as long as that run made fewer than {@code 2^32}
 * (about 4.3 billion) states per second of separation between the two starts — in the usual
 * reading: fewer than {@code 2^32} states in one run. A run that makes more spills into the seconds
 * part and could collide with a later run started within that many seconds; at 100,000 new states
 * per second that takes about 12 hours of continuous creation per second of restart gap, i.e. the
 * bound only matters if two starts are seconds apart after a very long, very busy run. A wall clock
 * that steps backwards across a restart defeats the scheme; pair it with a fresh random creatorid
 * (the normal case) so ids need only be unique per creatorid. Ids are never 0: the first id is
 * {@code idBase + 1}, and (0, 0) is pfsync's "everything" request.
 */
public final class StateIds {
    private StateIds() {
    }

    /**
     * Which of {@code threads} queue threads ({@code set queue FIRST:LAST}) numbered the id {@code id} of
     * this node's creatorid: the threads' tables share one base and interleave the counter part
     * ({@link StateTable#idSequence}: thread i of N numbers {@code base + i + 1}, then every N-th), so the
     * counter part modulo N names the thread, and the bound above (2^32 states per run) holds for all of
     * them together. Meaningful for ids numbered by a run with the same number of threads.
     */
    public static int threadOf(final long id, final int threads) {
        if (threads <= 1) {
            return 0;
        }
        return (int) (((id & 0xFFFF_FFFFL) - 1 + threads) % threads);
    }

    /** {@code (wallClockMillis / 1000) << 32}: the id base for a run started at that time. */
    public static long initialBase(final long wallClockMillis) {
        return (wallClockMillis / 1000L) << 32;
    }
}
