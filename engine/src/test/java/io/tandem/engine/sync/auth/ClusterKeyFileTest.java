package io.tandem.engine.sync.auth;

import static io.tandem.engine.sync.auth.AuthTestSupport.KEY2_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.KEY_HEX;
import static io.tandem.engine.sync.auth.AuthTestSupport.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.LinkOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing, every error with its {@code FILE:LINE:} message, and the refusal of key files that are not private. */
class ClusterKeyFileTest {
    @TempDir
    Path dir;

    @Test
    void oneKeyWithCommentsBlankLinesAndOddWhitespace() {
        final ClusterKeyFile keys = ClusterKeyFile.parse("k", "\uFEFF# cluster key, made 2024-05-01\n"
            + "\n"
            + "   \t\n"
            + "\t 7\t " + KEY_HEX.toUpperCase(Locale.ROOT) + "   # the sending key\r\n"
            + "# end\n");
        assertEquals(1, keys.size());
        assertEquals(7, keys.keyId(0));
        assertEquals(7, keys.sendKeyId());
        assertArrayEquals(hex(KEY_HEX), keys.secret(0));
        assertEquals("k", keys.source());
    }

    @Test
    void twoKeysTheFirstSends() {
        final ClusterKeyFile keys = ClusterKeyFile.parse("k", "65535 " + KEY2_HEX + "\n0 " + KEY_HEX);
        assertEquals(2, keys.size());
        assertEquals(65535, keys.sendKeyId());
        assertEquals(0, keys.keyId(1));
        assertArrayEquals(hex(KEY2_HEX), keys.secret(0));
        assertArrayEquals(hex(KEY_HEX), keys.secret(1));
    }

    @Test
    void secretIsACopy() {
        final ClusterKeyFile keys = ClusterKeyFile.parse("k", "1 " + KEY_HEX);
        keys.secret(0)[0] = 99;
        assertArrayEquals(hex(KEY_HEX), keys.secret(0));
    }

    @Test
    void errorsNameFileAndLine() {
        final String key = KEY_HEX;
        error("k:2: key has a character that is not a hex digit at column 6",
            "# x\n1  " + key.substring(0, 2) + "g" + key.substring(3));
        error("k:1: key must be 64 hex digits (256 bits), found 63 characters", "1 " + key.substring(1));
        error("k:1: key must be 64 hex digits (256 bits), found 66 characters", "1 " + key + "00");
        error("k:1: expected '<keyid> <64 hex digits>', found 1 field", key);
        error("k:1: expected '<keyid> <64 hex digits>', found 3 fields", "1 " + key + " 2");
        error("k:1: key id must be a decimal number from 0 to 65535 (expected '<keyid> <64 hex digits>')",
            "65536 " + key);
        error("k:1: key id must be a decimal number from 0 to 65535 (expected '<keyid> <64 hex digits>')",
            "-1 " + key);
        error("k:1: key id must be a decimal number from 0 to 65535 (expected '<keyid> <64 hex digits>')",
            "0x10 " + key);
        error("k:4: duplicate key id 3 (first on line 2)", "\n3 " + key + "\n\n03 " + KEY2_HEX);
        error("k:3: a third key; the file holds at most 2 keys: the sending key first, then one more accepted"
            + " during a rotation", "1 " + key + "\n2 " + KEY2_HEX + "\n3 " + key);
        error("k: no key; expected '<keyid> <64 hex digits>'", "# only a comment\n\n");
        error("k: no key; expected '<keyid> <64 hex digits>'", "");
    }

    /** With the fields swapped, the key would be in the "key id" field: it must not be echoed. */
    @Test
    void messagesNeverContainTheKey() {
        final ClusterKeyFileException e = assertThrows(ClusterKeyFileException.class,
            () -> ClusterKeyFile.parse("k", KEY_HEX + " 1"));
        assertFalse(e.getMessage().contains(KEY_HEX.substring(0, 8)), e.getMessage());
        final ClusterKeyFile keys = ClusterKeyFile.parse("k", "1 " + KEY_HEX + "\n2 " + KEY2_HEX);
        assertEquals("ClusterKeyFile[k: send key id 1, also accepted 2]", keys.toString());
    }

    @Test
    void exceptionCarriesItsParts() {
        final ClusterKeyFileException e = assertThrows(ClusterKeyFileException.class,
            () -> ClusterKeyFile.parse("/etc/tandem/cluster.key", "# a\n\nx " + KEY_HEX));
        assertEquals("/etc/tandem/cluster.key", e.source());
        assertEquals(3, e.line());
        assertTrue(e.getMessage().startsWith("/etc/tandem/cluster.key:3: key id"));
        assertTrue(e.detail().startsWith("key id"));
        assertTrue(e instanceof IllegalArgumentException);
    }

    @Test
    void loadsAFile() throws IOException {
        final Path file = write("cluster.key", "1 " + KEY_HEX + "\n", "rw-------");
        final ClusterKeyFile keys = ClusterKeyFile.load(file);
        assertEquals(1, keys.sendKeyId());
        assertEquals(file.toString(), keys.source());
    }

    @Test
    void loadErrorsCarryTheFileName() throws IOException {
        final Path file = write("bad.key", "\n\n1 zz\n", "rw-------");
        final ClusterKeyFileException e = assertThrows(ClusterKeyFileException.class, () -> ClusterKeyFile.load(file));
        assertEquals(file + ":3: key must be 64 hex digits (256 bits), found 2 characters", e.getMessage());
    }

    @Test
    void unreadableFiles() throws IOException {
        final Path missing = dir.resolve("missing.key");
        assertEquals(missing + ": cannot read the key file: no such file",
            assertThrows(ClusterKeyFileException.class, () -> ClusterKeyFile.load(missing)).getMessage());

        final ClusterKeyFileException directory =
            assertThrows(ClusterKeyFileException.class, () -> ClusterKeyFile.load(dir));
        assertEquals(dir + ": not a regular file; refused", directory.getMessage());
        assertEquals(0, directory.line());

        final Path big = dir.resolve("big.key");
        Files.write(big, new byte[ClusterKeyFile.MAX_FILE_SIZE + 1]);
        Files.setPosixFilePermissions(big, PosixFilePermissions.fromString("rw-------"));
        assertEquals(big + ": larger than 65536 bytes; not a key file",
            assertThrows(ClusterKeyFileException.class, () -> ClusterKeyFile.load(big)).getMessage());
    }

    @Test
    void permissionDenied() throws IOException {
        final Path file = write("locked.key", "1 " + KEY_HEX + "\n", "---------");
        assumeTrue(!Files.isReadable(file), "running as root: mode 000 does not stop reading");
        assertEquals(file + ": cannot read the key file: permission denied",
            assertThrows(ClusterKeyFileException.class, () -> ClusterKeyFile.load(file)).getMessage());
    }

    @Test
    void refusedWhenGroupOrOthersCanAccessTheKey() throws IOException {
        final Path file = write("open.key", "1 " + KEY_HEX + "\n", "rw-r--r--");
        assertEquals(file + ": permissions 0644 are too open: group or others can read the cluster key;"
            + " refused, run: chmod 600 " + file, refusal(file));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertTrue(refusal(file).contains(": permissions 0666 are too open"), refusal(file));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertTrue(refusal(file).contains(": permissions 0640 are too open"), refusal(file));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw--w----"));
        assertEquals(file + ": permissions 0620 are too open: group or others can access the cluster key;"
            + " refused, run: chmod 600 " + file, refusal(file));

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals(1, ClusterKeyFile.load(file).sendKeyId());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    }

    @Test
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        final Path fifo = dir.resolve("pipe.key");
        final Process p = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo not available");
        assertEquals(fifo + ": not a regular file; refused",
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> refusal(fifo)));
    }

    @Test
    void refusedWhenOwnedByAnotherUser() throws IOException {
        assumeTrue(isRoot(), "needs root to give a file to another user");
        final Path file = write("theirs.key", "1 " + KEY_HEX + "\n", "rw-------");
        setOwner(file, "nobody", false);
        final int nobody = (Integer) Files.getAttribute(file, "unix:uid");
        assertEquals(file + ": owned by 'nobody' (uid " + nobody + "), not by 'root' (uid 0), the engine's user;"
            + " refused, run: chown root " + file, refusal(file));
    }

    @Test
    void aSymbolicLinkIsCheckedAndSoIsItsTarget() throws IOException {
        final Path good = write("good.key", "1 " + KEY_HEX + "\n", "rw-------");
        final Path toGood = Files.createSymbolicLink(dir.resolve("current.key"), good);
        assertEquals(1, ClusterKeyFile.load(toGood).sendKeyId());

        final Path open = write("open.key", "1 " + KEY_HEX + "\n", "rw-r--r--");
        final Path toOpen = Files.createSymbolicLink(dir.resolve("link-open.key"), open);
        assertEquals(toOpen + " (a link to " + open.toRealPath() + "): permissions 0644 are too open: group or others"
            + " can read the cluster key; refused, run: chmod 600 " + toOpen, refusal(toOpen));

        final Path dangling = Files.createSymbolicLink(dir.resolve("dangling.key"), dir.resolve("gone.key"));
        assertEquals(dangling + ": cannot read the key file: no such file (a dangling symbolic link)", refusal(dangling));

        assumeTrue(isRoot(), "needs root to give a file to another user");
        final Path theirs = write("theirs.key", "1 " + KEY_HEX + "\n", "rw-------");
        setOwner(theirs, "nobody", false);
        final Path toTheirs = Files.createSymbolicLink(dir.resolve("link-theirs.key"), theirs);
        assertTrue(refusal(toTheirs).startsWith(toTheirs + " (a link to " + theirs.toRealPath() + "): owned by 'nobody'"),
            refusal(toTheirs));

        // A link someone else owns points where they chose, even at a good file.
        final Path theirLink = Files.createSymbolicLink(dir.resolve("their-link.key"), good);
        setOwner(theirLink, "nobody", true);
        assertTrue(refusal(theirLink).startsWith(theirLink + ": a symbolic link owned by 'nobody'"), refusal(theirLink));
    }

    private static boolean isRoot() throws IOException {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return "0".equals(line.substring(4).trim().split("\\s+")[1]);
            }
        }
        return false;
    }

    private static void setOwner(final Path file, final String user, final boolean link) throws IOException {
        final UserPrincipal principal = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
        final PosixFileAttributeView view = link
            ? Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            : Files.getFileAttributeView(file, PosixFileAttributeView.class);
        view.setOwner(principal);
    }

    private static String refusal(final Path file) {
        final ClusterKeyFileException e = assertThrows(ClusterKeyFileException.class, () -> ClusterKeyFile.load(file));
        assertFalse(e.getMessage().contains(KEY_HEX), e.getMessage());
        return e.getMessage();
    }

    /** The key-generation command of docs/pfsync-auth.md produces a valid, private key file. */
    @Test
    void documentedGenerationCommandWorks() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "no /bin/sh");
        final Path file = dir.resolve("generated.key");
        final Process p = new ProcessBuilder("/bin/sh", "-c",
            "umask 077; printf '1 %s\\n' \"$(head -c32 /dev/urandom | od -An -tx1 | tr -d ' \\n')\" > \"$1\""
                + " && chmod 600 \"$1\"", "sh", file.toString())
            .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        final ClusterKeyFile keys = ClusterKeyFile.load(file);
        assertEquals(1, keys.sendKeyId());
        assertEquals(ClusterKeyFile.KEY_LENGTH, keys.secret(0).length);
    }

    private Path write(final String name, final String text, final String mode) throws IOException {
        final Path file = dir.resolve(name);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    private static void error(final String expected, final String text) {
        final ClusterKeyFileException e = assertThrows(ClusterKeyFileException.class,
            () -> ClusterKeyFile.parse("k", text), expected);
        assertEquals(expected, e.getMessage());
    }
}
