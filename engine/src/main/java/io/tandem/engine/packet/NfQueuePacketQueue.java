package io.tandem.engine.packet;

import io.tandem.nativeio.netlink.NetlinkSocket;
import io.tandem.nativeio.netlink.RecvmmsgBatch;
import io.tandem.nativeio.nfqueue.NfQueueOptions;
import io.tandem.nativeio.nfqueue.NfQueueSession;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The packet queue on a real NFQUEUE: one {@link NfQueueSession} (a netlink socket bound to the queue)
 * and its {@link RecvmmsgBatch}.
 *
 * <p>Theory of operation. {@link #open} binds the queue with the agent's settings (copy range, queue
 * length, fail-open, GSO, receive buffer, batch size, slots of copy range + headroom), as
 * {@link NfQueueSession#open} documents; it is called on the packet thread, in the thread's network
 * namespace. {@link #receive} is one non-blocking {@code recvmmsg} into the batch's slots, {@link #send}
 * one {@code send} on the socket, {@link #poll} a {@code poll(2)} on it, {@link #close} sends UNBIND and
 * closes the socket. Owner: the packet thread, from {@code PacketAgent.onStart} to {@code onClose};
 * {@link #session} may be read by the main thread after the start for the start-up line. Memory bound:
 * the session's preallocated batch ({@code batch × (slot + 80)} bytes off heap), verdict and config
 * buffers. Failure policy: {@link #open} throws a {@code NativeException} naming the cause; afterwards
 * nothing here throws or allocates — errors are negative errnos.
 */
public final class NfQueuePacketQueue implements PacketQueue {
    private final NfQueueSession session;
    private final NetlinkSocket socket;
    private final RecvmmsgBatch batch;

    private NfQueuePacketQueue(final NfQueueSession session) {
        this.session = session;
        this.socket = session.socket();
        this.batch = session.batch();
        try {
            socket.setReceiveTimeout(PacketAgent.IDLE_POLL_MILLIS);
        } catch (final RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** Opens and binds the queue of {@code settings} in the calling thread's network namespace. */
    public static NfQueuePacketQueue open(final PacketAgentSettings settings) {
        return new NfQueuePacketQueue(NfQueueSession.open(NfQueueOptions.forQueue(settings.queue())
                .copyRange(settings.copyRange())
                .queueMaxLen(settings.queueMaxLength())
                .failOpen(settings.failOpen())
                .gso(settings.gso())
                .receiveBufferBytes(settings.receiveBuffer())
                .batchSize(settings.batchSize())
                .slotSize(settings.copyRange() + NfQueueOptions.SLOT_HEADROOM)));
    }

    /** The bound session (what the kernel accepted: flags, receive buffer, port id). */
    public NfQueueSession session() {
        return session;
    }

    @Override
    public int receive() {
        return batch.receive(session.fd(), false);
    }

    /** One {@code recvmmsg} with {@code MSG_WAITFORONE}, limited by the socket's {@code SO_RCVTIMEO} (set at open). */
    @Override
    public int receiveWaiting() {
        return batch.receive(session.fd(), true);
    }

    @Override
    public UnsafeBuffer datagram(final int i) {
        return batch.slot(i);
    }

    @Override
    public int length(final int i) {
        return batch.length(i);
    }

    @Override
    public boolean truncated(final int i) {
        return batch.truncated(i);
    }

    @Override
    public long send(final long address, final int length) {
        return socket.send(address, length);
    }

    @Override
    public int poll(final int timeoutMillis) {
        return socket.poll(timeoutMillis);
    }

    @Override
    public int fd() {
        return session.fd();
    }

    @Override
    public void close() {
        session.close();
    }

    @Override
    public String toString() {
        return session.toString();
    }
}
