package io.tandem.engine.verdict;

import io.tandem.engine.counters.CounterRegistry;

/**
 * What the pfsync deferral reports: held first packets, their releases by reason and the hold-time
 * histogram. {@link DeferredVerdicts} is one queue thread's; {@link DeferralTotals} sums several
 * ({@code set queue FIRST:LAST}). Read by the scrape and control threads (values slightly stale).
 */
public interface DeferralStats {
    /** Histogram bucket upper bounds of the hold time, in microseconds (the last bucket is +Inf). */
    long[] BUCKET_MICROS = {50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 20_000, 50_000,
        100_000, 1_000_000};

    /** Why a held packet left; the index of {@link #released}. */
    enum Release {
        ACK("ack"), PACKET("packet"), TIMEOUT("timeout"), LIMIT("limit"), DROPPED("dropped"), SHUTDOWN("shutdown");

        private final String label;

        Release(final String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** Most packets held at once ({@code set sync defer-limit}; per queue thread). */
    int limit();

    /** Longest hold ({@code set sync defer-timeout}). */
    long timeoutMillis();

    /** Packets held now. */
    int held();

    /** First packets held since start. */
    long deferred();

    /** Held packets released (or dropped) for {@code why}. */
    long released(Release why);

    /** Acknowledgements (INS_ACK naming one of our states) that found no packet held: late, or duplicates. */
    long acksWithoutHold();

    /** Hold-time histogram: count in bucket {@code b} (upper bound {@link #BUCKET_MICROS}[b], the last +Inf). */
    long holdBucket(int b);

    int holdBuckets();

    long holdNanosSum();

    /** The group of the deferral entries in a {@link CounterRegistry} ({@code tandem sync} shows it as "deferral"). */
    String COUNTER_GROUP = "pfsync.deferral";

    /** Help of {@code tandem_pfsync_deferral_unmatched_acks}, whose series the sync agent and its inbox also feed. */
    String UNMATCHED_ACKS_HELP = "Acknowledgements that released nothing: no_hold (our state, nothing"
            + " held: late or duplicate), other_creator (another node's state), queue_full (lost between threads)";

    /**
     * Adds the deferral counters to {@code registry}, keyed as {@code tandem sync} shows them: the limit,
     * packets held now, held since start, releases by reason, and acknowledgements that found nothing
     * held. (The hold-time histogram is exported by the metrics endpoint from {@link #holdBucket}.)
     */
    default void registerCounters(final CounterRegistry registry) {
        registry.gauge("tandem_pfsync_defer_limit", "Most first packets held at once (set sync defer-limit)")
                .group(COUNTER_GROUP).key("defer_limit").read(this::limit);
        registry.gauge("tandem_pfsync_deferred_held", "First packets held now")
                .group(COUNTER_GROUP).key("held").read(this::held);
        registry.counter("tandem_pfsync_deferred", "First packets held until a peer acknowledged their new state (pfsync deferral)")
                .group(COUNTER_GROUP).key("deferred").read(this::deferred);
        for (final Release r : Release.values()) {
            registry.counter("tandem_pfsync_deferral_releases", "Held first packets by how they left: ack (a peer"
                    + " acknowledged the state), packet (a later packet of the state passed), timeout, limit (the oldest,"
                    + " to hold a new one), dropped (the state was removed), shutdown")
                    .group(COUNTER_GROUP).key(r.label()).label("reason", r.label()).read(() -> released(r));
        }
        registry.counter("tandem_pfsync_deferral_unmatched_acks", UNMATCHED_ACKS_HELP)
                .group(COUNTER_GROUP).key("acks_without_hold").label("kind", "no_hold").read(this::acksWithoutHold);
    }

    /**
     * The hold time below which a fraction {@code q} of released packets stayed, in microseconds, read
     * from the histogram: the upper bound of the bucket holding that rank (-1 when none was held, and
     * {@code Long.MAX_VALUE} for the +Inf bucket).
     */
    default long holdQuantileMicros(final double q) {
        long total = 0;
        for (int b = 0; b < holdBuckets(); b++) {
            total += holdBucket(b);
        }
        if (total == 0) {
            return -1;
        }
        final long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int b = 0; b < holdBuckets(); b++) {
            seen += holdBucket(b);
            if (seen >= rank) {
                return b < BUCKET_MICROS.length ? BUCKET_MICROS[b] : Long.MAX_VALUE;
            }
        }
        return Long.MAX_VALUE;
    }
}
