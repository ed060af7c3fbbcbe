package io.tandem.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.counters.CounterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** tandem_agent_up and tandem_agent_duty_cycles from the heartbeats, with a clock the test moves. */
class AgentLivenessTest {
    @Test
    void upWhileCyclingDownWhenStalledOrEnded() {
        final AgentHeartbeats beats = new AgentHeartbeats();
        final AgentHeartbeats.Beat beat = beats.register("tandem-queue-0");
        final AtomicLong now = new AtomicLong(1_000);
        final AgentLiveness.Up up = new AgentLiveness.Up(beat, now::get);
        assertEquals(1, up.value(), "just started");
        now.addAndGet(AgentLiveness.STALL_SECONDS * 1_000_000_000L);
        assertEquals(1, up.value(), "at the bound");
        now.addAndGet(1);
        assertEquals(0, up.value(), "no cycle for longer than the bound: hung");
        beat.cycle();
        assertEquals(1, up.value(), "cycling again");
        beat.end();
        beat.cycle();
        assertEquals(0, up.value(), "ended");
    }

    @Test
    void twoSeriesPerAgentLabelledByRole() {
        final AgentHeartbeats beats = new AgentHeartbeats();
        beats.register("tandem-queue-3").cycle();
        beats.register("tandem-journal");
        final CounterRegistry r = new CounterRegistry();
        AgentLiveness.register(r, beats);
        assertEquals(4, r.group("agent").size());
        assertEquals(1, r.read("agent", "queue-3_up"));
        assertEquals(1, r.read("agent", "queue-3_cycles"));
        assertEquals(0, r.read("agent", "journal_cycles"));
        assertEquals("journal", r.find("agent", "journal_up").label("agent"));
        assertEquals(CounterRegistry.Kind.COUNTER, r.find("agent", "journal_cycles").kind());
    }
}
