package io.tandem.engine.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.rules.InterfaceResolver;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateCounters;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PacketPathWarmupTest {
    private static final PacketAgentSettings SETTINGS =
            new PacketAgentSettings(7, -1, 256, 1024, false, true, 1 << 20, 64, true, false, 0, null);

    /** Runs {@code rounds} rounds of the made-up traffic through a scratch agent with {@code rules}. */
    private static PacketAgent runRounds(final String rules, final int rounds) throws Exception {
        final TandemConfig config = ConfigParser.parse("test", rules);
        final Ruleset ruleset = config.compileRuleset(InterfaceResolver.NONE);
        final PacketCounters counters = new PacketCounters(SETTINGS.queue());
        final SyntheticPacketQueue queue =
                new SyntheticPacketQueue(new WarmupTraffic(SETTINGS.queue()), SETTINGS.batchSize());
        final PacketAgent agent = new PacketAgent(SETTINGS,
                PacketFilter.scratch(config, ruleset, counters, 0x1234, PacketPathWarmup.SCRATCH_STATES), counters)
                .queue(() -> queue);
        agent.onStart();
        agent.awaitStarted(0, TimeUnit.MILLISECONDS);
        while (queue.received() < (long) rounds * WarmupTraffic.PACKETS) {
            agent.doWork();
        }
        agent.onClose();
        assertEquals((long) rounds * WarmupTraffic.PACKETS, queue.received());
        return agent;
    }

    @Test
    void everyMadeUpConversationIsTrackedToItsEndUnderPassAll() throws Exception {
        final PacketAgent agent = runRounds("pass all\n", 2);
        final PacketCounters c = agent.counters();
        final long packets = 2L * WarmupTraffic.PACKETS;
        assertEquals(packets, c.get(PacketCounter.PACKETS_RECEIVED));
        assertEquals(0, c.totalDecodeFailures(), "every made-up packet decodes");
        assertEquals(packets, c.get(PacketCounter.VERDICT_ACCEPT), "pf's tracking passes every packet");
        assertEquals(0, c.get(PacketCounter.VERDICT_DROP));
        final StateCounters s = agent.states().counters();
        assertEquals(2L * WarmupTraffic.GROUPS * 2, s.get(StateCounter.INSERTS_TCP), "one TCP state per group and family");
        assertEquals(2L * WarmupTraffic.GROUPS * 2, s.get(StateCounter.INSERTS_UDP));
        assertEquals(2L * WarmupTraffic.GROUPS * 2, s.get(StateCounter.INSERTS_ICMP));
        assertEquals(2L * WarmupTraffic.STATES_PER_ROUND, agent.states().size(), "a new client port each round");
        assertEquals(packets - 2L * WarmupTraffic.STATES_PER_ROUND, c.get(PacketCounter.STATE_MATCH_PASS),
                "every packet after a conversation's first matches its state");
        assertEquals(0, s.get(StateCounter.MISMATCH_OUT_OF_WINDOW) + s.get(StateCounter.MISMATCH_BAD_FLAGS));
    }

    @Test
    void theConfiguredRulesDecideTheMadeUpTraffic() throws Exception {
        // Only the IPv4 TCP conversations pass (with state); pf's implicit pass is overridden by the block.
        final PacketAgent agent = runRounds("block all\npass inet proto tcp\n", 1);
        final PacketCounters c = agent.counters();
        final long tcp4 = (long) WarmupTraffic.GROUPS * 10;
        assertEquals(tcp4, c.get(PacketCounter.VERDICT_ACCEPT));
        assertEquals(WarmupTraffic.PACKETS - tcp4, c.get(PacketCounter.VERDICT_DROP));
        assertEquals(WarmupTraffic.GROUPS, agent.states().size());
    }

    @Test
    void theWarmUpRunsForItsBudgetAndLeavesTheConfiguredRulesCountersAlone() throws Exception {
        final TandemConfig config = ConfigParser.parse("test", "pass in proto tcp\nblock all\n");
        final Ruleset ruleset = config.compileRuleset(InterfaceResolver.NONE);
        final long before = System.nanoTime();
        final PacketPathWarmup.Result r = PacketPathWarmup.run(config, SETTINGS, ruleset, 200);
        final long tookMillis = (System.nanoTime() - before) / 1_000_000L;
        assertNull(r.failure());
        assertTrue(r.packets() > 0, r.describe());
        assertTrue(r.millis() >= 200 && tookMillis >= 200, r.describe());
        assertTrue(r.agents() >= 2 && r.agents() % 2 == 0, r.describe());
        for (int rule = 0; rule < ruleset.size(); rule++) {
            assertEquals(0, ruleset.evaluations(rule), "rule " + rule + " of the configured ruleset was not counted");
        }
        assertThrows(IllegalArgumentException.class, () -> PacketPathWarmup.run(config, SETTINGS, ruleset, 0));
    }

    @Test
    void theQueueHandsOutShortFullAndEmptyReceivesWithAscendingIds() {
        final WarmupTraffic traffic = new WarmupTraffic(3);
        final SyntheticPacketQueue q = new SyntheticPacketQueue(traffic, 64);
        int empty = 0;
        int full = 0;
        int shortBatches = 0;
        long lastId = 0;
        for (int k = 0; k < 2 * SyntheticPacketQueue.TAKES.length; k++) {
            final int n = q.receive();
            if (n < 0) {
                assertEquals(-11, n);
                empty++;
                continue;
            }
            if (n == 64) {
                full++;
            } else {
                shortBatches++;
            }
            for (int i = 0; i < n; i++) {
                final long id = q.datagram(i).getInt(WarmupTraffic.PACKET_ID_OFFSET, java.nio.ByteOrder.BIG_ENDIAN);
                assertEquals(lastId + 1, id);
                lastId = id;
                assertEquals(q.length(i), q.datagram(i).capacity());
            }
        }
        assertTrue(empty > 0 && full > 0 && shortBatches > 0, empty + " " + full + " " + shortBatches);
    }
}
