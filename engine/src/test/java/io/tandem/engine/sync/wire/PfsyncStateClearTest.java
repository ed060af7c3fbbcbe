package io.tandem.engine.sync.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** {@link PfsyncStateFlyweight#clear} zeroes every byte of each record version it wraps, and only those. */
class PfsyncStateClearTest {
    private static void assertClearsExactly(final PfsyncStateFlyweight<?> record) {
        for (final int offset : new int[] {0, 3, 64}) {
            final int length = record.length();
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[offset + length + 16]);
            buffer.setMemory(0, buffer.capacity(), (byte) 0x5A);
            record.wrap(buffer, offset).clear();
            for (int i = 0; i < buffer.capacity(); i++) {
                final int at = i - offset;
                final int expected = at >= 0 && at < length ? 0 : 0x5A;
                assertEquals(expected, buffer.getByte(i) & 0xFF,
                        record.getClass().getSimpleName() + " byte " + at + " at offset " + offset);
            }
        }
    }

    @Test
    void clearZeroesEachVersionsWholeRecordAndNothingAroundIt() {
        assertClearsExactly(new PfsyncState1301Flyweight());
        assertClearsExactly(new PfsyncState1400Flyweight());
        assertClearsExactly(new PfsyncState1500Flyweight());
    }
}
