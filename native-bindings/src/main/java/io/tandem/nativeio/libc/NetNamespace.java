package io.tandem.nativeio.libc;

/**
 * Moves the calling thread into a named network namespace (one created by {@code ip netns add NAME}, which
 * bind-mounts it at {@code /run/netns/NAME}).
 *
 * <p>{@code setns(fd, CLONE_NEWNET)} changes the namespace of the calling thread only, so a Java thread can move
 * itself and every socket it creates afterwards lives there; other JVM threads are unaffected. There is no way back
 * except entering another namespace (e.g. {@code /proc/1/ns/net}), so use a dedicated thread. Note that
 * {@code /proc/net} follows the process (thread-group leader), not the thread: read {@code /proc/thread-self/net}
 * from a moved thread. Setup time only.
 */
public final class NetNamespace {
    /** Where {@code ip netns} keeps its namespace handles. */
    public static final String NETNS_RUN_DIR = "/run/netns/";

    private NetNamespace() {
    }

    /**
     * Enter the network namespace {@code name} on the calling thread.
     *
     * @param name a name as given to {@code ip netns add}
     * @throws NativeException when it does not exist or setns is refused
     */
    public static void enterForCurrentThread(final String name) {
        if (name == null || name.isEmpty() || name.indexOf('/') >= 0 || ".".equals(name) || "..".equals(name)) {
            throw new NativeException(LinuxConstants.EINVAL, "network namespace name '" + name
                + "' is not valid: use a plain name as given to `ip netns add`");
        }
        enterPathForCurrentThread(NETNS_RUN_DIR + name, "ip netns add " + name);
    }

    /**
     * Enter the network namespace behind any namespace file, e.g. {@code /proc/1/ns/net}.
     *
     * @param path   the namespace file
     * @param create how to create it, for the error message, or null
     */
    public static void enterPathForCurrentThread(final String path, final String create) {
        final LibC libc = Syscalls.libc();
        final int fd = libc.open(path, LinuxConstants.O_RDONLY | LinuxConstants.O_CLOEXEC);
        if (fd < 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of("open(" + path + ")", errno, errno == LinuxConstants.ENOENT
                ? "the network namespace does not exist" + (create == null ? "" : "; create it with `" + create + "`")
                : "cannot open the namespace handle; run as root");
        }
        try {
            if (libc.setns(fd, LinuxConstants.CLONE_NEWNET) != 0) {
                final int errno = Syscalls.lastErrno();
                throw NativeException.of("setns(" + path + ", CLONE_NEWNET)", errno, errno == LinuxConstants.EPERM
                    ? "entering a network namespace needs CAP_SYS_ADMIN; run as root"
                    : errno == LinuxConstants.EINVAL ? path + " is not a network namespace" : null);
            }
        } finally {
            libc.close(fd);
        }
    }
}
