package io.tandem.nativeio.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * An ignored signal is seen as ignored and set back to SIG_DFL; any other disposition is left alone. On
 * SIGPWR (30), which neither the JVM nor the test runner uses; the test JVM's disposition is restored.
 */
class SignalDispositionTest {
    private static final int SIGPWR = 30;

    @Test
    void anIgnoredSignalIsSeenAndSetBackToDefault() {
        final UnsafeBuffer saved = OffHeap.allocate(256);
        assertEquals(0, Syscalls.libc().sigaction(SIGPWR, 0, saved.addressOffset()));
        try {
            final UnsafeBuffer ignore = OffHeap.allocate(256);
            ignore.putLong(0, 1); // SIG_IGN, as nohup leaves SIGHUP
            assertEquals(0, Syscalls.libc().sigaction(SIGPWR, ignore.addressOffset(), 0));
            assertTrue(SignalDisposition.isIgnored(SIGPWR));

            assertTrue(SignalDisposition.unignore(SIGPWR), "it was ignored");
            assertFalse(SignalDisposition.isIgnored(SIGPWR));
            final UnsafeBuffer now = OffHeap.allocate(256);
            assertEquals(0, Syscalls.libc().sigaction(SIGPWR, 0, now.addressOffset()));
            assertEquals(0, now.getLong(0), "SIG_DFL");
            assertFalse(SignalDisposition.unignore(SIGPWR), "a default disposition is left alone");
        } finally {
            assertEquals(0, Syscalls.libc().sigaction(SIGPWR, saved.addressOffset(), 0));
        }
    }
}
