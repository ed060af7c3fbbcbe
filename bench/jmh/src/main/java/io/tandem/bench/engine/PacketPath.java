package io.tandem.bench.engine;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.decode.DecodeResult;
import io.tandem.engine.decode.PacketDecoder;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.packet.ReceivedBatch;
import io.tandem.engine.verdict.VerdictBatcher;

/**
 * What PacketAgent does with a batch of queued packets, minus the netlink receive and send: decode
 * each into the {@link ReceivedBatch}, then — with a large table, after prefetching the batch's state
 * lookups — {@link PacketFilter#decide} each in order (state lookup and pf tracking first,
 * the ruleset on a miss, state creation for {@code keep state}), and its verdict into the
 * {@link VerdictRun}. Packets arrive on the FORWARD hook (the firewall case: a miss crosses the
 * rules {@code in} on the input interface and {@code out} on the output interface).
 *
 * <p>Like the agent, it reads the clock once per batch ({@link #endOfBatch}), here a synthetic
 * clock so runs are repeatable. It counts decode failures and non-accept verdicts so that a
 * benchmark can prove in its tear-down that it measured the path it meant to.
 *
 * <p>Public, with {@link #filter()} and {@link #packets()}, for the journal benchmarks
 * ({@code io.tandem.bench.journal}), which attach the journal to this path's state table and run
 * {@code PacketPathBenchmark}'s own methods on it, so that "journal off" is exactly this benchmark.
 * {@link #newFilter} is the one way the benchmarks build a filter from configuration text.
 */
public final class PacketPath {
    /** NF_INET_FORWARD. */
    static final int HOOK_FORWARD = 2;
    static final int IN_DEV = 2;
    static final int OUT_DEV = 3;
    static final int QUEUE = 0;

    private final PacketDecoder decoder = new PacketDecoder();
    private final ReceivedBatch batch = new ReceivedBatch();
    private final PacketFilter filter;
    private final VerdictRun verdicts = new VerdictRun(QUEUE);

    private long now;
    private long packetId;
    private long notAccepted;
    private long decodeFailures;

    /**
     * @param configText a tandem.conf ruleset and options
     * @param startMillis the synthetic clock's start (wall-clock milliseconds)
     */
    PacketPath(final String configText, final long startMillis) {
        filter = newFilter(configText, QUEUE);
        now = startMillis;
    }

    /**
     * The engine's filter for a configuration ({@code PacketFilter.fromConfig}, as the engine's
     * assembly builds it), with every interface name resolving to index 0.
     *
     * @throws IllegalArgumentException the configuration does not parse
     */
    public static PacketFilter newFilter(final String configText, final int queue) {
        return newFilter(configText, new PacketCounters(queue));
    }

    /** As {@link #newFilter(String, int)}, counting into {@code counters} (an agent's, which reads them too). */
    public static PacketFilter newFilter(final String configText, final PacketCounters counters) {
        final TandemConfig config;
        try {
            config = ConfigParser.parse("bench.conf", configText);
        } catch (final ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return PacketFilter.fromConfig(config, config.compileRuleset(name -> 0), counters);
    }

    /**
     * One packet decoded into the receive batch, as the agent does; it is decided with the rest of the
     * batch at {@link #endOfBatch} (or here, when the batch is full).
     */
    void process(final TcpPacketWriter p) {
        final long id = ++packetId;
        if (decoder.decode(p.buffer(), 0, p.capturedLength(), p.ipLength(), PacketDecoder.ETH_P_IP, batch.next())
                == DecodeResult.OK) {
            batch.decoded(id, HOOK_FORWARD, IN_DEV, OUT_DEV, p.ipLength());
        } else {
            decodeFailures++;
            batch.answered(id, VerdictBatcher.DROP);
        }
        if (batch.full()) {
            decideBatch();
        }
    }

    /**
     * The agent's {@code decideReceived}: when the table holds states the batch's lookups are prefetched
     * ({@link ReceivedBatch#prefetchLookups}), then each packet is decided in order and its verdict added
     * to the run. Returns the packets accepted.
     */
    private int decideBatch() {
        batch.prefetchLookups(filter.states());
        int accepted = 0;
        for (int k = 0, n = batch.size(); k < n; k++) {
            int verdict = batch.verdict(k);
            if (verdict == ReceivedBatch.UNDECIDED) {
                verdict = filter.decide(batch.packet(k), batch.hook(k), batch.indev(k), batch.outdev(k),
                        batch.length(k), now, batch.keyHash(k));
            }
            if (verdict == VerdictBatcher.ACCEPT) {
                accepted++;
            } else {
                notAccepted++;
            }
            verdicts.add(batch.id(k), verdict);
        }
        batch.clear();
        return accepted;
    }

    /**
     * End of a receive batch: decide it, close the verdict run, then advance the clock by
     * {@code tickMillis}. Returns the batch's packets accepted.
     */
    int endOfBatch(final long tickMillis) {
        final int accepted = decideBatch();
        verdicts.endOfBatch();
        now += tickMillis;
        return accepted;
    }

    /** One slice of the expiry sweep, as the agent runs at the start of a duty cycle. */
    int expire(final int budget) {
        return filter.expire(now, budget);
    }

    /** The filter (and through it the state table) this path decides with. */
    public PacketFilter filter() {
        return filter;
    }

    int states() {
        return filter.states().size();
    }

    /**
     * Throws when any packet so far failed to decode or was not accepted: every benchmark here
     * sends only packets its ruleset and states must pass.
     */
    void requireAllAccepted(final String what) {
        if (decodeFailures != 0 || notAccepted != 0) {
            throw new IllegalStateException(what + ": " + notAccepted + " of " + packetId
                + " packets not accepted (" + decodeFailures + " decode failures); the benchmark is not"
                + " measuring the intended path");
        }
    }

    /** Packets processed so far (handshakes of the setup included). */
    public long packets() {
        return packetId;
    }

    long verdictMessages() {
        return verdicts.messages();
    }
}
