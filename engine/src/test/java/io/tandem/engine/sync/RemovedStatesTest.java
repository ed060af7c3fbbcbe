package io.tandem.engine.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The tombstones of removed states: window, identity match, bounded eviction. */
class RemovedStatesTest {
    private static final long NOW = 1_700_000_000_000L;

    @Test
    void anIdentityIsRememberedForTheWindowOnly() {
        final RemovedStates r = new RemovedStates();
        r.add(7, 42, NOW);
        assertTrue(r.contains(7, 42, NOW));
        assertTrue(r.contains(7, 42, NOW + RemovedStates.WINDOW_MILLIS - 1));
        assertFalse(r.contains(7, 42, NOW + RemovedStates.WINDOW_MILLIS));
        assertFalse(r.contains(8, 42, NOW), "another creator");
        assertFalse(r.contains(7, 43, NOW), "another id");
    }

    @Test
    void removingAgainRestartsTheWindowWithoutASecondEntry() {
        final RemovedStates r = new RemovedStates();
        r.add(7, 42, NOW);
        r.add(7, 42, NOW + 20_000);
        assertTrue(r.contains(7, 42, NOW + 40_000));
        assertEquals(0, r.evicted());
    }

    @Test
    void aFlushLargerThanTheCapacityKeepsTheNewestAndCountsEvictions() {
        final RemovedStates r = new RemovedStates();
        final int n = RemovedStates.CAPACITY * 2;
        for (int i = 0; i < n; i++) {
            r.add(1, i, NOW + i / 1000);
        }
        int newest = 0;
        for (int i = n - 1000; i < n; i++) {
            newest += r.contains(1, i, NOW + n / 1000) ? 1 : 0;
        }
        assertTrue(newest > 990, "the newest removals are remembered: " + newest);
        assertTrue(r.evicted() >= n - RemovedStates.CAPACITY, "evictions counted: " + r.evicted());
        int held = 0;
        for (int i = 0; i < n; i++) {
            held += r.contains(1, i, NOW + n / 1000) ? 1 : 0;
        }
        assertTrue(held <= RemovedStates.CAPACITY, "bounded: " + held);
        assertTrue(held > RemovedStates.CAPACITY * 9 / 10, "the sets fill evenly: " + held);
    }

    @Test
    void timedOutWaysAreReusedWithoutEviction() {
        final RemovedStates r = new RemovedStates();
        for (int i = 0; i < RemovedStates.CAPACITY; i++) {
            r.add(1, i, NOW);
        }
        final long before = r.evicted();
        for (int i = 0; i < RemovedStates.CAPACITY / 16; i++) { // about half a way per set: no set overflows
            r.add(2, i, NOW + RemovedStates.WINDOW_MILLIS);
        }
        assertEquals(before, r.evicted());
    }

    @Test
    void addingAndLookingUpAllocatesNothing() {
        final RemovedStates r = new RemovedStates();
        final com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 10_000; i++) {
            r.add(3, i, NOW);
            r.contains(3, i, NOW);
        }
        final long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        boolean any = false;
        for (int i = 0; i < 1_000_000; i++) {
            r.add(3, i, NOW + i);
            any |= r.contains(3, i / 2, NOW + i);
        }
        final long after = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        assertTrue(any);
        assertEquals(0, after - before);
    }
}
