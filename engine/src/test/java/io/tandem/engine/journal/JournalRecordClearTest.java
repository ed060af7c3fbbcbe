package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** {@link JournalRecordFlyweight#clear} zeroes every byte of the record it wraps, and only those. */
class JournalRecordClearTest {
    @Test
    void clearZeroesTheWholeRecordButMagicAndVersionAndLeavesItsNeighboursAlone() {
        for (final int offset : new int[] {0, 8, 100}) {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + JournalRecordFlyweight.LENGTH + 16]);
            buffer.setMemory(0, buffer.capacity(), (byte) 0xA5);
            final JournalRecordFlyweight r = new JournalRecordFlyweight().wrap(buffer, offset).clear();
            for (int i = 0; i < buffer.capacity(); i++) {
                final int at = i - offset;
                final int expected;
                if (at < 0 || at >= JournalRecordFlyweight.LENGTH) {
                    expected = 0xA5;
                } else if (at == JournalRecordFlyweight.MAGIC_OFFSET) {
                    expected = JournalRecordFlyweight.MAGIC & 0xFF;
                } else if (at == JournalRecordFlyweight.MAGIC_OFFSET + 1) {
                    expected = (JournalRecordFlyweight.MAGIC >> 8) & 0xFF;
                } else if (at == JournalRecordFlyweight.VERSION_OFFSET) {
                    expected = JournalRecordFlyweight.VERSION;
                } else {
                    expected = 0;
                }
                assertEquals(expected, buffer.getByte(i) & 0xFF, "byte " + at + " of a record at " + offset);
            }
            assertEquals(JournalRecordFlyweight.MAGIC, r.magic());
        }
    }
}
