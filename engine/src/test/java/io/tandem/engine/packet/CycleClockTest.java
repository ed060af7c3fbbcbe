package io.tandem.engine.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CycleClockTest {
    @Test
    void firstReadingIsTheWallClock() {
        final CycleClock clock = new CycleClock();
        final long before = System.currentTimeMillis();
        final long millis = clock.millis(System.nanoTime());
        final long after = System.currentTimeMillis();
        assertTrue(millis >= before && millis <= after, millis + " not in [" + before + ", " + after + "]");
    }

    @Test
    void withinAMillisecondOfMonotonicTimeTheReadingIsKept() throws InterruptedException {
        final CycleClock clock = new CycleClock();
        final long nanos = 1_000_000_000L;
        final long first = clock.millis(nanos);
        Thread.sleep(20); // the wall clock moves on; the cycle's monotonic readings say it did not
        assertEquals(first, clock.millis(nanos + CycleClock.REREAD_NANOS - 1));
    }

    @Test
    void aMillisecondLaterTheWallClockIsReadAgain() throws InterruptedException {
        final CycleClock clock = new CycleClock();
        final long nanos = 1_000_000_000L;
        final long first = clock.millis(nanos);
        Thread.sleep(20);
        final long before = System.currentTimeMillis();
        final long again = clock.millis(nanos + CycleClock.REREAD_NANOS);
        assertTrue(again >= before && again >= first + 20, first + " then " + again + ", wall " + before);
    }

    @Test
    void aMonotonicReadingThatWentBackReadsTheWallClock() throws InterruptedException {
        final CycleClock clock = new CycleClock();
        final long nanos = 1_000_000_000L;
        final long first = clock.millis(nanos);
        Thread.sleep(20);
        final long before = System.currentTimeMillis();
        assertTrue(clock.millis(nanos - 1) >= before);
        assertTrue(before >= first + 20);
    }
}
