package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the packet thread wakes an idle journal thread ({@link JournalRing#wakeConsumerIfFilling}): not
 * for ordinary records while less than a quarter of the ring waits (they wait for the end of the
 * journal thread's park), at once when a burst passes a quarter, and not while the thread is awake.
 */
class JournalRingWakeTest {
    private static final int RING = 1 << 16;

    @Test
    void aParkedJournalThreadIsWokenOnlyWhenAQuarterOfTheRingWaits(@TempDir final Path dir) throws Exception {
        final JournalRing ring = JournalRing.open(dir, RING);
        final UnsafeBuffer record = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        final CountDownLatch parked = new CountDownLatch(1);
        final CountDownLatch woke = new CountDownLatch(1);
        final AtomicInteger returns = new AtomicInteger();
        final Thread consumer = new Thread(() -> {
            ring.consumerParked(true);
            parked.countDown();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // Park as the journal thread does; count every return, until a quarter of the ring waits.
            while (System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(60));
                returns.incrementAndGet();
                if (ring.size() >= ring.capacity() / 4) {
                    break;
                }
            }
            ring.consumerParked(false);
            woke.countDown();
        }, "journal-stand-in");
        ring.consumer(consumer);
        consumer.start();
        assertTrue(parked.await(10, TimeUnit.SECONDS));

        // Below a quarter: the producer's checks leave it parked.
        int offered = 0;
        final int perRecord = JournalRecordFlyweight.LENGTH + 8; // Agrona's record header
        while ((offered + 2) * perRecord < ring.capacity() / 4) {
            assertTrue(ring.offer(record, 0));
            ring.wakeConsumerIfFilling();
            offered++;
        }
        Thread.sleep(300);
        assertEquals(0, returns.get(), "woken with " + ring.size() + " bytes waiting");

        // Past a quarter: the next check unparks it.
        while (ring.size() < ring.capacity() / 4) {
            assertTrue(ring.offer(record, 0));
            offered++;
        }
        ring.wakeConsumerIfFilling();
        assertTrue(woke.await(10, TimeUnit.SECONDS), "not woken with " + ring.size() + " bytes waiting");
        consumer.join(10_000);
        assertFalse(consumer.isAlive());
        assertEquals(offered, ring.size() / perRecord);
    }
}
