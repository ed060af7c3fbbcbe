package io.tandem.engine.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the process's effective capabilities from /proc/self/status, so that {@code tandem run}
 * can say "CAP_NET_ADMIN is missing" up front instead of reporting the EPERM that binding a queue
 * would return (which could also mean the queue belongs to another process). Setup time only.
 */
final class Capabilities {
    static final int CAP_NET_ADMIN = 12;

    private Capabilities() {
    }

    /** True when the capability is effective, or when it cannot be told (then the bind will say). */
    static boolean effective(final int capability) {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    final long mask = Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                    return (mask & (1L << capability)) != 0;
                }
            }
        } catch (final IOException | NumberFormatException e) {
            return true;
        }
        return true;
    }
}
