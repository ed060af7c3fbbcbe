package io.tandem.engine.state;

import java.util.Arrays;

/**
 * pf's state timeout classes ({@code PFTM_*}) and their values, plus pf's adaptive scaling.
 *
 * <p>Theory of operation. A state carries a timeout class (the index below, the same number that
 * travels in the {@code timeout} byte of a pfsync state record) and the time of its last activity.
 * Its deadline is last activity plus the class's timeout, shortened by adaptive scaling when the
 * table is crowded, exactly as pf's {@code pf_state_expires()}: with {@code start} =
 * {@link #ADAPTIVE_START} and {@code end} = {@link #ADAPTIVE_END} (both in states, not seconds),
 * once the number of states exceeds {@code start} the timeout is multiplied by
 * {@code (end - states) / (end - start)} (integer seconds, as pf), and a state expires at once when
 * the count reaches {@code end}. A zero {@code end} or {@code start >= end} disables scaling.
 *
 * <p>Indices are pf's order from {@code pfvar.h}, unchanged since 2009 (spec A.5.2). Values are
 * seconds, pf's defaults unless the constructor is given others. Immutable after construction; safe
 * to share between threads.
 */
public final class StateTimeouts {
    public static final int TCP_FIRST_PACKET = 0;
    public static final int TCP_OPENING = 1;
    public static final int TCP_ESTABLISHED = 2;
    public static final int TCP_CLOSING = 3;
    public static final int TCP_FIN_WAIT = 4;
    public static final int TCP_CLOSED = 5;
    public static final int UDP_FIRST_PACKET = 6;
    public static final int UDP_SINGLE = 7;
    public static final int UDP_MULTIPLE = 8;
    public static final int ICMP_FIRST_PACKET = 9;
    public static final int ICMP_ERROR_REPLY = 10;
    public static final int OTHER_FIRST_PACKET = 11;
    public static final int OTHER_SINGLE = 12;
    public static final int OTHER_MULTIPLE = 13;
    public static final int FRAG = 14;
    public static final int INTERVAL = 15;
    /** Number of states at which adaptive scaling starts (not seconds). */
    public static final int ADAPTIVE_START = 16;
    /** Number of states at which every state expires at once (not seconds). */
    public static final int ADAPTIVE_END = 17;
    /** Number of classes held here (pf's SRC_NODE 18 and TS_DIFF 19 are not used by this table). */
    public static final int COUNT = 18;

    /** pf's default state limit ({@code set limit states}). */
    public static final int PF_DEFAULT_STATE_LIMIT = 100_000;
    /** pf's adaptive defaults as a percentage of the state limit (PFSTATE_ADAPT_START/END). */
    public static final int ADAPTIVE_START_PERCENT = 60;
    public static final int ADAPTIVE_END_PERCENT = 120;

    private static final String[] NAMES = {
        "tcp.first", "tcp.opening", "tcp.established", "tcp.closing", "tcp.finwait", "tcp.closed",
        "udp.first", "udp.single", "udp.multiple", "icmp.first", "icmp.error",
        "other.first", "other.single", "other.multiple", "frag", "interval",
        "adaptive.start", "adaptive.end",
    };

    private final long[] values;

    private StateTimeouts(final long[] values) {
        this.values = values;
    }

    /** pf's defaults, with adaptive start/end at 60 % / 120 % of {@code stateLimit}, as pfctl sets them. */
    public static StateTimeouts defaults(final int stateLimit) {
        return of(defaultSeconds(stateLimit));
    }

    /**
     * pf's default values, indexed by class: tcp.first 120, tcp.opening 30, tcp.established 86400,
     * tcp.closing 900, tcp.finwait 45, tcp.closed 90, udp.first 60, udp.single 30, udp.multiple 60,
     * icmp.first 20, icmp.error 10, other.first 60, other.single 30, other.multiple 60, frag 30,
     * interval 10; adaptive.start and adaptive.end from {@code stateLimit}. A fresh array each call.
     */
    public static long[] defaultSeconds(final int stateLimit) {
        final long[] v = new long[COUNT];
        v[TCP_FIRST_PACKET] = 120;
        v[TCP_OPENING] = 30;
        v[TCP_ESTABLISHED] = 24 * 60 * 60;
        v[TCP_CLOSING] = 15 * 60;
        v[TCP_FIN_WAIT] = 45;
        v[TCP_CLOSED] = 90;
        v[UDP_FIRST_PACKET] = 60;
        v[UDP_SINGLE] = 30;
        v[UDP_MULTIPLE] = 60;
        v[ICMP_FIRST_PACKET] = 20;
        v[ICMP_ERROR_REPLY] = 10;
        v[OTHER_FIRST_PACKET] = 60;
        v[OTHER_SINGLE] = 30;
        v[OTHER_MULTIPLE] = 60;
        v[FRAG] = 30;
        v[INTERVAL] = 10;
        v[ADAPTIVE_START] = (long) stateLimit * ADAPTIVE_START_PERCENT / 100;
        v[ADAPTIVE_END] = (long) stateLimit * ADAPTIVE_END_PERCENT / 100;
        return v;
    }

    /**
     * Timeouts from {@code seconds}, indexed by class ({@link #COUNT} entries; adaptive entries are
     * state counts). The array is copied.
     *
     * @throws IllegalArgumentException on a wrong length or a negative value (configuration error)
     */
    public static StateTimeouts of(final long[] seconds) {
        if (seconds.length != COUNT) {
            throw new IllegalArgumentException("expected " + COUNT + " timeout values, got " + seconds.length);
        }
        for (int i = 0; i < COUNT; i++) {
            if (seconds[i] < 0) {
                throw new IllegalArgumentException("negative timeout " + NAMES[i] + " = " + seconds[i]);
            }
        }
        return new StateTimeouts(Arrays.copyOf(seconds, COUNT));
    }

    /** Seconds (or states, for the adaptive entries) of class {@code timeoutClass}. */
    public long seconds(final int timeoutClass) {
        return values[timeoutClass];
    }

    /** pf.conf name of a class, e.g. {@code tcp.established}. */
    public static String name(final int timeoutClass) {
        return NAMES[timeoutClass];
    }

    /**
     * pf's {@code pf_state_expires()} in seconds: the timeout of {@code timeoutClass} after
     * adaptive scaling for {@code states} live states. 0 means "already expired".
     */
    /** Adaptive scaling shortens the timeouts at this many states ({@link #scaledSeconds} below the values). */
    public boolean scaling(final long states) {
        final long start = values[ADAPTIVE_START];
        final long end = values[ADAPTIVE_END];
        return end != 0 && states > start && start < end;
    }

    public long scaledSeconds(final int timeoutClass, final long states) {
        final long timeout = values[timeoutClass];
        final long start = values[ADAPTIVE_START];
        final long end = values[ADAPTIVE_END];
        if (end != 0 && states > start && start < end) {
            if (states < end) {
                return timeout * (end - states) / (end - start);
            }
            return 0;
        }
        return timeout;
    }
}
