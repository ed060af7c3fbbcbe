package io.tandem.nativeio.nfqueue;

import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.netlink.NetlinkConstants;
import io.tandem.nativeio.netlink.NetlinkSocket;
import io.tandem.nativeio.netlink.RecvmmsgBatch;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Setup and teardown of one NFQUEUE queue on its own netlink socket.
 *
 * <p>Theory of operation (spec §4). {@link #open(NfQueueOptions)}: socket + bind (port id assigned by the kernel),
 * {@code NETLINK_NO_ENOBUFS}, receive buffer ({@code SO_RCVBUFFORCE}, else {@code SO_RCVBUF}; read back), then one
 * combined CONFIG (BIND + PARAMS + QUEUE_MAXLEN + FLAGS + MASK) with ACK, waiting up to the ACK timeout for the
 * {@code NLMSG_ERROR} carrying its seq and skipping anything else. The answer decides: 0 done; EOPNOTSUPP resend
 * without the optional flags (CONNTRACK, UID_GID, SECCTX), and if still refused without GSO ({@link #gsoEnabled()}
 * then reports false); EAGAIN resend once; EBUSY resend without CMD; EPERM fatal, naming the port id that owns the
 * queue from {@code /proc}; anything else fatal. {@code PF_BIND}/{@code PF_UNBIND} are never sent. Finally the
 * {@link RecvmmsgBatch} and a {@link NfqVerdictEncoder} are built. {@link #close()} sends UNBIND (best effort), which
 * drops every packet still queued, and closes the socket.
 *
 * <p>Owner: set up on any thread, then used by one packet agent; {@link #close()} on the owner after it stops.
 * Memory: the receive batch ({@code vlen * (slot + 80)} bytes), the verdict buffer and a 256-byte config buffer, all
 * allocated at open. Failure policy: setup throws {@link NativeException} with an explanation and closes the socket;
 * afterwards nothing here throws.
 */
public final class NfQueueSession implements AutoCloseable {
    private static final int MAX_CONFIG_ATTEMPTS = 6;
    private static final int CONFIG_BUFFER_LENGTH = 256;

    private final NfQueueOptions options;
    private final NetlinkSocket socket;
    private final NfqConfigEncoder configEncoder = new NfqConfigEncoder();
    private final NfqPacketParser setupParser = new NfqPacketParser();
    private final UnsafeBuffer configBuffer = OffHeap.allocate(CONFIG_BUFFER_LENGTH);
    private final UnsafeBuffer setupReceiveBuffer;
    private RecvmmsgBatch batch;
    private NfqVerdictEncoder verdictEncoder;
    private int effectiveReceiveBuffer;
    private int effectiveFlags;
    private boolean gsoEnabled;
    private int nextSeq = 1;
    private boolean closed;

    private NfQueueSession(final NfQueueOptions options, final NetlinkSocket socket) {
        this.options = options;
        this.socket = socket;
        this.setupReceiveBuffer = OffHeap.allocate(Math.max(8192, options.slotSize()));
    }

    /**
     * Bind and configure a queue.
     *
     * @param options the settings, validated here
     * @return the ready session
     * @throws NativeException          when any step fails, with the cause and the likely fix
     * @throws IllegalArgumentException for bad options
     */
    public static NfQueueSession open(final NfQueueOptions options) {
        options.validate();
        final NetlinkSocket socket = NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER);
        final NfQueueSession session = new NfQueueSession(options, socket);
        try {
            socket.setNoEnobufs();
            session.effectiveReceiveBuffer = socket.setReceiveBuffer(options.receiveBufferBytes());
            session.configure();
            session.batch = new RecvmmsgBatch(options.batchSize(), options.slotSize());
            session.verdictEncoder = new NfqVerdictEncoder();
        } catch (final RuntimeException ex) {
            socket.close();
            session.closed = true;
            throw ex;
        }
        return session;
    }

    private void configure() {
        final int queue = options.queue();
        int flags = options.requestedFlags();
        boolean withCommand = true;
        boolean eagainRetried = false;
        for (int attempt = 0; attempt < MAX_CONFIG_ATTEMPTS; attempt++) {
            final int seq = nextSeq++;
            final int length = withCommand
                ? configEncoder.encodeBind(configBuffer, 0, queue, seq, options.copyMode(), options.copyRange(),
                    options.queueMaxLen(), flags)
                : configEncoder.encodeParams(configBuffer, 0, queue, seq, options.copyMode(), options.copyRange(),
                    options.queueMaxLen(), flags);
            final String what = "nfqueue CONFIG " + (withCommand ? "BIND " : "") + "queue " + queue
                + " flags 0x" + Integer.toHexString(flags);
            final long sent = socket.send(configBuffer, length);
            if (sent < 0) {
                throw NativeException.of("sendto(" + what + ")", (int)-sent, null);
            }
            final int errno = -awaitAck(seq, what);
            switch (errno) {
                case 0:
                    effectiveFlags = flags;
                    gsoEnabled = (flags & NfqConstants.NFQA_CFG_F_GSO) != 0;
                    return;
                case LinuxConstants.EOPNOTSUPP:
                    if ((flags & NfqConstants.OPTIONAL_FLAGS) != 0) {
                        flags &= ~NfqConstants.OPTIONAL_FLAGS;
                    } else if ((flags & NfqConstants.NFQA_CFG_F_GSO) != 0) {
                        flags &= ~NfqConstants.NFQA_CFG_F_GSO;
                    } else {
                        throw NativeException.of(what, errno, "the kernel refuses even the basic flags");
                    }
                    break;
                case LinuxConstants.EAGAIN:
                    if (eagainRetried) {
                        throw NativeException.of(what, errno, "still refused after the conntrack module loaded");
                    }
                    eagainRetried = true;
                    break;
                case LinuxConstants.EBUSY:
                    if (!withCommand) {
                        throw NativeException.of(what, errno, "the queue stays busy");
                    }
                    withCommand = false;
                    break;
                case LinuxConstants.EPERM:
                    throw NativeException.of(what, errno, ownerHint(queue));
                default:
                    throw NativeException.of(what, errno, errno == LinuxConstants.EINVAL
                        ? "the kernel rejected the config message (a bug in the encoder?)" : null);
            }
        }
        throw new NativeException(0, "nfqueue CONFIG queue " + queue + ": gave up after " + MAX_CONFIG_ATTEMPTS
            + " attempts");
    }

    private static String ownerHint(final int queue) {
        final NfQueueProcStats.Row row = NfQueueProcStats.read().find(queue).orElse(null);
        if (row != null) {
            return "queue " + queue + " is already bound by netlink port id " + row.portId()
                + " (see /proc/net/netfilter/nfnetlink_queue) — is another tandem or NFQUEUE consumer running?";
        }
        return "queue " + queue + " is bound by another socket, or this process lacks CAP_NET_ADMIN"
            + " (see /proc/net/netfilter/nfnetlink_queue)";
    }

    /** Returns the {@code error} field of our ACK (0 or negative errno). */
    private int awaitAck(final int seq, final String what) {
        final long deadline = System.nanoTime() + options.ackTimeoutMillis() * 1_000_000L;
        while (true) {
            final long remainingMillis = (deadline - System.nanoTime()) / 1_000_000L;
            if (remainingMillis <= 0) {
                throw NativeException.of(what, LinuxConstants.ETIMEDOUT, "no ACK from the kernel within "
                    + options.ackTimeoutMillis() + " ms");
            }
            final int ready = socket.poll((int)Math.min(Integer.MAX_VALUE, remainingMillis));
            if (ready < 0 && ready != -LinuxConstants.EINTR) {
                throw NativeException.of("poll(" + what + ")", -ready, null);
            }
            if (ready <= 0) {
                continue;
            }
            final int received = socket.receive(setupReceiveBuffer, LinuxConstants.MSG_DONTWAIT);
            if (received == -LinuxConstants.EAGAIN || received == -LinuxConstants.EINTR
                || received == -LinuxConstants.ENOBUFS) {
                continue;
            }
            if (received < 0) {
                throw NativeException.of("recv(" + what + ")", -received, null);
            }
            int offset = 0;
            while (offset < received) {
                final NetlinkParseStatus status = setupParser.parse(setupReceiveBuffer, offset, received);
                if (status == NetlinkParseStatus.OK_ERROR && setupParser.echoedSeq() == seq) {
                    return setupParser.error();
                }
                if (status.endsDatagram()) {
                    break;
                }
                offset = setupParser.nextOffset();
            }
        }
    }

    /** @return the options this session was opened with */
    public NfQueueOptions options() {
        return options;
    }

    /** @return the queue number */
    public int queue() {
        return options.queue();
    }

    /** @return the socket's descriptor, -1 once closed */
    public int fd() {
        return socket.fd();
    }

    /** @return the socket (for send and poll) */
    public NetlinkSocket socket() {
        return socket;
    }

    /** @return the netlink port id that owns the queue */
    public int portId() {
        return socket.portId();
    }

    /** @return the preallocated receive batch */
    public RecvmmsgBatch batch() {
        return batch;
    }

    /** @return a preallocated verdict encoder for this session's owner */
    public NfqVerdictEncoder verdictEncoder() {
        return verdictEncoder;
    }

    /** @return the receive buffer size the kernel reports (about twice the request) */
    public int effectiveReceiveBuffer() {
        return effectiveReceiveBuffer;
    }

    /** @return whether {@code SO_RCVBUFFORCE} was allowed (else {@code rmem_max} capped the buffer) */
    public boolean receiveBufferForced() {
        return socket.receiveBufferForced();
    }

    /** @return the {@code NFQA_CFG_F_*} bits the kernel accepted */
    public int effectiveFlags() {
        return effectiveFlags;
    }

    /** @return whether GSO is on (false only if the kernel refused it) */
    public boolean gsoEnabled() {
        return gsoEnabled;
    }

    /** @return whether fail-open is on */
    public boolean failOpenEnabled() {
        return (effectiveFlags & NfqConstants.NFQA_CFG_F_FAIL_OPEN) != 0;
    }

    /** @return whether the socket is still open */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Send UNBIND (best effort; destroys the queue instance and drops every packet still queued) and close the
     * socket. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            final int length = configEncoder.encodeUnbind(configBuffer, 0, options.queue(), nextSeq++);
            socket.send(configBuffer, length);
        } finally {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "NfQueueSession{queue=" + options.queue() + ", portId=" + Integer.toUnsignedString(socket.portId())
            + ", fd=" + socket.fd() + ", rcvbuf=" + effectiveReceiveBuffer + ", flags=0x"
            + Integer.toHexString(effectiveFlags) + '}';
    }
}
