package io.tandem.engine.warmup;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.rules.InterfaceResolver;
import io.tandem.engine.rules.Ruleset;

/**
 * Runs made-up traffic through the packet path before the queue is bound ({@code set warmup MILLIS}), so
 * that the JIT compiler has compiled it when the first real packet comes.
 *
 * <p>Why. A JVM starts by interpreting its code, and compiles a method fully only after thousands of
 * calls. An engine started (or restarted) into traffic of tens of thousands of packets a second decides
 * its first packets up to a hundred times slower than it will a few seconds later: its kernel queue fills,
 * and the kernel then accepts the packets unfiltered ({@code set fail-open yes}) or drops them. After the
 * warm-up the packet path is compiled before the queue is bound.
 *
 * <p>Theory of operation. On the calling thread ({@link #run}), or on a thread of its own that overlaps the
 * rest of the engine's start ({@link #start}, {@link #await}; the engine binds its queues after it), scratch
 * {@link PacketAgent}s — the same classes as the real ones, with the configuration's
 * settings but unpinned, in no namespace, with no journal and no sync — run duty cycle after duty cycle
 * over a {@link SyntheticPacketQueue} of {@link WarmupTraffic}: TCP, UDP and ICMP conversations in IPv4
 * and IPv6. Two scratch agents take turns: one with a copy of the configured ruleset (its own counters),
 * so that its rules are evaluated as they will be, and one with {@code pass all}, so that states are
 * created, tracked and closed whatever the configured rules let through. Each scratch agent has a table
 * of its own, of at most {@link #SCRATCH_STATES} states, and is replaced by a fresh one once its traffic
 * has used every client port it has ({@link WarmupTraffic#ROUNDS} rounds). The warm-up ends when
 * {@code budgetMillis} have passed.
 *
 * <p>What it does not touch: the real state tables, the journal, the peers, the kernel's queue, the
 * configured rules' counters, the metrics; nothing leaves the process. Memory: the two agents' traffic
 * (512 KiB each, reused by their successors) and each scratch agent's table (about 4 MiB), garbage
 * once it is replaced or the warm-up returns.
 *
 * <p>Owner: the thread that runs it, for its duration; it shares nothing with the engine's threads but the
 * read-only configuration and ruleset (of which it evaluates a copy). Failure policy: a scratch agent that
 * fails to start or throws ends the warm-up early; the cause is in the {@link Result}, and the engine
 * starts anyway, as it would without a warm-up.
 */
public final class PacketPathWarmup {
    /** Most states in each scratch agent's table. */
    static final int SCRATCH_STATES = 16_384;
    /** The creator id written into the scratch states (any non-zero id: they never leave the warm-up). */
    static final int SCRATCH_CREATOR_ID = 1;

    /**
     * What a warm-up did.
     *
     * @param packets made-up packets decided
     * @param millis  how long it took, set-up included
     * @param agents  scratch agents used
     * @param failure why it ended early, or null
     */
    public record Result(long packets, long millis, int agents, String failure) {
        /** One line for the start-up log. */
        public String describe() {
            return "warmed the packet path up: " + packets + " made-up packets in " + millis + " ms"
                    + (failure == null ? "" : " (ended early: " + failure + ")");
        }
    }

    private final Thread thread;
    private volatile Result result;

    private PacketPathWarmup(final TandemConfig config, final PacketAgentSettings settings, final Ruleset ruleset,
            final long budgetMillis) {
        if (budgetMillis < 1) {
            throw new IllegalArgumentException("budgetMillis must be at least 1, got " + budgetMillis);
        }
        thread = new Thread(() -> result = run(config, settings, ruleset, budgetMillis), "tandem-warmup");
        thread.setDaemon(true); // an engine whose start fails meanwhile does not wait for it
    }

    /**
     * Starts the warm-up ({@link #run}) on a thread of its own, {@code tandem-warmup}, so that it overlaps the
     * rest of the engine's start (the journal's opening and recovery); {@link #await} before binding the queue.
     */
    public static PacketPathWarmup start(final TandemConfig config, final PacketAgentSettings settings,
            final Ruleset ruleset, final long budgetMillis) {
        final PacketPathWarmup w = new PacketPathWarmup(config, settings, ruleset, budgetMillis);
        w.thread.start();
        return w;
    }

    /** Waits for the warm-up {@link #start} began to end, and says what it did. */
    public Result await() throws InterruptedException {
        thread.join();
        final Result r = result;
        return r != null ? r : new Result(0, 0, 0, "the warm-up thread ended without a result");
    }

    /**
     * Runs the warm-up for {@code budgetMillis}.
     *
     * @param config       the engine's configuration (table limits, timeouts, state policy)
     * @param settings     the first packet agent's settings (batch size, verdict mode, busy-poll)
     * @param ruleset      the configured ruleset; the warm-up evaluates a copy with its own counters
     * @param budgetMillis how long to run traffic (the set-up of the first scratch agents comes before), at least 1
     */
    public static Result run(final TandemConfig config, final PacketAgentSettings settings, final Ruleset ruleset,
            final long budgetMillis) {
        if (budgetMillis < 1) {
            throw new IllegalArgumentException("budgetMillis must be at least 1, got " + budgetMillis);
        }
        final PacketAgentSettings scratchSettings = settings.unplaced();
        final Ruleset passAll = passAll();
        final long start = System.nanoTime();
        long deadline = 0;
        long packets = 0;
        int agents = 0;
        String failure = null;
        final WarmupTraffic configuredTraffic = new WarmupTraffic(settings.queue());
        final WarmupTraffic statefulTraffic = new WarmupTraffic(settings.queue());
        while (failure == null && (agents == 0 || System.nanoTime() - deadline < 0)) {
            final Scratch configured = new Scratch(config, scratchSettings, ruleset.withOwnCounters(), configuredTraffic);
            final Scratch stateful = new Scratch(config, scratchSettings, passAll, statefulTraffic);
            try {
                failure = configured.start();
                if (failure == null) {
                    failure = stateful.start();
                }
                if (agents == 0) {
                    deadline = System.nanoTime() + budgetMillis * 1_000_000L; // traffic time, not set-up time
                }
                agents += 2;
                while (failure == null && System.nanoTime() - deadline < 0 && configured.roundsLeft()
                        && stateful.roundsLeft()) {
                    configured.agent.doWork();
                    stateful.agent.doWork();
                }
            } catch (final RuntimeException e) {
                failure = e.toString();
            } finally {
                packets += configured.close() + stateful.close();
            }
        }
        return new Result(packets, (System.nanoTime() - start) / 1_000_000L, agents, failure);
    }

    /** {@code pass all}: every made-up conversation creates its state. */
    private static Ruleset passAll() {
        try {
            return ConfigParser.parse("warm-up", "pass all\n").compileRuleset(InterfaceResolver.NONE);
        } catch (final ConfigException e) {
            throw new IllegalStateException("the warm-up's own ruleset does not parse", e);
        }
    }

    /** One scratch agent and its made-up queue. */
    private static final class Scratch {
        final SyntheticPacketQueue queue;
        final PacketAgent agent;
        private boolean started;

        Scratch(final TandemConfig config, final PacketAgentSettings settings, final Ruleset ruleset,
                final WarmupTraffic traffic) {
            final PacketCounters counters = new PacketCounters(settings.queue());
            queue = new SyntheticPacketQueue(traffic, settings.batchSize());
            agent = new PacketAgent(settings, PacketFilter.scratch(config, ruleset, counters,
                    SCRATCH_CREATOR_ID, SCRATCH_STATES), counters).queue(() -> queue);
        }

        /** The agent's start on this thread; null when it started, else why not. */
        String start() {
            agent.onStart();
            started = true;
            try {
                agent.awaitStarted(0, java.util.concurrent.TimeUnit.MILLISECONDS);
                return null;
            } catch (final RuntimeException | InterruptedException e) {
                return e.toString();
            }
        }

        /** Whether the traffic has client ports left for new states in this agent's table. */
        boolean roundsLeft() {
            return queue.rounds() <= WarmupTraffic.ROUNDS;
        }

        /** Closes the agent (it flushes its verdicts); returns the packets it decided. */
        long close() {
            if (started) {
                agent.onClose();
            }
            return queue.received();
        }
    }
}
