package io.tandem.nativeio.libc;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Whether the process ignores a signal, and undoing that: a signal ignored when a program starts stays
 * ignored across {@code exec} (POSIX), so an engine started under {@code nohup} inherits SIGHUP as
 * SIG_IGN, and the JVM then declines to install a handler for it ({@code sun.misc.Signal.handle}
 * answers SIG_IGN and never calls the handler) — a reload by SIGHUP would silently do nothing. C
 * daemons install their SIGHUP handler with {@code sigaction} regardless; {@link #unignore} lets the
 * engine do the same by setting the disposition back to SIG_DFL before the JVM registers its handler.
 *
 * <p>Start-up time only (the main thread, before any handler is installed); allocates a 256-byte
 * {@code struct sigaction} per call. The disposition is process-wide.
 */
public final class SignalDisposition {
    /** Linux signal numbers (x86-64 and arm64 alike). */
    public static final int SIGHUP = 1;
    /** glibc's {@code struct sigaction} is 152 bytes on 64-bit Linux; {@code sa_handler} comes first. */
    private static final int SIGACTION_BYTES = 256;
    private static final int HANDLER_OFFSET = 0;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;

    private SignalDisposition() {
    }

    /** @return whether {@code signal} is ignored (SIG_IGN) by this process now */
    public static boolean isIgnored(final int signal) {
        final UnsafeBuffer old = OffHeap.allocate(SIGACTION_BYTES);
        Syscalls.check(Syscalls.libc().sigaction(signal, 0, old.addressOffset()), "sigaction(" + signal + ")", null);
        return old.getLong(HANDLER_OFFSET) == SIG_IGN;
    }

    /**
     * Sets an ignored {@code signal} back to its default disposition (SIG_DFL), so that a handler can be
     * installed for it; leaves any other disposition alone.
     *
     * @return true when the signal was ignored and no longer is
     */
    public static boolean unignore(final int signal) {
        if (!isIgnored(signal)) {
            return false;
        }
        final UnsafeBuffer act = OffHeap.allocate(SIGACTION_BYTES);
        act.putLong(HANDLER_OFFSET, SIG_DFL);
        Syscalls.check(Syscalls.libc().sigaction(signal, act.addressOffset(), 0), "sigaction(" + signal + ", SIG_DFL)",
                null);
        return true;
    }
}
