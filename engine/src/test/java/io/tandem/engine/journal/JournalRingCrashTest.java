package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-flight ring after a kill -9 in the middle of a write ({@link JournalRing#repairAfterCrash}): a
 * record marked as being written, or room claimed but not yet marked (in a fresh ring and in one that
 * wrapped, whose room still holds an earlier lap's record), is what the file holds when the engine
 * starts again. The reader must get the records before it and every record written after, instead of
 * stopping there for good (which left a restarted engine journaling nothing, and so reporting nothing
 * to its peers).
 */
class JournalRingCrashTest {
    private static final int RING = 1 << 16;
    private static final int RECORD = BitUtil.align(RecordDescriptor.HEADER_LENGTH + JournalRecordFlyweight.LENGTH,
            RecordDescriptor.ALIGNMENT);

    @TempDir
    Path dir;

    private static UnsafeBuffer record(final int n) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        b.putInt(0, n);
        return b;
    }

    /** The records the ring hands over now, by the number each carries. */
    private static List<Integer> drain(final JournalRing ring) {
        final List<Integer> out = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) { // a read stops where the ring wraps
            ring.ring().read((type, buffer, index, length) -> out.add(buffer.getInt(index)), 1000);
        }
        return out;
    }

    private static long position(final AtomicBuffer b, final int offset) {
        return b.getLong(RING + offset);
    }

    @Test
    void aRecordAKilledProducerWasWritingIsSkippedAndTheRestFlows() throws Exception {
        try (JournalRing r = JournalRing.open(dir, RING)) {
            assertTrue(r.offer(record(1), 0));
            assertTrue(r.offer(record(2), 0));
            assertTrue(r.offer(record(3), 0));
            // killed while copying record 2: the producer marks a record being written by its negative length
            r.ring().buffer().putInt(RecordDescriptor.lengthOffset(RECORD), -(RecordDescriptor.HEADER_LENGTH
                    + JournalRecordFlyweight.LENGTH));
            assertEquals(List.of(1), drain(r), "as the ring stood, the reader stopped at record 2 for good");
            assertEquals(List.of(), drain(r));
        }
        try (JournalRing again = JournalRing.open(dir, RING)) {
            assertEquals(List.of(3), drain(again), "record 3, written after the unfinished one, is read");
            assertEquals(1, again.unfinishedSkipped());
            assertTrue(again.offer(record(4), 0));
            assertEquals(List.of(4), drain(again), "and what the next run writes");
        }
    }

    @Test
    void roomAKilledProducerClaimedButNeverMarkedIsSkipped() throws Exception {
        try (JournalRing r = JournalRing.open(dir, RING)) {
            assertTrue(r.offer(record(1), 0));
            // killed between moving the tail and marking the record: the tail is past room holding zeros
            final AtomicBuffer b = r.ring().buffer();
            b.putLong(RING + RingBufferDescriptor.TAIL_POSITION_OFFSET,
                    position(b, RingBufferDescriptor.TAIL_POSITION_OFFSET) + RECORD);
        }
        try (JournalRing again = JournalRing.open(dir, RING)) {
            assertEquals(List.of(1), drain(again));
            assertTrue(again.offer(record(2), 0));
            assertEquals(List.of(2), drain(again), "the reader is not stuck at the empty room");
            assertEquals(RECORD, again.claimedBytesSkipped());
        }
    }

    @Test
    void roomClaimedAfterTheRingWrappedIsSkippedThoughItHoldsAnEarlierLapsRecord() throws Exception {
        final int perLap = RING / RECORD;
        try (JournalRing r = JournalRing.open(dir, RING)) {
            for (int i = 0; i < perLap + 3; i++) { // more than a lap: room is reused, old records' bytes remain
                assertTrue(r.offer(record(i), 0));
                assertEquals(List.of(i), drain(r));
            }
            assertTrue(r.offer(record(1000), 0));
            final AtomicBuffer b = r.ring().buffer();
            final long tail = position(b, RingBufferDescriptor.TAIL_POSITION_OFFSET);
            // killed between moving the tail past the next record's room and marking it
            b.putLong(RING + RingBufferDescriptor.TAIL_POSITION_OFFSET, tail + RECORD);
            b.putInt(RecordDescriptor.lengthOffset((int) tail & (RING - 1)), 0);
        }
        try (JournalRing again = JournalRing.open(dir, RING)) {
            assertEquals(RECORD, again.claimedBytesSkipped());
            assertEquals(List.of(1000), drain(again), "the record before it, and not the old one in the room");
            assertTrue(again.offer(record(1001), 0));
            assertEquals(List.of(1001), drain(again));
        }
    }

    @Test
    void aRingLeftCleanIsNotTouched() throws Exception {
        try (JournalRing r = JournalRing.open(dir, RING)) {
            assertTrue(r.offer(record(1), 0));
            assertTrue(r.offer(record(2), 0));
        }
        try (JournalRing again = JournalRing.open(dir, RING)) {
            assertEquals(0, again.unfinishedSkipped());
            assertEquals(0, again.claimedBytesSkipped());
            assertEquals(List.of(1, 2), drain(again), "a previous run's records, drained at start as before");
        }
    }
}
