package io.tandem.nativeio.libc;

import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * What every preallocated {@code recvmmsg(2)} batch shares: {@code vlen} slots, each one {@code struct mmsghdr} whose
 * single {@code iovec} points at that slot's receive buffer, the call itself, and the per-slot results the kernel
 * writes back. The layout constants of {@code struct iovec}, {@code struct msghdr} and {@code struct mmsghdr} live
 * here (checked against the C headers by a test) for every class that builds those structs.
 *
 * <p>Theory of operation. The constructor builds three off-heap arrays once: {@code mmsghdr[vlen]},
 * {@code iovec[vlen]} and {@code vlen} receive buffers of {@code slotSize} bytes, and wires {@code msg_iov},
 * {@code msg_iovlen = 1} and {@code iov_base}/{@code iov_len}. Everything else starts zeroed: {@code msg_name} and
 * {@code msg_control} null with zero lengths, until a subclass wires its own name and control areas. A subclass's
 * receive method calls {@link #recvmmsg(int, int)}, which hands the array to the kernel; the kernel writes
 * {@code msg_len} and {@code msg_flags} (and the name and control lengths) of each filled slot. The owner then reads
 * {@link #slot(int)} up to {@link #length(int)} for each of the returned slots, and must be done with them before the
 * next receive overwrites them.
 *
 * <p>Owner: one thread, the subclass's (the packet agent of a queue, the sync agent). Memory bound:
 * {@code vlen * (64 + 16 + align64(slotSize))} bytes plus what the subclass adds, fixed at construction. Failure
 * policy: the constructor throws {@link IllegalArgumentException} for a bad size; {@link #recvmmsg} never throws and
 * never allocates, it returns a negative errno.
 *
 * <pre>
 * struct iovec (16 bytes)            struct msghdr (56 bytes)           struct mmsghdr (64 bytes)
 *  0  void  *iov_base                  0  void  *msg_name                  0  struct msghdr msg_hdr
 *  8  size_t iov_len                   8  u32    msg_namelen (+pad)       56  u32 msg_len (+4 pad)
 *                                     16  iovec *msg_iov
 *                                     24  size_t msg_iovlen = 1
 *                                     32  void  *msg_control
 *                                     40  size_t msg_controllen
 *                                     48  int    msg_flags (+4 pad)
 * </pre>
 */
public abstract class ReceiveBatch {
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

    /** Every field of these structs is in host order. */
    protected static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();

    private final LibC libc = Syscalls.libc();
    private final int vlen;
    private final int slotSize;
    private final UnsafeBuffer iovecs;
    private final UnsafeBuffer slotMemory;
    private final UnsafeBuffer[] slots;
    /** The {@code mmsghdr} array; subclasses wire their name and control areas into it. */
    protected final UnsafeBuffer mmsghdrs;
    /** Native address of {@link #mmsghdrs}. */
    protected final long mmsghdrsAddress;
    private int count;

    /**
     * Build the arrays and wire the iovecs. Setup time.
     *
     * @param vlen          slots per call, 1 to 1024 ({@code UIO_MAXIOV})
     * @param slotSize      bytes per receive buffer
     * @param minSlotSize   smallest {@code slotSize} the subclass accepts
     * @param maxSlotSize   largest {@code slotSize} the subclass accepts
     * @param slotSizeRange the accepted range as the error message says it, e.g. {@code "20..65535"}
     */
    protected ReceiveBatch(final int vlen, final int slotSize, final int minSlotSize, final int maxSlotSize,
            final String slotSizeRange) {
        if (vlen < 1 || vlen > 1024) {
            throw new IllegalArgumentException("vlen must be 1..1024 (UIO_MAXIOV), got " + vlen);
        }
        if (slotSize < minSlotSize || slotSize > maxSlotSize) {
            throw new IllegalArgumentException("slotSize must be " + slotSizeRange + ", got " + slotSize);
        }
        this.vlen = vlen;
        this.slotSize = slotSize;
        final int slotStride = (slotSize + OffHeap.ALIGNMENT - 1) & -OffHeap.ALIGNMENT;
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
            mmsghdrs.putLong(msghdr(i) + MSG_IOV_OFFSET, iovecs.addressOffset() + iov, HOST_ORDER);
            mmsghdrs.putLong(msghdr(i) + MSG_IOVLEN_OFFSET, 1L, HOST_ORDER);
        }
        mmsghdrsAddress = mmsghdrs.addressOffset();
    }

    /**
     * @param i slot index
     * @return offset of slot {@code i}'s {@code struct msghdr} in {@link #mmsghdrs}
     */
    protected static int msghdr(final int i) {
        return i * MMSGHDR_LENGTH + MMSG_HDR_OFFSET;
    }

    /**
     * One {@code recvmmsg} call over all slots. Never throws, never allocates.
     *
     * @param fd    the socket
     * @param flags {@code recvmmsg} flags, e.g. {@code MSG_DONTWAIT} or {@code MSG_WAITFORONE}
     * @return datagrams received (slots 0..n-1 are filled), or a negative errno; {@link #count()} is 0 after a failure
     */
    protected final int recvmmsg(final int fd, final int flags) {
        final int result = libc.recvmmsg(fd, mmsghdrsAddress, vlen, flags, 0L);
        if (result < 0) {
            count = 0;
            return -Syscalls.lastErrno();
        }
        count = result;
        return result;
    }

    /** @return datagrams filled by the last successful receive, 0 after a failure */
    public final int count() {
        return count;
    }

    /** @return slots per call */
    public final int vlen() {
        return vlen;
    }

    /** @return bytes per slot */
    public final int slotSize() {
        return slotSize;
    }

    /**
     * @param i slot index
     * @return the preallocated view over slot {@code i}'s receive buffer (capacity {@link #slotSize()})
     */
    public final UnsafeBuffer slot(final int i) {
        return slots[i];
    }

    /**
     * @param i slot index, below {@link #count()}
     * @return bytes received into slot {@code i} ({@code msg_len}), at most {@link #slotSize()}
     */
    public final int length(final int i) {
        return mmsghdrs.getInt(i * MMSGHDR_LENGTH + MMSG_LEN_OFFSET, HOST_ORDER);
    }

    /**
     * @param i slot index, below {@link #count()}
     * @return the {@code msg_flags} the kernel returned for slot {@code i}
     */
    public final int flags(final int i) {
        return mmsghdrs.getInt(msghdr(i) + MSG_FLAGS_OFFSET, HOST_ORDER);
    }

    /**
     * @param i slot index, below {@link #count()}
     * @return true when the datagram was longer than the slot ({@code MSG_TRUNC}); its head is still usable
     */
    public final boolean truncated(final int i) {
        return (flags(i) & LinuxConstants.MSG_TRUNC) != 0;
    }

    /** @return view over the {@code mmsghdr} array, for tests and diagnostics */
    public final UnsafeBuffer mmsghdrs() {
        return mmsghdrs;
    }
}
