package io.tandem.nativeio.netlink;

import static io.tandem.nativeio.netlink.NetlinkConstants.HOST_ORDER;

import io.tandem.nativeio.libc.LibC;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.libc.Syscalls;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Preallocated {@code recvmmsg(2)} batch: {@code vlen} slots, each one {@code struct mmsghdr} whose single
 * {@code iovec} points at that slot's receive buffer.
 *
 * <p>Theory of operation. The constructor builds three off-heap arrays once: {@code mmsghdr[vlen]},
 * {@code iovec[vlen]} and {@code vlen} receive buffers of {@code slotSize} bytes, wiring {@code msg_iov} and
 * {@code iov_base}/{@code iov_len}; {@code msg_name} and {@code msg_control} stay null. {@link #receive(int, boolean)}
 * hands the array to the kernel, which writes {@code msg_len} and {@code msg_flags} of each filled slot; nothing has
 * to be reset between calls. The owner then reads {@link #slot(int)} up to {@link #length(int)} for each of the
 * returned slots, and must be done with them before the next receive overwrites them.
 *
 * <p>Owner: the packet agent of one queue. Memory bound: {@code vlen * (64 + 16 + align64(slotSize))} bytes, fixed at
 * construction. Failure policy: {@link #receive} never throws and never allocates; it returns a negative errno.
 *
 * <pre>
 * struct iovec (16 bytes)            struct msghdr (56 bytes)           struct mmsghdr (64 bytes)
 *  0  void  *iov_base                  0  void  *msg_name = NULL           0  struct msghdr msg_hdr
 *  8  size_t iov_len                   8  u32    msg_namelen = 0 (+pad)   56  u32 msg_len (+4 pad)
 *                                     16  iovec *msg_iov
 *                                     24  size_t msg_iovlen = 1
 *                                     32  void  *msg_control = NULL
 *                                     40  size_t msg_controllen = 0
 *                                     48  int    msg_flags (+4 pad)
 * </pre>
 */
public final class RecvmmsgBatch {
    /** {@code iovec.iov_base}. */
    public static final int IOV_BASE_OFFSET = 0;
    /** {@code iovec.iov_len}. */
    public static final int IOV_LEN_OFFSET = IOV_BASE_OFFSET + 8;
    /** {@code sizeof(struct iovec)}. */
    public static final int IOVEC_LENGTH = IOV_LEN_OFFSET + 8;

    /** {@code msghdr.msg_name}. */
    public static final int MSG_NAME_OFFSET = 0;
    /** {@code msghdr.msg_namelen} (u32, then 4 bytes of padding). */
    public static final int MSG_NAMELEN_OFFSET = MSG_NAME_OFFSET + 8;
    /** {@code msghdr.msg_iov}. */
    public static final int MSG_IOV_OFFSET = MSG_NAMELEN_OFFSET + 8;
    /** {@code msghdr.msg_iovlen}. */
    public static final int MSG_IOVLEN_OFFSET = MSG_IOV_OFFSET + 8;
    /** {@code msghdr.msg_control}. */
    public static final int MSG_CONTROL_OFFSET = MSG_IOVLEN_OFFSET + 8;
    /** {@code msghdr.msg_controllen}. */
    public static final int MSG_CONTROLLEN_OFFSET = MSG_CONTROL_OFFSET + 8;
    /** {@code msghdr.msg_flags} (int, then 4 bytes of padding). */
    public static final int MSG_FLAGS_OFFSET = MSG_CONTROLLEN_OFFSET + 8;
    /** {@code sizeof(struct msghdr)}. */
    public static final int MSGHDR_LENGTH = MSG_FLAGS_OFFSET + 8;

    /** {@code mmsghdr.msg_hdr}. */
    public static final int MMSG_HDR_OFFSET = 0;
    /** {@code mmsghdr.msg_len} (u32, then 4 bytes of padding). */
    public static final int MMSG_LEN_OFFSET = MMSG_HDR_OFFSET + MSGHDR_LENGTH;
    /** {@code sizeof(struct mmsghdr)}. */
    public static final int MMSGHDR_LENGTH = MMSG_LEN_OFFSET + 8;

    private final LibC libc = Syscalls.libc();
    private final int vlen;
    private final int slotSize;
    private final int slotStride;
    private final UnsafeBuffer mmsghdrs;
    private final UnsafeBuffer iovecs;
    private final UnsafeBuffer slotMemory;
    private final UnsafeBuffer[] slots;
    private final long mmsghdrsAddress;
    private int count;

    /**
     * Build the batch. Setup time.
     *
     * @param vlen     slots per call, 1 to 1024 ({@code UIO_MAXIOV})
     * @param slotSize bytes per receive buffer; nfqueue needs copy range plus about 8 KiB
     */
    public RecvmmsgBatch(final int vlen, final int slotSize) {
        if (vlen < 1 || vlen > 1024) {
            throw new IllegalArgumentException("vlen must be 1..1024 (UIO_MAXIOV), got " + vlen);
        }
        if (slotSize < NlMsgHdrFlyweight.LENGTH || slotSize > (1 << 24)) {
            throw new IllegalArgumentException("slotSize must be 16..16 MiB, got " + slotSize);
        }
        this.vlen = vlen;
        this.slotSize = slotSize;
        this.slotStride = (slotSize + OffHeap.ALIGNMENT - 1) & -OffHeap.ALIGNMENT;
        final long total = (long)slotStride * vlen;
        if (total > Integer.MAX_VALUE - OffHeap.ALIGNMENT) {
            throw new IllegalArgumentException("vlen * slotSize too large: " + total);
        }
        mmsghdrs = OffHeap.allocate(vlen * MMSGHDR_LENGTH);
        iovecs = OffHeap.allocate(vlen * IOVEC_LENGTH);
        slotMemory = OffHeap.allocate((int)total);
        slots = new UnsafeBuffer[vlen];
        for (int i = 0; i < vlen; i++) {
            slots[i] = new UnsafeBuffer(slotMemory, i * slotStride, slotSize);
            final int iov = i * IOVEC_LENGTH;
            iovecs.putLong(iov + IOV_BASE_OFFSET, slots[i].addressOffset(), HOST_ORDER);
            iovecs.putLong(iov + IOV_LEN_OFFSET, slotSize, HOST_ORDER);
            final int msg = i * MMSGHDR_LENGTH + MMSG_HDR_OFFSET;
            mmsghdrs.putLong(msg + MSG_NAME_OFFSET, 0L, HOST_ORDER);
            mmsghdrs.putInt(msg + MSG_NAMELEN_OFFSET, 0, HOST_ORDER);
            mmsghdrs.putLong(msg + MSG_IOV_OFFSET, iovecs.addressOffset() + iov, HOST_ORDER);
            mmsghdrs.putLong(msg + MSG_IOVLEN_OFFSET, 1L, HOST_ORDER);
            mmsghdrs.putLong(msg + MSG_CONTROL_OFFSET, 0L, HOST_ORDER);
            mmsghdrs.putLong(msg + MSG_CONTROLLEN_OFFSET, 0L, HOST_ORDER);
            mmsghdrs.putInt(msg + MSG_FLAGS_OFFSET, 0, HOST_ORDER);
            mmsghdrs.putInt(i * MMSGHDR_LENGTH + MMSG_LEN_OFFSET, 0, HOST_ORDER);
        }
        mmsghdrsAddress = mmsghdrs.addressOffset();
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
        final int flags = waitForOne ? LinuxConstants.MSG_WAITFORONE : LinuxConstants.MSG_DONTWAIT;
        final int result = libc.recvmmsg(fd, mmsghdrsAddress, vlen, flags, 0L);
        if (result < 0) {
            count = 0;
            return -Syscalls.lastErrno();
        }
        count = result;
        return result;
    }

    /** @return datagrams filled by the last successful {@link #receive}, 0 after a failure */
    public int count() {
        return count;
    }

    /** @return slots per call */
    public int vlen() {
        return vlen;
    }

    /** @return bytes per slot */
    public int slotSize() {
        return slotSize;
    }

    /**
     * @param i slot index
     * @return the preallocated view over slot {@code i}'s receive buffer (capacity {@link #slotSize()})
     */
    public UnsafeBuffer slot(final int i) {
        return slots[i];
    }

    /**
     * @param i slot index, below {@link #count()}
     * @return bytes received into slot {@code i} ({@code msg_len}), at most {@link #slotSize()}
     */
    public int length(final int i) {
        return mmsghdrs.getInt(i * MMSGHDR_LENGTH + MMSG_LEN_OFFSET, HOST_ORDER);
    }

    /**
     * @param i slot index, below {@link #count()}
     * @return the {@code msg_flags} the kernel returned for slot {@code i}
     */
    public int flags(final int i) {
        return mmsghdrs.getInt(i * MMSGHDR_LENGTH + MMSG_HDR_OFFSET + MSG_FLAGS_OFFSET, HOST_ORDER);
    }

    /**
     * @param i slot index, below {@link #count()}
     * @return true when the datagram was longer than the slot ({@code MSG_TRUNC}); its head is still usable
     */
    public boolean truncated(final int i) {
        return (flags(i) & LinuxConstants.MSG_TRUNC) != 0;
    }

    /** @return native address of the {@code mmsghdr} array, for tests and diagnostics */
    public long mmsghdrsAddress() {
        return mmsghdrsAddress;
    }

    /** @return view over the {@code mmsghdr} array, for tests and diagnostics */
    public UnsafeBuffer mmsghdrs() {
        return mmsghdrs;
    }
}
