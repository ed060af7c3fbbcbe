package io.tandem.engine.testing;

import java.lang.management.ManagementFactory;

/**
 * Measures bytes allocated by the current thread over a piece of work, for the zero-allocation
 * tests of the packet path.
 *
 * <p>JIT tiering can cost a few bytes once (an OSR transition, a deoptimisation) even after a long
 * warm-up; so a measurement runs up to {@code rounds} times and stops at the first round that
 * allocated nothing. Code that allocates per packet allocates in every round and still fails.
 */
public final class AllocationMeter {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final StringBuilder rounds = new StringBuilder();

    /** Runs {@code work} up to {@code maxRounds} times; returns the last round's allocated bytes. */
    public long measure(final int maxRounds, final Runnable work) {
        THREADS.setThreadAllocatedMemoryEnabled(true);
        long allocated = -1;
        for (int round = 0; round < maxRounds && allocated != 0; round++) {
            final long before = THREADS.getCurrentThreadAllocatedBytes();
            work.run();
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            rounds.append(rounds.length() == 0 ? "" : ", ").append(allocated);
        }
        return allocated;
    }

    /** Bytes per round so far, for assertion messages. */
    public String rounds() {
        return "bytes per round: " + rounds;
    }
}
