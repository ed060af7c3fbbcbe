package io.tandem.engine.sync;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The packet threads' awaiting of peers' states ({@code verdict.AwaitedPackets}; docs/pfsync.md, "Awaiting a
 * peer's state") as {@code tandem sync} shows it: the settings, the packets held now and the counts summed
 * over the queue threads. A view read on the control thread from counters the packet threads write, so
 * slightly stale; it holds nothing of its own.
 *
 * @param timeoutMillis {@code set sync await-timeout}
 * @param limit         {@code set sync await-limit} (per queue thread)
 * @param queues        each queue thread's counters
 * @param held          packets held now, over all queue threads
 */
public record AwaitingView(long timeoutMillis, int limit, List<PacketCounters> queues, IntSupplier held) {
    public AwaitingView {
        queues = List.copyOf(queues);
    }

    /** {@code counter} summed over the queue threads. */
    public long count(final PacketCounter counter) {
        long n = 0;
        for (final PacketCounters q : queues) {
            n += q.get(counter);
        }
        return n;
    }
}
