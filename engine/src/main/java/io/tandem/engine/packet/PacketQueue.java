package io.tandem.engine.packet;

import io.tandem.nativeio.netlink.NetlinkSender;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Where the packet thread's netlink messages arrive and its verdicts leave: one bound NFQUEUE socket
 * in production ({@link NfQueuePacketQueue}), byte fixtures in memory in tests.
 *
 * <p>Theory of operation. Owned by the packet thread, which opens it in {@code PacketAgent.onStart}
 * (after entering the engine's network namespace and pinning itself, so the socket lives in that
 * namespace) through a factory, uses it in every duty cycle and closes it in {@code onClose}; no other
 * thread touches it. A duty cycle calls {@link #receive} once: up to the configured batch of
 * datagrams are copied into preallocated slots without waiting, and {@link #datagram}, {@link #length}
 * and {@link #truncated} describe datagram {@code i} until the next receive. Each datagram holds one
 * or more netlink messages as the kernel sends them (NFQUEUE packets, NLMSG_ERROR answers to earlier
 * verdicts, anything else); the agent walks and parses them itself. The verdicts of one batch leave
 * through {@link #send} (the {@link NetlinkSender} the {@code VerdictBatcher} flushes into): a buffer
 * of concatenated VERDICT and VERDICT_BATCH messages, one call per flush. When nothing is queued the
 * agent waits for the next datagram in its next receive ({@link #receiveWaiting}), or, with several
 * queues or while it holds a packet for a peer's answer, in a poll over {@link #fd} and its doorbell
 * together. {@link #close} releases the queue; for NFQUEUE that unbinds it, which
 * drops whatever the kernel still holds for it, so the agent flushes its verdicts first.
 *
 * <p>Memory bound: whatever the implementation preallocates at open (for NFQUEUE: batch × slot bytes
 * of receive buffers plus their message headers, off heap). Failure policy: opening throws (the agent
 * reports it through {@code awaitStarted} and does not run); receiving, sending and polling never
 * throw and never allocate once warm — they return a negative errno, which the agent counts
 * ({@code -EAGAIN}: nothing queued; {@code -ENOBUFS}: the socket overran; anything else: a receive
 * error) and the loop goes on.
 */
public interface PacketQueue extends NetlinkSender, AutoCloseable {
    /**
     * Takes up to the batch size of datagrams without waiting.
     *
     * @return the number of datagrams now in the slots (at least 1), or a negative errno ({@code -EAGAIN}
     *     when nothing is queued)
     */
    int receive();

    /**
     * As {@link #receive}, but waits up to {@link PacketAgent#IDLE_POLL_MILLIS} for the first datagram
     * ({@code -EAGAIN} when none came): the agent's wait when nothing but a packet needs to wake it (no
     * other queue threads, no packet held for a peer's answer), one system call instead of a {@link #poll}
     * and a receive. By default
     * exactly those two.
     */
    default int receiveWaiting() {
        final int ready = poll(PacketAgent.IDLE_POLL_MILLIS);
        return ready < 0 ? ready : receive();
    }

    /** The slot holding datagram {@code i} of the last {@link #receive}; its bytes start at offset 0. */
    UnsafeBuffer datagram(int i);

    /** Bytes of datagram {@code i} of the last {@link #receive} (at most its slot's capacity). */
    int length(int i);

    /** Whether datagram {@code i} was larger than its slot and cut ({@code MSG_TRUNC}). */
    boolean truncated(int i);

    /**
     * Hands {@code length} bytes of verdict messages at off-heap {@code address} to the kernel.
     *
     * @return bytes sent, or a negative errno
     */
    @Override
    long send(long address, int length);

    /**
     * Waits at most {@code timeoutMillis} for a datagram to arrive.
     *
     * @return 1 when one is ready, 0 on timeout, or a negative errno ({@code -EINTR} after a signal)
     */
    int poll(int timeoutMillis);

    /** The descriptor to wait on together with a doorbell, or -1 when there is none (a poll ignores it). */
    int fd();

    /** Releases the queue (NFQUEUE: unbind, then close the socket). Idempotent; never throws. */
    @Override
    void close();
}
