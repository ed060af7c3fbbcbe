package io.tandem.engine.verdict;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The deferral of several queue threads ({@code set queue FIRST:LAST}) reported as one: each thread
 * holds the first packets of the flows it owns in its own {@link DeferredVerdicts}; counts and the
 * hold-time histogram are summed, the limit is per thread (each holds up to {@code set sync
 * defer-limit}). Stateless view; read by the scrape and control threads.
 */
public final class DeferralTotals implements DeferralStats {
    private final List<DeferredVerdicts> threads;

    public DeferralTotals(final List<DeferredVerdicts> threads) {
        if (threads.isEmpty()) {
            throw new IllegalArgumentException("no deferral");
        }
        this.threads = List.copyOf(threads);
    }

    /** One thread's deferral as itself; several summed. */
    public static DeferralStats of(final List<DeferredVerdicts> threads) {
        return threads.size() == 1 ? threads.get(0) : new DeferralTotals(threads);
    }

    @Override
    public int limit() {
        return threads.get(0).limit();
    }

    @Override
    public long timeoutMillis() {
        return threads.get(0).timeoutMillis();
    }

    @Override
    public int held() {
        return (int) sum(DeferredVerdicts::held);
    }

    @Override
    public long deferred() {
        return sum(DeferredVerdicts::deferred);
    }

    @Override
    public long released(final Release why) {
        return sum(d -> d.released(why));
    }

    @Override
    public long acksWithoutHold() {
        return sum(DeferredVerdicts::acksWithoutHold);
    }

    @Override
    public long holdBucket(final int b) {
        return sum(d -> d.holdBucket(b));
    }

    @Override
    public int holdBuckets() {
        return threads.get(0).holdBuckets();
    }

    @Override
    public long holdNanosSum() {
        return sum(DeferredVerdicts::holdNanosSum);
    }

    private long sum(final ToLongFunction<DeferredVerdicts> counter) {
        long n = 0;
        for (final DeferredVerdicts d : threads) {
            n += counter.applyAsLong(d);
        }
        return n;
    }
}
