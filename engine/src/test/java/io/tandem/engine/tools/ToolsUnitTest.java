package io.tandem.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** TIME parsing, the replay's epoch and CLEAR rules, the progress bar. No Chronicle files. */
class ToolsUnitTest {
    private static final long NOW = Instant.parse("2026-11-24T04:01:02.123Z").toEpochMilli();
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    @Test
    void timeForms() {
        assertEquals(NOW, TimeSpec.parse("2026-11-24T04:01:02.123Z", 0, PARIS));
        assertEquals(NOW, TimeSpec.parse("2026-11-24T05:01:02.123+01:00", 0, ZoneOffset.UTC));
        assertEquals(NOW, TimeSpec.parse("2026-11-24T05:01:02.123", 0, PARIS));
        assertEquals(NOW - 2123, TimeSpec.parse("2026-11-24 05:01", 0, PARIS));
        assertEquals(Instant.parse("2026-11-23T23:00:00Z").toEpochMilli(), TimeSpec.parse("2026-11-24", 0, PARIS));
        assertEquals(1_795_492_862_000L, TimeSpec.parse("1795492862", 0, PARIS));
        assertEquals(1_795_492_862_500L, TimeSpec.parse("1795492862.5", 0, PARIS));
        assertEquals(NOW - 600_000, TimeSpec.parse("-10m", NOW, PARIS));
        assertEquals(NOW - 7_200_000, TimeSpec.parse("-2h", NOW, PARIS));
        assertEquals(NOW - 90_000, TimeSpec.parse("-90s", NOW, PARIS));
        assertEquals(NOW - 86_400_000, TimeSpec.parse("-1d", NOW, PARIS));
        assertEquals(NOW - 7 * 86_400_000L, TimeSpec.parse("-1w", NOW, PARIS));
        assertEquals(NOW, TimeSpec.parse("now", NOW, PARIS));
        for (final String bad : new String[] {"", "-", "-10", "-10y", "yesterday", "1.2.3", "2026-13-01", "-1h30m",
            "99999999999999999999"}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TimeSpec.parse(bad, NOW, PARIS), bad);
            assertTrue(e.getMessage().startsWith("invalid time '" + bad + "'"), e.getMessage());
        }
    }

    private final byte[] bytes = new byte[JournalRecordFlyweight.LENGTH];
    private final JournalRecordFlyweight r = new JournalRecordFlyweight().wrap(new UnsafeBuffer(bytes), 0);

    private JournalRecordFlyweight rec(final JournalRecordType type, final int creator, final long id) {
        return r.clear().type(type.code()).creatorId(creator).id(id).af(2).proto(6);
    }

    @Test
    void replayUpsertsDeletesAndClears() {
        final StateTableReplay t = new StateTableReplay();
        t.apply(rec(JournalRecordType.INSERT, 1, 1));
        t.apply(rec(JournalRecordType.INSERT, 2, 1));
        t.apply(rec(JournalRecordType.INSERT, 2, 2));
        t.apply(rec(JournalRecordType.UPDATE, 1, 1).rule(9));
        assertEquals(3, t.size());
        t.apply(rec(JournalRecordType.DELETE, 1, 2)); // no such state
        assertEquals(3, t.size());
        t.apply(rec(JournalRecordType.CLEAR, 1, 0).originKind(JournalRecorder.ORIGIN_PEER).origin(2));
        assertEquals(1, t.size());
        t.apply(rec(JournalRecordType.DELETE, 1, 1));
        assertEquals(0, t.size());
        t.apply(rec(JournalRecordType.SNAPSHOT, 3, 3));
        t.apply(rec(JournalRecordType.SNAPSHOT, 4, 4));
        t.apply(rec(JournalRecordType.CLEAR, 3, 0)); // a local flush: one CLEAR per creator
        assertEquals(1, t.size());
        t.apply(rec(JournalRecordType.SNAPSHOT, 3, 3));
        t.apply(rec(JournalRecordType.CLEAR, 0, 0)); // no creator: every state
        assertEquals(0, t.size());
    }

    @Test
    void aCompleteEpochRestartsTheTableLikeRecovery() {
        final StateTableReplay t = new StateTableReplay();
        t.apply(rec(JournalRecordType.INSERT, 1, 1)); // lost later: not in the epoch, never deleted
        t.apply(rec(JournalRecordType.INSERT, 1, 2));
        t.apply(rec(JournalRecordType.EPOCH_START, 1, 0).epoch(5));
        t.apply(rec(JournalRecordType.SNAPSHOT, 1, 2).epoch(5));
        t.apply(rec(JournalRecordType.INSERT, 1, 3)); // during the pass
        assertEquals(3, t.size()); // the epoch is not complete yet
        t.apply(rec(JournalRecordType.EPOCH_END, 1, 0).epoch(5));
        assertEquals(2, t.size());
        assertEquals(5, t.completeEpoch());
        // an epoch that never ends changes nothing; a later one ends
        t.apply(rec(JournalRecordType.EPOCH_START, 1, 0).epoch(6));
        t.apply(rec(JournalRecordType.EPOCH_START, 1, 0).epoch(7));
        t.apply(rec(JournalRecordType.EPOCH_END, 1, 0).epoch(6));
        assertEquals(2, t.size());
        t.apply(rec(JournalRecordType.SNAPSHOT, 1, 3).epoch(7));
        t.apply(rec(JournalRecordType.EPOCH_END, 1, 0).epoch(7));
        assertEquals(1, t.size());
        assertEquals(7, t.completeEpoch());
    }

    @Test
    void liveLeavesOutExpiredStates() {
        final StateTableReplay t = new StateTableReplay();
        t.apply(rec(JournalRecordType.INSERT, 1, 1).expireAtMillis(1000));
        t.apply(rec(JournalRecordType.INSERT, 1, 2).expireAtMillis(0));
        assertEquals(2, t.live(1000).size());
        assertEquals(1, t.live(1001).size());
    }

    @Test
    void progressBar() {
        assertEquals("[##########          ] 52% 1.2M records", ProgressBar.render(1_234_567, 2_374_167));
        assertEquals("[                    ] 0% 999 records", ProgressBar.render(999, 0));
        assertEquals("[####################] 100% 12.3k records", ProgressBar.render(12_345, 12_345));
        final StringWriter err = new StringWriter();
        final ProgressBar off = new ProgressBar(new PrintWriter(err), false, 10);
        for (int i = 0; i < 100_000; i++) {
            off.update(i);
        }
        off.done();
        assertEquals("", err.toString());
    }

    @Test
    void formatterNames() {
        assertEquals("tcp.established", RecordFormatter.timeoutName(2));
        assertEquals("200", RecordFormatter.timeoutName(200));
        assertEquals(2, RecordFormatter.timeoutClass("tcp.established"));
        assertEquals(-1, RecordFormatter.timeoutClass("tcp.nope"));
        assertEquals("TIME_WAIT", RecordFormatter.peerStateName(6, 10));
        assertEquals("11", RecordFormatter.peerStateName(6, 11));
        assertEquals("MULTIPLE", RecordFormatter.peerStateName(17, 2));
        assertEquals("25:00:01", RecordFormatter.hms(90_001_000));
        assertEquals("UNKNOWN(99)", RecordFormatter.typeName(99));
        assertEquals(6, RecordFilter.parseProto("tcp"));
        assertEquals(58, RecordFilter.parseProto("icmp6"));
        assertEquals(132, RecordFilter.parseProto("132"));
        assertEquals(-1, RecordFilter.parseProto("256"));
    }
}
