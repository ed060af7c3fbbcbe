package io.tandem.nativeio.libc;

import jnr.constants.platform.Errno;

/**
 * A failed setup-time system call: carries the errno, its symbolic name and a one-line message naming the call, the
 * error and the likely fix, e.g. {@code socket(AF_NETLINK, NETLINK_NETFILTER): EPERM (Operation not permitted) — run
 * as root or grant CAP_NET_ADMIN}.
 *
 * <p>Only setup code throws it. Hot-path calls return a negative errno instead.
 */
public final class NativeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    /**
     * @param errno   the positive errno value (0 when the failure has no errno)
     * @param message the complete one-line message
     */
    public NativeException(final int errno, final String message) {
        super(message);
        this.errno = errno;
    }

    /**
     * Build the standard message {@code call: NAME (description) — hint}.
     *
     * @param call  what was called, with its salient arguments, e.g. {@code "setns(/run/netns/x)"}
     * @param errno the positive errno
     * @param hint  likely cause and fix, or null
     * @return the exception, to be thrown by the caller
     */
    public static NativeException of(final String call, final int errno, final String hint) {
        final StringBuilder sb = new StringBuilder(call).append(": ").append(errnoName(errno))
            .append(" (").append(errnoDescription(errno)).append(')');
        if (hint != null && !hint.isEmpty()) {
            sb.append(" — ").append(hint);
        }
        return new NativeException(errno, sb.toString());
    }

    /** @return the positive errno, 0 if none */
    public int errno() {
        return errno;
    }

    /** @return the symbolic name of {@link #errno()}, e.g. {@code "EPERM"} */
    public String errnoName() {
        return errnoName(errno);
    }

    /**
     * @param errno a positive errno
     * @return its symbolic name such as {@code "EAGAIN"}, or {@code "errno N"} when unknown
     */
    public static String errnoName(final int errno) {
        if (errno == LinuxConstants.EAGAIN) {
            return "EAGAIN"; // same value as EWOULDBLOCK
        }
        if (errno == LinuxConstants.EOPNOTSUPP) {
            return "EOPNOTSUPP"; // same value as ENOTSUP, which jnr-constants picks
        }
        final Errno e = Errno.valueOf(errno);
        return e == null || !e.defined() || e.name().startsWith("__") ? "errno " + errno : e.name();
    }

    /**
     * @param errno a positive errno
     * @return the strerror-style description, e.g. {@code "Operation not permitted"}
     */
    public static String errnoDescription(final int errno) {
        final Errno e = Errno.valueOf(errno);
        return e == null || !e.defined() || e.name().startsWith("__") ? "unknown error" : e.description();
    }
}
