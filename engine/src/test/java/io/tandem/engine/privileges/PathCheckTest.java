package io.tandem.engine.privileges;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.nativeio.libc.FileStatus;
import io.tandem.nativeio.libc.Posix;
import io.tandem.nativeio.libc.ThreadCapabilities;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Owner and mode checks of the journal and control socket directories, with temporary files; the cases with
 * another owner give files to {@code nobody} (root only). Nothing is switched: a {@link PrivilegeDrop} for
 * {@code nobody} is only built, as root would build it.
 */
class PathCheckTest {
    @TempDir
    Path tmp;

    private static PrivilegeDrop asRoot() {
        return PrivilegeDrop.keep();
    }

    private static PrivilegeDrop toNobody() throws PrivilegeException {
        assumeTrue(Posix.geteuid() == 0 && Posix.user("nobody") != null, "needs root and the user nobody");
        return PrivilegeDrop.forUser("nobody", ThreadCapabilities.mask(ThreadCapabilities.CAP_NET_ADMIN), 0);
    }

    @Test
    void aMissingJournalDirectoryIsCreatedPrivateAndOwnedByTheUser() throws Exception {
        final Path dir = tmp.resolve("a/b/journal");
        assertEquals(dir + " (created, " + asRoot().user() + ", 0700)", PathCheck.journalDirectory(dir, asRoot()));
        assertEquals(0700, Posix.stat(dir.toString()).permissions());
        assertEquals(0755, Posix.stat(tmp.resolve("a").toString()).permissions(), "parents 0755");
        assertEquals(dir + " (" + asRoot().user() + ", 0700, 0 files)", PathCheck.journalDirectory(dir, asRoot()),
                "and accepted next time");

        final PrivilegeDrop nobody = toNobody();
        final Path theirs = tmp.resolve("theirs");
        PathCheck.journalDirectory(theirs, nobody);
        final FileStatus st = Posix.stat(theirs.toString());
        assertEquals(nobody.uid(), st.uid());
        assertEquals(nobody.gid(), st.gid());
    }

    @Test
    void aJournalDirectoryOfAnotherUserIsRefusedWithTheChownToRun() throws Exception {
        final PrivilegeDrop nobody = toNobody();
        final Path dir = Files.createDirectory(tmp.resolve("journal"));
        assertEquals("journal directory " + dir + " is owned by root (uid 0), but the engine runs as nobody (set user)"
                + " and writes there; run `chown -R nobody: " + dir + "`", refusal(dir, nobody));
        Posix.chown(dir.toString(), nobody.uid(), nobody.gid());
        Files.writeString(dir.resolve("20261205.cq4"), "x"); // root's, left by a run as root
        assertEquals("journal file " + dir.resolve("20261205.cq4") + " is owned by root (uid 0), but the engine runs"
                + " as nobody (set user) and must rewrite it; run `chown -R nobody: " + dir + "`", refusal(dir, nobody));
        Posix.chown(dir.resolve("20261205.cq4").toString(), nobody.uid(), nobody.gid());
        assertTrue(PathCheck.journalDirectory(dir, nobody).endsWith("(nobody, 0755, 1 file)"),
                PathCheck.journalDirectory(dir, nobody));
    }

    @Test
    void aJournalDirectoryOthersMayWriteIsRefused() throws Exception {
        final Path dir = Files.createDirectory(tmp.resolve("journal"));
        Posix.chmod(dir.toString(), 0775);
        assertEquals("journal directory " + dir + " has mode 0775: the group or others could replace journal files"
                + " that recovery trusts; run `chmod go-w " + dir + "`", refusal(dir, asRoot()));
        Posix.chmod(dir.toString(), 01777);
        assertTrue(refusal(dir, asRoot()).contains("has mode 1777"));
        Posix.chmod(dir.toString(), 0750);
        assertTrue(PathCheck.journalDirectory(dir, asRoot()).endsWith(", 0750, 0 files)"));
    }

    @Test
    void aFileOrAForeignLinkIsNoJournalDirectory() throws Exception {
        final Path file = Files.writeString(tmp.resolve("file"), "x");
        assertEquals("journal directory " + file + " is not a directory; set journal dir to a directory of its own",
                refusal(file, asRoot()));
        final Path dangling = Files.createSymbolicLink(tmp.resolve("dangling"), tmp.resolve("gone"));
        assertEquals("journal directory " + dangling + " is a dangling symbolic link", refusal(dangling, asRoot()));
        final Path real = Files.createDirectory(tmp.resolve("real"));
        final Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertTrue(PathCheck.journalDirectory(link, asRoot()).startsWith(link + " ("), "root's link is followed");

        final PrivilegeDrop nobody = toNobody();
        final Path other = Files.createDirectory(tmp.resolve("other"));
        Posix.chown(other.toString(), nobody.uid(), nobody.gid());
        final Path foreign = Files.createSymbolicLink(tmp.resolve("foreign"), other);
        final int[] ids = ownerOfLinkToThird(foreign);
        assumeTrue(ids != null, "no third user (daemon) to own a link");
        assertTrue(refusal(foreign, nobody).startsWith("journal directory " + foreign + " is a symbolic link owned by"),
                refusal(foreign, nobody));
    }

    /** Gives {@code link} itself to the user {@code daemon} (neither root nor nobody); null when there is none. */
    private static int[] ownerOfLinkToThird(final Path link) throws Exception {
        final var daemon = Posix.user("daemon");
        if (daemon == null) {
            return null;
        }
        final Process p = new ProcessBuilder("chown", "-h", "daemon", link.toString()).inheritIO().start();
        return p.waitFor() == 0 ? new int[] {daemon.uid()} : null;
    }

    @Test
    void theControlSocketDirectoryMustBeRootsOrTheUsersAndNotWritableByOthers() throws Exception {
        final Path dir = Files.createDirectory(tmp.resolve("run"));
        Posix.chmod(dir.toString(), 0755);
        final Path socket = dir.resolve("tandem.sock");
        assertTrue(PathCheck.controlDirectory(socket, asRoot()).startsWith(dir + " ("));
        assertEquals(tmp.resolve("missing") + " (to be created)",
                PathCheck.controlDirectory(tmp.resolve("missing/tandem.sock"), asRoot()));
        Posix.chmod(dir.toString(), 01777);
        assertEquals("control socket directory " + dir + " has mode 1777: the group or others could replace the admin"
                + " socket; use a directory only root writes, e.g. `set control \"/run/tandem/tandem.sock\"`, or run"
                + " `chmod go-w " + dir + "`",
                assertThrows(PrivilegeException.class, () -> PathCheck.controlDirectory(socket, asRoot())).getMessage());

        final PrivilegeDrop nobody = toNobody();
        Posix.chmod(dir.toString(), 0700);
        Posix.chown(dir.toString(), nobody.uid(), nobody.gid());
        assertTrue(PathCheck.controlDirectory(socket, nobody).startsWith(dir + " (nobody"), "the user's own is fine");
        final var daemon = Posix.user("daemon");
        assumeTrue(daemon != null, "no user daemon");
        Posix.chown(dir.toString(), daemon.uid(), daemon.gid());
        assertTrue(assertThrows(PrivilegeException.class, () -> PathCheck.controlDirectory(socket, nobody)).getMessage()
                .startsWith("control socket directory " + dir + " is owned by daemon (uid " + daemon.uid()
                        + "), neither root nor nobody"));
    }

    private static String refusal(final Path dir, final PrivilegeDrop runAs) {
        return assertThrows(PrivilegeException.class, () -> PathCheck.journalDirectory(dir, runAs)).getMessage();
    }
}
