package io.tandem.engine.metrics;

import io.tandem.engine.counters.PacketCounters;

import jnr.constants.platform.Errno;

/** errno numbers to their symbolic names (ENOENT, EPERM...) for metric labels and messages. */
public final class ErrnoNames {
    private static final String[] NAMES = new String[PacketCounters.MAX_ERRNO + 1];

    static {
        for (final Errno e : Errno.values()) {
            if (e.defined() && e.intValue() > 0 && e.intValue() <= PacketCounters.MAX_ERRNO && NAMES[e.intValue()] == null) {
                NAMES[e.intValue()] = e.name();
            }
        }
    }

    private ErrnoNames() {
    }

    /** The symbolic name, or {@code errno-N} when the platform does not name it. */
    public static String name(final int errno) {
        if (errno > 0 && errno < NAMES.length && NAMES[errno] != null) {
            return NAMES[errno];
        }
        return "errno-" + errno;
    }
}
