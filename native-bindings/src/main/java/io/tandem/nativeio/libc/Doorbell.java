package io.tandem.nativeio.libc;

import java.nio.ByteOrder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A doorbell between threads: one thread waits in {@code poll} on its socket <i>and</i> this
 * {@code eventfd}, another rings it to cut the wait short. The packet thread waits on its NFQUEUE
 * socket and is rung by the sync thread when a peer acknowledged a deferred state; the sync thread
 * waits on its pfsync socket and is rung by the journal thread when a record it must send at once
 * was appended.
 *
 * <p>Theory of operation. {@link #ring} adds 1 to the eventfd's counter ({@code write} of 8 bytes from
 * a constant off-heap word, so any number of threads may ring at once); {@link #await} polls the
 * other descriptor and the eventfd together and, when the doorbell rang, reads the counter back to 0,
 * so one wait consumes every ring that came before it. Owner of {@link #await}: one waiting thread.
 * {@link #ring} and {@link #close} hold the doorbell's lock, so a ring from another thread never writes
 * to a descriptor number that {@link #close} has released (and the kernel may have given to another file).
 * Memory bound: 32 off-heap bytes allocated at {@link #open}. Failure policy: {@link #open} throws
 * {@link NativeException}; ring and await never throw, never allocate once warm, and return a negative
 * errno on failure ({@code -EINTR} after a signal is normal).
 */
public final class Doorbell implements AutoCloseable {
    private static final ByteOrder HOST_ORDER = ByteOrder.nativeOrder();
    /** Off-heap layout: the constant 1 for ring @0, the read-back word @8, two pollfds @16. */
    private static final int ONE_OFFSET = 0;
    private static final int READ_OFFSET = 8;
    private static final int POLLFDS_OFFSET = 16;
    private static final int POLLFD_LENGTH = 8;
    private static final int EVENTS = 4;
    private static final int REVENTS = 6;

    private final LibC libc = Syscalls.libc();
    private final UnsafeBuffer scratch = OffHeap.allocate(POLLFDS_OFFSET + 2 * POLLFD_LENGTH);
    private final long base;
    private volatile int fd;

    private Doorbell(final int fd) {
        this.fd = fd;
        this.base = scratch.addressOffset();
        scratch.putLong(ONE_OFFSET, 1L, HOST_ORDER);
    }

    /** A new doorbell (a non-blocking, close-on-exec eventfd). */
    public static Doorbell open() {
        final int fd = Syscalls.libc().eventfd(0, LinuxConstants.EFD_NONBLOCK | LinuxConstants.EFD_CLOEXEC);
        if (fd < 0) {
            throw NativeException.of("eventfd", Syscalls.lastErrno(), "could not create the doorbell");
        }
        return new Doorbell(fd);
    }

    /** Wakes the waiting thread (or makes its next wait return at once). Any thread; no allocation. */
    public void ring() {
        synchronized (this) { // not after close(): the descriptor number may already name another file
            final int f = fd;
            if (f >= 0) {
                libc.write(f, base + ONE_OFFSET, 8);
            }
        }
    }

    /**
     * Waits until {@code otherFd} is readable, the doorbell rings, or {@code timeoutMillis} pass (0: just
     * look; -1: no timeout). A ring is consumed by the wait it ends.
     *
     * @return 1 or 2 when something is ready, 0 on timeout, or a negative errno
     */
    public int await(final int otherFd, final int timeoutMillis) {
        final int f = fd;
        pollfd(0, otherFd);
        pollfd(1, f);
        final int ready = libc.poll(base + POLLFDS_OFFSET, 2, timeoutMillis);
        if (ready < 0) {
            return -Syscalls.lastErrno();
        }
        if (ready > 0 && scratch.getShort(POLLFDS_OFFSET + POLLFD_LENGTH + REVENTS, HOST_ORDER) != 0 && f >= 0) {
            libc.read(f, base + READ_OFFSET, 8);
        }
        return ready;
    }

    /** The eventfd (for tests and for callers that build their own poll set). */
    public int fd() {
        return fd;
    }

    private void pollfd(final int i, final int descriptor) {
        final int o = POLLFDS_OFFSET + i * POLLFD_LENGTH;
        scratch.putInt(o, descriptor, HOST_ORDER);
        scratch.putShort(o + EVENTS, LinuxConstants.POLLIN, HOST_ORDER);
        scratch.putShort(o + REVENTS, (short) 0, HOST_ORDER);
    }

    /** Closes the eventfd; later rings do nothing and waits watch only the other descriptor. Idempotent. */
    @Override
    public synchronized void close() {
        final int f = fd;
        if (f >= 0) {
            fd = -1;
            libc.close(f);
        }
    }
}
