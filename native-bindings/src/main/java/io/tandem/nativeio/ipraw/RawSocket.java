package io.tandem.nativeio.ipraw;

import static io.tandem.nativeio.libc.ReceiveBatch.MSG_CONTROLLEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_CONTROL_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_FLAGS_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_IOVLEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_IOV_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_NAMELEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_NAME_OFFSET;

import io.tandem.nativeio.libc.Interfaces;
import io.tandem.nativeio.libc.LibC;
import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.OffHeap;
import io.tandem.nativeio.libc.Syscalls;
import io.tandem.nativeio.netlink.NetlinkSocket;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the IPv4 and the IPv6 raw socket of pfsync share: the descriptor, the off-heap scratch block
 * its system calls read (an option value, a {@code socklen_t}, a {@code pollfd}, an interface name,
 * then the family's own structures from {@link #FAMILY_OFFSET}), binding to the sync interface, int
 * socket options, the receive buffer, waiting and closing.
 *
 * <p>Owner: one thread after setup. Memory bound: the scratch block, sized by the subclass at
 * construction. Failure policy: setup calls throw {@link NativeException} with a hint; {@link #poll}
 * and {@link #close} never throw.
 */
abstract class RawSocket implements AutoCloseable {
    protected static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();
    protected static final int OPTION_VALUE_OFFSET = 0;
    protected static final int SOCKLEN_OFFSET = OPTION_VALUE_OFFSET + 4;
    protected static final int POLLFD_OFFSET = SOCKLEN_OFFSET + 4;
    protected static final int IFNAME_OFFSET = POLLFD_OFFSET + NetlinkSocket.POLLFD_LENGTH;
    /** Where the subclass's own structures start in the scratch block. */
    protected static final int FAMILY_OFFSET = IFNAME_OFFSET + LinuxConstants.IF_NAMESIZE;

    protected final LibC libc = Syscalls.libc();
    protected final UnsafeBuffer scratch;
    protected final long scratchAddress;
    protected final int protocol;
    protected int fd;
    private int boundInterfaceIndex;
    private String boundInterfaceName;

    protected RawSocket(final int fd, final int protocol, final int scratchLength) {
        this.fd = fd;
        this.protocol = protocol;
        this.scratch = OffHeap.allocate(scratchLength);
        this.scratchAddress = scratch.addressOffset();
        scratch.putInt(POLLFD_OFFSET, fd, HOST_ORDER);
    }

    /** Fills a {@code struct msghdr} in the scratch block: one iovec, the name and control areas given. */
    protected final void wireMsghdr(final int msghdr, final int name, final int nameLength, final int iovec,
            final long control, final int controlLength) {
        scratch.putLong(msghdr + MSG_NAME_OFFSET, scratchAddress + name, HOST_ORDER);
        scratch.putInt(msghdr + MSG_NAMELEN_OFFSET, nameLength, HOST_ORDER);
        scratch.putLong(msghdr + MSG_IOV_OFFSET, scratchAddress + iovec, HOST_ORDER);
        scratch.putLong(msghdr + MSG_IOVLEN_OFFSET, 1L, HOST_ORDER);
        scratch.putLong(msghdr + MSG_CONTROL_OFFSET, control, HOST_ORDER);
        scratch.putLong(msghdr + MSG_CONTROLLEN_OFFSET, controlLength, HOST_ORDER);
        scratch.putInt(msghdr + MSG_FLAGS_OFFSET, 0, HOST_ORDER);
    }

    /** @return the descriptor, or -1 once closed */
    public int fd() {
        return fd;
    }

    /** @return the IP protocol this socket sends and receives */
    public int protocol() {
        return protocol;
    }

    /** @return true until {@link #close()} */
    public boolean isOpen() {
        return fd >= 0;
    }

    /** @return the ifindex given to {@link #bindToDevice(String)}, 0 when not bound */
    public int boundInterfaceIndex() {
        return boundInterfaceIndex;
    }

    /** @return the interface name given to {@link #bindToDevice(String)}, null when not bound */
    public String boundInterfaceName() {
        return boundInterfaceName;
    }

    /**
     * Send and receive through one interface only ({@code SO_BINDTODEVICE}): frames from other interfaces are not
     * delivered to this socket, and sends leave by this interface whatever the routing table says. Setup time.
     *
     * @param ifname the sync interface, e.g. {@code "eth1"}, in the calling thread's network namespace
     * @return its ifindex, to compare with the arrival interface of received frames
     * @throws NativeException when there is no such interface or the option is refused
     */
    public int bindToDevice(final String ifname) {
        if (ifname == null || ifname.isEmpty() || ifname.length() >= LinuxConstants.IF_NAMESIZE
            || !StandardCharsets.US_ASCII.newEncoder().canEncode(ifname)) {
            throw new NativeException(LinuxConstants.EINVAL, "SO_BINDTODEVICE: interface name '" + ifname
                + "' is not valid: use 1 to 15 ASCII characters");
        }
        final int ifindex = Interfaces.indexOf(ifname);
        if (ifindex == 0) {
            throw NativeException.of("setsockopt(SO_BINDTODEVICE, " + ifname + ")", LinuxConstants.ENODEV,
                "no interface '" + ifname + "' in this thread's network namespace (check `ip link`)");
        }
        final byte[] name = ifname.getBytes(StandardCharsets.US_ASCII);
        scratch.setMemory(IFNAME_OFFSET, LinuxConstants.IF_NAMESIZE, (byte)0);
        scratch.putBytes(IFNAME_OFFSET, name);
        if (libc.setsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_BINDTODEVICE,
            scratchAddress + IFNAME_OFFSET, name.length + 1) != 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of("setsockopt(SO_BINDTODEVICE, " + ifname + ")", errno,
                errno == LinuxConstants.EPERM ? "binding to a device needs CAP_NET_RAW; run as root"
                    : errno == LinuxConstants.ENODEV ? "interface '" + ifname + "' vanished" : null);
        }
        boundInterfaceIndex = ifindex;
        boundInterfaceName = ifname;
        return ifindex;
    }

    /**
     * Read an int socket option. Setup time and tests.
     *
     * @param level  e.g. {@link LinuxConstants#IPPROTO_IP}
     * @param option the option
     * @param what   for the error message
     * @return the value
     * @throws NativeException when getsockopt fails
     */
    public int getIntOption(final int level, final int option, final String what) {
        scratch.putInt(OPTION_VALUE_OFFSET, 0, HOST_ORDER);
        scratch.putInt(SOCKLEN_OFFSET, 4, HOST_ORDER);
        Syscalls.check(libc.getsockopt(fd, level, option, scratchAddress + OPTION_VALUE_OFFSET,
            scratchAddress + SOCKLEN_OFFSET), "getsockopt(" + what + ")", null);
        return scratch.getInt(OPTION_VALUE_OFFSET, HOST_ORDER);
    }

    /** Sets an int socket option. Setup time. @throws NativeException when the kernel refuses */
    protected final void setIntOption(final int level, final int option, final int value, final String name) {
        scratch.putInt(OPTION_VALUE_OFFSET, value, HOST_ORDER);
        if (libc.setsockopt(fd, level, option, scratchAddress + OPTION_VALUE_OFFSET, 4) != 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of("setsockopt(" + name + ", " + value + ")", errno,
                errno == LinuxConstants.ENOPROTOOPT ? "this kernel does not know " + name : null);
        }
    }

    /**
     * Asks for a receive buffer of {@code bytes} (SO_RCVBUFFORCE, which root may use past
     * net.core.rmem_max; SO_RCVBUF otherwise), so that a burst of frames — a peer's bulk update —
     * waits in the kernel while the reader is busy. Setup time.
     *
     * @return the size the kernel granted (it doubles the request for bookkeeping)
     */
    public int setReceiveBuffer(final int bytes) {
        try {
            setIntOption(LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVBUFFORCE, bytes, "SO_RCVBUFFORCE");
        } catch (final NativeException e) {
            setIntOption(LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVBUF, bytes, "SO_RCVBUF");
        }
        return getIntOption(LinuxConstants.SOL_SOCKET, LinuxConstants.SO_RCVBUF, "SO_RCVBUF");
    }

    /**
     * Makes this a socket that only sends: a classic BPF program of one instruction, "return 0", judges
     * every frame the kernel would deliver to it ({@code SO_ATTACH_FILTER}), so none is queued. A raw
     * socket receives a copy of every frame of its protocol that reaches its interface (multicast ones
     * too, while any socket of the host has joined the group), and a socket nobody reads would
     * otherwise hold up to its receive buffer of them. Setup time; allocates the program once.
     *
     * @throws NativeException when the kernel refuses the program
     */
    public void discardReceived() {
        final UnsafeBuffer program = OffHeap.allocate(LinuxConstants.SOCK_FPROG_LENGTH + LinuxConstants.SOCK_FILTER_LENGTH);
        final int instruction = LinuxConstants.SOCK_FPROG_LENGTH;
        program.putShort(instruction, LinuxConstants.BPF_RET_K, HOST_ORDER); // code; jt, jf 0
        program.putInt(instruction + 4, 0, HOST_ORDER);                      // k: keep 0 bytes
        program.putShort(0, (short)1, HOST_ORDER);                           // len: one instruction
        program.putLong(LinuxConstants.SOCK_FPROG_FILTER_OFFSET, program.addressOffset() + instruction, HOST_ORDER);
        if (libc.setsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_ATTACH_FILTER, program.addressOffset(),
            LinuxConstants.SOCK_FPROG_LENGTH) != 0) {
            throw NativeException.of("setsockopt(SO_ATTACH_FILTER, return 0)", Syscalls.lastErrno(), null);
        }
    }

    /**
     * Wait until the socket is readable. Hot path: never throws, never allocates.
     *
     * @param timeoutMillis 0 to check and return, -1 to wait forever
     * @return 1 when readable (or in error: the next receive reports it), 0 on timeout (and always 0 once closed),
     *     or a negative errno; {@code -EINTR} is a normal return after a signal
     */
    public int poll(final int timeoutMillis) {
        scratch.putInt(POLLFD_OFFSET, fd, HOST_ORDER);
        scratch.putShort(POLLFD_OFFSET + NetlinkSocket.POLLFD_EVENTS_OFFSET, LinuxConstants.POLLIN, HOST_ORDER);
        scratch.putShort(POLLFD_OFFSET + NetlinkSocket.POLLFD_REVENTS_OFFSET, (short)0, HOST_ORDER);
        final int result = libc.poll(scratchAddress + POLLFD_OFFSET, 1, timeoutMillis);
        return result < 0 ? -Syscalls.lastErrno() : result;
    }

    /** Close the descriptor; further sends and receives return {@code -EBADF}. Idempotent. */
    @Override
    public void close() {
        final int toClose = fd;
        if (toClose >= 0) {
            fd = -1;
            libc.close(toClose);
        }
    }
}
