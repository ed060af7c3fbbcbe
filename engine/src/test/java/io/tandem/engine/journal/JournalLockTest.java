package io.tandem.engine.journal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's writer lock cannot be bypassed by deleting files: the directory itself is locked
 * (flock), so with {@code engine.lock}, the ownership file or both deleted (and created again) a
 * second writer is still refused; the lock goes with its holder.
 */
class JournalLockTest {
    @TempDir
    Path dir;

    @Test
    void deletingTheLockFileAndTheOwnershipFileLetsNoSecondWriterIn() throws Exception {
        Files.writeString(dir.resolve(JournalDirectory.OWNER_FILE), "creatorid=1\n");
        try (JournalLock held = JournalLock.tryAcquire(dir)) {
            assertNotNull(held);
            assertNull(JournalLock.tryAcquire(dir), "held");
            Files.delete(dir.resolve(JournalLock.FILE));
            assertNull(JournalLock.tryAcquire(dir), "engine.lock deleted");
            Files.delete(dir.resolve(JournalDirectory.OWNER_FILE));
            assertNull(JournalLock.tryAcquire(dir), "both deleted");
            assertTrue(JournalLock.heldByOther(dir));
            Files.writeString(dir.resolve(JournalDirectory.OWNER_FILE), "creatorid=2\n");
            assertNull(JournalLock.tryAcquire(dir), "both deleted, ownership written anew");
        }
        assertFalse(JournalLock.heldByOther(dir));
        try (JournalLock again = JournalLock.tryAcquire(dir)) {
            assertNotNull(again, "released with its holder");
        }
    }

    @Test
    void aDirectoryThatCannotBeOpenedIsAnError() {
        assertThrows(IOException.class, () -> JournalLock.tryAcquire(dir.resolve("missing")));
    }
}
