package io.tandem.nativeio.libc;

import static io.tandem.nativeio.libc.ReceiveBatch.IOVEC_LENGTH;
import static io.tandem.nativeio.libc.ReceiveBatch.IOV_BASE_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.IOV_LEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSGHDR_LENGTH;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_IOVLEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_IOV_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_NAMELEN_OFFSET;
import static io.tandem.nativeio.libc.ReceiveBatch.MSG_NAME_OFFSET;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A Unix datagram socket ({@code AF_UNIX, SOCK_DGRAM}): what {@code sd_notify(3)} sends on, since Java 17's NIO has
 * Unix stream channels only. Setup-time and low-rate use (service notifications, a few per watchdog interval), not
 * the packet path.
 *
 * <p>Theory of operation. {@link #open()} creates a close-on-exec socket and one off-heap scratch block: a
 * {@code struct sockaddr_un}, a {@code struct msghdr} with one {@code iovec}, a {@code pollfd} and a payload buffer
 * of {@value #MAX_DATAGRAM} bytes. An address is a file system path, or, when it starts with {@code '@'}, a name in
 * the abstract namespace (Linux: {@code sun_path[0] = 0}, the name follows and the address length counts exactly its
 * bytes, no terminating NUL), as {@code $NOTIFY_SOCKET} gives it. {@link #send} copies the payload and the address
 * into the scratch block and makes one {@code sendmsg} (not {@code sendto}, whose sixth argument this jnr-ffi/jffi
 * pair corrupts, see {@link LibC#sendto}); {@link #bind} and {@link #receive} exist for the receiving side of tests.
 *
 * <pre>
 * struct sockaddr_un (110 bytes)
 *  0  sa_family_t sun_family = AF_UNIX
 *  2  char        sun_path[108]
 * </pre>
 *
 * <p>Owner: one thread at a time (callers synchronise). Memory: one scratch block of about 4.4 KiB per socket.
 * Failure policy: {@link #open()} and {@link #bind} throw {@link NativeException}; an address that does not fit
 * {@code sun_path} or a payload over {@value #MAX_DATAGRAM} bytes is an {@link IllegalArgumentException};
 * {@link #send} and {@link #receive} return a negative errno and never throw otherwise.
 */
public final class UnixDatagramSocket implements AutoCloseable {
    /** {@code sizeof(struct sockaddr_un)}. */
    public static final int SOCKADDR_UN_LENGTH = 110;
    /** {@code offsetof(struct sockaddr_un, sun_path)}. */
    public static final int SUN_PATH_OFFSET = 2;
    /** Bytes of {@code sun_path}: a path needs its NUL within them, an abstract name its leading NUL. */
    public static final int SUN_PATH_LENGTH = SOCKADDR_UN_LENGTH - SUN_PATH_OFFSET;
    /** Largest payload {@link #send} and {@link #receive} handle (a notification is a few dozen bytes). */
    public static final int MAX_DATAGRAM = 4096;

    private static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();
    private static final int NAME_OFFSET = 0;
    private static final int IOVEC_OFFSET = 112;
    private static final int MSGHDR_OFFSET = IOVEC_OFFSET + IOVEC_LENGTH;
    private static final int POLLFD_OFFSET = MSGHDR_OFFSET + MSGHDR_LENGTH;
    private static final int PAYLOAD_OFFSET = POLLFD_OFFSET + 8;
    private static final int SCRATCH_LENGTH = PAYLOAD_OFFSET + MAX_DATAGRAM;

    private final LibC libc = Syscalls.libc();
    private final UnsafeBuffer scratch = OffHeap.allocate(SCRATCH_LENGTH);
    private final long base = scratch.addressOffset();
    private int fd;

    private UnixDatagramSocket(final int fd) {
        this.fd = fd;
        scratch.putLong(IOVEC_OFFSET + IOV_BASE_OFFSET, base + PAYLOAD_OFFSET, HOST_ORDER);
        scratch.putLong(MSGHDR_OFFSET + MSG_NAME_OFFSET, base + NAME_OFFSET, HOST_ORDER);
        scratch.putLong(MSGHDR_OFFSET + MSG_IOV_OFFSET, base + IOVEC_OFFSET, HOST_ORDER);
        scratch.putLong(MSGHDR_OFFSET + MSG_IOVLEN_OFFSET, 1L, HOST_ORDER);
    }

    /** A new close-on-exec Unix datagram socket, not bound (the kernel autobinds it on the first send). */
    public static UnixDatagramSocket open() {
        final int fd = Syscalls.libc().socket(LinuxConstants.AF_UNIX,
            LinuxConstants.SOCK_DGRAM | LinuxConstants.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.of("socket(AF_UNIX, SOCK_DGRAM)", Syscalls.lastErrno(),
                "Unix sockets unavailable (RestrictAddressFamilies= without AF_UNIX?)");
        }
        return new UnixDatagramSocket(fd);
    }

    /**
     * Binds to {@code address} (a path, or {@code @name} in the abstract namespace), to receive on it.
     *
     * @throws NativeException the address is in use or its directory is not writable
     */
    public void bind(final String address) {
        final int length = encodeAddress(address);
        if (libc.bind(fd, base + NAME_OFFSET, length) < 0) {
            throw NativeException.of("bind(AF_UNIX, " + address + ")", Syscalls.lastErrno(), null);
        }
    }

    /**
     * Sends one datagram to {@code address}.
     *
     * @return the bytes sent, or a negative errno ({@code -ENOENT} or {@code -ECONNREFUSED}: nobody listens there)
     * @throws IllegalArgumentException the address does not fit {@code sun_path}, or the payload is too long
     */
    public long send(final String address, final byte[] payload) {
        if (payload.length > MAX_DATAGRAM) {
            throw new IllegalArgumentException("datagram of " + payload.length + " bytes; at most " + MAX_DATAGRAM);
        }
        final int nameLength = encodeAddress(address);
        scratch.putBytes(PAYLOAD_OFFSET, payload);
        scratch.putLong(IOVEC_OFFSET + IOV_LEN_OFFSET, payload.length, HOST_ORDER);
        scratch.putInt(MSGHDR_OFFSET + MSG_NAMELEN_OFFSET, nameLength, HOST_ORDER);
        return Syscalls.resultOrNegativeErrno(libc.sendmsg(fd, base + MSGHDR_OFFSET, LinuxConstants.MSG_NOSIGNAL));
    }

    /** Sends {@code message} as UTF-8; see {@link #send(String, byte[])}. */
    public long send(final String address, final String message) {
        return send(address, message.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Waits at most {@code timeoutMillis} for one datagram and copies up to {@code into.length} bytes of it.
     *
     * @return the datagram's length (the copy is cut at {@code into.length}), or a negative errno:
     *         {@code -EAGAIN} when nothing arrived in time
     */
    public int receive(final byte[] into, final int timeoutMillis) {
        scratch.putInt(POLLFD_OFFSET, fd, HOST_ORDER);
        scratch.putShort(POLLFD_OFFSET + 4, LinuxConstants.POLLIN, HOST_ORDER);
        scratch.putShort(POLLFD_OFFSET + 6, (short) 0, HOST_ORDER);
        final int ready = libc.poll(base + POLLFD_OFFSET, 1, timeoutMillis);
        if (ready < 0) {
            return -Syscalls.lastErrno();
        }
        if (ready == 0) {
            return -LinuxConstants.EAGAIN;
        }
        final long n = libc.recv(fd, base + PAYLOAD_OFFSET, MAX_DATAGRAM, LinuxConstants.MSG_DONTWAIT);
        if (n < 0) {
            return -Syscalls.lastErrno();
        }
        scratch.getBytes(PAYLOAD_OFFSET, into, 0, (int) Math.min(n, into.length));
        return (int) n;
    }

    /** The descriptor, -1 after {@link #close()}. */
    public int fd() {
        return fd;
    }

    /** Closes the socket; idempotent. */
    @Override
    public void close() {
        final int f = fd;
        if (f >= 0) {
            fd = -1;
            libc.close(f);
        }
    }

    /**
     * Writes {@code address} as a {@code sockaddr_un} at the start of the scratch block.
     *
     * @return the address length to pass to the kernel
     */
    private int encodeAddress(final String address) {
        final boolean abstractName = address.startsWith("@");
        final byte[] name = (abstractName ? address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        if (name.length == 0 || name.length + 1 > SUN_PATH_LENGTH) {
            throw new IllegalArgumentException("Unix socket address '" + address + "': 1 to " + (SUN_PATH_LENGTH - 1)
                + " bytes");
        }
        scratch.setMemory(NAME_OFFSET, SOCKADDR_UN_LENGTH, (byte) 0);
        scratch.putShort(NAME_OFFSET, (short) LinuxConstants.AF_UNIX, HOST_ORDER);
        scratch.putBytes(NAME_OFFSET + SUN_PATH_OFFSET + (abstractName ? 1 : 0), name);
        // A path counts its NUL (as sd_notify does); an abstract name counts its leading NUL and nothing after.
        return SUN_PATH_OFFSET + name.length + 1;
    }
}
