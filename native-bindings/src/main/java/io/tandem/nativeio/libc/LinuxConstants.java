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
    /** {@code SO_RCVTIMEO} (x86-64 and arm64: a {@code struct timeval} of two longs): a blocking receive's limit. */
    public static final int SO_RCVTIMEO = 20;

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
    /** {@code EFD_NONBLOCK} (= O_NONBLOCK) and {@code EFD_CLOEXEC} (= O_CLOEXEC) for eventfd. */
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;

    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 0x80000;
    /** {@code O_DIRECTORY}: open fails unless the path is a directory. */
    public static final int O_DIRECTORY = 0x10000;
    /** {@code flock(2)}: an exclusive lock. */
    public static final int LOCK_EX = 2;
    /** {@code flock(2)}: fail with EWOULDBLOCK (= EAGAIN) instead of waiting. */
    public static final int LOCK_NB = 4;

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

    /** {@code AF_INET}, also {@code PF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6}, also {@code PF_INET6}. */
    public static final int AF_INET6 = 10;
    /** {@code IPPROTO_IPV6}: the socket option level of the IPv6 options below. */
    public static final int IPPROTO_IPV6 = 41;
    /** {@code IPV6_UNICAST_HOPS}: hop limit of sent unicast packets. */
    public static final int IPV6_UNICAST_HOPS = 16;
    /** {@code IPV6_MULTICAST_IF}: outgoing interface index for multicast. */
    public static final int IPV6_MULTICAST_IF = 17;
    /** {@code IPV6_MULTICAST_HOPS}: hop limit of sent multicast packets. */
    public static final int IPV6_MULTICAST_HOPS = 18;
    /** {@code IPV6_MULTICAST_LOOP}: deliver own multicast packets locally. */
    public static final int IPV6_MULTICAST_LOOP = 19;
    /** {@code IPV6_ADD_MEMBERSHIP} (= {@code IPV6_JOIN_GROUP}): join a group ({@code struct ipv6_mreq}). */
    public static final int IPV6_ADD_MEMBERSHIP = 20;
    /** {@code IPV6_DROP_MEMBERSHIP} (= {@code IPV6_LEAVE_GROUP}). */
    public static final int IPV6_DROP_MEMBERSHIP = 21;
    /** {@code IPV6_RECVPKTINFO}: deliver {@code struct in6_pktinfo} (arrival interface) as ancillary data. */
    public static final int IPV6_RECVPKTINFO = 49;
    /** {@code IPV6_PKTINFO}: the control message type of {@code struct in6_pktinfo}. */
    public static final int IPV6_PKTINFO = 50;
    /** {@code IPV6_RECVHOPLIMIT}: deliver the received hop limit as ancillary data. */
    public static final int IPV6_RECVHOPLIMIT = 51;
    /** {@code IPV6_HOPLIMIT}: the control message type of the received hop limit (an int). */
    public static final int IPV6_HOPLIMIT = 52;
    /** {@code IPV6_DONTFRAG}: never fragment locally; an oversized send fails with EMSGSIZE. */
    public static final int IPV6_DONTFRAG = 62;
    /** {@code AF_UNIX} (= {@code AF_LOCAL}): the systemd notification socket ({@link UnixDatagramSocket}). */
    public static final int AF_UNIX = 1;
    /** {@code SOCK_DGRAM}. */
    public static final int SOCK_DGRAM = 2;
    /** {@code MSG_NOSIGNAL}: no SIGPIPE when the peer is gone. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** Connection refused: nobody is bound to a Unix socket path. */
    public static final int ECONNREFUSED = 111;

    /** {@code SOCK_NONBLOCK}, or-ed into the socket type. */
    public static final int SOCK_NONBLOCK = 0x800;

    /** {@code IPPROTO_IP}: the socket option level of the IPv4 options below. */
    public static final int IPPROTO_IP = 0;
    /** {@code IPPROTO_RAW}: a raw socket of this protocol sends with {@code IP_HDRINCL} implied. */
    public static final int IPPROTO_RAW = 255;
    /** {@code IP_TOS}: type of service of sent packets. */
    public static final int IP_TOS = 1;
    /** {@code IP_TTL}: time to live of sent unicast packets. */
    public static final int IP_TTL = 2;
    /** {@code IP_HDRINCL}: the caller supplies the IPv4 header. */
    public static final int IP_HDRINCL = 3;
    /** {@code IP_PKTINFO}: deliver {@code struct in_pktinfo} (arrival interface) as ancillary data. */
    public static final int IP_PKTINFO = 8;
    /** {@code IP_MTU_DISCOVER}: path MTU discovery mode. */
    public static final int IP_MTU_DISCOVER = 10;
    /** {@code IP_PMTUDISC_DO}: always set DF; never fragment locally. */
    public static final int IP_PMTUDISC_DO = 2;
    /** {@code IP_MULTICAST_IF}: outgoing interface for multicast ({@code struct ip_mreqn}). */
    public static final int IP_MULTICAST_IF = 32;
    /** {@code IP_MULTICAST_TTL}: time to live of sent multicast packets. */
    public static final int IP_MULTICAST_TTL = 33;
    /** {@code IP_MULTICAST_LOOP}: deliver own multicast packets locally. */
    public static final int IP_MULTICAST_LOOP = 34;
    /** {@code IP_ADD_MEMBERSHIP}: join a group ({@code struct ip_mreqn}). */
    public static final int IP_ADD_MEMBERSHIP = 35;
    /** {@code IP_DROP_MEMBERSHIP}: leave a group ({@code struct ip_mreqn}). */
    public static final int IP_DROP_MEMBERSHIP = 36;

    /** {@code SO_BINDTODEVICE}: send and receive only through one interface. */
    public static final int SO_BINDTODEVICE = 25;
    /** {@code SO_ATTACH_FILTER}: a classic BPF program ({@code struct sock_fprog}) that judges what a socket receives. */
    public static final int SO_ATTACH_FILTER = 26;
    /** {@code sizeof(struct sock_fprog)}: {@code unsigned short len}, padding, {@code struct sock_filter *filter}. */
    public static final int SOCK_FPROG_LENGTH = 16;
    /** {@code offsetof(struct sock_fprog, filter)}. */
    public static final int SOCK_FPROG_FILTER_OFFSET = 8;
    /** {@code sizeof(struct sock_filter)}: {@code u16 code, u8 jt, u8 jf, u32 k}. */
    public static final int SOCK_FILTER_LENGTH = 8;
    /** {@code BPF_RET | BPF_K}: return the constant {@code k} (bytes to keep; 0 drops the packet). */
    public static final short BPF_RET_K = 0x06;

    /** {@code MSG_CTRUNC}: in {@code msg_flags}, ancillary data did not fit the control buffer. */
    public static final int MSG_CTRUNC = 0x8;

    /** Permission denied. */
    public static final int EACCES = 13;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Message too long; for DF sends: longer than the path MTU. */
    public static final int EMSGSIZE = 90;
    /** Protocol not available (unknown socket option). */
    public static final int ENOPROTOOPT = 92;
    /** Protocol not supported. */
    public static final int EPROTONOSUPPORT = 93;
    /** Address family not supported: IPv6 disabled on the host. */
    public static final int EAFNOSUPPORT = 97;
    /** Address already in use; for group joins: already a member. */
    public static final int EADDRINUSE = 98;
    /** Cannot assign requested address; for group leaves: not a member. */
    public static final int EADDRNOTAVAIL = 99;
    /** Network is unreachable. */
    public static final int ENETUNREACH = 101;
    /** No route to host. */
    public static final int EHOSTUNREACH = 113;

    private LinuxConstants() {
    }
}
