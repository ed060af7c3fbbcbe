package io.tandem.nativeio.netlink;

import static io.tandem.nativeio.netlink.NetlinkConstants.HOST_ORDER;

import io.tandem.nativeio.libc.LibC;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.libc.Syscalls;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One {@code AF_NETLINK} raw socket, bound with port id 0 so that the kernel assigns one.
 *
 * <p>Theory of operation. {@link #open(int)} creates and binds the socket (setup, may throw); the setup options
 * {@link #setNoEnobufs()} and {@link #setReceiveBuffer(int)} follow; then the owner sends with {@link #send} and waits
 * with {@link #poll(int)} (receives go through {@link RecvmmsgBatch} on the fd, or {@link #receive} for setup).
 * {@link #close()} is idempotent.
 *
 * <p>Owner: one thread at a time (the queue's packet agent); hand it over only with a happens-before edge. Memory:
 * one 64-byte off-heap scratch block for {@code sockaddr_nl}, socket options and {@code pollfd}, built at open.
 * Failure policy: setup calls throw {@link NativeException} with an explanation; {@link #send}, {@link #receive} and
 * {@link #poll} never throw and return a negative errno, and allocate nothing once warm.
 */
public final class NetlinkSocket implements AutoCloseable, NetlinkSender {
    /** {@code sockaddr_nl} of the kernel (pid 0), kept for diagnostics; sends use plain send(). */
    private static final int KERNEL_ADDRESS_OFFSET = 0;
    /** {@code sockaddr_nl} filled by getsockname. */
    private static final int LOCAL_ADDRESS_OFFSET = KERNEL_ADDRESS_OFFSET + 16;
    /** {@code socklen_t} in/out for getsockname and getsockopt. */
    private static final int SOCKLEN_OFFSET = LOCAL_ADDRESS_OFFSET + 16;
    /** {@code int} option value for setsockopt/getsockopt. */
    private static final int OPTION_VALUE_OFFSET = SOCKLEN_OFFSET + 4;
    /** {@code struct pollfd}: {@code int fd} @0, {@code short events} @4, {@code short revents} @6. */
    private static final int POLLFD_OFFSET = OPTION_VALUE_OFFSET + 12;
    /** {@code pollfd.events}. */
    public static final int POLLFD_EVENTS_OFFSET = 4;
    /** {@code pollfd.revents}. */
    public static final int POLLFD_REVENTS_OFFSET = POLLFD_EVENTS_OFFSET + 2;
    /** {@code sizeof(struct pollfd)}. */
    public static final int POLLFD_LENGTH = POLLFD_REVENTS_OFFSET + 2;
    /** {@code struct timeval} for {@code SO_RCVTIMEO}: {@code long tv_sec} @0, {@code long tv_usec} @8. */
    private static final int TIMEVAL_OFFSET = (POLLFD_OFFSET + POLLFD_LENGTH + 7) & ~7;
    private static final int SCRATCH_LENGTH = TIMEVAL_OFFSET + 16;

    private final LibC libc = Syscalls.libc();
    private final UnsafeBuffer scratch = OffHeap.allocate(SCRATCH_LENGTH);
    private final long pollfdAddress;
    private final int protocol;
    private int fd;
    private int portId;
    private boolean receiveBufferForced;

    private NetlinkSocket(final int fd, final int protocol) {
        this.fd = fd;
        this.protocol = protocol;
        new SockAddrNlFlyweight().wrap(scratch, KERNEL_ADDRESS_OFFSET)
            .family(LinuxConstants.AF_NETLINK).pid(0).groups(0);
        pollfdAddress = scratch.addressOffset() + POLLFD_OFFSET;
        scratch.putInt(POLLFD_OFFSET, fd, HOST_ORDER);
    }

    /**
     * Create a netlink socket of {@code protocol} and bind it with port id 0 (the kernel assigns one).
     *
     * @param protocol e.g. {@link NetlinkConstants#NETLINK_NETFILTER}
     * @return the bound socket
     * @throws NativeException when the socket cannot be created or bound
     */
    public static NetlinkSocket open(final int protocol) {
        return open(protocol, 0);
    }

    /**
     * As {@link #open(int)}, subscribed to the multicast {@code groups} (a bind {@code nl_groups} mask,
     * e.g. {@link NetlinkConstants#RTMGRP_LINK} on {@link NetlinkConstants#NETLINK_ROUTE}).
     */
    public static NetlinkSocket open(final int protocol, final int groups) {
        final LibC libc = Syscalls.libc();
        final String what = "socket(AF_NETLINK, " + protocolName(protocol) + ")";
        final int fd = libc.socket(LinuxConstants.AF_NETLINK, LinuxConstants.SOCK_RAW | LinuxConstants.SOCK_CLOEXEC,
            protocol);
        if (fd < 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of(what, errno,
                errno == LinuxConstants.EPERM || errno == 13 ? "run as root or grant CAP_NET_ADMIN"
                    : errno == 93 ? "this kernel lacks netlink protocol " + protocol
                    : "could not create the netlink socket");
        }
        final NetlinkSocket socket = new NetlinkSocket(fd, protocol);
        try {
            socket.bindAndReadPortId(what, groups);
        } catch (final RuntimeException ex) {
            socket.close();
            throw ex;
        }
        return socket;
    }

    private void bindAndReadPortId(final String what, final int groups) {
        final SockAddrNlFlyweight local = new SockAddrNlFlyweight().wrap(scratch, LOCAL_ADDRESS_OFFSET);
        local.family(LinuxConstants.AF_NETLINK).pid(0).groups(groups);
        Syscalls.check(libc.bind(fd, scratch.addressOffset() + LOCAL_ADDRESS_OFFSET, SockAddrNlFlyweight.LENGTH),
            "bind(" + what + ", nl_pid 0)", "the kernel could not assign a netlink port id");
        scratch.putInt(SOCKLEN_OFFSET, 16, HOST_ORDER);
        Syscalls.check(libc.getsockname(fd, scratch.addressOffset() + LOCAL_ADDRESS_OFFSET,
            scratch.addressOffset() + SOCKLEN_OFFSET), "getsockname(" + what + ")", null);
        portId = local.pid();
    }

    /** @return the descriptor, or -1 once closed */
    public int fd() {
        return fd;
    }

    /** @return the netlink protocol this socket speaks */
    public int protocol() {
        return protocol;
    }

    /** @return the port id the kernel assigned ({@code nl_pid} from getsockname); nfqueue reports it as the owner */
    public int portId() {
        return portId;
    }

    /** @return true until {@link #close()} */
    public boolean isOpen() {
        return fd >= 0;
    }

    /**
     * Set {@code NETLINK_NO_ENOBUFS}: on overrun, drop only the messages that do not fit instead of failing the next
     * receive with ENOBUFS and dropping everything until the queue drains.
     *
     * @throws NativeException when the option is refused
     */
    public void setNoEnobufs() {
        setIntOption(NetlinkConstants.SOL_NETLINK, NetlinkConstants.NETLINK_NO_ENOBUFS, 1,
            "setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)", "kernel too old (needs 2.6.30)");
    }

    /**
     * Size the receive buffer: {@code SO_RCVBUFFORCE} first (CAP_NET_ADMIN, ignores {@code rmem_max}), then
     * {@code SO_RCVBUF} on EPERM (capped by {@code net.core.rmem_max}).
     *
     * @param bytes requested size; the kernel doubles it for bookkeeping overhead
     * @return the effective size read back with getsockopt (about twice the request, or twice {@code rmem_max})
     * @throws NativeException when both options are refused
     */
    public int setReceiveBuffer(final int bytes) {
        scratch.putInt(OPTION_VALUE_OFFSET, bytes, HOST_ORDER);
        if (libc.setsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVBUFFORCE,
            scratch.addressOffset() + OPTION_VALUE_OFFSET, 4) == 0) {
            receiveBufferForced = true;
        } else {
            final int errno = Syscalls.lastErrno();
            if (errno != LinuxConstants.EPERM) {
                throw NativeException.of("setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, " + bytes + ")", errno, null);
            }
            receiveBufferForced = false;
            setIntOption(LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVBUF, bytes,
                "setsockopt(SOL_SOCKET, SO_RCVBUF, " + bytes + ")", "capped by net.core.rmem_max");
        }
        return receiveBufferSize();
    }

    /** @return whether the last {@link #setReceiveBuffer(int)} used {@code SO_RCVBUFFORCE} */
    public boolean receiveBufferForced() {
        return receiveBufferForced;
    }

    /**
     * @return the current {@code SO_RCVBUF} as the kernel reports it (already doubled)
     * @throws NativeException when getsockopt fails
     */
    public int receiveBufferSize() {
        return getIntOption(LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVBUF, "getsockopt(SOL_SOCKET, SO_RCVBUF)");
    }

    /**
     * Read an int socket option. Setup time.
     *
     * @param level  e.g. {@code SOL_SOCKET}
     * @param option the option
     * @param what   for the error message
     * @return the value
     */
    public int getIntOption(final int level, final int option, final String what) {
        scratch.putInt(OPTION_VALUE_OFFSET, 0, HOST_ORDER);
        scratch.putInt(SOCKLEN_OFFSET, 4, HOST_ORDER);
        Syscalls.check(libc.getsockopt(fd, level, option, scratch.addressOffset() + OPTION_VALUE_OFFSET,
            scratch.addressOffset() + SOCKLEN_OFFSET), what, null);
        return scratch.getInt(OPTION_VALUE_OFFSET, HOST_ORDER);
    }

    private void setIntOption(final int level, final int option, final int value, final String what,
                              final String hint) {
        scratch.putInt(OPTION_VALUE_OFFSET, value, HOST_ORDER);
        Syscalls.check(libc.setsockopt(fd, level, option, scratch.addressOffset() + OPTION_VALUE_OFFSET, 4), what,
            hint);
    }

    /**
     * Limits how long a blocking receive waits ({@code SO_RCVTIMEO}); after it, the receive returns
     * {@code -EAGAIN}. 0 waits without limit.
     *
     * @throws NativeException the kernel refused the option
     */
    public void setReceiveTimeout(final int millis) {
        scratch.putLong(TIMEVAL_OFFSET, millis / 1000, HOST_ORDER);
        scratch.putLong(TIMEVAL_OFFSET + 8, (millis % 1000) * 1000L, HOST_ORDER);
        Syscalls.check(libc.setsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVTIMEO,
            scratch.addressOffset() + TIMEVAL_OFFSET, 16), "setsockopt(SOL_SOCKET, SO_RCVTIMEO, " + millis + " ms)", null);
    }

    /**
     * Send one datagram (one or more concatenated netlink messages) to the kernel. Hot path: never throws, never
     * allocates.
     *
     * @param address native address of the first byte
     * @param length  bytes to send
     * @return bytes sent, or a negative errno (e.g. {@code -EBADF} once closed)
     */
    @Override
    public long send(final long address, final int length) {
        // plain send: the socket is unconnected, so the destination is the kernel (see LibC#sendto for why not sendto)
        final long result = libc.send(fd, address, length, 0);
        return result < 0 ? -Syscalls.lastErrno() : result;
    }

    /**
     * Send the first {@code length} bytes of an off-heap buffer.
     *
     * @param buffer an off-heap buffer
     * @param length bytes to send
     * @return bytes sent, or a negative errno
     */
    public long send(final UnsafeBuffer buffer, final int length) {
        return send(buffer.addressOffset(), length);
    }

    /**
     * Receive one datagram. Used at setup; the packet loop uses {@link RecvmmsgBatch}.
     *
     * @param address  native address of the receive buffer
     * @param capacity its size
     * @param flags    e.g. {@link LinuxConstants#MSG_DONTWAIT}
     * @return bytes received (at most capacity), or a negative errno ({@code -EAGAIN} when nothing is queued)
     */
    public int receive(final long address, final int capacity, final int flags) {
        final long result = libc.recv(fd, address, capacity, flags);
        return result < 0 ? -Syscalls.lastErrno() : (int)result;
    }

    /**
     * Receive one datagram into an off-heap buffer.
     *
     * @param buffer an off-heap buffer
     * @param flags  receive flags
     * @return bytes received, or a negative errno
     */
    public int receive(final UnsafeBuffer buffer, final int flags) {
        return receive(buffer.addressOffset(), buffer.capacity(), flags);
    }

    /**
     * Wait until the socket is readable. Hot path: never throws, never allocates.
     *
     * @param timeoutMillis 0 to check and return, -1 to wait forever
     * @return 1 when readable (or in error: the next receive reports it), 0 on timeout (and always 0 once closed:
     *     poll ignores a negative fd), or a negative errno;
     *     {@code -EINTR} is a normal return after a signal
     */
    public int poll(final int timeoutMillis) {
        scratch.putInt(POLLFD_OFFSET, fd, HOST_ORDER);
        scratch.putShort(POLLFD_OFFSET + POLLFD_EVENTS_OFFSET, LinuxConstants.POLLIN, HOST_ORDER);
        scratch.putShort(POLLFD_OFFSET + POLLFD_REVENTS_OFFSET, (short)0, HOST_ORDER);
        final int result = libc.poll(pollfdAddress, 1, timeoutMillis);
        return result < 0 ? -Syscalls.lastErrno() : result;
    }

    /** Close the descriptor; further calls return {@code -EBADF}. Idempotent. */
    @Override
    public void close() {
        final int toClose = fd;
        if (toClose >= 0) {
            fd = -1;
            libc.close(toClose);
        }
    }

    @Override
    public String toString() {
        return "NetlinkSocket{fd=" + fd + ", protocol=" + protocol + ", portId=" + Integer.toUnsignedString(portId)
            + '}';
    }

    private static String protocolName(final int protocol) {
        return protocol == NetlinkConstants.NETLINK_NETFILTER ? "NETLINK_NETFILTER"
            : protocol == NetlinkConstants.NETLINK_ROUTE ? "NETLINK_ROUTE" : "protocol " + protocol;
    }
}
