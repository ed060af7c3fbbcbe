package io.tandem.engine.privileges;

import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.Posix;
import io.tandem.nativeio.libc.ThreadCapabilities;
import io.tandem.nativeio.libc.UserAccount;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The switch from root to the unprivileged user of {@code set user}, keeping only the capabilities the engine's
 * packet and sync threads need.
 *
 * <p>Theory of operation. Linux keeps user ids and capabilities per thread, and a new thread copies its
 * creator's. glibc's {@code setuid}, {@code setgid} and {@code setgroups} (called through jnr-posix) change every
 * thread of the process: glibc signals each thread ({@code SIGSETXID}) to make the system call on itself, and
 * aborts the process rather than leave the threads disagreeing. {@code capset} and {@code PR_SET_KEEPCAPS} change
 * the calling thread only. {@link #apply} runs on the thread that will later start the agent threads (the main
 * thread, in {@code TandemEngine.assemble}), after the sockets that need root are bound and the cluster key is
 * read, and before the journal is opened and any agent thread exists:
 * <ol>
 * <li>{@code prctl(PR_SET_KEEPCAPS, 1)} on this thread;</li>
 * <li>{@code setgroups([gid])}, {@code setgid(gid)}, {@code setuid(uid)}: every thread now has the user's ids
 *     (real, effective, saved, file system). The kernel clears the permitted and effective capabilities of every
 *     thread going from uid 0 to another user, except the permitted set of this one (keep-caps), and everyone's
 *     ambient set;</li>
 * <li>{@code PR_SET_KEEPCAPS} off again, and {@code capset}: this thread's permitted and effective sets become
 *     exactly the kept ones (inheritable none);</li>
 * <li>proof: every thread in {@code /proc/self/task} has the user's ids and no permitted capability beyond the
 *     kept ones; else the engine refuses to start.</li>
 * </ol>
 * The threads started afterwards by this thread — the packet thread, which needs {@code CAP_NET_ADMIN} effective
 * for every nfnetlink message it sends (nfnetlink checks the sending task's capability on each one, verdicts
 * included), and the sync thread, which opens the raw pfsync socket with {@code CAP_NET_RAW} — copy its
 * credentials. The threads that existed before (the JVM's own) have none left. Once the agents run,
 * {@link #releaseStarterCapabilities} clears this thread's capabilities too, so the servers' and later threads
 * start with none.
 *
 * <p>When no switch is asked ({@code set user none} or {@code root}), or the process already runs as the user (a
 * systemd unit with {@code User=}), nothing changes. A process that is neither root nor the user cannot switch and
 * is refused with what to do. Life cycle: built from the configuration before assembly; applied once.
 * Failure policy: every refusal is a {@link PrivilegeException} with a one-line message; a failure halfway (the
 * user changed, a capability not set) leaves a process that must not run, and the engine exits.
 */
public final class PrivilegeDrop {
    /** A user name as useradd(8) accepts one by default (and {@code NAME_REGEX} of most distributions). */
    private static final Pattern USER_NAME = Pattern.compile("[a-z_][a-z0-9_-]*\\$?");
    /** The longest user name Linux tools accept. */
    private static final int MAX_NAME = 32;

    private final String user;
    private final int uid;
    private final int gid;
    private final boolean switches;
    private final long keep;
    private boolean applied;

    private PrivilegeDrop(final String user, final int uid, final int gid, final boolean switches, final long keep) {
        this.user = user;
        this.uid = uid;
        this.gid = gid;
        this.switches = switches;
        this.keep = keep;
    }

    /** No change: the engine runs as it was started ({@code set user none}; tests and tools). */
    public static PrivilegeDrop keep() {
        final int euid = Posix.geteuid();
        return new PrivilegeDrop(Posix.userName(euid), euid, Posix.getegid(), false, 0);
    }

    /**
     * The switch {@code set user NAME} asks for.
     *
     * @param name         the user; null, {@code none} or {@code root} for no switch
     * @param capabilities the capabilities the starting thread keeps, a {@link ThreadCapabilities#mask}
     * @throws PrivilegeException no such user, or this process cannot switch to it
     */
    public static PrivilegeDrop forUser(final String name, final long capabilities) throws PrivilegeException {
        return forUser(name, capabilities, Posix.geteuid());
    }

    static PrivilegeDrop forUser(final String name, final long capabilities, final int euid)
            throws PrivilegeException {
        if (name == null || "none".equals(name) || "root".equals(name)) {
            return keep();
        }
        if (name.length() > MAX_NAME || !USER_NAME.matcher(name).matches()) {
            throw new PrivilegeException("set user " + name + ": not a user name (lower-case letters, digits, '_'"
                    + " and '-', at most " + MAX_NAME + " characters)");
        }
        final UserAccount account = Posix.user(name);
        if (account == null) {
            throw new PrivilegeException("set user " + name + ": no such user; create it with `useradd --system"
                    + " --user-group --no-create-home --home-dir /var/lib/tandem --shell /usr/sbin/nologin " + name
                    + "` (deploy/README.md), or keep the starting user with `set user none`");
        }
        if (account.uid() == 0) {
            return keep();
        }
        if (euid == account.uid()) {
            return new PrivilegeDrop(account.name(), account.uid(), account.gid(), false, capabilities);
        }
        if (euid != 0) {
            throw new PrivilegeException("set user " + name + ": the engine runs as " + Posix.userName(euid)
                    + " (uid " + euid + "), which cannot switch to " + account + "; start it as root, or as " + name
                    + " itself (systemd: User=" + name + " with AmbientCapabilities=), or set user none");
        }
        return new PrivilegeDrop(account.name(), account.uid(), account.gid(), true, capabilities);
    }

    /** The user the engine runs as once this is applied. */
    public String user() {
        return user;
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    /** True when {@link #apply} changes the process's user. */
    public boolean switches() {
        return switches;
    }

    /** The capabilities kept on the calling thread (mask). */
    public long kept() {
        return keep;
    }

    /**
     * Switches every thread to the user and leaves the kept capabilities on the calling thread only; a no-op when
     * no switch is asked.
     *
     * @return one line for the log, e.g. {@code running as tandem (uid 998, gid 998): all 21 threads switched;
     *     cap_net_admin kept for the packet and sync threads}
     * @throws PrivilegeException the switch is refused or not complete; the process must not go on
     */
    public String apply() throws PrivilegeException {
        if (applied) {
            throw new IllegalStateException("privileges already dropped");
        }
        applied = true;
        if (!switches) {
            return "running as " + user + " (uid " + uid + ", gid " + gid + ")"
                    + (keep == 0 ? "" : "; capabilities " + ThreadCapabilities.names(ThreadCapabilities.current()
                            .effective()));
        }
        final ThreadCapabilities.Sets before = ThreadCapabilities.current();
        final long need = ThreadCapabilities.mask(ThreadCapabilities.CAP_SETUID, ThreadCapabilities.CAP_SETGID);
        if ((before.effective() & need) != need) {
            throw new PrivilegeException("set user " + user + ": switching users needs cap_setuid and cap_setgid,"
                    + " this process has " + ThreadCapabilities.names(before.effective()) + " (a systemd unit with"
                    + " CapabilityBoundingSet= lacking them? run it with User=" + user + " instead; see"
                    + " deploy/tandem.service)");
        }
        if ((before.permitted() & keep) != keep) {
            throw new PrivilegeException("set user " + user + ": " + ThreadCapabilities.names(keep & ~before.permitted())
                    + " missing before the switch; the engine needs " + ThreadCapabilities.names(keep));
        }
        try {
            ThreadCapabilities.keepCapabilities(true);
            Posix.setGroups(gid);
            Posix.setgid(gid);
            Posix.setuid(uid);
            ThreadCapabilities.keepCapabilities(false);
            ThreadCapabilities.set(new ThreadCapabilities.Sets(keep, keep, 0));
        } catch (final NativeException e) {
            throw new PrivilegeException("set user " + user + ": " + e.getMessage(), e);
        }
        final int threads = verify();
        return "running as " + user + " (uid " + uid + ", gid " + gid + "): all " + threads + " threads switched; "
                + ThreadCapabilities.names(keep) + " kept for the packet and sync threads only";
    }

    /** Proves the switch: this thread and every thread of the process. Returns the number of threads. */
    private int verify() throws PrivilegeException {
        if (Posix.getuid() != uid || Posix.geteuid() != uid || Posix.getegid() != gid) {
            throw new PrivilegeException("set user " + user + ": still uid " + Posix.getuid() + "/" + Posix.geteuid()
                    + " after setuid(" + uid + ")");
        }
        final ThreadCapabilities.Sets now = ThreadCapabilities.current();
        if (now.effective() != keep || now.permitted() != keep) {
            throw new PrivilegeException("set user " + user + ": capabilities " + now + " after the switch, expected "
                    + ThreadCapabilities.names(keep));
        }
        final List<ThreadCredentials> threads;
        try {
            threads = ThreadCredentials.ofProcess();
        } catch (final IOException | RuntimeException e) {
            throw new PrivilegeException("set user " + user + ": cannot read /proc/self/task to check the threads: "
                    + e.getMessage(), e);
        }
        final List<String> wrong = new ArrayList<>();
        for (final ThreadCredentials t : threads) {
            if (!t.runsAs(uid, gid) || (t.capPrm() & ~keep) != 0) {
                wrong.add(t.toString());
            }
        }
        if (!wrong.isEmpty()) {
            throw new PrivilegeException("set user " + user + ": not every thread switched: " + String.join("; ", wrong));
        }
        return threads.size();
    }

    /**
     * Clears the calling thread's capabilities, once the threads that need them (packet, sync) are started, so the
     * threads it starts later have none. A no-op unless {@link #apply} switched users.
     */
    public void releaseStarterCapabilities() {
        if (switches && applied) {
            ThreadCapabilities.set(new ThreadCapabilities.Sets(0, 0, 0));
        }
    }

    @Override
    public String toString() {
        return switches ? "switch to " + user + " (uid " + uid + ") keeping " + ThreadCapabilities.names(keep)
                : "run as " + user + " (uid " + uid + ")";
    }
}
