package io.tandem.engine.privileges;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.nativeio.libc.Posix;
import io.tandem.nativeio.libc.ThreadCapabilities;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code set user}: resolving the user, and the switch itself in a child JVM started as root that becomes
 * {@code nobody} ({@link DropProbe}): every thread changes user, only the switching thread and the threads it starts
 * afterwards keep CAP_NET_ADMIN and CAP_NET_RAW, and they lose them once it releases them. No network is touched.
 */
class PrivilegeDropTest {
    private static final long KEEP = ThreadCapabilities.mask(ThreadCapabilities.CAP_NET_ADMIN,
            ThreadCapabilities.CAP_NET_RAW);

    @Test
    void noneAndRootKeepTheStartingUser() throws PrivilegeException {
        for (final String none : new String[] {null, "none", "root"}) {
            final PrivilegeDrop d = PrivilegeDrop.forUser(none, KEEP);
            assertFalse(d.switches(), none);
            assertEquals(Posix.geteuid(), d.uid());
            assertTrue(d.apply().startsWith("running as "), none);
        }
    }

    @Test
    void anUnknownUserIsRefusedWithWhatToDo() {
        final PrivilegeException e = assertThrows(PrivilegeException.class,
                () -> PrivilegeDrop.forUser("tandem-no-such-user", KEEP));
        assertEquals("set user tandem-no-such-user: no such user; create it with `useradd --system --user-group"
                + " --no-create-home --home-dir /var/lib/tandem --shell /usr/sbin/nologin tandem-no-such-user`"
                + " (deploy/README.md), or keep the starting user with `set user none`", e.getMessage());
        assertTrue(assertThrows(PrivilegeException.class, () -> PrivilegeDrop.forUser("Bad Name", KEEP))
                .getMessage().startsWith("set user Bad Name: not a user name"));
    }

    @Test
    void aProcessThatIsNeitherRootNorTheUserCannotSwitch() throws PrivilegeException {
        final PrivilegeException e = assertThrows(PrivilegeException.class,
                () -> PrivilegeDrop.forUser("nobody", KEEP, 4_000_123));
        assertTrue(e.getMessage().startsWith("set user nobody: the engine runs as uid 4000123 (uid 4000123), which"
                + " cannot switch to nobody (uid 65534"), e.getMessage());
        assertTrue(e.getMessage().endsWith("start it as root, or as nobody itself (systemd: User=nobody with"
                + " AmbientCapabilities=), or set user none"), e.getMessage());
        final PrivilegeDrop already = PrivilegeDrop.forUser("nobody", KEEP, 65534);
        assertFalse(already.switches(), "already the user (systemd User=): nothing to switch");
        assertEquals(65534, already.uid());
    }

    @Test
    void rootSwitchesToNobodyKeepingTheCapabilitiesOnlyForThreadsStartedAfter() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "switching users needs root");
        assumeTrue(Posix.user("nobody") != null, "no user nobody");
        final int nobody = Posix.user("nobody").uid();
        final int nogroup = Posix.user("nobody").gid();
        final List<String> out = probe("nobody");
        final String ids = "uid=" + nobody + "," + nobody + "," + nobody + "," + nobody + " gid=" + nogroup;
        assertTrue(out.get(0).matches("report running as nobody \\(uid " + nobody + ", gid " + nogroup
                + "\\): all \\d+ threads switched; cap_net_admin,cap_net_raw kept for the packet and sync threads only"),
                out.toString());
        assertEquals("before " + ids + " capEff=0 capPrm=0", out.get(1), "a thread from before the switch: no capability");
        assertEquals("starter " + ids + " capEff=3000 capPrm=3000", out.get(2), "the switching thread keeps the two");
        assertEquals("after " + ids + " capEff=3000 capPrm=3000", out.get(3), "a thread it starts after inherits them");
        assertEquals("starter-released " + ids + " capEff=0 capPrm=0", out.get(4));
        assertEquals("late " + ids + " capEff=0 capPrm=0", out.get(5), "threads started after the release have none");
    }

    /** Runs {@link DropProbe} for {@code user} in a new JVM with this test's class path; its output lines. */
    static List<String> probe(final String user) throws Exception {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final Path output = Files.createTempFile("drop-probe", ".txt");
        try {
            final Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    DropProbe.class.getName(), user).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            final boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
            }
            final String text = Files.readString(output, StandardCharsets.UTF_8);
            assertTrue(ended, "the probe ends: " + text);
            assertEquals(0, p.exitValue(), text);
            return text.lines().filter(l -> !l.isBlank()).toList();
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
