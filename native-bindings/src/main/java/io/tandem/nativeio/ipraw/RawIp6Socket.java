package io.tandem.nativeio.ipraw;

import static io.tandem.nativeio.libc.ReceiveBatch.IOVEC_LENGTH;
import static io.tandem.nativeio.libc.ReceiveBatch.IOV_BASE_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.IOV_LEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSGHDR_LENGTH;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_CONTROLLEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_FLAGS_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_NAMELEN_OFFSET;

import java.nio.ByteOrder;

import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.Syscalls;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One raw IPv6 socket for a single IP protocol: pfsync over IPv6, as FreeBSD 14 and later speak it (next header
 * 240, hop limit 255, group {@code ff12::f0} or a unicast peer; {@code pfsync_kstatus_to_softc} and
 * {@code pfsync6_input} in FreeBSD's {@code if_pfsync.c}).
 *
 * <p>Theory of operation. The IPv6 counterpart of {@link RawIpSocket}, with one difference that matters: an IPv6
 * raw socket never delivers the IPv6 header, so what {@link #receive} returns is the payload alone, and the facts
 * the sync agent checks come as ancillary data instead: {@code IPV6_PKTINFO} (arrival interface, for
 * {@code badif}) and {@code IPV6_HOPLIMIT} (for {@code badttl}); the source is {@code msg_name}.
 * <ul>
 * <li>Life cycle. {@link #openIpv6(int)} creates a non-blocking, close-on-exec {@code socket(AF_INET6, SOCK_RAW,
 *     protocol)} and sets {@code IPV6_UNICAST_HOPS} and {@code IPV6_MULTICAST_HOPS} 255,
 *     {@code IPV6_MULTICAST_LOOP} 0, {@code IPV6_DONTFRAG} 1 (never fragmented locally: an oversized frame fails
 *     with {@code -EMSGSIZE}), {@code IPV6_RECVPKTINFO} and {@code IPV6_RECVHOPLIMIT} 1. The owner pins it to the
 *     sync interface with {@link #bindToDevice(String)}, and for multicast calls {@link #setMulticastInterface(int)}
 *     and {@link #joinGroup(long, long, int)}. {@link #close()} is idempotent.</li>
 * <li>Sending: one {@code sendmsg} over a {@code msghdr} built at open whose name is a preallocated
 *     {@code sockaddr_in6} (port 0: the kernel uses the socket's protocol; scope id = the sync interface, which a
 *     link-local destination such as {@code ff12::f0} needs).</li>
 * <li>Receiving: one {@code recvmsg} with a preallocated name and control buffer; {@link #lastInterfaceIndex()},
 *     {@link #lastHopLimit()}, {@link #lastSourceHi()}/{@link #lastSourceLo()} then describe that datagram.</li>
 * </ul>
 *
 * <p>Owner: one thread at a time. Memory: one off-heap scratch block built at open. Failure policy: setup methods
 * throw {@link NativeException}; {@link #sendTo}, {@link #receive} and {@link #poll} never throw, return a negative
 * errno and allocate nothing.
 */
public final class RawIp6Socket extends RawSocket {
    /** Hop limit of every frame sent, and the only one accepted ({@code PFSYNC_DFLTTL}). */
    public static final int PFSYNC_HOP_LIMIT = 255;
    /** {@link #lastHopLimit()} when no {@code IPV6_HOPLIMIT} message was delivered. */
    public static final int NO_HOP_LIMIT = -1;
    /** Bytes of the receive control buffer: {@code in6_pktinfo} and hop-limit messages with room to spare. */
    public static final int CONTROL_CAPACITY = 128;
    /** {@code sizeof(struct in6_pktinfo)}: {@code ipi6_addr} @0 (16), {@code ipi6_ifindex} @16 (int). */
    public static final int IN6_PKTINFO_LENGTH = 20;
    /** {@code offsetof(struct in6_pktinfo, ipi6_ifindex)}. */
    public static final int IN6_PKTINFO_IFINDEX_OFFSET = 16;
    /** {@code sizeof(struct ipv6_mreq)}: {@code ipv6mr_multiaddr} @0 (16), {@code ipv6mr_interface} @16. */
    public static final int IPV6_MREQ_LENGTH = 20;
    /** {@code offsetof(struct ipv6_mreq, ipv6mr_interface)}. */
    public static final int IPV6_MREQ_INTERFACE_OFFSET = 16;

    private static final int MREQ_OFFSET = FAMILY_OFFSET;
    private static final int SEND_NAME_OFFSET = MREQ_OFFSET + 24;
    private static final int SEND_IOVEC_OFFSET = SEND_NAME_OFFSET + 32;
    private static final int SEND_MSGHDR_OFFSET = SEND_IOVEC_OFFSET + IOVEC_LENGTH;
    private static final int RECEIVE_NAME_OFFSET = SEND_MSGHDR_OFFSET + MSGHDR_LENGTH;
    private static final int RECEIVE_IOVEC_OFFSET = RECEIVE_NAME_OFFSET + 32;
    private static final int RECEIVE_MSGHDR_OFFSET = RECEIVE_IOVEC_OFFSET + IOVEC_LENGTH;
    private static final int RECEIVE_CONTROL_OFFSET = RECEIVE_MSGHDR_OFFSET + MSGHDR_LENGTH;
    private static final int SCRATCH_LENGTH = RECEIVE_CONTROL_OFFSET + CONTROL_CAPACITY;


    private RawIp6Socket(final int fd, final int protocol) {
        super(fd, protocol, SCRATCH_LENGTH);
        SockAddrIn6Flyweight.put(scratch, SEND_NAME_OFFSET, 0, 0, 0);
        wireMsghdr(SEND_MSGHDR_OFFSET, SEND_NAME_OFFSET, SockAddrIn6Flyweight.LENGTH, SEND_IOVEC_OFFSET, 0L, 0);
        wireMsghdr(RECEIVE_MSGHDR_OFFSET, RECEIVE_NAME_OFFSET, SockAddrIn6Flyweight.LENGTH, RECEIVE_IOVEC_OFFSET,
            scratchAddress + RECEIVE_CONTROL_OFFSET, CONTROL_CAPACITY);
    }

    /**
     * Create a raw IPv6 socket for {@code protocol} with the pfsync template (see the class comment). Setup time.
     *
     * @param protocol the IP protocol (next header), 1 to 254
     * @return the socket, not yet bound to a device
     * @throws NativeException          when the socket cannot be created or an option is refused
     * @throws IllegalArgumentException when {@code protocol} is out of range
     */
    public static RawIp6Socket openIpv6(final int protocol) {
        if (protocol < 1 || protocol > 254) {
            throw new IllegalArgumentException("IP protocol must be 1..254, got " + protocol);
        }
        final int fd = Syscalls.libc().socket(LinuxConstants.AF_INET6,
            LinuxConstants.SOCK_RAW | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of("socket(AF_INET6, SOCK_RAW, " + protocol + ")", errno,
                errno == LinuxConstants.EPERM || errno == LinuxConstants.EACCES
                    ? "raw IP sockets need CAP_NET_RAW; run as root or grant CAP_NET_RAW"
                    : errno == LinuxConstants.EAFNOSUPPORT ? "IPv6 is disabled on this host"
                    : "could not create the raw IPv6 socket");
        }
        final RawIp6Socket socket = new RawIp6Socket(fd, protocol);
        try {
            socket.setIntOption(LinuxConstants.IPV6_UNICAST_HOPS, PFSYNC_HOP_LIMIT, "IPV6_UNICAST_HOPS");
            socket.setIntOption(LinuxConstants.IPV6_MULTICAST_HOPS, PFSYNC_HOP_LIMIT, "IPV6_MULTICAST_HOPS");
            socket.setIntOption(LinuxConstants.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
            socket.setIntOption(LinuxConstants.IPV6_DONTFRAG, 1, "IPV6_DONTFRAG");
            socket.setIntOption(LinuxConstants.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
            socket.setIntOption(LinuxConstants.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
        } catch (final RuntimeException ex) {
            socket.close();
            throw ex;
        }
        return socket;
    }

    /**
     * Send multicast frames out of interface {@code ifindex} ({@code IPV6_MULTICAST_IF}). Setup time.
     *
     * @throws NativeException when the kernel refuses
     */
    public void setMulticastInterface(final int ifindex) {
        setIntOption(LinuxConstants.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
    }

    /**
     * Join multicast group {@code hi:lo} on interface {@code ifindex} ({@code IPV6_ADD_MEMBERSHIP} with
     * {@code ipv6_mreq}). Setup time.
     *
     * @throws NativeException when the join is refused
     */
    public void joinGroup(final long hi, final long lo, final int ifindex) {
        scratch.putLong(MREQ_OFFSET, hi, ByteOrder.BIG_ENDIAN);
        scratch.putLong(MREQ_OFFSET + 8, lo, ByteOrder.BIG_ENDIAN);
        scratch.putInt(MREQ_OFFSET + IPV6_MREQ_INTERFACE_OFFSET, ifindex, HOST_ORDER);
        if (libc.setsockopt(fd, LinuxConstants.IPPROTO_IPV6, LinuxConstants.IPV6_ADD_MEMBERSHIP,
            scratchAddress + MREQ_OFFSET, IPV6_MREQ_LENGTH) != 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of("setsockopt(IPV6_ADD_MEMBERSHIP, ifindex " + ifindex + ")", errno,
                !Ipv6Address.isMulticast(hi) ? "not a multicast address"
                    : errno == LinuxConstants.ENODEV ? "no interface with index " + ifindex : null);
        }
    }

    /**
     * Read an int {@code IPPROTO_IPV6} socket option. Setup time and tests.
     *
     * @throws NativeException when getsockopt fails
     */
    public int getIntOption(final int option, final String what) {
        return getIntOption(LinuxConstants.IPPROTO_IPV6, option, what);
    }

    private void setIntOption(final int option, final int value, final String name) {
        setIntOption(LinuxConstants.IPPROTO_IPV6, option, value, name);
    }

    /**
     * Send one frame to {@code hi:lo}: the kernel prepends the IPv6 header (next header = the socket's protocol,
     * hop limit 255). Hot path: never throws, never allocates.
     *
     * @param scopeId the interface for link-local destinations (the sync interface); ignored for global ones
     * @return bytes sent, or a negative errno ({@code -EMSGSIZE} above the MTU, {@code -EAGAIN} when full,
     *     {@code -EBADF} once closed, {@code -EINVAL} for a bad range)
     */
    public int sendTo(final UnsafeBuffer buffer, final int offset, final int length, final long hi, final long lo,
                      final int scopeId) {
        assert buffer.byteArray() == null : "sendTo needs an off-heap buffer";
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            return -LinuxConstants.EINVAL;
        }
        SockAddrIn6Flyweight.put(scratch, SEND_NAME_OFFSET, hi, lo, scopeId);
        scratch.putLong(SEND_IOVEC_OFFSET + IOV_BASE_OFFSET, buffer.addressOffset() + offset, HOST_ORDER);
        scratch.putLong(SEND_IOVEC_OFFSET + IOV_LEN_OFFSET, length, HOST_ORDER);
        final long result = libc.sendmsg(fd, scratchAddress + SEND_MSGHDR_OFFSET, LinuxConstants.MSG_DONTWAIT);
        return result < 0 ? -Syscalls.lastErrno() : (int)result;
    }

    /**
     * Receive one datagram's payload (no IPv6 header) into an off-heap buffer. Hot path: never throws, never
     * allocates, never blocks.
     *
     * @return bytes received, or a negative errno ({@code -EAGAIN} when nothing is queued)
     */
    public int receive(final UnsafeBuffer buffer) {
        assert buffer.byteArray() == null : "receive needs an off-heap buffer";
        scratch.putLong(RECEIVE_IOVEC_OFFSET + IOV_BASE_OFFSET, buffer.addressOffset(), HOST_ORDER);
        scratch.putLong(RECEIVE_IOVEC_OFFSET + IOV_LEN_OFFSET, buffer.capacity(), HOST_ORDER);
        scratch.putInt(RECEIVE_MSGHDR_OFFSET + MSG_NAMELEN_OFFSET, SockAddrIn6Flyweight.LENGTH, HOST_ORDER);
        scratch.putLong(RECEIVE_MSGHDR_OFFSET + MSG_CONTROLLEN_OFFSET, CONTROL_CAPACITY, HOST_ORDER);
        scratch.putInt(RECEIVE_MSGHDR_OFFSET + MSG_FLAGS_OFFSET, 0, HOST_ORDER);
        final long result = libc.recvmsg(fd, scratchAddress + RECEIVE_MSGHDR_OFFSET, LinuxConstants.MSG_DONTWAIT);
        if (result < 0) {
            final int errno = Syscalls.lastErrno();
            scratch.putLong(RECEIVE_MSGHDR_OFFSET + MSG_CONTROLLEN_OFFSET, 0L, HOST_ORDER);
            SockAddrIn6Flyweight.put(scratch, RECEIVE_NAME_OFFSET, 0, 0, 0);
            return -errno;
        }
        return (int)result;
    }

    private int controlLength() {
        return (int)Math.min(CONTROL_CAPACITY, scratch.getLong(RECEIVE_MSGHDR_OFFSET + MSG_CONTROLLEN_OFFSET,
            HOST_ORDER));
    }

    /** @return the interface the last datagram arrived on ({@code IPV6_PKTINFO}), 0 when it carried none */
    public int lastInterfaceIndex() {
        final int at = findControl(scratch, RECEIVE_CONTROL_OFFSET, controlLength(), LinuxConstants.IPV6_PKTINFO,
            IN6_PKTINFO_LENGTH);
        return at < 0 ? IpPacketInfo.NO_INTERFACE : scratch.getInt(at + IN6_PKTINFO_IFINDEX_OFFSET, HOST_ORDER);
    }

    /** @return the hop limit the last datagram arrived with ({@code IPV6_HOPLIMIT}), or {@link #NO_HOP_LIMIT} */
    public int lastHopLimit() {
        final int at = findControl(scratch, RECEIVE_CONTROL_OFFSET, controlLength(), LinuxConstants.IPV6_HOPLIMIT, 4);
        return at < 0 ? NO_HOP_LIMIT : scratch.getInt(at, HOST_ORDER);
    }

    /** @return the first 8 bytes of the last datagram's source address */
    public long lastSourceHi() {
        return SockAddrIn6Flyweight.addressHi(scratch, RECEIVE_NAME_OFFSET);
    }

    /** @return the last 8 bytes of the last datagram's source address */
    public long lastSourceLo() {
        return SockAddrIn6Flyweight.addressLo(scratch, RECEIVE_NAME_OFFSET);
    }

    /**
     * The data of the first {@code IPPROTO_IPV6} control message of {@code type} with at least {@code minData}
     * bytes, or -1. Walks {@code cmsghdr}s as {@code CMSG_NXTHDR} does and stops at anything malformed.
     */
    static int findControl(final DirectBuffer control, final int offset, final int length, final int type,
                           final int minData) {
        final int end = offset + length;
        int position = offset;
        while (position + CmsgHdrFlyweight.LENGTH <= end) {
            final long cmsgLen = CmsgHdrFlyweight.len(control, position);
            if (cmsgLen < CmsgHdrFlyweight.LENGTH || cmsgLen > end - position) {
                return -1;
            }
            if (CmsgHdrFlyweight.level(control, position) == LinuxConstants.IPPROTO_IPV6
                && CmsgHdrFlyweight.type(control, position) == type && cmsgLen >= CmsgHdrFlyweight.cmsgLen(minData)) {
                return position + CmsgHdrFlyweight.LENGTH;
            }
            position += (int)CmsgHdrFlyweight.align(cmsgLen);
        }
        return -1;
    }

    @Override
    public String toString() {
        return "RawIp6Socket{fd=" + fd + ", protocol=" + protocol + ", ifindex=" + boundInterfaceIndex() + '}';
    }
}
