package io.tandem.engine.tools;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The engine lock: {@code DIR/engine.lock}, a file in the journal directory on which a running
 * engine holds an exclusive whole-file lock ({@link FileChannel#tryLock()}, an fcntl lock on Linux)
 * for as long as it writes the journal. The kernel drops the lock when the process dies, so a
 * crashed engine never leaves a stale lock behind; the file itself is left in place and means
 * nothing without the lock.
 *
 * <p>Tools that write to a journal ({@code tandem journal import}) take the same lock for the
 * duration of their write, so neither an engine nor a second import can interleave records with
 * theirs. Tools that only read do not need it. Setup time only.
 */
public final class EngineLock implements AutoCloseable {
    /** Name of the lock file inside the journal directory. */
    public static final String FILE = "engine.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private EngineLock(final FileChannel channel, final FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * True when another process (or another channel of this JVM) holds the engine lock of
     * {@code dir}: tries to lock the file and releases at once. A missing lock file means no engine
     * has ever locked it, so nothing holds it.
     */
    public static boolean heldByOther(final Path dir) throws IOException {
        final Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            final FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (final OverlappingFileLockException e) {
            return true;
        }
    }

    /**
     * Takes the engine lock of {@code dir}, creating the file if needed.
     *
     * @return the held lock (close it to release), or null when another process holds it
     */
    public static EngineLock tryAcquire(final Path dir) throws IOException {
        final FileChannel ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            final FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return null;
            }
            return new EngineLock(ch, l);
        } catch (final OverlappingFileLockException e) {
            ch.close();
            return null;
        } catch (final IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
