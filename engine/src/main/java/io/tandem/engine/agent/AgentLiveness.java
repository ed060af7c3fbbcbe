package io.tandem.engine.agent;

import io.tandem.engine.counters.CounterRegistry;
import java.util.function.LongSupplier;

/**
 * Per-agent liveness for monitoring: {@code tandem_agent_up{agent="queue-0"}} is 1 while the agent's thread runs
 * and completes duty cycles, 0 once it ended or has not completed one for {@link #STALL_SECONDS} s (hung), and
 * {@code tandem_agent_duty_cycles_total{agent=...}} counts its cycles, idle ones included. The label is the
 * agent's role without {@code tandem-}: {@code queue-N}, {@code journal}, {@code sync}.
 *
 * <p>Theory of operation. The agent threads only advance their {@link AgentHeartbeats.Beat} as before; nothing
 * is added to their cycle, no clock is read there. The reader (the scrape thread) remembers, per beat, the count
 * it saw last and when it changed: a count that moved since the previous read is fresh; a count unchanged for
 * longer than {@link #STALL_SECONDS} is a stall, so the resolution is the scrape interval (every agent cycles at
 * least once a second when idle). Owner: any reader thread, serialised by a lock per beat. Memory: two
 * longs per agent. Life cycle: {@link #register} once the agents are started (the beats of agents started later
 * are not listed). Failure policy: none needed; it only reads.
 */
public final class AgentLiveness {
    /** A beat that did not move for this long is reported down; the systemd watchdog uses the same bound. */
    public static final int STALL_SECONDS = 10;

    private AgentLiveness() {
    }

    /** Adds the two series of every agent started so far under {@code heartbeats} to {@code registry}. */
    public static void register(final CounterRegistry registry, final AgentHeartbeats heartbeats) {
        for (final AgentHeartbeats.Beat beat : heartbeats.beats()) {
            final String agent = beat.role().startsWith("tandem-") ? beat.role().substring(7) : beat.role();
            final Up up = new Up(beat, System::nanoTime);
            registry.gauge("tandem_agent_up", "1 while the agent's thread completes duty cycles, 0 when it ended or"
                    + " completed none for " + STALL_SECONDS + " s").group("agent").key(agent + "_up")
                    .label("agent", agent).read(up::value);
            registry.counter("tandem_agent_duty_cycles", "Duty cycles the agent's thread completed, idle ones"
                    + " included").group("agent").key(agent + "_cycles").label("agent", agent).read(beat::cycles);
        }
    }

    /** The up value of one beat, as seen by its readers. */
    static final class Up {
        private final AgentHeartbeats.Beat beat;
        private final LongSupplier nanos;
        private long seen;
        private long changedAt;

        Up(final AgentHeartbeats.Beat beat, final LongSupplier nanos) {
            this.beat = beat;
            this.nanos = nanos;
            this.seen = beat.cycles();
            this.changedAt = nanos.getAsLong();
        }

        /** 1 or 0, as described above. */
        synchronized long value() {
            final long now = nanos.getAsLong();
            final long cycles = beat.cycles();
            if (cycles != seen) {
                seen = cycles;
                changedAt = now;
            }
            return !beat.ended() && now - changedAt <= STALL_SECONDS * 1_000_000_000L ? 1 : 0;
        }
    }
}
