package io.tandem.nativeio.libc;

import java.nio.file.Path;

/**
 * An exclusive {@code flock(2)} on a directory itself: what Java's {@code FileChannel} cannot take
 * (it locks regular files only, with fcntl). A lock on the directory's inode cannot be bypassed by
 * deleting or replacing any file inside it, and the kernel drops it when the holder's last
 * descriptor closes — when the process dies too, so a crash never leaves it stale.
 *
 * <p>Owner: the thread that takes it, at setup; {@link #close} from any thread. Memory bound: one
 * file descriptor. Failure policy: {@link #tryLock} returns null when another open file description
 * holds the lock (flock locks conflict between descriptions, even within one process), throws
 * {@link NativeException} when the directory cannot be opened.
 */
public final class DirectoryLock implements AutoCloseable {
    private final LibC libc;
    private int fd;

    private DirectoryLock(final LibC libc, final int fd) {
        this.libc = libc;
        this.fd = fd;
    }

    /**
     * Takes the lock of {@code dir} without waiting.
     *
     * @return the held lock, or null when someone else holds it
     * @throws NativeException the directory cannot be opened (missing, not a directory, no permission)
     */
    public static DirectoryLock tryLock(final Path dir) {
        final LibC libc = Syscalls.libc();
        final int fd = libc.open(dir.toString(), LinuxConstants.O_RDONLY | LinuxConstants.O_DIRECTORY
                | LinuxConstants.O_CLOEXEC);
        if (fd < 0) {
            throw NativeException.of("open(" + dir + ", O_DIRECTORY)", Syscalls.lastErrno(), null);
        }
        if (libc.flock(fd, LinuxConstants.LOCK_EX | LinuxConstants.LOCK_NB) != 0) {
            final int errno = Syscalls.lastErrno();
            libc.close(fd);
            if (errno == LinuxConstants.EAGAIN) {
                return null;
            }
            throw NativeException.of("flock(" + dir + ", LOCK_EX)", errno, null);
        }
        return new DirectoryLock(libc, fd);
    }

    /** Releases the lock (closes the descriptor); idempotent. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            libc.close(fd);
            fd = -1;
        }
    }
}
