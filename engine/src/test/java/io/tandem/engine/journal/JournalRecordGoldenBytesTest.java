package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden bytes of the records the state commands write, as {@link JournalRecorder} builds them: a
 * flush's CLEAR (one per creator id) and a loaded state's INSERT (origin kind 2, import). The two
 * clock fields are set to fixed values and the CRC recomputed, so the bytes are exactly those of
 * docs/journal-format.md.
 */
class JournalRecordGoldenBytesTest {
    private static final long WALL = 0x0000_0195_0000_0000L;
    private static final long MONO = 0x0102_0304_0506_0708L;

    private static String normalisedHex(final JournalRing ring) {
        final byte[] copy = new byte[JournalRecordFlyweight.LENGTH];
        final int n = ring.ring().read((type, buffer, index, length) -> buffer.getBytes(index, copy, 0, length), 1);
        assertEquals(1, n, "one record in the ring");
        final JournalRecordFlyweight r = new JournalRecordFlyweight().wrap(new UnsafeBuffer(copy), 0);
        r.wallTimeMillis(WALL).monotonicNanos(MONO).seal(new CRC32C());
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < copy.length; i++) {
            b.append(String.format("%02x", copy[i] & 0xff)).append((i & 15) == 15 ? "\n" : " ");
        }
        return b.toString();
    }

    @Test
    void aFlushsClearRecordNamesTheCreatorWithOriginKindRule(@TempDir final Path dir) throws Exception {
        try (JournalRing ring = JournalRing.open(dir, 1 << 16)) {
            final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), 0x0c0ffee0, 60, 41, 0);
            assertTrue(recorder.onClear(0x0badcafe));
            final String zeros = "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n";
            assertEquals(
                    // magic "TJ", version 1, type 4 CLEAR, reason 0, origin kind 0 (rule), state flags 0, wall time
                    "54 4a 01 04 00 00 00 00 00 00 00 00 95 01 00 00\n"
                    // monotonic time | origin 0 | creatorid 0x0badcafe (little-endian)
                    + "08 07 06 05 04 03 02 01 00 00 00 00 fe ca ad 0b\n"
                    + zeros.repeat(11) // id, key, peers, times, counters, epoch, queue, packet id: all 0
                    // sequence 42 (the recorder went on from 41) | sync hints 0, reserved
                    + "2a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
                    + zeros
                    // reserved | CRC32C of bytes 0..251
                    + "00 00 00 00 00 00 00 00 00 00 00 00 " + CLEAR_CRC + "\n",
                    normalisedHex(ring));
        }
    }

    /** A loaded state's INSERT: type 1, origin kind 2 (import), origin 0; the state as copyFrom writes it. */
    @Test
    void aLoadedStatesInsertCarriesOriginKindImport(@TempDir final Path dir) throws Exception {
        final io.tandem.engine.state.StateTable t = new io.tandem.engine.state.StateTable(16, 4, 0x0c0ffee0, 0,
                new io.tandem.engine.state.StateCounters());
        final JournalRecordFlyweight r = new JournalRecordFlyweight()
                .wrap(new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]), 0);
        r.clear().creatorId(0x0badcafe).id(0x1122334455667788L).af(2).proto(17).direction(2).timeoutClass(7)
                .addresses(0, 0x0A000001L, 0, 0xC0000201L).ports(40000, 53).rule(3).creationMillis(1000)
                .counters(1, 2, 3, 4);
        final int slot = t.restore(r, 3, 1000, true);
        try (JournalRing ring = JournalRing.open(dir, 1 << 16)) {
            final JournalRecorder recorder = new JournalRecorder(ring, new JournalHealth(dir, 0), 0x0c0ffee0, 60, 0, 0);
            assertTrue(recorder.onImported(t, slot));
            final String[] rows = normalisedHex(ring).split("\n");
            // magic, version, type 1 INSERT, reason 0, origin kind 2 (import), state flags 0, wall time
            assertEquals("54 4a 01 01 00 02 00 00 00 00 00 00 95 01 00 00", rows[0]);
            // monotonic | origin 0 | creatorid 0x0badcafe
            assertEquals("08 07 06 05 04 03 02 01 00 00 00 00 fe ca ad 0b", rows[1]);
            // id 0x1122334455667788 | af 2, proto 17, direction 2 (out), timeout class 7 | ifindex 0
            assertEquals("88 77 66 55 44 33 22 11 02 11 02 07 00 00 00 00", rows[2]);
        }
    }

    private static final String CLEAR_CRC = "61 69 b4 ab";
}
