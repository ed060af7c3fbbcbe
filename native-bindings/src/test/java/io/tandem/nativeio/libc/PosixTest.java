package io.tandem.nativeio.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jnr-posix facade and the calling thread's capabilities, on this host (no identity is changed). */
class PosixTest {
    @Test
    void statTellsOwnerModeTypeAndIdentity(@TempDir final Path tmp) throws Exception {
        final Path file = Files.writeString(tmp.resolve("f"), "x");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        final FileStatus st = Posix.stat(file.toString());
        assertNotNull(st);
        assertEquals(Posix.geteuid(), st.uid());
        assertEquals(0640, st.permissions());
        assertEquals("0640", st.octal());
        assertTrue(st.isRegularFile());
        assertFalse(st.isDirectory());
        assertEquals(Files.getAttribute(file, "unix:ino"), st.ino());

        final Path link = Files.createSymbolicLink(tmp.resolve("l"), file);
        assertTrue(Posix.lstat(link.toString()).isSymbolicLink());
        assertTrue(Posix.stat(link.toString()).sameFile(st));
        assertTrue(Posix.stat(tmp.toString()).isDirectory());
        assertNull(Posix.stat(tmp.resolve("missing").toString()));
        assertNull(Posix.stat(file.resolve("under-a-file").toString()), "ENOTDIR is 'nothing there' too");
    }

    @Test
    void chownChmodMkdir(@TempDir final Path tmp) {
        final String dir = tmp.resolve("d").toString();
        Posix.mkdir(dir, 0700);
        Posix.chmod(dir, 0750);
        assertEquals(0750, Posix.stat(dir).permissions());
        if (Posix.geteuid() == 0) {
            Posix.chown(dir, 65534, 65534);
            assertEquals(65534, Posix.stat(dir).uid());
        }
        final NativeException e = assertThrows(NativeException.class, () -> Posix.mkdir(dir, 0700));
        assertEquals("EEXIST", e.errnoName());
    }

    @Test
    void userDatabase() {
        final UserAccount root = Posix.user("root");
        assertNotNull(root);
        assertEquals(0, root.uid());
        assertEquals(0, root.gid());
        assertEquals("root", Posix.userName(0));
        assertNull(Posix.user("tandem-no-such-user"));
        assertEquals("uid 4000123", Posix.userName(4_000_123));
    }

    @Test
    void isattyOnAFileIsFalse() {
        // surefire's forked JVM has pipes, not a terminal, on 0, 1 and 2
        assertFalse(Posix.isatty(1));
        assertFalse(Posix.isatty(12345));
    }

    @Test
    void capabilitiesOfThisThreadMatchProcStatus() throws Exception {
        final ThreadCapabilities.Sets sets = ThreadCapabilities.current();
        final String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        long capEff = -1;
        for (final String line : Files.readAllLines(Path.of("/proc/self/task/" + tid + "/status"))) {
            if (line.startsWith("CapEff:")) {
                capEff = Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        assertEquals(capEff, sets.effective());
        // Setting the same sets again is always allowed; keep-caps toggles and is read back.
        ThreadCapabilities.set(sets);
        assertEquals(sets, ThreadCapabilities.current());
        final boolean keep = ThreadCapabilities.keepsCapabilities();
        ThreadCapabilities.keepCapabilities(!keep);
        assertEquals(!keep, ThreadCapabilities.keepsCapabilities());
        ThreadCapabilities.keepCapabilities(keep);
    }

    @Test
    void capabilityNames() {
        assertEquals("none", ThreadCapabilities.names(0));
        assertEquals("cap_net_admin,cap_net_raw", ThreadCapabilities.names(
                ThreadCapabilities.mask(ThreadCapabilities.CAP_NET_RAW, ThreadCapabilities.CAP_NET_ADMIN)));
        assertEquals("cap_chown", ThreadCapabilities.name(ThreadCapabilities.CAP_CHOWN));
        assertEquals("cap_63", ThreadCapabilities.names(1L << 63));
    }
}
