package io.tandem.engine.privileges;

import io.tandem.nativeio.libc.FileStatus;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.Posix;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Owner and mode checks of the directories the engine writes and trusts, at start, before anything is read from
 * them: the journal directory ({@code set journal dir}), whose files recovery replays into the state table, and
 * the control socket's directory ({@code set control}), where whoever can write could put their own socket. (The
 * cluster key file has its own, stricter rules in {@code sync.auth.ClusterKeyFile}.)
 *
 * <p>Rules. The journal directory must be a directory owned by the user the engine runs as (it creates and
 * deletes files there), writable by no one else (mode without {@code 022}), and every file in it owned by that
 * user (a file root left behind cannot be rewritten by {@code tandem}). A missing journal directory is created:
 * missing parents with mode 0755 owned by the starting user, the directory itself 0700 and, when the engine
 * switches users, owned by that user. A symbolic link in its place is followed only when the link belongs to root
 * or that user. Nothing is ever chowned or chmodded that already exists: a root process changing owners inside a
 * directory another user controls is how links trick it, so the message says what to run instead. The control
 * socket's directory must be owned by root or the user and writable by no one else ({@code /tmp} is refused);
 * when missing, the control server creates it. Stateless; runs on the starting thread, as root before the
 * switch or as the user when there is none. Failure policy: a {@link PrivilegeException} whose one line names the
 * path, what is wrong and the command that fixes it.
 */
public final class PathCheck {
    /** Mode bits that let the group or others write. */
    private static final int GROUP_OTHER_WRITE = 0022;

    private PathCheck() {
    }

    /**
     * Checks (or creates) the journal directory for a process that will run as {@code runAs}.
     *
     * @return what was found, for the log, e.g. {@code /var/lib/tandem/journal (tandem, 0700, 12 files)}
     */
    public static String journalDirectory(final Path dir, final PrivilegeDrop runAs) throws PrivilegeException {
        final String path = dir.toString();
        final FileStatus link = lstat(path, "journal directory");
        if (link == null) {
            return create(dir, runAs);
        }
        if (link.isSymbolicLink() && link.uid() != 0 && link.uid() != runAs.uid()) {
            throw new PrivilegeException("journal directory " + path + " is a symbolic link owned by "
                    + owner(link.uid()) + ", neither root nor " + runAs.user() + "; refused: replace it with a"
                    + " directory or a link owned by root");
        }
        final FileStatus st = stat(path, "journal directory");
        if (st == null) {
            throw new PrivilegeException("journal directory " + path + " is a dangling symbolic link");
        }
        if (!st.isDirectory()) {
            throw new PrivilegeException("journal directory " + path + " is not a directory; set journal dir to a"
                    + " directory of its own");
        }
        if (st.uid() != runAs.uid()) {
            throw new PrivilegeException("journal directory " + path + " is owned by " + owner(st.uid()) + ", but the"
                    + " engine runs as " + runAs.user() + " (set user) and writes there; run `chown -R " + runAs.user()
                    + ": " + path + "`");
        }
        if ((st.permissions() & GROUP_OTHER_WRITE) != 0) {
            throw new PrivilegeException("journal directory " + path + " has mode " + st.octal() + ": the group or"
                    + " others could replace journal files that recovery trusts; run `chmod go-w " + path + "`");
        }
        int files = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (final Path entry : entries) {
                final FileStatus e = lstat(entry.toString(), "journal file");
                if (e != null && e.uid() != runAs.uid()) {
                    throw new PrivilegeException("journal file " + entry + " is owned by " + owner(e.uid()) + ", but"
                            + " the engine runs as " + runAs.user() + " (set user) and must rewrite it; run `chown -R "
                            + runAs.user() + ": " + path + "`");
                }
                files++;
            }
        } catch (final IOException e) {
            throw new PrivilegeException("journal directory " + path + " cannot be listed: " + e.getMessage(), e);
        }
        return path + " (" + runAs.user() + ", " + st.octal() + ", " + files + (files == 1 ? " file)" : " files)");
    }

    private static String create(final Path dir, final PrivilegeDrop runAs) throws PrivilegeException {
        final Path parent = dir.toAbsolutePath().getParent();
        try {
            createParents(parent);
            Posix.mkdir(dir.toString(), 0700);
            Posix.chmod(dir.toString(), 0700); // whatever the umask
            if (runAs.switches()) {
                Posix.chown(dir.toString(), runAs.uid(), runAs.gid());
            }
        } catch (final NativeException e) {
            throw new PrivilegeException("journal directory " + dir + " cannot be created: " + e.getMessage()
                    + "; create it with `install -d -o " + runAs.user() + " -m 0700 " + dir + "`", e);
        }
        return dir + " (created, " + runAs.user() + ", 0700)";
    }

    private static void createParents(final Path dir) {
        if (dir == null || Posix.stat(dir.toString()) != null) {
            return;
        }
        createParents(dir.getParent());
        Posix.mkdir(dir.toString(), 0755);
        Posix.chmod(dir.toString(), 0755);
    }

    /**
     * Checks the directory the control socket is created in, when it exists (the control server creates a missing
     * one, mode 0700).
     *
     * @return what was found, for the log
     */
    public static String controlDirectory(final Path socket, final PrivilegeDrop runAs) throws PrivilegeException {
        final Path dir = socket.toAbsolutePath().getParent();
        if (dir == null) {
            throw new PrivilegeException("control socket " + socket + " has no directory");
        }
        final FileStatus st = stat(dir.toString(), "control socket directory");
        if (st == null) {
            return dir + " (to be created)";
        }
        if (!st.isDirectory()) {
            throw new PrivilegeException("control socket directory " + dir + " is not a directory");
        }
        if (st.uid() != 0 && st.uid() != runAs.uid() && st.uid() != Posix.geteuid()) {
            throw new PrivilegeException("control socket directory " + dir + " is owned by " + owner(st.uid())
                    + ", neither root nor " + runAs.user() + "; that user could replace the admin socket; use a"
                    + " directory of root's, e.g. `set control \"/run/tandem/tandem.sock\"`");
        }
        if ((st.permissions() & GROUP_OTHER_WRITE) != 0) {
            throw new PrivilegeException("control socket directory " + dir + " has mode " + st.octal() + ": the group"
                    + " or others could replace the admin socket; use a directory only root writes, e.g. `set control"
                    + " \"/run/tandem/tandem.sock\"`, or run `chmod go-w " + dir + "`");
        }
        return dir + " (" + owner(st.uid()) + ", " + st.octal() + ")";
    }

    private static FileStatus lstat(final String path, final String what) throws PrivilegeException {
        try {
            return Posix.lstat(path);
        } catch (final NativeException e) {
            throw new PrivilegeException(what + " " + path + " cannot be examined: " + e.getMessage(), e);
        }
    }

    private static FileStatus stat(final String path, final String what) throws PrivilegeException {
        try {
            return Posix.stat(path);
        } catch (final NativeException e) {
            throw new PrivilegeException(what + " " + path + " cannot be examined: " + e.getMessage(), e);
        }
    }

    private static String owner(final int uid) {
        final String name = Posix.userName(uid);
        return name.startsWith("uid ") ? name : name + " (uid " + uid + ")";
    }
}
