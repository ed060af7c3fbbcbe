package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JournalRing#keepWritableAhead}: the journal thread takes the page faults of the ring's file that
 * writeback leaves behind, so the packet thread (the producer) does not; and its touches never change a
 * record the producer writes at the same moment. The first test runs against the real kernel and a real
 * file: it writes the ring's pages back ({@code fsync}), which write-protects them, and counts the
 * producer thread's minor page faults ({@code /proc/thread-self/stat}) without and with the touches.
 */
class JournalRingWritableAheadTest {
    private static final int PAGE = JournalRing.PAGE_SIZE;
    /** Pages the producer writes into in each half of the first test: within the consumer's reach. */
    private static final int PAGES_WRITTEN = JournalRing.PAGES_AHEAD - 4;

    @Test
    void theConsumerTakesTheFaultsThatWritebackLeavesAndTheProducerTakesNone(@TempDir final Path dir)
            throws Exception {
        final int capacity = 1 << 20;
        final JournalRing ring = JournalRing.open(dir, capacity);
        final int recordsPerHalf = PAGES_WRITTEN * PAGE / JournalRecordFlyweight.LENGTH;
        final ExecutorService producer = Executors.newSingleThreadExecutor(r -> new Thread(r, "producer"));
        try {
            // Every page of the ring once through the page cache: a full lap, drained (the drain zeroes
            // what it read, so the pages are dirty), then written back.
            final int lap = capacity / recordSize();
            for (int done = 0; done < lap; ) {
                final int n = Math.min(lap - done, 1024);
                runOn(producer, () -> offer(ring, n));
                drainAll(ring);
                done += n;
            }
            writeBack(dir);

            final long without = runOn(producer, () -> faultsWhile(() -> offer(ring, recordsPerHalf)));
            drainAll(ring);
            writeBack(dir);
            assumeTrue(without >= PAGES_WRITTEN / 2, "the journal directory's file system write-protects no page"
                    + " after writeback (" + without + " faults over " + PAGES_WRITTEN + " pages; tmpfs?)");

            assertEquals(JournalRing.PAGES_AHEAD + 1, ring.keepWritableAhead(System.nanoTime()));
            final long with = runOn(producer, () -> faultsWhile(() -> offer(ring, recordsPerHalf)));
            // The thread's other faults (the JVM's heap, the test's own allocations) are a few either way.
            assertTrue(with * 8 <= without, "producer faults over " + PAGES_WRITTEN
                    + " written-back pages: " + without + " without the consumer's touches, " + with + " with them");
        } finally {
            producer.shutdownNow();
            ring.close();
        }
    }

    @Test
    void touchesThePagesThatComeIntoReachAndTheWholeReachEvery10Ms(@TempDir final Path dir) throws IOException {
        final long ms = TimeUnit.MILLISECONDS.toNanos(1);
        try (JournalRing ring = JournalRing.open(dir, 1 << 20)) {
            final long t0 = 1_000_000_000L;
            assertEquals(JournalRing.PAGES_AHEAD + 1, ring.keepWritableAhead(t0), "the producer's page and those ahead");
            assertEquals(0, ring.keepWritableAhead(t0 + 9 * ms));
            assertEquals(JournalRing.PAGES_AHEAD + 1, ring.keepWritableAhead(t0 + 10 * ms), "all again after 10 ms");
            offer(ring, 1); // still in the first page
            assertEquals(0, ring.keepWritableAhead(t0 + 11 * ms));
            offer(ring, PAGE / JournalRecordFlyweight.LENGTH + 1); // into the next page
            assertEquals(1, ring.keepWritableAhead(t0 + 12 * ms), "the one page that came into reach");
            assertEquals(0, ring.keepWritableAhead(t0 + 13 * ms));
            offer(ring, (JournalRing.PAGES_AHEAD + 10) * PAGE / recordSize()); // further than the reach
            assertEquals(JournalRing.PAGES_AHEAD + 1, ring.keepWritableAhead(t0 + 14 * ms));
        }
        try (JournalRing small = JournalRing.open(Files.createDirectory(dir.resolve("small")), 4 * PAGE)) {
            assertEquals(4, small.keepWritableAhead(0), "no more pages than the ring has");
        }
    }

    @Test
    void recordsWrittenWhileTheConsumerTouchesTheirPagesArriveWhole(@TempDir final Path dir) throws Exception {
        final int records = 300_000;
        try (JournalRing ring = JournalRing.open(dir, 1 << 16)) { // 16 pages: every lap crosses the touches
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final AtomicBoolean producing = new AtomicBoolean(true);
            final Thread producer = new Thread(() -> {
                try {
                    final UnsafeBuffer record = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
                    for (long seq = 0; seq < records; ) {
                        fill(record, seq);
                        if (ring.offer(record, 0)) {
                            seq++;
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                } catch (final Throwable t) {
                    failure.set(t);
                } finally {
                    producing.set(false);
                }
            }, "producer");
            producer.start();
            final long[] expected = {0};
            long clock = 0;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((producing.get() || ring.size() > 0) && System.nanoTime() < deadline) {
                clock += JournalRing.RETOUCH_NANOS; // the whole reach at every turn, moved or not
                ring.keepWritableAhead(clock);
                ring.ring().read((type, buffer, index, length) -> {
                    assertEquals(JournalRing.MSG_RECORD, type);
                    assertEquals(JournalRecordFlyweight.LENGTH, length);
                    for (int i = 0; i + 8 <= length; i += 8) {
                        assertEquals(expected[0], buffer.getLong(index + i), "record " + expected[0] + " at byte " + i);
                    }
                    expected[0]++;
                }, 256);
            }
            producer.join(10_000);
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(records, expected[0], "records read back whole and in order");
        }
    }

    private static int recordSize() {
        return org.agrona.BitUtil.align(JournalRecordFlyweight.LENGTH
                + org.agrona.concurrent.ringbuffer.RecordDescriptor.HEADER_LENGTH,
                org.agrona.concurrent.ringbuffer.RecordDescriptor.ALIGNMENT);
    }

    /** Every whole long of the record holds {@code seq}. */
    private static void fill(final UnsafeBuffer record, final long seq) {
        for (int i = 0; i + 8 <= record.capacity(); i += 8) {
            record.putLong(i, seq);
        }
    }

    private static long offer(final JournalRing ring, final int n) {
        final UnsafeBuffer record = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);
        for (int i = 0; i < n; i++) {
            assertTrue(ring.offer(record, 0), "the ring has room");
        }
        return n;
    }

    private static void drainAll(final JournalRing ring) {
        while (ring.ring().read((type, buffer, index, length) -> { }, 1024) > 0) {
            // consumed, and zeroed by the ring
        }
    }

    /** Writes the ring file's dirty pages to disk: the kernel write-protects them in every mapping. */
    private static void writeBack(final Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(JournalRing.FILE), StandardOpenOption.WRITE)) {
            ch.force(false);
        }
    }

    /** Minor page faults of the calling thread while {@code work} runs. */
    private static long faultsWhile(final Callable<?> work) throws Exception {
        final long before = minorFaults();
        work.call();
        return minorFaults() - before;
    }

    /** Field 10 of {@code /proc/thread-self/stat}: the thread's minor faults. */
    private static long minorFaults() throws IOException {
        final String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[7]);
    }

    private static <T> T runOn(final ExecutorService thread, final Callable<T> work) throws Exception {
        return thread.submit(work).get(60, TimeUnit.SECONDS);
    }
}
