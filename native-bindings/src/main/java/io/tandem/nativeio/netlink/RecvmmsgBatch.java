package io.tandem.nativeio.netlink;

import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.ReceiveBatch;

/**
 * Preallocated {@code recvmmsg(2)} batch for a netlink socket: {@code vlen} slots, each one {@code struct mmsghdr}
 * whose single {@code iovec} points at that slot's receive buffer.
 *
 * <p>Theory of operation. {@link ReceiveBatch} builds and wires the arrays once; {@code msg_name} and
 * {@code msg_control} stay null with zero lengths, so nothing has to be reset between calls.
 * {@link #receive(int, boolean)} hands the array to the kernel, which writes {@code msg_len} and {@code msg_flags} of
 * each filled slot. The owner then reads {@link #slot(int)} up to {@link #length(int)} for each of the returned
 * slots, and must be done with them before the next receive overwrites them. The struct layout constants
 * ({@link #MMSGHDR_LENGTH} and the rest) are {@link ReceiveBatch}'s, reachable through this class too.
 *
 * <p>Owner: the packet agent of one queue. Memory bound: {@code vlen * (64 + 16 + align64(slotSize))} bytes, fixed at
 * construction. Failure policy: {@link #receive} never throws and never allocates; it returns a negative errno.
 *
 * <pre>
 * struct mmsghdr (64 bytes)                 per slot i
 *  0  msg_name       = NULL                 iovec (16): iov_base -> slot i, iov_len = slotSize
 *  8  msg_namelen    = 0
 * 16  msg_iov        -> iovecs[i]
 * 24  msg_iovlen     = 1
 * 32  msg_control    = NULL
 * 40  msg_controllen = 0
 * 48  msg_flags      (out)
 * 56  msg_len        (out)
 * </pre>
 */
public final class RecvmmsgBatch extends ReceiveBatch {
    /**
     * Build the batch. Setup time.
     *
     * @param vlen     slots per call, 1 to 1024 ({@code UIO_MAXIOV})
     * @param slotSize bytes per receive buffer; nfqueue needs copy range plus about 8 KiB
     */
    public RecvmmsgBatch(final int vlen, final int slotSize) {
        super(vlen, slotSize, NlMsgHdrFlyweight.LENGTH, 1 << 24, "16..16 MiB");
    }

    /**
     * One {@code recvmmsg} call. Never throws, never allocates.
     *
     * @param fd          the socket
     * @param waitForOne  true: {@code MSG_WAITFORONE}, block (on a blocking socket) for the first datagram and take
     *                    whatever else is queued; false: {@code MSG_DONTWAIT}, return at once
     * @return datagrams received (slots 0..n-1 are filled), or a negative errno: {@code -EAGAIN} when nothing was
     *     queued, {@code -EINTR} after a signal, {@code -ENOBUFS} after an overrun without NETLINK_NO_ENOBUFS
     */
    public int receive(final int fd, final boolean waitForOne) {
        return recvmmsg(fd, waitForOne ? LinuxConstants.MSG_WAITFORONE : LinuxConstants.MSG_DONTWAIT);
    }

    /** @return native address of the {@code mmsghdr} array, for tests and diagnostics */
    public long mmsghdrsAddress() {
        return mmsghdrsAddress;
    }
}
