package io.tandem.nativeio.ipraw;

import static io.tandem.nativeio.netlink.RecvmmsgBatch.IOVEC_LENGTH;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.IOV_BASE_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.IOV_LEN_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MMSGHDR_LENGTH;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MMSG_HDR_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MMSG_LEN_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MSG_CONTROLLEN_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MSG_CONTROL_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MSG_FLAGS_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MSG_IOVLEN_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MSG_IOV_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MSG_NAMELEN_OFFSET;
import static io.tandem.nativeio.netlink.RecvmmsgBatch.MSG_NAME_OFFSET;

import java.nio.ByteOrder;

import io.tandem.nativeio.libc.LibC;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.libc.Syscalls;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Preallocated {@code recvmmsg(2)} batch for a {@link RawIpSocket}: {@code vlen} slots, each one {@code mmsghdr}
 * with a {@code sockaddr_in} name buffer, a {@value RawIpSocket#CONTROL_CAPACITY}-byte control buffer for the
 * {@code IP_PKTINFO} message, and one {@code iovec} over the slot's receive buffer. Each received slot holds the
 * IPv4 header followed by the payload; read it with {@link IpPacketInfo}.
 *
 * <p>Theory of operation. The constructor builds five off-heap arrays once ({@code mmsghdr[vlen]},
 * {@code iovec[vlen]}, {@code sockaddr_in[vlen]}, control buffers and receive buffers) and wires every pointer.
 * {@link #receive(int)} first restores {@code msg_namelen} and {@code msg_controllen} of the slots the previous call
 * filled (the kernel overwrites both with what it used), then makes one non-blocking {@code recvmmsg}; the kernel
 * writes {@code msg_len}, {@code msg_flags}, the name and the control messages of each filled slot. The owner reads
 * slots 0 to {@link #count()}-1 and must be done with them before the next receive.
 *
 * <p>Owner: the sync agent. Memory bound: {@code vlen * (64 + 16 + 16 + 64 + align64(slotSize))} bytes, fixed at
 * construction. Failure policy: {@link #receive} never throws and never allocates; it returns a negative errno.
 *
 * <pre>
 * struct mmsghdr (64 bytes)                 per slot i
 *  0  msg_name       -> names[i]            sockaddr_in (16): source address of the datagram
 *  8  msg_namelen    = 16                   iovec (16): iov_base -> slot i, iov_len = slotSize
 * 16  msg_iov        -> iovecs[i]           control (64): cmsghdr + in_pktinfo (CMSG_SPACE(12) = 32 used)
 * 24  msg_iovlen     = 1
 * 32  msg_control    -> controls[i]
 * 40  msg_controllen = 64 (in), used (out)
 * 48  msg_flags      (out)
 * 56  msg_len        (out)
 * </pre>
 */
public final class RawIpReceiveBatch {
    /** Bytes of a control buffer: room for {@code IP_PKTINFO} and one more small message. */
    public static final int CONTROL_CAPACITY = RawIpSocket.CONTROL_CAPACITY;

    private static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();

    private final LibC libc = Syscalls.libc();
    private final int vlen;
    private final int slotSize;
    private final UnsafeBuffer mmsghdrs;
    private final UnsafeBuffer iovecs;
    private final UnsafeBuffer names;
    private final UnsafeBuffer controls;
    private final UnsafeBuffer slotMemory;
    private final UnsafeBuffer[] slots;
    private final long mmsghdrsAddress;
    private int count;
    private int dirty;

    /**
     * Build the batch. Setup time.
     *
     * @param vlen     slots per call, 1 to 1024 ({@code UIO_MAXIOV})
     * @param slotSize bytes per receive buffer, 20 to 65535: IPv4 header plus the largest frame (MTU is enough)
     */
    public RawIpReceiveBatch(final int vlen, final int slotSize) {
        if (vlen < 1 || vlen > 1024) {
            throw new IllegalArgumentException("vlen must be 1..1024 (UIO_MAXIOV), got " + vlen);
        }
        if (slotSize < IpPacketInfo.MIN_HEADER_LENGTH || slotSize > 65535) {
            throw new IllegalArgumentException("slotSize must be 20..65535, got " + slotSize);
        }
        this.vlen = vlen;
        this.slotSize = slotSize;
        final int slotStride = (slotSize + OffHeap.ALIGNMENT - 1) & -OffHeap.ALIGNMENT;
        mmsghdrs = OffHeap.allocate(vlen * MMSGHDR_LENGTH);
        iovecs = OffHeap.allocate(vlen * IOVEC_LENGTH);
        names = OffHeap.allocate(vlen * SockAddrInFlyweight.LENGTH);
        controls = OffHeap.allocate(vlen * CONTROL_CAPACITY);
        slotMemory = OffHeap.allocate(vlen * slotStride);
        slots = new UnsafeBuffer[vlen];
        for (int i = 0; i < vlen; i++) {
            slots[i] = new UnsafeBuffer(slotMemory, i * slotStride, slotSize);
            final int iov = i * IOVEC_LENGTH;
            iovecs.putLong(iov + IOV_BASE_OFFSET, slots[i].addressOffset(), HOST_ORDER);
            iovecs.putLong(iov + IOV_LEN_OFFSET, slotSize, HOST_ORDER);
            final int msg = i * MMSGHDR_LENGTH + MMSG_HDR_OFFSET;
            mmsghdrs.putLong(msg + MSG_NAME_OFFSET, names.addressOffset() + (long)i * SockAddrInFlyweight.LENGTH,
                HOST_ORDER);
            mmsghdrs.putLong(msg + MSG_IOV_OFFSET, iovecs.addressOffset() + iov, HOST_ORDER);
            mmsghdrs.putLong(msg + MSG_IOVLEN_OFFSET, 1L, HOST_ORDER);
            mmsghdrs.putLong(msg + MSG_CONTROL_OFFSET, controls.addressOffset() + (long)i * CONTROL_CAPACITY,
                HOST_ORDER);
            restore(i);
        }
        mmsghdrsAddress = mmsghdrs.addressOffset();
    }

    private void restore(final int i) {
        final int msg = i * MMSGHDR_LENGTH + MMSG_HDR_OFFSET;
        mmsghdrs.putInt(msg + MSG_NAMELEN_OFFSET, SockAddrInFlyweight.LENGTH, HOST_ORDER);
        mmsghdrs.putLong(msg + MSG_CONTROLLEN_OFFSET, CONTROL_CAPACITY, HOST_ORDER);
        mmsghdrs.putInt(msg + MSG_FLAGS_OFFSET, 0, HOST_ORDER);
        mmsghdrs.putInt(i * MMSGHDR_LENGTH + MMSG_LEN_OFFSET, 0, HOST_ORDER);
    }

    /**
     * One non-blocking {@code recvmmsg} call ({@code MSG_DONTWAIT}; wait with {@link RawIpSocket#poll(int)}).
     * Never throws, never allocates.
     *
     * @param fd the socket, {@link RawIpSocket#fd()}
     * @return datagrams received (slots 0..n-1 are filled), or a negative errno: {@code -EAGAIN} when nothing was
     *     queued, {@code -EBADF} for a closed socket
     */
    public int receive(final int fd) {
        for (int i = 0; i < dirty; i++) {
            restore(i);
        }
        final int result = libc.recvmmsg(fd, mmsghdrsAddress, vlen, LinuxConstants.MSG_DONTWAIT, 0L);
        if (result < 0) {
            count = 0;
            dirty = 0;
            return -Syscalls.lastErrno();
        }
        count = result;
        dirty = result;
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
     * @return the preallocated view over slot {@code i}: IPv4 header at offset 0, then the payload
     */
    public UnsafeBuffer slot(final int i) {
        return slots[i];
    }

    /**
     * @param i slot index, below {@link #count()}
     * @return bytes received into slot {@code i} ({@code msg_len}), IPv4 header included, at most {@link #slotSize()}
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

    /**
     * @param i slot index, below {@link #count()}
     * @return the source address from {@code msg_name}, first octet in the most significant byte
     */
    public int sourceAddress(final int i) {
        return SockAddrInFlyweight.address(names, i * SockAddrInFlyweight.LENGTH);
    }

    /**
     * @param i slot index, below {@link #count()}
     * @return the interface slot {@code i} arrived on ({@code IP_PKTINFO}), or {@link IpPacketInfo#NO_INTERFACE}
     */
    public int interfaceIndex(final int i) {
        final long used = mmsghdrs.getLong(i * MMSGHDR_LENGTH + MMSG_HDR_OFFSET + MSG_CONTROLLEN_OFFSET, HOST_ORDER);
        return IpPacketInfo.interfaceIndex(controls, i * CONTROL_CAPACITY, (int)Math.min(CONTROL_CAPACITY, used));
    }

    /** @return view over the {@code mmsghdr} array, for tests and diagnostics */
    public UnsafeBuffer mmsghdrs() {
        return mmsghdrs;
    }

    /** @return view over the {@code sockaddr_in} name array, for tests and diagnostics */
    public UnsafeBuffer names() {
        return names;
    }

    /** @return view over the control buffers ({@link #CONTROL_CAPACITY} bytes each), for tests and diagnostics */
    public UnsafeBuffer controls() {
        return controls;
    }
}
