package io.tandem.engine.control;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Decides whether the control socket may be bound at a path, and clears a stale socket there.
 *
 * <p>Theory of operation. Called once by {@link ControlServer#start} on the starting thread; no
 * state. The path is examined without following links ({@code lstat}): nothing there is fine; a
 * socket file that nobody accepts on ({@code ECONNREFUSED}) is left over from an engine that did
 * not shut down, and is removed; a socket somebody accepts on belongs to a live process and is
 * refused; anything else — regular file, directory, symbolic link (whatever it points to), FIFO,
 * device — is refused and left untouched, so a mistyped {@code set control} can never destroy a
 * file. The probe connects without blocking, so a live server with a full backlog is reported as
 * live instead of hanging the start. A remaining race (another process replaces the stale socket
 * between probe and removal) is not guarded: both would be engines of the same administrator.
 * Failure policy: every refusal is an {@link IllegalStateException} whose message names the path,
 * what was found there and what to do.
 */
final class ControlSocketPath {
    /** {@code S_IFMT} and {@code S_IFSOCK} from {@code <sys/stat.h>}. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private ControlSocketPath() {
    }

    /**
     * Makes {@code path} free for a new socket: returns when nothing is there (a stale socket is
     * removed first).
     *
     * @throws IllegalStateException the path holds something that is not a stale socket
     */
    static void clear(final Path path) {
        final BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (final NoSuchFileException e) {
            return;
        } catch (final IOException e) {
            throw refuse(path, "cannot be examined (" + e.getMessage() + ")");
        }
        if (a.isSymbolicLink()) {
            String target;
            try {
                target = " to " + Files.readSymbolicLink(path);
            } catch (final IOException e) {
                target = "";
            }
            throw refuse(path, "is a symbolic link" + target + "; tandem neither follows nor removes a link there");
        }
        if (a.isDirectory()) {
            throw refuse(path, "is a directory");
        }
        if (a.isRegularFile()) {
            throw refuse(path, "is a regular file; tandem does not delete or overwrite it");
        }
        if (!isSocket(path)) {
            throw refuse(path, "is not a socket (a FIFO or device file); tandem leaves it alone");
        }
        switch (probe(path)) {
            case LIVE:
                throw new IllegalStateException("control socket " + path + " is in use: another running tandem"
                        + " (or another program) accepts connections on it; stop it, or give this instance its own"
                        + " path with `set control \"/run/tandem/NAME.sock\"`");
            case STALE:
                try {
                    Files.delete(path);
                } catch (final IOException e) {
                    throw refuse(path, "is a stale socket that cannot be removed (" + e.getMessage() + ")");
                }
                return;
            default:
                throw refuse(path, "is a socket whose owner cannot be determined (connecting failed otherwise than"
                        + " with 'connection refused')");
        }
    }

    /** What a connection attempt to an existing socket file says about it. */
    enum Probe {
        LIVE,
        STALE,
        UNKNOWN
    }

    /** Connects without blocking: accepted or in progress = live; refused = stale; else unknown. */
    static Probe probe(final Path path) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.configureBlocking(false);
            ch.connect(UnixDomainSocketAddress.of(path));
            return Probe.LIVE;
        } catch (final ConnectException e) {
            return Probe.STALE;
        } catch (final IOException e) {
            // EAGAIN: the listener's backlog is full, so somebody listens; anything else: unknown
            return e.getMessage() != null && e.getMessage().contains("temporarily unavailable") ? Probe.LIVE
                    : Probe.UNKNOWN;
        }
    }

    /** True when the path itself (not a link's target) is a socket; false when that cannot be told. */
    static boolean isSocket(final Path path) {
        try {
            final Object mode = Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return mode instanceof Integer && ((Integer) mode & S_IFMT) == S_IFSOCK;
        } catch (final IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static IllegalStateException refuse(final Path path, final String what) {
        return new IllegalStateException("control socket path " + path + " " + what + " — set control to a path"
                + " where only the engine's socket lives, e.g. `set control \"/run/tandem/tandem.sock\"`, or"
                + " `set control none`");
    }
}
