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
 * How the packet thread wakes an idle journal thread. In a short park ({@link JournalRing#wakeConsumerIfFilling}):
 * not for ordinary records while less than a quarter of the ring waits (they wait for the end of the
 * park), at once when a burst passes a quarter, and not while the thread is awake. In its sleep until
 * the next record ({@link JournalRing#wakeConsumerIfAsleep}, once per duty cycle with records; the
 * recorder's {@link JournalRecorder#wakeJournal}): at the first record, and only once.
 */
class JournalRingWakeTest {
    private static final int RING = 1 << 16;

    /**
     * A stand-in for the journal thread asleep until the next record: flag, fence, look again, then wait
     * (here: for a minute), counting every return from its park until the ring holds a record.
     */
    private static final class SleepingJournalThread {
        final AtomicInteger returns = new AtomicInteger();
        final CountDownLatch woke = new CountDownLatch(1);
        final Thread thread;

        SleepingJournalThread(final JournalRing ring) throws InterruptedException {
            final CountDownLatch asleep = new CountDownLatch(1);
            thread = new Thread(() -> {
                ring.consumerAsleep(true);
                java.lang.invoke.VarHandle.fullFence();
                asleep.countDown();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (ring.size() == 0 && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(60));
                    returns.incrementAndGet();
                }
                ring.consumerAsleep(false);
                woke.countDown();
            }, "journal-stand-in");
            ring.consumer(thread);
            thread.start();
            assertTrue(asleep.await(10, TimeUnit.SECONDS));
            while (thread.getState() != Thread.State.TIMED_WAITING) { // parked, not about to park
                Thread.onSpinWait();
            }
        }

        /** Asserts that it was woken, once, and has ended. */
        void assertWokenOnce(final String what) throws InterruptedException {
            assertTrue(woke.await(10, TimeUnit.SECONDS), what);
            thread.join(10_000);
            assertFalse(thread.isAlive());
            assertEquals(1, returns.get());
        }
    }

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

    /**
     * A journal thread asleep until the next record is woken by the producer's end-of-cycle check after
     * one record, not by the per-record check of a short park; the check needs a record: a cycle
     * without one leaves it asleep.
     */
    @Test
    void aSleepingJournalThreadIsWokenByTheFirstRecordsCycle(@TempDir final Path dir) throws Exception {
        final JournalRing ring = JournalRing.open(dir, RING);
        final JournalHealth health = new JournalHealth(dir, 0);
        final JournalRecorder recorder = new JournalRecorder(ring, health, 0x0c0ffee0, 1, 0, 0);
        final io.tandem.engine.state.StateTable table = JournalRecorderTest.table(64);
        table.setListener(recorder);
        final SleepingJournalThread consumer = new SleepingJournalThread(ring);

        recorder.wakeJournal(); // a cycle without records
        Thread.sleep(300);
        assertEquals(0, consumer.returns.get(), "woken by a cycle that offered nothing");

        final io.tandem.engine.decode.DecodedPacket p = new io.tandem.engine.decode.DecodedPacket();
        JournalRecorderTest.udp(p, 1, false);
        table.create(p, 0, io.tandem.engine.state.PfConstants.PF_IN, 0, 1_000_000); // one ordinary record
        Thread.sleep(300);
        assertEquals(0, consumer.returns.get(), "an ordinary record alone woke it (the check is once per cycle)");
        assertTrue(ring.size() > 0);

        recorder.wakeJournal();
        consumer.assertWokenOnce("not woken with " + ring.size() + " bytes waiting");
    }

    /**
     * A held first packet's INSERT is urgent (its INS goes at once), but the urgent lane takes it to the
     * sync agent: it does not wake a sleeping journal thread at once — the end-of-cycle check does, as for
     * ordinary records. Without a lane (pfsync off, or the lane's copy dropped) the same INSERT still
     * wakes it at once.
     */
    @Test
    void aHeldInsertTheLaneCarriesWakesTheJournalThreadWithTheCycleNotAtOnce(@TempDir final Path dir) throws Exception {
        for (final boolean laned : new boolean[] {true, false}) {
            final Path sub = dir.resolve(laned ? "laned" : "unlaned");
            java.nio.file.Files.createDirectories(sub);
            final JournalRing ring = JournalRing.open(sub, RING);
            final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(sub, 0), 0x0c0ffee0, 1, 0, 0);
            if (laned) {
                recorder.urgentLane(new UrgentRecordLane());
            }
            final io.tandem.engine.state.StateTable table = JournalRecorderTest.table(64);
            table.setListener(recorder);
            final SleepingJournalThread consumer = new SleepingJournalThread(ring);

            final io.tandem.engine.decode.DecodedPacket p = new io.tandem.engine.decode.DecodedPacket();
            JournalRecorderTest.udp(p, 1, false);
            assertTrue(table.create(p, 0, 0, io.tandem.engine.state.PfConstants.PF_IN, 0, 1_000_000,
                    io.tandem.engine.state.StateTable.CREATE_DEFERRED) >= 0);
            if (laned) {
                Thread.sleep(300);
                assertEquals(0, consumer.returns.get(), "the laned INSERT woke the journal thread at once");
                assertTrue(recorder.journalWakePending(), "the cycle's check must wake it");
                recorder.wakeJournal();
            }
            consumer.assertWokenOnce((laned ? "the cycle's check" : "the urgent INSERT") + " did not wake the journal thread");
            ring.close();
        }
    }

    /** A journal thread that is awake gets no unpark from the end-of-cycle check (no stray permit, no system call). */
    @Test
    void anAwakeJournalThreadIsNotUnparked(@TempDir final Path dir) throws Exception {
        final JournalRing ring = JournalRing.open(dir, RING);
        final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), 0x0c0ffee0, 1, 0, 0);
        final io.tandem.engine.state.StateTable table = JournalRecorderTest.table(64);
        table.setListener(recorder);
        final CountDownLatch checked = new CountDownLatch(1);
        final CountDownLatch parking = new CountDownLatch(1);
        final AtomicInteger returns = new AtomicInteger();
        final Thread consumer = new Thread(() -> {
            try {
                checked.await();
            } catch (final InterruptedException e) {
                return;
            }
            parking.countDown();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(60)); // returns at once if the check left a permit
            returns.incrementAndGet();
        }, "journal-stand-in");
        ring.consumer(consumer);
        consumer.start();
        final io.tandem.engine.decode.DecodedPacket p = new io.tandem.engine.decode.DecodedPacket();
        JournalRecorderTest.udp(p, 1, false);
        table.create(p, 0, io.tandem.engine.state.PfConstants.PF_IN, 0, 1_000_000);
        recorder.wakeJournal();
        checked.countDown();
        assertTrue(parking.await(10, TimeUnit.SECONDS));
        Thread.sleep(300);
        assertEquals(0, returns.get(), "the awake thread was unparked");
        LockSupport.unpark(consumer);
        consumer.join(10_000);
        assertEquals(1, returns.get());
    }

    /**
     * The journal thread itself: idle, it goes to sleep until the next record, and while asleep it is
     * also parked as far as the producer's quarter-full check goes, so a ring filling within one
     * producer cycle (a mass kill, a state load) wakes it before the cycle ends.
     */
    @Test
    void anIdleJournalThreadSleepsAndAFillingRingCanStillWakeIt(@TempDir final Path dir) throws Exception {
        try (EngineJournal journal = EngineJournal.open(dir, "hourly", 10, 60, 0, 1, System.err)) {
            final JournalRing ring = journal.ring(0);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            boolean sampled = false;
            boolean parked = false;
            while (!sampled && System.nanoTime() < deadline) {
                // A consistent sample: asleep before and after reading the other flag.
                if (ring.isConsumerAsleep()) {
                    parked = ring.isConsumerParked();
                    sampled = ring.isConsumerAsleep();
                } else {
                    Thread.sleep(1);
                }
            }
            assertTrue(sampled, "the idle journal thread never went to sleep");
            assertTrue(parked, "asleep but not parked: a ring filling within one cycle could not wake it");
        }
    }

    /**
     * An idle sync agent sleeps on its doorbell for up to a second, so the journal thread must ring it
     * after any record it appends while the agent says it sleeps ({@link Journal#tailerAsleep}), and
     * only then: an ordinary record rings an asleep tailer and leaves an awake one alone.
     */
    @Test
    void anAppendRingsTheTailerOnlyWhileItSleeps(@TempDir final Path dir) throws Exception {
        try (EngineJournal journal = EngineJournal.open(dir, "hourly", 10, 60, 0, 1, System.err)) {
            final java.util.concurrent.atomic.AtomicInteger rings = new java.util.concurrent.atomic.AtomicInteger();
            journal.journal().onUrgentAppend(rings::incrementAndGet);
            journal.recoverInto(new io.tandem.engine.state.StateTable(64, 4, false, true,
                    io.tandem.engine.state.StateTimeouts.defaults(64), 1, 0, new io.tandem.engine.state.StateCounters()),
                    System.currentTimeMillis());
            final JournalRecorder recorder = journal.recorder(0);

            recorder.onSyncRequest(7, 1); // an ordinary record, tailer awake
            recorder.wakeJournal();
            Thread.sleep(300); // the journal thread writes it (and would ring meanwhile, if it did)
            assertEquals(0, rings.get(), "an awake tailer is not rung for an ordinary record");

            journal.journal().tailerAsleep(true);
            recorder.onSyncRequest(7, 2);
            recorder.wakeJournal();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rings.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(1, rings.get(), "a sleeping tailer is rung by the next append");
        }
    }
}
