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

    /** Bits of the counter part each queue thread's range spans ({@code set queue FIRST:LAST}). */
    public static final int QUEUE_RANGE_BITS = 26;

    /**
     * The base of the {@code index}-th queue thread's ids: {@code base + index << 26}, so up to 64 threads
     * share the 32-bit counter part, each numbering about 67 million states per run before it reaches the
     * next thread's range (the bound above becomes 2^26 per thread). Index 0 keeps {@code base}.
     */
    public static long queueBase(final long base, final int index) {
        return base + ((long) index << QUEUE_RANGE_BITS);
    }

    /** {@code (wallClockMillis / 1000) << 32}: the id base for a run started at that time. */
    public static long initialBase(final long wallClockMillis) {
        return (wallClockMillis / 1000L) << 32;
    }
}
