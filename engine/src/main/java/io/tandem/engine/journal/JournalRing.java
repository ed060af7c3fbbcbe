package io.tandem.engine.journal;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The hand-off between the packet thread and the journal thread: a single-producer single-consumer
 * ring buffer (Agrona's {@link OneToOneRingBuffer}) in a memory-mapped file {@code inflight.ring} in
 * the journal directory.
 *
 * <p>Why a ring and not Chronicle directly on the packet thread: Chronicle Queue allocates a few
 * objects whenever it maps the next chunk of a file, which would break the packet thread's
 * zero-allocation rule. Why a <i>file</i>: a record is in the ring — in the page cache — before the
 * packet's verdict is sent, so a crash of the engine (kill -9) loses nothing that was acknowledged;
 * at the next start {@link #drainTo} moves whatever the journal thread had not yet copied into
 * Chronicle, in order, before recovery reads the journal. Durability equals Chronicle's: it survives
 * the process, not a power cut.
 *
 * <p>A crash in the middle of a hand-off. The producer claims a record's room (moves the tail), marks
 * it as being written (a negative length), copies it and then gives its length. A process killed
 * between two of those steps leaves, just before the tail, a record whose length is negative (being
 * written) or zero (claimed, not yet marked), and the ring's reader stops there for good: the journal
 * thread would never append another record, and the packet thread's records would pile up until the
 * ring is full (a restarted cluster node then journals, and so reports to its peers, nothing). So
 * {@link #open} repairs it first ({@link #repairAfterCrash}): that room becomes padding. Its record is
 * lost, but its packet's verdict was never sent (the record goes into the ring before it). What was
 * skipped is counted ({@link #unfinishedSkipped}, {@link #claimedBytesSkipped}) and logged at start. A
 * consumer killed after handing records to the writer but before moving the head (the ring's reader
 * releases a batch at its end) hands them over again at the next start; the journal thread's drain at
 * start leaves out those already in the journal ({@link JournalAgent#onStart}).
 *
 * <p>Pages kept writable ahead of the producer ({@link #keepWritableAhead}). The kernel writes a shared
 * file mapping's dirty pages back to disk (about 30 s after they were dirtied, and at every {@code msync})
 * and then write-protects them, so that the next store to each one faults to mark it dirty again: on ext4
 * on the 2-vCPU test machine 54 µs at p50, on the packet thread, with a packet waiting for its verdict.
 * Once the ring has lapped since the last writeback, every page the producer enters does so (one connect
 * in seven waited for one, in a series 5 ms apart). So the journal thread, once per duty cycle, makes
 * the page the producer writes in, the {@value #PAGES_AHEAD} pages after it and the trailer's page
 * writable again before the producer gets there, with an atomic add of zero to one word of each: the
 * fault, if any, is taken on the journal thread, and the word keeps its value whatever the producer
 * stores meanwhile.
 *
 * <p>Memory bound: the ring's fixed size; when it is full the packet thread drops the record and
 * counts it (filtering never waits for the journal).
 */
public final class JournalRing implements AutoCloseable {
    public static final String FILE = "inflight.ring";
    public static final int MSG_RECORD = 1;
    /** 4-KiB pages after the producer's own that {@link #keepWritableAhead} keeps writable: 256 KiB. */
    static final int PAGES_AHEAD = 64;
    /** How often {@link #keepWritableAhead} touches its whole reach again. */
    static final long RETOUCH_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(10);
    /**
     * The step of {@link #keepWritableAhead}: 4 KiB, the smallest page size there is, so that every page is
     * touched whatever the machine's page size (a larger page is touched several times over).
     */
    static final int PAGE_SIZE = 4096;

    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    private final OneToOneRingBuffer ring;
    private volatile Thread consumerThread;
    /** The consumer is parked or about to park ({@link #consumerParked}); read by the producer. */
    private volatile boolean consumerParked;
    /**
     * The consumer is in its long sleep, or about to be ({@link #consumerAsleep}): the first record
     * wakes it ({@link #wakeConsumerIfAsleep}).
     */
    private volatile boolean consumerAsleep;
    /**
     * When the producer last journaled while deciding packets (System.nanoTime; {@link #trafficJournaled}):
     * while that is recent the consumer naps on its own timer instead of sleeping until woken, so that the
     * producer need not wake it.
     */
    private volatile long trafficNanos = System.nanoTime() - (1L << 62); // long ago
    /** The fill (bytes) at which a producer wakes a parked consumer: a quarter of the ring. */
    private final int wakeFill;
    /** What {@link #repairAfterCrash} skipped when the ring was opened. */
    private final int unfinishedSkipped;
    private final long claimedBytesSkipped;
    /** The whole mapping; {@link #keepWritableAhead} touches its data pages (consumer side). */
    private final UnsafeBuffer buffer;
    /** Consumer side: the last page {@link #keepWritableAhead} touched, and when it last touched its whole reach. */
    private long touchedUpTo = -1;
    private long touchedAtNanos = Long.MIN_VALUE / 2;

    private JournalRing(final FileChannel channel, final MappedByteBuffer mapped) {
        this.channel = channel;
        this.mapped = mapped;
        final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        this.buffer = buffer;
        final long[] skipped = repairAfterCrash(buffer, buffer.capacity() - RingBufferDescriptor.TRAILER_LENGTH);
        this.unfinishedSkipped = (int) skipped[0];
        this.claimedBytesSkipped = skipped[1];
        this.ring = new OneToOneRingBuffer(buffer);
        this.wakeFill = ring.capacity() / 4;
    }

    /**
     * Makes a ring left by a killed process readable again (see the class comment); before any producer
     * or consumer uses it. Walks the records from the head to the tail: a record marked as being written
     * (negative length) becomes padding of its length; room whose length is zero, claimed and never
     * marked, becomes padding up to the tail (split where the ring wraps): the producer writes one record
     * at a time, so only its last claim can be unfinished. A length that cannot be a record's (beyond the
     * ring's end: a damaged file, not a crash) ends the walk the same way, the rest being unreadable.
     * The header at the tail is cleared, as the producer does after each claim, since a producer killed
     * before it did would leave an earlier lap's record there for the reader. Positions that cannot be
     * (the tail behind the head, or more than the ring apart) give up the ring's content.
     *
     * @return {records left unfinished and skipped, other bytes skipped}
     */
    static long[] repairAfterCrash(final UnsafeBuffer buffer, final int capacity) {
        final int headIndex = capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET;
        final long head = buffer.getLong(headIndex);
        final long tail = buffer.getLong(capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET);
        if (tail - head < 0 || tail - head > capacity) {
            buffer.putLong(headIndex, tail);
            buffer.putLong(capacity + RingBufferDescriptor.HEAD_CACHE_POSITION_OFFSET, tail);
            return new long[] {0, Math.abs(tail - head)};
        }
        long unfinished = 0;
        long skipped = 0;
        long pos = head;
        while (pos < tail) {
            final int index = (int) pos & (capacity - 1);
            final int length = buffer.getInt(RecordDescriptor.lengthOffset(index));
            final int size = Math.abs(length);
            if (length == 0 || size < RecordDescriptor.HEADER_LENGTH || index + size > capacity) {
                skipped += tail - pos; // claimed and never marked (or unreadable): nothing after it
                padRun(buffer, pos, tail, capacity);
                break;
            }
            if (length < 0) {
                buffer.putInt(RecordDescriptor.typeOffset(index), RingBuffer.PADDING_MSG_TYPE_ID);
                buffer.putIntOrdered(RecordDescriptor.lengthOffset(index), size);
                unfinished++;
            }
            pos += BitUtil.align(size, RecordDescriptor.ALIGNMENT);
        }
        if (tail - head < capacity) {
            // The producer clears the header after the room it claims (where the reader must stop) once it
            // moved the tail; killed in between, an earlier lap's record would be read there.
            buffer.putLong(RecordDescriptor.lengthOffset((int) tail & (capacity - 1)), 0L);
        }
        return new long[] {unfinished, skipped};
    }

    /** Padding records over the positions {@code [from, to)}, one per lap of the ring they cross. */
    private static void padRun(final UnsafeBuffer buffer, final long from, final long to, final int capacity) {
        for (long p = from; p < to; ) {
            final int index = (int) p & (capacity - 1);
            final int run = (int) Math.min(to - p, capacity - index);
            buffer.putInt(RecordDescriptor.typeOffset(index), RingBuffer.PADDING_MSG_TYPE_ID);
            buffer.putIntOrdered(RecordDescriptor.lengthOffset(index), run);
            p += run;
        }
    }

    /** Records a killed producer left unfinished, skipped when the ring was opened ({@link #repairAfterCrash}). */
    public int unfinishedSkipped() {
        return unfinishedSkipped;
    }

    /** Bytes skipped when the ring was opened: room a killed producer claimed and never marked. */
    public long claimedBytesSkipped() {
        return claimedBytesSkipped;
    }

    /**
     * Opens (or creates) the ring file of a journal directory. An existing ring keeps its unread
     * records; a ring of another size is recreated only when it is empty.
     */
    public static JournalRing open(final Path dir, final int capacityPowerOfTwo) throws IOException {
        return open(dir, capacityPowerOfTwo, 0);
    }

    /**
     * The file of the ring of queue thread {@code index} ({@code set queue FIRST:LAST}): {@value #FILE} for
     * the first (and only, with one queue), {@code inflight-INDEX.ring} for the others.
     */
    public static String fileName(final int index) {
        return index == 0 ? FILE : "inflight-" + index + ".ring";
    }

    /** Opens (creating it if needed) the ring of queue thread {@code index}. */
    public static JournalRing open(final Path dir, final int capacityPowerOfTwo, final int index) throws IOException {
        final Path file = dir.resolve(fileName(index));
        final long size = (long) capacityPowerOfTwo + RingBufferDescriptor.TRAILER_LENGTH;
        final FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        if (ch.size() != size && ch.size() != 0) {
            // A ring of another size: keep its records by reading it at its own size first.
            final MappedByteBuffer old = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size());
            final OneToOneRingBuffer oldRing = new OneToOneRingBuffer(new UnsafeBuffer(old));
            if (oldRing.size() != 0) {
                return new JournalRing(ch, old);
            }
            ch.truncate(0);
        }
        final MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
        return new JournalRing(ch, mapped);
    }

    /** Producer side (packet thread): copies one record in; false when the ring is full. */
    public boolean offer(final UnsafeBuffer record, final int offset) {
        return ring.write(MSG_RECORD, record, offset, JournalRecordFlyweight.LENGTH);
    }

    /** The consumer (the journal thread) registers itself, so that {@link #wakeConsumer} can unpark it. */
    public void consumer(final Thread thread) {
        this.consumerThread = thread;
    }

    /**
     * Producer side: a record the sync agent must send at once was just offered; wakes the journal
     * thread if it is parked between polls. {@code LockSupport.unpark} allocates nothing.
     */
    public void wakeConsumer() {
        final Thread t = consumerThread;
        if (t != null) {
            java.util.concurrent.locks.LockSupport.unpark(t);
        }
    }

    /**
     * Consumer side: the journal thread is about to park ({@code true}) or has woken ({@code false}), so
     * that {@link #wakeConsumerIfFilling} knows whether an unpark is needed.
     */
    public void consumerParked(final boolean parked) {
        this.consumerParked = parked;
    }

    /**
     * Producer side, after an ordinary record: wakes a parked journal thread once a quarter of the ring
     * is waiting, so that a burst does not fill the ring during the thread's short park. Below that the
     * records wait for the park's end (they are durable in the ring already); the check is one volatile
     * read while the consumer is awake.
     */
    public void wakeConsumerIfFilling() {
        if (consumerParked && ring.size() >= wakeFill) {
            consumerParked = false; // one unpark per park
            wakeConsumer();
        }
    }

    /**
     * Consumer side: the journal thread is about to sleep until a record comes ({@code true}), or has
     * woken ({@code false}). Before it sleeps it must see the ring still empty <i>after</i> this store
     * ({@link #size}): either it sees a record offered meanwhile, or that record's producer sees this
     * flag in {@link #wakeConsumerIfAsleep} (both sides store, fence, then read — no wake-up is lost).
     */
    public void consumerAsleep(final boolean asleep) {
        this.consumerAsleep = asleep;
    }

    /**
     * Producer side, once per duty cycle in which it offered ordinary records, before the packet thread
     * may itself sleep: wakes a journal thread that sleeps until a record comes. The full fence orders
     * the records' publication before the read of the flag (the mirror of the consumer's order), so a
     * record is never left waiting for the end of the consumer's long sleep; it costs one fence per
     * such cycle, none per record.
     */
    public void wakeConsumerIfAsleep() {
        java.lang.invoke.VarHandle.fullFence();
        if (consumerAsleep) {
            consumerAsleep = false; // one unpark per sleep
            wakeConsumer();
        }
    }

    /**
     * Producer side, once per duty cycle that journaled while deciding packets: records when, so that the
     * consumer naps rather than sleeps until woken for as long as traffic keeps journaling
     * ({@link #trafficWithin}). A hint only: a stale read costs at most one wake-up.
     */
    public void trafficJournaled(final long nowNanos) {
        trafficNanos = nowNanos;
    }

    /** Consumer side: whether the producer journaled for packets within {@code windowNanos} before {@code nowNanos}. */
    public boolean trafficWithin(final long nowNanos, final long windowNanos) {
        return nowNanos - trafficNanos < windowNanos;
    }

    /** The consumer's flags as the producer sees them (tests). */
    boolean isConsumerParked() {
        return consumerParked;
    }

    boolean isConsumerAsleep() {
        return consumerAsleep;
    }

    /** Bytes waiting; the producer skips optional records (snapshots) when this is high. */
    public int size() {
        return ring.size();
    }

    public int capacity() {
        return ring.capacity();
    }

    /**
     * Consumer side (journal thread), once per duty cycle: makes the page of the ring the producer writes
     * in, the {@value #PAGES_AHEAD} after it (as many as the ring has) and the trailer's page (the producer
     * moves the tail there with each record) writable in this process again, by an atomic add of zero to
     * one word of each, so that a page written back to disk since it was last stored to faults here and
     * not on the packet thread (class comment). Pages that came into reach since the last call (the
     * producer moved on) are touched at once; the whole reach again at most every 10 ms (writeback may
     * have cleaned it since): after the kernel has written the file back, the producer can still meet a
     * clean page within those 10 ms, or before this thread's next duty cycle. Allocates nothing.
     *
     * @return data pages touched
     */
    public int keepWritableAhead(final long nowNanos) {
        final int capacity = ring.capacity();
        final long page = ring.producerPosition() / PAGE_SIZE;
        final long last = page + Math.min(PAGES_AHEAD, Math.max(1, capacity / PAGE_SIZE) - 1);
        final boolean again = nowNanos - touchedAtNanos >= RETOUCH_NANOS;
        final long first = again ? page : Math.max(page, touchedUpTo + 1);
        if (first > last) {
            return 0;
        }
        for (long p = first; p <= last; p++) {
            buffer.getAndAddLong((int) ((p * PAGE_SIZE) & (capacity - 1)), 0L);
        }
        // The trailer's page through a word nobody writes (the ring's unused correlation counter), so that
        // the tail's cache line, which the producer writes with each record, stays where it is.
        buffer.getAndAddLong(capacity + RingBufferDescriptor.CORRELATION_COUNTER_OFFSET, 0L);
        touchedUpTo = last;
        if (again) {
            touchedAtNanos = nowNanos;
        }
        return (int) (last - first + 1);
    }

    /** Consumer side (journal thread): hands up to {@code limit} records to the writer; returns how many. */
    public int drainTo(final JournalWriter writer, final int limit) {
        return ring.read((type, buffer, index, length) -> {
            if (type == MSG_RECORD && length == JournalRecordFlyweight.LENGTH) {
                writer.appendRaw(buffer, index);
            }
        }, limit);
    }

    /**
     * As {@link #drainTo(JournalWriter, int)}, except that a record whose sequence number {@code journaled}
     * holds is not appended (it is in the journal already) but counted in {@code skipped[0]}: the drain at
     * start, after a journal thread that appended records and was killed before it released them.
     * Allocates (start only).
     */
    public int drainTo(final JournalWriter writer, final int limit, final org.agrona.collections.LongHashSet journaled,
            final long[] skipped) {
        return ring.read((type, buffer, index, length) -> {
            if (type == MSG_RECORD && length == JournalRecordFlyweight.LENGTH) {
                if (journaled.contains(buffer.getLong(index + JournalRecordFlyweight.SEQUENCE_OFFSET,
                        java.nio.ByteOrder.LITTLE_ENDIAN))) {
                    skipped[0]++;
                } else {
                    writer.appendRaw(buffer, index);
                }
            }
        }, limit);
    }

    /** The underlying ring, for tests that read records back as the journal thread would. */
    public RingBuffer ring() {
        return ring;
    }

    @Override
    public void close() throws IOException {
        mapped.force();
        channel.close();
    }
}
