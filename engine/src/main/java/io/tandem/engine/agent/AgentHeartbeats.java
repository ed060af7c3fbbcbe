package io.tandem.engine.agent;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Proof of life of the engine's agents: one counter per agent that its thread advances at every duty
 * cycle, idle ones included, so that a watcher can tell a quiet engine (an idle packet thread still
 * cycles at least once a second, {@code PacketAgent.DEEP_IDLE_MILLIS}) from a hung one (a thread stuck inside a cycle, or
 * ended). The packet counters cannot tell: {@code DUTY_CYCLES} counts only cycles that received work.
 *
 * <p>Theory of operation. {@link AgentThreads#start} registers a {@link Beat} for every agent it starts
 * under the engine's {@link AgentFailure} (which owns this registry); its duty-cycle wrapper calls
 * {@link Beat#cycle()} after every cycle and marks the beat ended when the agent closes. A watcher takes
 * a {@link Watch} and calls {@link Watch#stalled()} now and then: the roles of the agents that completed
 * no cycle since its previous call (or since the watch was taken), ended agents included. Owner: each
 * beat is written by its agent's thread only (an ordered store, no lock, no allocation); any thread may
 * read. Memory: one small object per agent started, for the life of the engine. {@link AgentLiveness} turns
 * the beats into metrics.
 */
public final class AgentHeartbeats {
    private final List<Beat> beats = new CopyOnWriteArrayList<>();

    /** One agent's cycle counter. */
    public static final class Beat {
        private final String role;
        private final AtomicLong cycles = new AtomicLong();
        private volatile boolean ended;

        private Beat(final String role) {
            this.role = role;
        }

        /** On the agent's thread, after each duty cycle: single writer, so an ordered store suffices. */
        void cycle() {
            cycles.lazySet(cycles.get() + 1);
        }

        /** On the agent's thread, when it closes. */
        void end() {
            ended = true;
        }

        /** The agent's role (its thread's name). */
        public String role() {
            return role;
        }

        /** Duty cycles completed so far. */
        public long cycles() {
            return cycles.get();
        }

        /** True once the agent's thread closed it (stopped or failed). */
        public boolean ended() {
            return ended;
        }
    }

    /** What a watcher saw last: each beat's count at the previous look. */
    public final class Watch {
        private final Map<Beat, Long> seen = new IdentityHashMap<>();

        private Watch() {
            for (final Beat b : beats) {
                seen.put(b, b.cycles());
            }
        }

        /**
         * The roles of the agents that completed no duty cycle since the previous call (or since this
         * watch was taken), or ended; empty when every agent made progress. An agent registered after
         * the watch was taken counts from zero. One watcher thread.
         */
        public List<String> stalled() {
            final List<String> stuck = new ArrayList<>(0);
            for (final Beat b : beats) {
                final long now = b.cycles();
                final Long before = seen.put(b, now);
                if (b.ended() || now == (before == null ? 0L : before)) {
                    stuck.add(b.role());
                }
            }
            return stuck;
        }
    }

    /** A new beat for the agent {@code role}; {@link AgentThreads#start} registers every agent it starts. */
    public Beat register(final String role) {
        final Beat b = new Beat(role);
        beats.add(b);
        return b;
    }

    /** Every agent registered so far, in start order. */
    public List<Beat> beats() {
        return List.copyOf(beats);
    }

    /** A new watch that compares each later look with the counts of now. */
    public Watch watch() {
        return new Watch();
    }
}
