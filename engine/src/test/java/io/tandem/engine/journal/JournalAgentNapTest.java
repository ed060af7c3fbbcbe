package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateTable;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import io.tandem.engine.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal thread's wait between records ({@link JournalAgent}): while a packet thread journals for
 * packets ({@link JournalRing#trafficJournaled}, at most a second ago) it naps on its own timer and never
 * marks itself asleep, so the packet thread's once-per-cycle wake ({@link JournalRecorder#wakeJournal})
 * finds nothing to wake and a record still reaches Chronicle; with no such traffic, traffic older than a
 * second, or naps turned off ({@code napMillis(0)}), it sleeps until a record comes, as before. The test
 * reads the flags and counts, not times.
 */
class JournalAgentNapTest {
    private static final int CREATOR = 0x0c0ffee0;

    @TempDir
    Path dir;

    private Journal journal;
    private JournalRing ring;
    private JournalHealth health;
    private JournalAgent agent;

    private void start(final int napMillis) throws Exception {
        final Path d = dir.resolve("nap-" + napMillis);
        journal = Journal.openForWriting(JournalDirectory.openForWriting(d, 0, CREATOR), "hourly");
        ring = JournalRing.open(d, 1 << 16);
        health = new JournalHealth(d, 0);
        agent = new JournalAgent(journal, ring, health, new JournalRetention(d, 10, journal.queue().rollCycle()),
                System.err).napMillis(napMillis);
        agent.start();
        agent.awaitReady(10, TimeUnit.SECONDS);
    }

    private void stop() throws java.io.IOException {
        agent.close();
        ring.close();
        journal.close();
    }

    /** One new UDP state, recorded into the ring by the table's listener (the recorder), as on the packet thread. */
    private static void recordOneState(final StateTable t, final int i) {
        final DecodedPacket p = new DecodedPacket();
        JournalRecorderTest.udp(p, i, false);
        assertTrue(t.create(p, 0, PfConstants.PF_IN, 0, 5_000_000) >= 0);
    }

    @Test
    void whilePacketsJournalTheThreadNapsAndTheCyclesWakeFindsNothingToWake() throws Exception {
        start(JournalAgent.NAP_MILLIS);
        try {
            final JournalRecorder recorder = new JournalRecorder(ring, health, CREATOR, 60, 0, 0);
            final StateTable t = JournalRecorderTest.table(128);
            t.setListener(recorder);
            recordOneState(t, 1);
            recorder.trafficJournaled(System.nanoTime());
            recorder.wakeJournal();
            Await.until(() -> health.written() == 1, "the first record in Chronicle");
            Await.until(() -> agent.naps() >= 3, "naps while packets journal");
            for (int i = 0; i < 20; i++) {
                assertFalse(ring.isConsumerAsleep(), "napping, never asleep until woken");
                Thread.sleep(1);
            }
            recordOneState(t, 2);
            recorder.trafficJournaled(System.nanoTime());
            recorder.wakeJournal(); // a fence; the flag it reads is down
            assertFalse(ring.isConsumerAsleep());
            Await.until(() -> health.written() == 2, "the next record in Chronicle, at the nap's end");
        } finally {
            stop();
        }
    }

    @Test
    void withoutRecentTrafficOrWithNapsOffTheThreadSleepsUntilARecordComes() throws Exception {
        for (final int napMillis : new int[] {JournalAgent.NAP_MILLIS, 0}) {
            start(napMillis);
            try {
                final JournalRecorder recorder = new JournalRecorder(ring, health, CREATOR, 60, 0, 0);
                final StateTable t = JournalRecorderTest.table(128);
                t.setListener(recorder);
                // records that are not packets' (a snapshot slice's, say): no traffic mark
                recordOneState(t, 1);
                recorder.wakeJournal();
                Await.until(() -> health.written() == 1, "the record in Chronicle");
                Await.until(ring::isConsumerAsleep, "asleep until the next record (naps " + napMillis + " ms)");
                assertEquals(0, agent.naps());

                // traffic, but longer ago than the nap window; or naps off
                recordOneState(t, 2);
                recorder.trafficJournaled(napMillis > 0
                        ? System.nanoTime() - 2 * JournalAgent.NAP_WINDOW_NANOS : System.nanoTime());
                recorder.wakeJournal(); // wakes it: it was asleep
                Await.until(() -> health.written() == 2, "the second record in Chronicle");
                Await.until(ring::isConsumerAsleep, "asleep again");
                assertEquals(0, agent.naps(), "no nap (naps " + napMillis + " ms)");
            } finally {
                stop();
            }
        }
    }
}
