package io.tandem.nativeio.libc;

import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc functions Tandem calls, as a jnr-ffi interface. Load it only through {@link Syscalls#libc()}.
 *
 * <p>Every pointer argument is a raw native address ({@code long}) of off-heap memory owned by the caller, usually
 * from an Agrona {@code UnsafeBuffer} over a direct buffer ({@code addressOffset()}). Only primitive arguments means
 * jnr-ffi takes its fast numeric call path, and a warmed-up call allocates nothing. Strings are accepted only by
 * setup-time functions ({@link #open}, {@link #if_nametoindex}).
 *
 * <p>Every function that can fail returns -1 (or a null pointer) and leaves errno, read with
 * {@link Syscalls#lastErrno()}. {@link #close} ignores errno.
 */
public interface LibC {
    int socket(int domain, int type, int protocol);

    int bind(int fd, @intptr_t long address, int addressLength);

    int getsockname(int fd, @intptr_t long address, @intptr_t long addressLengthPointer);

    int setsockopt(int fd, int level, int option, @intptr_t long value, int valueLength);

    int getsockopt(int fd, int level, int option, @intptr_t long value, @intptr_t long valueLengthPointer);

    /**
     * Known problem: with jnr-ffi 2.3.7 and jffi 1.4.3 the sixth argument of this six-argument call reaches the
     * kernel as garbage (strace showed a random {@code addrlen}, so sendto fails with EINVAL), whatever its declared
     * type. Do not use it with an address; {@link io.tandem.nativeio.netlink.NetlinkSocket} uses {@link #send}, which
     * on an unconnected netlink socket goes to the kernel (port id 0).
     */
    @ssize_t long sendto(int fd, @intptr_t long buffer, @size_t long length, int flags,
                         @intptr_t long address, int addressLength);

    @ssize_t long send(int fd, @intptr_t long buffer, @size_t long length, int flags);

    @ssize_t long recv(int fd, @intptr_t long buffer, @size_t long length, int flags);

    int recvmmsg(int fd, @intptr_t long mmsghdrs, int vlen, int flags, @intptr_t long timeout);

    /**
     * Send one datagram described by a {@code struct msghdr}, which carries the destination address. Three
     * arguments only, so unlike {@link #sendto} it works on this jnr-ffi/jffi combination; use it for every
     * addressed send ({@link io.tandem.nativeio.ipraw.RawIpSocket}).
     */
    @ssize_t long sendmsg(int fd, @intptr_t long message, int flags);

    /** Receive one datagram into a {@code struct msghdr} (name, iovecs and ancillary data). */
    @ssize_t long recvmsg(int fd, @intptr_t long message, int flags);

    int poll(@intptr_t long pollfds, @size_t long count, int timeoutMillis);

    /** {@code eventfd(2)}: a counter file descriptor, the doorbell between threads ({@link Doorbell}). */
    int eventfd(int initialValue, int flags);

    @ssize_t long write(int fd, @intptr_t long buffer, @size_t long length);

    @ssize_t long read(int fd, @intptr_t long buffer, @size_t long length);

    @IgnoreError
    int close(int fd);

    int open(String path, int flags);

    /** {@code flock(2)}: a lock on the open file description's inode (directories too). */
    int flock(int fd, int operation);

    int setns(int fd, int nstype);

    int sched_setaffinity(int pid, @size_t long cpuSetSize, @intptr_t long cpuSet);

    int sched_getaffinity(int pid, @size_t long cpuSetSize, @intptr_t long cpuSet);

    int if_nametoindex(String name);

    @intptr_t long if_indextoname(int index, @intptr_t long nameBuffer);

    /**
     * {@code setgroups(2)} through glibc, which applies it to every thread of the process (its setxid broadcast).
     * Setup time only ({@link Posix#setGroups}).
     */
    int setgroups(@size_t long size, int[] groups);

    /**
     * {@code capget(2)}: the calling thread's capability sets when {@code header[1]} (pid) is 0. {@code header} is
     * {@code struct __user_cap_header_struct} as two ints, {@code data} two {@code struct __user_cap_data_struct}
     * (effective, permitted, inheritable) as six ints. Setup time only ({@link ThreadCapabilities}).
     */
    int capget(int[] header, int[] data);

    /** {@code capset(2)}: sets the calling thread's capability sets; same layout as {@link #capget}. */
    int capset(int[] header, int[] data);

    /** {@code prctl(2)} with its four optional arguments; per-thread options act on the calling thread. */
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    /** sigaction(2): {@code act} and {@code oldAct} point at glibc's {@code struct sigaction} (or are 0). */
    int sigaction(int signal, @intptr_t long act, @intptr_t long oldAct);
}
