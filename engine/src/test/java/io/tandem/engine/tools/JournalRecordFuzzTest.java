package io.tandem.engine.tools;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Fuzz target: any bytes (up to 512) taken as a journal record go through the validation ladder,
 * every accessor, the line and JSON formatters, the filters and the replay without throwing; and
 * the JSON of any record's state reads back to the same JSON (export/import is lossless for every
 * field it carries). In the normal test run Jazzer replays the seeds under
 * {@code JournalRecordFuzzTestInputs/formatRecord/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class JournalRecordFuzzTest {
    private static final RecordFilter[] FILTERS = {
        RecordFilter.all(),
        RecordFilter.all().proto(6).port(443),
        RecordFilter.all().host(RecordFilter.Host.parse("198.18.1.10")).since(0).until(Long.MAX_VALUE / 2),
        RecordFilter.all().host(RecordFilter.Host.parse("2001:db8::1")).types(List.of(JournalRecordType.DELETE)),
    };

    @FuzzTest(maxDuration = "20s")
    void formatRecord(final byte[] data) {
        if (data.length > 512) {
            return;
        }
        final byte[] bytes = Arrays.copyOf(data, Math.max(data.length, JournalRecordFlyweight.LENGTH));
        final JournalRecordFlyweight r = new JournalRecordFlyweight().wrap(new UnsafeBuffer(bytes), 0);
        final JournalReadStatus status = new RecordValidator().validate(r, data.length);

        long sink = r.magic() + r.version() + r.type() + r.reason() + r.originKind() + r.stateFlags()
                + r.wallTimeMillis() + r.monotonicNanos() + r.origin() + r.creatorId() + r.id() + r.af() + r.proto()
                + r.direction() + r.timeoutClass() + r.ifindex() + r.srcHi() + r.srcLo() + r.dstHi() + r.dstLo()
                + r.srcPort() + r.dstPort() + r.rule() + r.creationMillis() + r.expireAtMillis()
                + r.lastActivityMillis() + r.epoch() + r.queue() + r.packetId() + r.sequence() + r.crc();
        for (int p = 0; p < 2; p++) {
            sink += r.seqLo(p) + r.seqHi(p) + r.seqDiff(p) + r.maxWin(p) + r.mss(p) + r.peerState(p) + r.wscale(p)
                    + r.packets(p) + r.bytes(p);
        }
        final String line = RecordFormatter.line(r);
        final String json = RecordFormatter.json(r);
        JsonReader.object(json);
        final String state = RecordFormatter.stateJson(r);
        final String pfctl = RecordFormatter.pfctl(r, r.wallTimeMillis());
        if (line.isEmpty() || pfctl.isEmpty() || sink == 42 && line.isEmpty()) {
            throw new IllegalStateException("empty output");
        }
        for (final RecordFilter f : FILTERS) {
            f.matches(r);
        }

        // The state's JSON reads back into a record whose JSON is the same.
        final JournalRecordFlyweight back = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0).clear();
        StateJsonCodec.read(state, back);
        if (!state.equals(RecordFormatter.stateJson(back))) {
            throw new IllegalStateException("state JSON does not round-trip:\n" + state + "\n"
                    + RecordFormatter.stateJson(back));
        }

        if (status == JournalReadStatus.OK) {
            final StateTableReplay replay = new StateTableReplay();
            replay.apply(r);
            replay.live(r.wallTimeMillis());
        }
    }
}
