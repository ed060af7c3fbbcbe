package io.tandem.nativeio.ipraw;

import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.libc.ReceiveBatch;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Preallocated {@code recvmmsg(2)} batch for a {@link RawIpSocket}: {@code vlen} slots, each one {@code mmsghdr}
 * with a {@code sockaddr_in} name buffer, a {@value RawIpSocket#CONTROL_CAPACITY}-byte control buffer for the
 * {@code IP_PKTINFO} message, and one {@code iovec} over the slot's receive buffer. Each received slot holds the
 * IPv4 header followed by the payload; read it with {@link IpPacketInfo}.
 *
 * <p>Theory of operation. The constructor builds five off-heap arrays once ({@code mmsghdr[vlen]},
 * {@code iovec[vlen]} and receive buffers in {@link ReceiveBatch}, {@code sockaddr_in[vlen]} and control buffers
 * here) and wires every pointer. {@link #receive(int)} first restores {@code msg_namelen} and {@code msg_controllen}
 * of the slots the previous call filled (the kernel overwrites both with what it used), then makes one non-blocking
 * {@code recvmmsg}; the kernel writes {@code msg_len}, {@code msg_flags}, the name and the control messages of each
 * filled slot. The owner reads slots 0 to {@link #count()}-1 and must be done with them before the next receive.
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
public final class RawIpReceiveBatch extends ReceiveBatch {
    /** Bytes of a control buffer: room for {@code IP_PKTINFO} and one more small message. */
    public static final int CONTROL_CAPACITY = RawIpSocket.CONTROL_CAPACITY;

    private final UnsafeBuffer names;
    private final UnsafeBuffer controls;
    private int dirty;

    /**
     * Build the batch. Setup time.
     *
     * @param vlen     slots per call, 1 to 1024 ({@code UIO_MAXIOV})
     * @param slotSize bytes per receive buffer, 20 to 65535: IPv4 header plus the largest frame (MTU is enough)
     */
    public RawIpReceiveBatch(final int vlen, final int slotSize) {
        super(vlen, slotSize, IpPacketInfo.MIN_HEADER_LENGTH, 65535, "20..65535");
        names = OffHeap.allocate(vlen * SockAddrInFlyweight.LENGTH);
        controls = OffHeap.allocate(vlen * CONTROL_CAPACITY);
        for (int i = 0; i < vlen; i++) {
            mmsghdrs.putLong(msghdr(i) + MSG_NAME_OFFSET, names.addressOffset() + (long)i * SockAddrInFlyweight.LENGTH,
                HOST_ORDER);
            mmsghdrs.putLong(msghdr(i) + MSG_CONTROL_OFFSET, controls.addressOffset() + (long)i * CONTROL_CAPACITY,
                HOST_ORDER);
            restore(i);
        }
    }

    private void restore(final int i) {
        mmsghdrs.putInt(msghdr(i) + MSG_NAMELEN_OFFSET, SockAddrInFlyweight.LENGTH, HOST_ORDER);
        mmsghdrs.putLong(msghdr(i) + MSG_CONTROLLEN_OFFSET, CONTROL_CAPACITY, HOST_ORDER);
        mmsghdrs.putInt(msghdr(i) + MSG_FLAGS_OFFSET, 0, HOST_ORDER);
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
        final int result = recvmmsg(fd, LinuxConstants.MSG_DONTWAIT);
        dirty = count();
        return result;
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
        final long used = mmsghdrs.getLong(msghdr(i) + MSG_CONTROLLEN_OFFSET, HOST_ORDER);
        return IpPacketInfo.interfaceIndex(controls, i * CONTROL_CAPACITY, (int)Math.min(CONTROL_CAPACITY, used));
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
