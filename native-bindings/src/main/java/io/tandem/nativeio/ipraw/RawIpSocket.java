package io.tandem.nativeio.ipraw;

import static io.tandem.nativeio.libc.ReceiveBatch.IOVEC_LENGTH;
import static io.tandem.nativeio.libc.ReceiveBatch.IOV_BASE_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.IOV_LEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSGHDR_LENGTH;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_CONTROLLEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_FLAGS_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_NAMELEN_OFFSET;

import java.nio.ByteOrder;

import io.tandem.nativeio.libc.LibC;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.Syscalls;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One raw IPv4 socket for a single IP protocol: the pfsync transport (spec W.2). The kernel builds the IPv4 header
 * of every frame sent; every frame received comes with its IPv4 header in front and an {@code IP_PKTINFO} control
 * message naming the interface it arrived on, so the sync agent can enforce "arrived on the sync interface"
 * ({@code badif}) and "TTL 255" ({@code badttl}).
 *
 * <p>Theory of operation.
 * <ul>
 * <li>Life cycle. {@link #openIpv4(int)} creates a non-blocking, close-on-exec {@code socket(AF_INET, SOCK_RAW,
 *     protocol)} and sets the pfsync header template: {@code IP_TTL} and {@code IP_MULTICAST_TTL} 255,
 *     {@code IP_MULTICAST_LOOP} 0, {@code IP_TOS} 0x10 ({@code IPTOS_LOWDELAY}), {@code IP_MTU_DISCOVER} =
 *     {@code IP_PMTUDISC_DO} (DF on every frame, never fragmented locally: an oversized frame fails with
 *     {@code -EMSGSIZE}) and {@code IP_PKTINFO} on. The owner then pins it to the sync interface with
 *     {@link #bindToDevice(String)}, and for multicast calls {@link #setMulticastInterface(int)} and
 *     {@link #joinGroup(int, int)}. From then on it sends with {@link #sendTo}, waits with {@link #poll(int)} and
 *     receives with {@link #receive(long, int)} or a {@link RawIpReceiveBatch} on {@link #fd()}.
 *     {@link #close()} is idempotent; after it every call returns {@code -EBADF} (poll returns 0).</li>
 * <li>Sending. Each send is one {@code sendmsg} over a {@code struct msghdr} built once at open whose
 *     {@code msg_name} points at a preallocated {@code sockaddr_in} and whose single {@code iovec} is pointed at the
 *     caller's payload per call. Not {@code sendto}: its sixth argument is corrupted by this jnr-ffi/jffi pair (see
 *     {@link LibC#sendto}).</li>
 * <li>Receiving. {@link #receive(long, int)} is one {@code recvmsg} with a preallocated name and control buffer;
 *     {@link #lastInterfaceIndex()} and {@link #lastSourceAddress()} then describe that datagram. The IPv4 header
 *     of the received bytes is read with {@link IpPacketInfo}.</li>
 * </ul>
 *
 * <p>Owner: one thread at a time (the sync agent); hand it over only with a happens-before edge. Memory: one
 * off-heap scratch block of {@value #SCRATCH_LENGTH} bytes built at open (socket options, {@code pollfd},
 * {@code ip_mreqn}, the send and receive {@code msghdr}s with their {@code iovec}, {@code sockaddr_in} and control
 * buffer). Failure policy: setup methods throw {@link NativeException} with a one-line message; {@link #sendTo},
 * {@link #receive} and {@link #poll} never throw, return a negative errno and allocate nothing once warm.
 */
public final class RawIpSocket extends RawSocket {
    /** {@code IPPROTO_PFSYNC}: the IP protocol number of pfsync. */
    public static final int IPPROTO_PFSYNC = 240;
    /** {@code PFSYNC_DFLTTL}: the TTL every pfsync frame is sent with and must arrive with. */
    public static final int PFSYNC_TTL = 255;
    /** {@code IPTOS_LOWDELAY}: the type of service of pfsync frames. */
    public static final int IPTOS_LOWDELAY = 0x10;
    /** Capacity of each control buffer: {@code CMSG_SPACE(sizeof(struct in_pktinfo))} = 32, with room to spare. */
    public static final int CONTROL_CAPACITY = 64;


    /** {@code struct ip_mreqn} for the multicast options (12 bytes, 16 reserved). */
    private static final int MREQN_OFFSET = FAMILY_OFFSET;
    /** Destination {@code sockaddr_in} of the send {@code msghdr}. */
    private static final int SEND_NAME_OFFSET = MREQN_OFFSET + 16;
    /** The one {@code iovec} of the send {@code msghdr}. */
    private static final int SEND_IOVEC_OFFSET = SEND_NAME_OFFSET + SockAddrInFlyweight.LENGTH;
    /** The send {@code msghdr}. */
    private static final int SEND_MSGHDR_OFFSET = SEND_IOVEC_OFFSET + IOVEC_LENGTH;
    /** Source {@code sockaddr_in} filled by recvmsg. */
    private static final int RECEIVE_NAME_OFFSET = SEND_MSGHDR_OFFSET + MSGHDR_LENGTH;
    /** The one {@code iovec} of the receive {@code msghdr}. */
    private static final int RECEIVE_IOVEC_OFFSET = RECEIVE_NAME_OFFSET + SockAddrInFlyweight.LENGTH;
    /** The receive {@code msghdr}. */
    private static final int RECEIVE_MSGHDR_OFFSET = RECEIVE_IOVEC_OFFSET + IOVEC_LENGTH;
    /** Control buffer of the receive {@code msghdr} (8-byte aligned). */
    private static final int RECEIVE_CONTROL_OFFSET = RECEIVE_MSGHDR_OFFSET + MSGHDR_LENGTH;
    private static final int SCRATCH_LENGTH = RECEIVE_CONTROL_OFFSET + CONTROL_CAPACITY;

    private final IpMreqnFlyweight mreqn = new IpMreqnFlyweight();

    private RawIpSocket(final int fd, final int protocol) {
        super(fd, protocol, SCRATCH_LENGTH);
        mreqn.wrap(scratch, MREQN_OFFSET);
        new SockAddrInFlyweight().wrap(scratch, SEND_NAME_OFFSET).set(0);
        wireMsghdr(SEND_MSGHDR_OFFSET, SEND_NAME_OFFSET, SockAddrInFlyweight.LENGTH, SEND_IOVEC_OFFSET, 0L, 0);
        wireMsghdr(RECEIVE_MSGHDR_OFFSET, RECEIVE_NAME_OFFSET, SockAddrInFlyweight.LENGTH, RECEIVE_IOVEC_OFFSET,
            scratchAddress + RECEIVE_CONTROL_OFFSET, CONTROL_CAPACITY);
    }

    /**
     * Create a raw IPv4 socket for {@code protocol} with the pfsync header template (see the class comment).
     * Setup time.
     *
     * @param protocol the IP protocol, 1 to 254; {@link #IPPROTO_PFSYNC} for pfsync
     * @return the socket, not yet bound to a device
     * @throws NativeException          when the socket cannot be created or an option is refused
     * @throws IllegalArgumentException when {@code protocol} is out of range
     */
    public static RawIpSocket openIpv4(final int protocol) {
        if (protocol < 1 || protocol > 254) {
            throw new IllegalArgumentException("IP protocol must be 1..254 (255 is IPPROTO_RAW, send-only), got "
                + protocol);
        }
        final String what = "socket(AF_INET, SOCK_RAW, " + protocol + ")";
        final int fd = Syscalls.libc().socket(LinuxConstants.AF_INET,
            LinuxConstants.SOCK_RAW | LinuxConstants.SOCK_NONBLOCK | LinuxConstants.SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of(what, errno,
                errno == LinuxConstants.EPERM || errno == LinuxConstants.EACCES
                    ? "raw IP sockets need CAP_NET_RAW; run as root or grant CAP_NET_RAW"
                    : errno == LinuxConstants.EPROTONOSUPPORT ? "this kernel has no IPv4 raw socket support"
                    : "could not create the raw IP socket");
        }
        final RawIpSocket socket = new RawIpSocket(fd, protocol);
        try {
            socket.setIntOption(LinuxConstants.IPPROTO_IP, LinuxConstants.IP_TTL, PFSYNC_TTL, "IP_TTL");
            socket.setIntOption(LinuxConstants.IPPROTO_IP, LinuxConstants.IP_MULTICAST_TTL, PFSYNC_TTL,
                "IP_MULTICAST_TTL");
            socket.setIntOption(LinuxConstants.IPPROTO_IP, LinuxConstants.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
            socket.setIntOption(LinuxConstants.IPPROTO_IP, LinuxConstants.IP_TOS, IPTOS_LOWDELAY, "IP_TOS");
            socket.setIntOption(LinuxConstants.IPPROTO_IP, LinuxConstants.IP_MTU_DISCOVER,
                LinuxConstants.IP_PMTUDISC_DO, "IP_MTU_DISCOVER");
            socket.setIntOption(LinuxConstants.IPPROTO_IP, LinuxConstants.IP_PKTINFO, 1, "IP_PKTINFO");
        } catch (final RuntimeException ex) {
            socket.close();
            throw ex;
        }
        return socket;
    }

    /**
     * Send multicast frames out of interface {@code ifindex} ({@code IP_MULTICAST_IF} with {@code ip_mreqn}).
     * Setup time.
     *
     * @param ifindex the sync interface's index
     * @throws NativeException when the kernel refuses, e.g. EADDRNOTAVAIL (or ENODEV) for an unknown index
     */
    public void setMulticastInterface(final int ifindex) {
        mreqn.multiaddr(0).address(0).ifindex(ifindex);
        final int result = libc.setsockopt(fd, LinuxConstants.IPPROTO_IP, LinuxConstants.IP_MULTICAST_IF,
            scratchAddress + MREQN_OFFSET, IpMreqnFlyweight.LENGTH);
        if (result != 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of("setsockopt(IP_MULTICAST_IF, ifindex " + ifindex + ")", errno,
                errno == LinuxConstants.ENODEV || errno == LinuxConstants.EADDRNOTAVAIL
                    ? "no interface with index " + ifindex + " in this network namespace" : null);
        }
    }

    /**
     * Join multicast group {@code group} on interface {@code ifindex} ({@code IP_ADD_MEMBERSHIP} with
     * {@code ip_mreqn}). Setup time.
     *
     * @param groupAddressBigEndian the group, first octet in the most significant byte, e.g.
     *                              {@link Ipv4Address#PFSYNC_GROUP}
     * @param ifindex               the sync interface's index
     * @throws NativeException when the join is refused
     */
    public void joinGroup(final int groupAddressBigEndian, final int ifindex) {
        membership(LinuxConstants.IP_ADD_MEMBERSHIP, "IP_ADD_MEMBERSHIP", groupAddressBigEndian, ifindex);
    }

    /**
     * Leave multicast group {@code group} on interface {@code ifindex} ({@code IP_DROP_MEMBERSHIP}). Setup and
     * shutdown time.
     *
     * @param groupAddressBigEndian the group, first octet in the most significant byte
     * @param ifindex               the interface it was joined on
     * @throws NativeException when the kernel refuses, e.g. EADDRNOTAVAIL when not a member
     */
    public void leaveGroup(final int groupAddressBigEndian, final int ifindex) {
        membership(LinuxConstants.IP_DROP_MEMBERSHIP, "IP_DROP_MEMBERSHIP", groupAddressBigEndian, ifindex);
    }

    private void membership(final int option, final String optionName, final int group, final int ifindex) {
        mreqn.multiaddr(group).address(0).ifindex(ifindex);
        final int result = libc.setsockopt(fd, LinuxConstants.IPPROTO_IP, option, scratchAddress + MREQN_OFFSET,
            IpMreqnFlyweight.LENGTH);
        if (result != 0) {
            final int errno = Syscalls.lastErrno();
            final String hint;
            if (!Ipv4Address.isMulticast(group)) {
                hint = Ipv4Address.format(group) + " is not a multicast address";
            } else if (errno == LinuxConstants.ENODEV) {
                hint = "no interface with index " + ifindex + " in this network namespace";
            } else if (errno == LinuxConstants.EADDRINUSE) {
                hint = "already a member of this group on that interface";
            } else if (errno == LinuxConstants.EADDRNOTAVAIL) {
                hint = "not a member of this group on that interface";
            } else if (errno == LinuxConstants.ENOBUFS) {
                hint = "too many memberships (net.ipv4.igmp_max_memberships)";
            } else {
                hint = null;
            }
            throw NativeException.of("setsockopt(" + optionName + ", " + Ipv4Address.format(group) + " on ifindex "
                + ifindex + ")", errno, hint);
        }
    }

    /**
     * Send one frame to {@code destinationIpv4}: the kernel prepends the IPv4 header (protocol, TTL, TOS and DF
     * from the template, source address chosen by the stack). Hot path: never throws, never allocates.
     *
     * @param payloadAddress  native address of the payload (the pfsync frame)
     * @param length          payload bytes; with DF, more than the interface MTU minus 20 fails
     * @param destinationIpv4 the peer or group, first octet in the most significant byte
     * @return bytes sent (the payload length), or a negative errno: {@code -EAGAIN} or {@code -ENOBUFS} when the
     *     send queue is full, {@code -EMSGSIZE} above the MTU, {@code -ENETUNREACH}/{@code -EHOSTUNREACH} without
     *     a route or neighbour, {@code -EBADF} once closed, {@code -EINVAL} for a negative length
     */
    public int sendTo(final long payloadAddress, final int length, final int destinationIpv4) {
        if (length < 0) {
            return -LinuxConstants.EINVAL;
        }
        scratch.putInt(SEND_NAME_OFFSET + SockAddrInFlyweight.ADDRESS_OFFSET, destinationIpv4, ByteOrder.BIG_ENDIAN);
        scratch.putLong(SEND_IOVEC_OFFSET + IOV_BASE_OFFSET, payloadAddress, HOST_ORDER);
        scratch.putLong(SEND_IOVEC_OFFSET + IOV_LEN_OFFSET, length, HOST_ORDER);
        final long result = libc.sendmsg(fd, scratchAddress + SEND_MSGHDR_OFFSET, LinuxConstants.MSG_DONTWAIT);
        return result < 0 ? -Syscalls.lastErrno() : (int)result;
    }

    /**
     * Send bytes of an off-heap buffer. Hot path.
     *
     * @param buffer          an off-heap buffer (not one wrapping a {@code byte[]})
     * @param offset          where the payload starts
     * @param length          payload bytes
     * @param destinationIpv4 the peer or group
     * @return bytes sent, or a negative errno; {@code -EINVAL} when the range is outside the buffer
     */
    public int sendTo(final UnsafeBuffer buffer, final int offset, final int length, final int destinationIpv4) {
        assert buffer.byteArray() == null : "sendTo needs an off-heap buffer";
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length) {
            return -LinuxConstants.EINVAL;
        }
        return sendTo(buffer.addressOffset() + offset, length, destinationIpv4);
    }

    /**
     * Receive one datagram: its IPv4 header followed by the payload. Afterwards {@link #lastSourceAddress()},
     * {@link #lastInterfaceIndex()} and {@link #lastFlags()} describe it. Hot path: never throws, never allocates,
     * never blocks (wait with {@link #poll(int)}).
     *
     * @param address  native address of the receive buffer
     * @param capacity its size; a longer datagram is cut and flagged {@code MSG_TRUNC} in {@link #lastFlags()}
     * @return bytes received (at most capacity), or a negative errno ({@code -EAGAIN} when nothing is queued)
     */
    public int receive(final long address, final int capacity) {
        scratch.putLong(RECEIVE_IOVEC_OFFSET + IOV_BASE_OFFSET, address, HOST_ORDER);
        scratch.putLong(RECEIVE_IOVEC_OFFSET + IOV_LEN_OFFSET, Math.max(0, capacity), HOST_ORDER);
        scratch.putInt(RECEIVE_MSGHDR_OFFSET + MSG_NAMELEN_OFFSET, SockAddrInFlyweight.LENGTH, HOST_ORDER);
        scratch.putLong(RECEIVE_MSGHDR_OFFSET + MSG_CONTROLLEN_OFFSET, CONTROL_CAPACITY, HOST_ORDER);
        scratch.putInt(RECEIVE_MSGHDR_OFFSET + MSG_FLAGS_OFFSET, 0, HOST_ORDER);
        final long result = libc.recvmsg(fd, scratchAddress + RECEIVE_MSGHDR_OFFSET, LinuxConstants.MSG_DONTWAIT);
        if (result < 0) {
            final int errno = Syscalls.lastErrno();
            scratch.putLong(RECEIVE_MSGHDR_OFFSET + MSG_CONTROLLEN_OFFSET, 0L, HOST_ORDER);
            scratch.putInt(RECEIVE_NAME_OFFSET + SockAddrInFlyweight.ADDRESS_OFFSET, 0, ByteOrder.BIG_ENDIAN);
            return -errno;
        }
        return (int)result;
    }

    /**
     * Receive one datagram into an off-heap buffer.
     *
     * @param buffer an off-heap buffer (not one wrapping a {@code byte[]})
     * @return bytes received, or a negative errno
     */
    public int receive(final UnsafeBuffer buffer) {
        assert buffer.byteArray() == null : "receive needs an off-heap buffer";
        return receive(buffer.addressOffset(), buffer.capacity());
    }

    /** @return source address of the last datagram {@link #receive}d (from {@code msg_name}), 0 after a failure */
    public int lastSourceAddress() {
        return SockAddrInFlyweight.address(scratch, RECEIVE_NAME_OFFSET);
    }

    /**
     * @return the interface the last {@link #receive}d datagram arrived on (from {@code IP_PKTINFO}), or
     *     {@link IpPacketInfo#NO_INTERFACE} when it carried none or the receive failed
     */
    public int lastInterfaceIndex() {
        return IpPacketInfo.interfaceIndex(scratch, RECEIVE_CONTROL_OFFSET, (int)Math.min(CONTROL_CAPACITY,
            scratch.getLong(RECEIVE_MSGHDR_OFFSET + MSG_CONTROLLEN_OFFSET, HOST_ORDER)));
    }

    /** @return {@code msg_flags} of the last {@link #receive}: {@code MSG_TRUNC}, {@code MSG_CTRUNC} */
    public int lastFlags() {
        return scratch.getInt(RECEIVE_MSGHDR_OFFSET + MSG_FLAGS_OFFSET, HOST_ORDER);
    }

    @Override
    public String toString() {
        return "RawIpSocket{fd=" + fd + ", protocol=" + protocol + ", device=" + boundInterfaceName() + '}';
    }
}
