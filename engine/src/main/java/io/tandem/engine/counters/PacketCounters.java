package io.tandem.engine.counters;

import io.tandem.engine.decode.DecodeResult;
import io.tandem.nativeio.nfqueue.NetlinkParseStatus;

/**
 * The counters of one PacketAgent.
 *
 * <p>Theory of operation. Owned by the packet thread, which is the only writer: every counter is a
 * plain {@code long} in a preallocated array, incremented without atomics, locks or allocation.
 * Readers (the Prometheus scrape thread, the shutdown summary) read the same arrays without
 * synchronisation: on 64-bit HotSpot an aligned long is read whole, so a reader sees a recent value,
 * possibly a few increments old — fine for monitoring, never used for decisions. Memory bound: fixed
 * at construction.
 */
public final class PacketCounters {
    /** errno values above this share the last slot. */
    public static final int MAX_ERRNO = 134;

    private final int queue;
    private final long[] scalars = new long[PacketCounter.VALUES.length];
    private final long[] decodeFailures = new long[DecodeResult.values().length];
    private final long[] netlinkParseFailures = new long[NetlinkParseStatus.values().length];
    private final long[] netlinkErrors = new long[MAX_ERRNO + 1];
    private final long[] sendErrors = new long[MAX_ERRNO + 1];

    public PacketCounters(final int queue) {
        this.queue = queue;
    }

    public int queue() {
        return queue;
    }

    public void increment(final PacketCounter counter) {
        scalars[counter.ordinal()]++;
    }

    public void add(final PacketCounter counter, final long delta) {
        scalars[counter.ordinal()] += delta;
    }

    public void incrementDecodeFailure(final DecodeResult result) {
        decodeFailures[result.ordinal()]++;
    }

    public void incrementNetlinkParseFailure(final NetlinkParseStatus status) {
        netlinkParseFailures[status.ordinal()]++;
    }

    /** An NLMSG_ERROR from the kernel in the packet stream; {@code errno} is positive. */
    public void incrementNetlinkError(final int errno) {
        netlinkErrors[clampErrno(errno)]++;
    }

    public void incrementSendError(final int errno) {
        sendErrors[clampErrno(errno)]++;
    }

    public long get(final PacketCounter counter) {
        return scalars[counter.ordinal()];
    }

    public long decodeFailures(final DecodeResult result) {
        return decodeFailures[result.ordinal()];
    }

    public long totalDecodeFailures() {
        long sum = 0;
        for (final long v : decodeFailures) {
            sum += v;
        }
        return sum;
    }

    public long netlinkParseFailures(final NetlinkParseStatus status) {
        return netlinkParseFailures[status.ordinal()];
    }

    public long netlinkErrors(final int errno) {
        return netlinkErrors[clampErrno(errno)];
    }

    public long totalNetlinkErrors() {
        long sum = 0;
        for (final long v : netlinkErrors) {
            sum += v;
        }
        return sum;
    }

    public long sendErrors(final int errno) {
        return sendErrors[clampErrno(errno)];
    }

    /** The group of this queue's entries in a {@link CounterRegistry}. */
    public static final String COUNTER_GROUP = "packet";

    /**
     * Adds this queue's counters to {@code registry}, each labelled {@code queue}: the scalars (but
     * receive calls, duty cycles and their time, which the metrics endpoint exports as summaries),
     * decode failures by reason and netlink parse failures by reason. Counters by errno are listed
     * only when non-zero, so the metrics endpoint reads them itself ({@link #netlinkErrors}).
     */
    public void registerCounters(final CounterRegistry registry) {
        final String q = Integer.toString(queue);
        for (final PacketCounter counter : PacketCounter.VALUES) {
            if (counter.exportedAsSummary()) {
                continue;
            }
            registry.counter(counter.metricName(), counter.help()).group(COUNTER_GROUP).label("queue", q)
                    .label(counter.labelName(), counter.labelValue()).read(() -> get(counter));
        }
        for (final DecodeResult r : DecodeResult.values()) {
            if (r == DecodeResult.OK) {
                continue;
            }
            registry.counter("tandem_decode_failures",
                    "Packets that failed to decode, by reason; they get the malformed policy's verdict")
                    .group(COUNTER_GROUP).label("queue", q).label("reason", r.reasonName()).read(() -> decodeFailures(r));
        }
        for (final NetlinkParseStatus s : NetlinkParseStatus.values()) {
            if (s.isOk()) {
                continue;
            }
            registry.counter("tandem_netlink_parse_failures", "Netlink messages from the kernel that could not be parsed, by reason")
                    .group(COUNTER_GROUP).label("queue", q).label("reason", s.reasonName())
                    .read(() -> netlinkParseFailures(s));
        }
    }

    private static int clampErrno(final int errno) {
        return errno < 0 || errno > MAX_ERRNO ? MAX_ERRNO : errno;
    }
}
