package io.tandem.nativeio.libc;

/**
 * Linux x86-64 values of the libc constants Tandem passes to system calls. Each one is checked against the C headers
 * by the struct/constant probe test; never change one without it.
 */
public final class LinuxConstants {
    /** {@code AF_NETLINK}, also {@code PF_NETLINK}. */
    public static final int AF_NETLINK = 16;
    /** {@code SOCK_RAW}. */
    public static final int SOCK_RAW = 3;
    /** {@code SOCK_CLOEXEC}, or-ed into the socket type. */
    public static final int SOCK_CLOEXEC = 0x80000;

    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SO_RCVBUF}: capped by {@code net.core.rmem_max}. */
    public static final int SO_RCVBUF = 8;
    /** {@code SO_RCVBUFFORCE}: needs CAP_NET_ADMIN, ignores {@code rmem_max}. */
    public static final int SO_RCVBUFFORCE = 33;

    /** {@code MSG_DONTWAIT}: this call only, do not block. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code MSG_TRUNC}: in {@code msg_flags}, the datagram was longer than the buffer. */
    public static final int MSG_TRUNC = 0x20;
    /** {@code MSG_WAITFORONE}: recvmmsg blocks for the first message only. */
    public static final int MSG_WAITFORONE = 0x10000;

    /** {@code POLLIN}. */
    public static final short POLLIN = 0x1;
    /** {@code POLLERR}. */
    public static final short POLLERR = 0x8;

    /** {@code O_RDONLY}. */
    public static final int O_RDONLY = 0;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 0x80000;

    /** {@code CLONE_NEWNET} for setns. */
    public static final int CLONE_NEWNET = 0x40000000;

    /** {@code IF_NAMESIZE}: interface name buffer including the NUL. */
    public static final int IF_NAMESIZE = 16;

    /** Errno values used by name in Tandem. */
    public static final int EPERM = 1;
    /** No such file or directory; for nfqueue verdicts: unknown packet id. */
    public static final int ENOENT = 2;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Try again; same value as EWOULDBLOCK. */
    public static final int EAGAIN = 11;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** No buffer space available. */
    public static final int ENOBUFS = 105;
    /** Connection timed out; used for a setup ACK that never came. */
    public static final int ETIMEDOUT = 110;

    private LinuxConstants() {
    }
}
