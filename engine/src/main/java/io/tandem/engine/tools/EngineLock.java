package io.tandem.engine.tools;

import io.tandem.engine.journal.JournalLock;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The engine lock as the tools see it: {@link JournalLock} — {@code DIR/engine.lock} and the
 * ownership file, both locked by a running engine for as long as it writes the journal, so that
 * deleting them does not let a second writer in (see {@link JournalLock} for why).
 *
 * <p>Tools that write to a journal ({@code tandem journal import}) take the same lock for the
 * duration of their write, so neither an engine nor a second import can interleave records with
 * theirs. Tools that only read do not need it. Setup time only.
 */
public final class EngineLock implements AutoCloseable {
    /** Name of the lock file inside the journal directory. */
    public static final String FILE = JournalLock.FILE;

    private final JournalLock lock;

    private EngineLock(final JournalLock lock) {
        this.lock = lock;
    }

    /** True when another process (or another channel of this JVM) holds the engine lock of {@code dir}. */
    public static boolean heldByOther(final Path dir) throws IOException {
        return JournalLock.heldByOther(dir);
    }

    /**
     * Takes the engine lock of {@code dir}, creating {@code engine.lock} if needed.
     *
     * @return the held lock (close it to release), or null when another process holds it
     */
    public static EngineLock tryAcquire(final Path dir) throws IOException {
        final JournalLock l = JournalLock.tryAcquire(dir);
        return l == null ? null : new EngineLock(l);
    }

    @Override
    public void close() throws IOException {
        lock.close();
    }
}
