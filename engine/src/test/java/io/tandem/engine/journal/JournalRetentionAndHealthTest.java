package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention keeps what recovery needs; a nearly full disk suspends the journal, never filtering. */
class JournalRetentionAndHealthTest {
    @Test
    void retentionDeletesOnlyCyclesBeforeTheRecoveryPointAndBeyondTheKeepCount(@TempDir final Path dir) throws Exception {
        // Hourly files for 10 consecutive hours, named as Chronicle names them.
        final String[] names = {
            "20261124-00F.cq4", "20261124-01F.cq4", "20261124-02F.cq4", "20261124-03F.cq4", "20261124-04F.cq4",
            "20261124-05F.cq4", "20261124-06F.cq4", "20261124-07F.cq4", "20261124-08F.cq4", "20261124-09F.cq4",
        };
        for (final String n : names) {
            Files.writeString(dir.resolve(n), "x");
        }
        final JournalRetention retention = new JournalRetention(dir, 3, RollCycles.FAST_HOURLY);
        final PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(0, retention.apply(log), "no complete epoch known yet: keep everything");

        final long cycle5 = retention.cycleOf("20261124-05F.cq4");
        assertEquals(retention.cycleOf("20261124-04F.cq4") + 1, cycle5, "consecutive hours are consecutive cycles");
        retention.protectFromIndex(RollCycles.FAST_HOURLY.toIndex((int) cycle5, 17));
        assertEquals(5, retention.apply(log), "cycles 0..4 are before the recovery point");
        assertFalse(Files.exists(dir.resolve("20261124-04F.cq4")));
        assertTrue(Files.exists(dir.resolve("20261124-05F.cq4")), "the recovery point's cycle stays");

        retention.protectFromIndex(RollCycles.FAST_HOURLY.toIndex((int) retention.cycleOf("20261124-09F.cq4"), 0));
        assertEquals(2, retention.apply(log), "the newest 3 files always stay");
        assertTrue(Files.exists(dir.resolve("20261124-07F.cq4")));
        assertEquals(-1, retention.cycleOf("notes.cq4"));
    }

    @Test
    void aNearlyFullDiskSuspendsJournalingAndCountsTheDrops(@TempDir final Path dir) throws Exception {
        final JournalHealth health = new JournalHealth(dir, Long.MAX_VALUE); // no disk has that much free
        final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        health.check(log);
        assertTrue(health.suspended());
        final JournalRing ring = JournalRing.open(dir, 1 << 16);
        final JournalRecorder recorder = new JournalRecorder(ring, health, 1, 60, 0, 0);
        final StateTable t = new StateTable(64, 1, false, true, StateTimeouts.defaults(64), 1, 1, new StateCounters());
        t.setListener(recorder);
        final DecodedPacket p = new DecodedPacket();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.l4Offset = 20;
        p.srcLo = 1;
        p.dstLo = 2;
        p.srcPort = 3;
        p.dstPort = 4;
        assertTrue(t.create(p, 0, PfConstants.PF_IN, 0, 1000) >= 0, "filtering goes on: the state is created");
        assertEquals(1, health.dropped());
        assertEquals(0, ring.size(), "nothing was written");
        health.check(log);
        final String text = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("journal: suspended"), text);
        assertTrue(text.contains("1 records dropped"), text);
        health.check(log);
        assertEquals(text, logBytes.toString(StandardCharsets.UTF_8), "logged once, not again without news");
        ring.close();
    }

    @Test
    void freeSpaceOfAJournalDirectoryThatGoesAwayReadsAsUnknownAndIsFoundAgain(@TempDir final Path parent)
            throws Exception {
        final Path dir = Files.createDirectory(parent.resolve("journal"));
        final JournalHealth health = new JournalHealth(dir, 0);
        assertTrue(health.usableBytes() > 0);
        assertTrue(health.usableBytes() > 0, "read again from the file system found the first time");
        Files.delete(dir);
        assertEquals(-1, health.usableBytes(), "gone: unknown, not a stale figure");
        Files.createDirectory(dir);
        assertTrue(health.usableBytes() > 0, "back: found again");
    }
}
