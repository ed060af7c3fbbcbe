package io.tandem.nativeio.libc;

import java.util.ArrayList;
import java.util.List;

/**
 * The calling thread's Linux capabilities: read and set them ({@code capget(2)}, {@code capset(2)}, version 3, 64
 * bits) and keep them across a change of user ({@code prctl(PR_SET_KEEPCAPS)}).
 *
 * <p>Theory of operation. Linux keeps credentials per thread (a {@code struct cred} per task): the capability sets,
 * the keep-capabilities flag and the user ids each belong to one thread, and a new thread starts with a copy of
 * its creator's. {@code capset} with pid 0 and {@code PR_SET_KEEPCAPS} act on the calling thread only; glibc does
 * not broadcast them, unlike {@link Posix#setuid}. So whatever runs here changes the Java thread that calls it and
 * the threads that thread starts afterwards, nothing else. Masks are bit {@code 1L << CAP_X}. Setup time only;
 * failures throw {@link NativeException}.
 */
public final class ThreadCapabilities {
    /** {@code CAP_CHOWN}. */
    public static final int CAP_CHOWN = 0;
    /** {@code CAP_DAC_OVERRIDE}. */
    public static final int CAP_DAC_OVERRIDE = 1;
    /** {@code CAP_SETGID}. */
    public static final int CAP_SETGID = 6;
    /** {@code CAP_SETUID}. */
    public static final int CAP_SETUID = 7;
    /** {@code CAP_NET_BIND_SERVICE}. */
    public static final int CAP_NET_BIND_SERVICE = 10;
    /** {@code CAP_NET_ADMIN}: nfnetlink (binding a queue, every verdict), {@code SO_RCVBUFFORCE}. */
    public static final int CAP_NET_ADMIN = 12;
    /** {@code CAP_NET_RAW}: raw IP sockets (pfsync, IP protocol 240). */
    public static final int CAP_NET_RAW = 13;
    /** {@code CAP_SYS_ADMIN}. */
    public static final int CAP_SYS_ADMIN = 21;

    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final int PR_GET_KEEPCAPS = 7;
    private static final int PR_SET_KEEPCAPS = 8;

    /** Names of capabilities 0..40, as capabilities(7) writes them in lower case. */
    private static final String[] NAMES = {
        "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill",
        "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service",
        "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module",
        "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot",
        "cap_sys_nice", "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
        "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
        "cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
    };

    private ThreadCapabilities() {
    }

    /** The three sets of one thread, as 64-bit masks. */
    public record Sets(long effective, long permitted, long inheritable) {
        @Override
        public String toString() {
            return "effective " + names(effective) + ", permitted " + names(permitted);
        }
    }

    /** @return the mask with the bits of {@code capabilities} */
    public static long mask(final int... capabilities) {
        long m = 0;
        for (final int c : capabilities) {
            m |= 1L << c;
        }
        return m;
    }

    /** @return the calling thread's sets */
    public static Sets current() {
        final int[] header = {LINUX_CAPABILITY_VERSION_3, 0};
        final int[] data = new int[6];
        if (Syscalls.libc().capget(header, data) != 0) {
            throw NativeException.of("capget", Syscalls.lastErrno(), null);
        }
        return new Sets(join(data[0], data[3]), join(data[1], data[4]), join(data[2], data[5]));
    }

    /**
     * Sets the calling thread's sets. Lowering is always allowed; raising effective or inheritable bits only within
     * the permitted set; the permitted set can never grow.
     *
     * @throws NativeException EPERM when that is asked
     */
    public static void set(final Sets sets) {
        final int[] header = {LINUX_CAPABILITY_VERSION_3, 0};
        final int[] data = {
            (int) sets.effective(), (int) sets.permitted(), (int) sets.inheritable(),
            (int) (sets.effective() >>> 32), (int) (sets.permitted() >>> 32), (int) (sets.inheritable() >>> 32),
        };
        if (Syscalls.libc().capset(header, data) != 0) {
            throw NativeException.of("capset(" + sets + ")", Syscalls.lastErrno(),
                    "a thread can only keep or drop capabilities it has in its permitted set");
        }
    }

    /**
     * {@code prctl(PR_SET_KEEPCAPS)} on the calling thread: with {@code keep}, a later change from root to another
     * user leaves this thread's permitted set as it is (its effective set is still cleared: raise it again with
     * {@link #set}). Other threads are not affected. The flag is cleared again by the kernel at {@code execve}.
     */
    public static void keepCapabilities(final boolean keep) {
        if (Syscalls.libc().prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) != 0) {
            throw NativeException.of("prctl(PR_SET_KEEPCAPS, " + (keep ? 1 : 0) + ")", Syscalls.lastErrno(), null);
        }
    }

    /** @return true when the calling thread keeps its capabilities across a change of user */
    public static boolean keepsCapabilities() {
        final int r = Syscalls.libc().prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);
        if (r < 0) {
            throw NativeException.of("prctl(PR_GET_KEEPCAPS)", Syscalls.lastErrno(), null);
        }
        return r == 1;
    }

    /** @return the capabilities of {@code mask} by name, comma-separated ({@code "none"} for 0) */
    public static String names(final long mask) {
        if (mask == 0) {
            return "none";
        }
        final List<String> out = new ArrayList<>();
        for (int c = 0; c < 64; c++) {
            if ((mask & (1L << c)) != 0) {
                out.add(c < NAMES.length ? NAMES[c] : "cap_" + c);
            }
        }
        return String.join(",", out);
    }

    /** @return the name of one capability */
    public static String name(final int capability) {
        return names(1L << capability);
    }

    private static long join(final int low, final int high) {
        return (low & 0xFFFF_FFFFL) | ((long) high << 32);
    }
}
