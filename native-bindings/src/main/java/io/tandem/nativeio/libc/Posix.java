package io.tandem.nativeio.libc;

import jnr.posix.FileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.Passwd;
import jnr.posix.util.DefaultPOSIXHandler;

/**
 * The POSIX calls Tandem makes through jnr-posix: file status ({@code stat}, {@code lstat}), the user database
 * ({@code getpwnam}, {@code getpwuid}), identity ({@code geteuid}, {@code setuid}, {@code setgid}, with
 * {@code setgroups} from {@link LibC}, which jnr-posix lacks), {@code chown}, {@code mkdir} and {@code isatty}.
 *
 * <p>Theory of operation. One native jnr-posix instance, loaded on first use (never the pure-Java fallback, which
 * cannot change identities: a load failure is an {@link ExceptionInInitializerError} at start). Every call is
 * setup or command-line time, never on the packet path; each returns a value or throws {@link NativeException}
 * with the errno and a hint, read on the calling thread right after the call. Identity changes go through glibc's
 * {@code setuid}, {@code setgid} and {@code setgroups}, which glibc applies to <em>every</em> thread of the process
 * (the kernel keeps credentials per thread; glibc's setxid broadcast, {@code SIGSETXID}, makes each thread issue the
 * system call on itself): a partial change is impossible, glibc aborts the process if one thread fails where
 * another succeeded. Capabilities are per thread and are handled by {@link ThreadCapabilities}. Thread-safe.
 */
public final class Posix {
    private static final POSIX POSIX = POSIXFactory.getNativePOSIX(new ReturnErrors());

    private Posix() {
    }

    /**
     * {@code stat(2)}, following symbolic links.
     *
     * @return the status, or null when the path does not exist (ENOENT, or ENOTDIR on the way)
     * @throws NativeException any other failure, e.g. EACCES on a directory of the path
     */
    public static FileStatus stat(final String path) {
        return status(path, true);
    }

    /** {@code lstat(2)}: a symbolic link itself; null when nothing is there. */
    public static FileStatus lstat(final String path) {
        return status(path, false);
    }

    private static FileStatus status(final String path, final boolean follow) {
        final FileStat st = POSIX.allocateStat();
        final int rc = follow ? POSIX.stat(path, st) : POSIX.lstat(path, st);
        if (rc < 0) {
            final int errno = POSIX.errno();
            if (errno == LinuxConstants.ENOENT || errno == ENOTDIR) {
                return null;
            }
            throw NativeException.of((follow ? "stat(" : "lstat(") + path + ")", errno,
                    errno == EACCES ? "a directory on the way cannot be searched by this user" : null);
        }
        return new FileStatus(st.uid(), st.gid(), st.mode(), st.dev(), st.ino());
    }

    /** @return the effective user id of the calling thread (glibc keeps all threads equal) */
    public static int geteuid() {
        return POSIX.geteuid();
    }

    /** @return the effective group id */
    public static int getegid() {
        return POSIX.getegid();
    }

    /** @return the real user id */
    public static int getuid() {
        return POSIX.getuid();
    }

    /**
     * {@code getpwnam(3)}: the user database entry of {@code name} (files, LDAP... as nsswitch says).
     *
     * @return the account, or null when there is no such user
     */
    public static UserAccount user(final String name) {
        final Passwd p = POSIX.getpwnam(name);
        return p == null ? null : new UserAccount(p.getLoginName(), (int) p.getUID(), (int) p.getGID(), p.getHome());
    }

    /** @return the name of user {@code uid}, or {@code "uid N"} when the database has none */
    public static String userName(final int uid) {
        final Passwd p = POSIX.getpwuid(uid);
        return p == null ? "uid " + uid : p.getLoginName();
    }

    /**
     * Replace the supplementary groups of every thread by {@code groups} (glibc's {@code setgroups}).
     *
     * @throws NativeException EPERM without CAP_SETGID
     */
    public static void setGroups(final int... groups) {
        if (Syscalls.libc().setgroups(groups.length, groups.clone()) != 0) {
            throw NativeException.of("setgroups(" + java.util.Arrays.toString(groups) + ")", Syscalls.lastErrno(),
                    "changing groups needs CAP_SETGID (root)");
        }
    }

    /** {@code setgid(2)} for every thread; EPERM without CAP_SETGID. */
    public static void setgid(final int gid) {
        if (POSIX.setgid(gid) != 0) {
            throw NativeException.of("setgid(" + gid + ")", POSIX.errno(), "changing the group needs CAP_SETGID (root)");
        }
    }

    /**
     * {@code setuid(2)} for every thread. From root (any of real, effective, saved 0) to another user it sets all
     * three ids, and the kernel clears the permitted and effective capabilities of each thread that has not set
     * {@link ThreadCapabilities#keepCapabilities}, and the ambient set of every thread.
     */
    public static void setuid(final int uid) {
        if (POSIX.setuid(uid) != 0) {
            throw NativeException.of("setuid(" + uid + ")", POSIX.errno(), "changing the user needs CAP_SETUID (root)");
        }
    }

    /** {@code chown(2)}, following links; -1 leaves an id unchanged. */
    public static void chown(final String path, final int uid, final int gid) {
        if (POSIX.chown(path, uid, gid) != 0) {
            throw NativeException.of("chown(" + path + ", " + uid + ", " + gid + ")", POSIX.errno(),
                    "changing a file's owner needs CAP_CHOWN (root)");
        }
    }

    /** {@code mkdir(2)} with {@code mode} (less the umask). */
    public static void mkdir(final String path, final int mode) {
        if (POSIX.mkdir(path, mode) != 0) {
            throw NativeException.of("mkdir(" + path + ")", POSIX.errno(), null);
        }
    }

    /** {@code chmod(2)}. */
    public static void chmod(final String path, final int mode) {
        if (POSIX.chmod(path, mode) != 0) {
            throw NativeException.of("chmod(" + path + ")", POSIX.errno(), null);
        }
    }

    /** {@code isatty(3)}: true when {@code fd} is a terminal (0 stdin, 1 stdout, 2 stderr). */
    public static boolean isatty(final int fd) {
        return POSIX.isatty(fd) == 1;
    }

    /**
     * jnr-posix's default handler throws a bare RuntimeException from some calls; this one leaves the -1 and errno
     * to the caller, which makes them a {@link NativeException} with a hint.
     */
    private static final class ReturnErrors extends DefaultPOSIXHandler {
        @Override
        public void error(final jnr.constants.platform.Errno error, final String call) {
        }

        @Override
        public void error(final jnr.constants.platform.Errno error, final String call, final String data) {
        }
    }

    private static final int EACCES = 13;
    private static final int ENOTDIR = 20;
}
