package io.tandem.engine.state;

/**
 * The counters of one {@link StateTable}.
 *
 * <p>Theory of operation. Owned by the PacketAgent's packet thread, the only writer: each counter
 * is a plain {@code long} in a preallocated array, incremented without atomics, locks or
 * allocation. The scrape thread reads them without synchronisation; an aligned long is read whole
 * on 64-bit HotSpot, so a reader sees a recent value, fine for monitoring and never used for
 * decisions. Memory bound: one long per {@link StateCounter}, fixed at construction.
 */
public final class StateCounters {
    private final long[] values = new long[StateCounter.VALUES.length];

    public void increment(final StateCounter counter) {
        values[counter.ordinal()]++;
    }

    public void add(final StateCounter counter, final long delta) {
        values[counter.ordinal()] += delta;
    }

    public long get(final StateCounter counter) {
        return values[counter.ordinal()];
    }

    /** Sum of the counters whose metric name is {@code metricName} (a whole family). */
    public long sumFamily(final String metricName) {
        long sum = 0;
        for (final StateCounter c : StateCounter.VALUES) {
            if (c.metricName().equals(metricName)) {
                sum += values[c.ordinal()];
            }
        }
        return sum;
    }
}
