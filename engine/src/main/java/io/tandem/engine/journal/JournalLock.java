package io.tandem.engine.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import io.tandem.nativeio.libc.DirectoryLock;
import io.tandem.nativeio.libc.NativeException;

/**
 * The exclusive right to write a journal directory: held by a running engine, and by {@code tandem
 * journal import} for the duration of its write.
 *
 * <p>Theory of operation. The authoritative lock is an exclusive {@code flock(2)} on the journal
 * directory itself ({@link DirectoryLock}): it belongs to the directory's inode, which no deletion
 * of a file inside can replace, so it cannot be bypassed by deleting {@code engine.lock}, the
 * ownership file or both. (An fcntl lock of {@link FileChannel#tryLock()} belongs to a file's inode:
 * when {@code engine.lock} is deleted while an engine holds it, the next {@code open(engine.lock,
 * O_CREAT)} makes a new inode that nobody locks.) The two file locks are kept beside it, for
 * operators and older tools that look at {@code engine.lock}:
 * <ol>
 * <li>{@code engine.lock}, the file operators know about, and</li>
 * <li>the ownership file {@code tandem-journal.properties}: without it the directory is not a
 *     journal at all, so an import refuses it.</li>
 * </ol>
 * The holder re-takes the lock on the ownership file after {@link JournalDirectory#openForWriting}
 * may have replaced it (a new creatorid is written by an atomic rename, which makes a new inode).
 * Each file is locked, then checked: the name must still lead to the inode that was locked;
 * otherwise it was replaced meanwhile and the attempt is retried. The kernel drops every lock when
 * the process dies, so a crashed engine never leaves a stale lock.
 *
 * <p>Owner: the thread that opens the journal (main thread, or the import tool); setup time only.
 * Memory bound: a directory descriptor and two channels. Failure policy: {@link #tryAcquire}
 * returns null when another holder has the directory or either file; I/O errors are thrown.
 */
public final class JournalLock implements AutoCloseable {
    public static final String FILE = "engine.lock";

    private final DirectoryLock directory;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private FileChannel ownerChannel;
    private FileLock ownerLock;

    private JournalLock(final DirectoryLock directory, final FileChannel lockChannel, final FileLock lock) {
        this.directory = directory;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** The directory's flock, or null when held elsewhere; a directory that cannot be opened is an I/O error. */
    private static DirectoryLock lockDirectory(final Path dir) throws IOException {
        try {
            return DirectoryLock.tryLock(dir);
        } catch (final NativeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Takes the lock of {@code dir}: {@code engine.lock} (created if needed) and, when it exists, the
     * ownership file.
     *
     * @return the held lock, or null when another process (or channel) holds either file
     */
    public static JournalLock tryAcquire(final Path dir) throws IOException {
        final DirectoryLock d = lockDirectory(dir);
        if (d == null) {
            return null;
        }
        final FileLock held;
        try {
            held = lockFile(dir.resolve(FILE), true);
        } catch (final IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        if (held == null) {
            d.close();
            return null;
        }
        final JournalLock l = new JournalLock(d, held.channel(), held);
        try {
            if (!l.lockOwnerFile(dir)) {
                l.close();
                return null;
            }
            return l;
        } catch (final IOException | RuntimeException e) {
            l.close();
            throw e;
        }
    }

    /**
     * (Re-)locks the ownership file of {@code dir} as it is now (after {@link JournalDirectory}
     * may have replaced it); true when held or when there is none yet.
     */
    public boolean lockOwnerFile(final Path dir) throws IOException {
        final Path owner = dir.resolve(JournalDirectory.OWNER_FILE);
        if (!Files.exists(owner)) {
            return true;
        }
        if (ownerChannel != null && sameFile(owner, ownerChannel)) {
            return true;
        }
        final FileLock held = lockFile(owner, false);
        if (held == null) {
            return false;
        }
        final FileChannel oldChannel = ownerChannel;
        ownerChannel = held.channel();
        ownerLock = held;
        if (oldChannel != null) {
            oldChannel.close();
        }
        return true;
    }

    /**
     * True when another process (or another channel of this JVM) holds the lock of {@code dir}:
     * the directory or either file locked.
     */
    public static boolean heldByOther(final Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            final DirectoryLock d = lockDirectory(dir);
            if (d == null) {
                return true;
            }
            d.close();
        }
        for (final Path file : new Path[] {dir.resolve(FILE), dir.resolve(JournalDirectory.OWNER_FILE)}) {
            if (!Files.exists(file)) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                final FileLock l = ch.tryLock();
                if (l == null) {
                    return true;
                }
                l.release();
            } catch (final OverlappingFileLockException e) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens and try-locks {@code file}, retrying while the name is replaced under us; returns the
     * held lock (its channel stays open) or null when another holds it.
     */
    private static FileLock lockFile(final Path file, final boolean create) throws IOException {
        for (int attempt = 0; attempt < 10; attempt++) {
            final FileChannel ch = create
                    ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final FileLock l;
            try {
                l = ch.tryLock();
            } catch (final OverlappingFileLockException e) {
                ch.close();
                return null;
            } catch (final IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (l == null) {
                ch.close();
                return null;
            }
            if (sameFile(file, ch)) {
                return l;
            }
            ch.close();
        }
        throw new IOException(file + " keeps being replaced while it is being locked");
    }

    /** Whether {@code file} names the inode open in {@code ch}: its size and a probe write agree. */
    private static boolean sameFile(final Path file, final FileChannel ch) throws IOException {
        if (!Files.exists(file)) {
            return false;
        }
        // Java gives no fstat of a channel; /proc/self/fd is not reachable either. Compare through
        // the content instead: extend the open inode by one marker byte and see it through the name.
        final long size = ch.size();
        ch.write(java.nio.ByteBuffer.wrap(new byte[] {'\n'}), size);
        final boolean same = Files.size(file) == size + 1;
        ch.truncate(size);
        return same;
    }

    @Override
    public void close() throws IOException {
        try {
            if (ownerLock != null) {
                ownerLock.release();
            }
            if (ownerChannel != null) {
                ownerChannel.close();
            }
            lock.release();
        } finally {
            try {
                lockChannel.close();
            } finally {
                directory.close();
            }
        }
    }
}
