package io.tandem.engine.journal;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
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
 * <p>Memory bound: the ring's fixed size; when it is full the packet thread drops the record and
 * counts it (filtering never waits for the journal).
 */
public final class JournalRing implements AutoCloseable {
    public static final String FILE = "inflight.ring";
    public static final int MSG_RECORD = 1;

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
    /** The fill (bytes) at which a producer wakes a parked consumer: a quarter of the ring. */
    private final int wakeFill;

    private JournalRing(final FileChannel channel, final MappedByteBuffer mapped) {
        this.channel = channel;
        this.mapped = mapped;
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(mapped));
        this.wakeFill = ring.capacity() / 4;
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

    /** Consumer side (journal thread): hands up to {@code limit} records to the writer; returns how many. */
    public int drainTo(final JournalWriter writer, final int limit) {
        return ring.read((type, buffer, index, length) -> {
            if (type == MSG_RECORD && length == JournalRecordFlyweight.LENGTH) {
                writer.appendRaw(buffer, index);
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
