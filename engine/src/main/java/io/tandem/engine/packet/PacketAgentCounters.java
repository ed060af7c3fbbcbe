package io.tandem.engine.packet;

import io.tandem.engine.counters.CounterRegistry;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateCounters;
import io.tandem.engine.state.StateTable;

/**
 * One queue's counters in a {@link CounterRegistry}, each labelled {@code queue}: its packet counters
 * ({@link io.tandem.engine.counters.PacketCounters#registerCounters}) and its state table's (the live
 * states and the limit as gauges, then every {@link StateCounter}). Its rules' counters are not
 * entries: their series follow the ruleset in force, which a reload replaces with one of other
 * rules, so the metrics endpoint lists them from {@link PacketAgent#ruleset()} at each scrape.
 *
 * <p>The state table's entries are listed here, from {@link StateCounter}'s descriptors and the
 * table's public getters, because the registry was built while {@code state} was being split by
 * another change; they belong beside {@link StateCounters}. Readers run on the scrape thread: {@link StateTable#size()} and
 * {@link StateCounters#get} read plain fields the packet thread writes, as the metrics endpoint
 * always has.
 */
public final class PacketAgentCounters {
    /** The group of the state table's entries. */
    public static final String STATE_GROUP = "state";

    private PacketAgentCounters() {
    }

    /** Adds {@code agent}'s counters: packets, states. */
    public static void register(final CounterRegistry registry, final PacketAgent agent) {
        agent.counters().registerCounters(registry);
        final String queue = Integer.toString(agent.settings().queue());
        registerStates(registry, agent.states(), queue);
    }

    private static void registerStates(final CounterRegistry registry, final StateTable table, final String queue) {
        final StateCounters c = table.counters();
        registry.gauge(StateCounter.STATES_GAUGE_NAME, "Live states in the table").group(STATE_GROUP).key("states")
                .label("queue", queue).read(table::size);
        registry.gauge("tandem_state_limit", "Capacity of the state table (set limit states)").group(STATE_GROUP)
                .key("limit").label("queue", queue).read(table::capacity);
        for (final StateCounter counter : StateCounter.values()) {
            registry.counter(counter.metricName(), counter.help()).group(STATE_GROUP).label("queue", queue)
                    .label(counter.labelName(), counter.labelValue()).read(() -> c.get(counter));
        }
    }
}
