package io.tandem.nativeio.libc;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * Facade over {@link LibC}: loads libc once, reads errno, and offers small setup helpers that turn a failed call into
 * a {@link NativeException}.
 *
 * <p>Thread safety: the library instance is immutable and shared; errno is per thread, so read
 * {@link #lastErrno()} on the thread that made the call, immediately after it.
 */
public final class Syscalls {
    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Syscalls() {
    }

    /** @return the shared libc binding */
    public static LibC libc() {
        return LIBC;
    }

    /** @return the jnr-ffi runtime libc was loaded with */
    public static Runtime runtime() {
        return RUNTIME;
    }

    /** @return errno of the last call made through {@link LibC} on this thread; allocation-free */
    public static int lastErrno() {
        return RUNTIME.getLastError();
    }

    /**
     * Convert a -1 result into {@code -errno}, leaving other results as they are. For hot-path wrappers.
     *
     * @param result the raw return value
     * @return the result, or the negative errno when it was -1
     */
    public static long resultOrNegativeErrno(final long result) {
        return result == -1 ? -lastErrno() : result;
    }

    /**
     * Throw when a setup call failed.
     *
     * @param result the raw return value
     * @param call   the call for the message
     * @param hint   likely cause, or null
     * @return the result when it is not negative
     */
    public static int check(final int result, final String call, final String hint) {
        if (result < 0) {
            throw NativeException.of(call, lastErrno(), hint);
        }
        return result;
    }

    /**
     * Close a descriptor, ignoring errors; does nothing for negative descriptors.
     *
     * @param fd the descriptor
     */
    public static void closeQuietly(final int fd) {
        if (fd >= 0) {
            LIBC.close(fd);
        }
    }
}
