package io.tandem.engine.packet;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A {@link PacketQueue} in memory for tests: datagrams offered by the test are received in batches of
 * at most {@code vlen} into off-heap slots (a datagram longer than its slot is cut and marked
 * truncated, as {@code MSG_TRUNC} does); every verdict buffer sent is copied into one byte array with
 * its boundaries kept, so a test can read back each send. It records the thread that opened and closed
 * it. Thread-safe enough for one agent thread and one test thread (every method synchronises). Once
 * warm, receive and send allocate nothing (the allocation test relies on it) as long as no more than
 * {@link #CAPACITY} datagrams wait and the send log does not fill.
 */
final class InMemoryPacketQueue implements PacketQueue {
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int EAGAIN = 11;
    static final int ENOBUFS = 105;
    static final int CAPACITY = 4096;
    private static final int SENT_CAPACITY = 1 << 20;
    private static final int MAX_SENDS = 1 << 14;

    private final int vlen;
    private final UnsafeBuffer[] slots;
    private final int[] lengths;
    private final boolean[] truncated;
    private final ArrayDeque<byte[]> arriving = new ArrayDeque<>(CAPACITY);
    private final UnsafeBuffer sendView = new UnsafeBuffer(new byte[0]);
    private final byte[] sent = new byte[SENT_CAPACITY];
    private final int[] sendEnds = new int[MAX_SENDS];
    private int sends;
    private int sentLength;
    private final ArrayDeque<Integer> receiveErrors = new ArrayDeque<>();
    private int sendErrno;
    private int polls;
    private int waitingReceives;
    private int lastPollTimeout = Integer.MIN_VALUE;
    private volatile Thread openedOn;
    private volatile Thread closedOn;
    private int closes;
    private int sendsAfterClose;

    InMemoryPacketQueue(final int vlen, final int slotSize) {
        this.vlen = vlen;
        this.slots = new UnsafeBuffer[vlen];
        for (int i = 0; i < vlen; i++) {
            slots[i] = new UnsafeBuffer(ByteBuffer.allocateDirect(slotSize));
        }
        this.lengths = new int[vlen];
        this.truncated = new boolean[vlen];
    }

    /** The factory the agent calls on its thread: records that thread and returns this queue. */
    PacketQueue open() {
        openedOn = Thread.currentThread();
        return this;
    }

    /** Queues one datagram (one or more netlink messages) for the agent's next receive. */
    synchronized void offer(final byte[] datagram) {
        if (arriving.size() >= CAPACITY) {
            throw new IllegalStateException("more than " + CAPACITY + " datagrams waiting");
        }
        arriving.add(datagram);
    }

    /** The next receive fails with {@code errno} (once; several calls queue several failures). */
    synchronized void failNextReceive(final int errno) {
        receiveErrors.add(errno);
    }

    /** From now on every send fails with {@code errno} (0: sends succeed again). */
    synchronized void failSends(final int errno) {
        sendErrno = errno;
    }

    synchronized int pending() {
        return arriving.size();
    }

    /** Successful sends so far. */
    synchronized int sends() {
        return sends;
    }

    /** The verdicts of every send so far, in order. */
    synchronized List<NfqMessages.Verdict> verdicts(final int queue) {
        return NfqMessages.verdicts(sent, 0, sentLength, queue);
    }

    /** The verdicts of send {@code n} (0-based). */
    synchronized List<NfqMessages.Verdict> verdictsOfSend(final int n, final int queue) {
        final int start = n == 0 ? 0 : sendEnds[n - 1];
        return NfqMessages.verdicts(sent, start, sendEnds[n] - start, queue);
    }

    /** Forgets what was sent (keeps the allocation test's send log from filling). */
    synchronized void clearSent() {
        sends = 0;
        sentLength = 0;
    }

    private int receives;

    synchronized int polls() {
        return polls;
    }

    /** Receives that were to wait for the first datagram ({@link #receiveWaiting}; here they do not wait). */
    synchronized int waitingReceives() {
        return waitingReceives;
    }

    /** What happens while the next waiting receives wait (each runs it first): arrivals elsewhere, e.g. a peer's message. */
    synchronized void duringWaitingReceive(final Runnable arrivals) {
        duringWait = arrivals;
    }

    private Runnable duringWait;

    /** Runs {@code probe} at the start of every receive, waiting or not (null: none). */
    synchronized void beforeEachReceive(final Runnable probe) {
        beforeReceive = probe;
    }

    private Runnable beforeReceive;

    @Override
    public synchronized int receiveWaiting() {
        waitingReceives++;
        if (duringWait != null) {
            duringWait.run();
        }
        return receive();
    }

    synchronized int lastPollTimeout() {
        return lastPollTimeout;
    }

    Thread openedOn() {
        return openedOn;
    }

    Thread closedOn() {
        return closedOn;
    }

    synchronized int closes() {
        return closes;
    }

    /** Sends made after {@link #close} (the kernel would have lost them). */
    synchronized int sendsAfterClose() {
        return sendsAfterClose;
    }

    /** Every receive so far, waiting or not: one per duty cycle of the agent. */
    synchronized int receives() {
        return receives;
    }

    @Override
    public synchronized int receive() {
        receives++;
        if (beforeReceive != null) {
            beforeReceive.run();
        }
        final Integer error = receiveErrors.poll();
        if (error != null) {
            return -error;
        }
        int n = 0;
        while (n < vlen && !arriving.isEmpty()) {
            final byte[] d = arriving.poll();
            final UnsafeBuffer slot = slots[n];
            final int length = Math.min(d.length, slot.capacity());
            slot.putBytes(0, d, 0, length);
            lengths[n] = length;
            truncated[n] = length < d.length;
            n++;
        }
        return n == 0 ? -EAGAIN : n;
    }

    @Override
    public UnsafeBuffer datagram(final int i) {
        return slots[i];
    }

    @Override
    public int length(final int i) {
        return lengths[i];
    }

    @Override
    public boolean truncated(final int i) {
        return truncated[i];
    }

    @Override
    public synchronized long send(final long address, final int length) {
        if (closes > 0) {
            sendsAfterClose++;
        }
        if (sendErrno != 0) {
            return -sendErrno;
        }
        if (sends == MAX_SENDS || sentLength + length > SENT_CAPACITY) {
            throw new IllegalStateException("send log full: call clearSent()");
        }
        sendView.wrap(address, length);
        sendView.getBytes(0, sent, sentLength, length);
        sentLength += length;
        sendEnds[sends++] = sentLength;
        return length;
    }

    @Override
    public synchronized int poll(final int timeoutMillis) {
        polls++;
        lastPollTimeout = timeoutMillis;
        return arriving.isEmpty() ? 0 : 1;
    }

    @Override
    public int fd() {
        return -1;
    }

    @Override
    public synchronized void close() {
        closes++;
        closedOn = Thread.currentThread();
    }

    @Override
    public String toString() {
        return "InMemoryPacketQueue";
    }
}
