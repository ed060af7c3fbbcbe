package io.tandem.bench.engine;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.state.StateCounter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine's per-packet cost on one core: decode → {@code PacketFilter.decide} → verdict
 * encoding, for receive batches of {@value #BATCH} packets, as PacketAgent runs them (one clock
 * read, one verdict run closed per batch; the batch decoded first and, when the table holds states,
 * its state lookups prefetched before it is decided, each lookup reusing the hash the prefetch took:
 * {@code ReceivedBatch}). One JMH operation is
 * one packet.
 *
 * <p>Theory of operation. Three workloads, each with its own {@link State} (one per benchmark
 * thread, as the engine has one packet thread per queue):
 * <ul>
 *   <li>{@link #established}: {@code liveStates} established TCP flows ({@link TcpFlows}), set up
 *       through the engine by a handshake each, then full-size data segments in both directions
 *       with advancing, in-window sequence numbers: state lookup (hash index), pf's
 *       {@code pf_tcp_track_full} and the verdict, no rule evaluation. The table is sized
 *       {@code set limit states} = 1.3 × liveStates with adaptive timeouts off, so timeouts and
 *       load factor are what a deployment with 30% headroom sees.</li>
 *   <li>{@link #newFlows}: the same pre-populated table, then a SYN from a new 5-tuple per packet:
 *       lookup miss, two rule crossings, state creation — and, per batch, one slice of the expiry
 *       sweep that removes them again. The synthetic clock advances one second per batch and
 *       {@code tcp.first} is one second, so each SYN's state expires one batch later and is
 *       removed when the sweep reaches it; the sweep's budget per batch is sized so that it covers
 *       the whole table once per {@code churn / 128} batches (churn = the table's headroom above
 *       liveStates), which keeps the number of new states at most half the headroom. This
 *       measures state creation plus its amortised removal and sweep, pf's steady state under a
 *       flow flood. {@code tcp.established} is set to its maximum so the pre-populated flows
 *       never expire on the fast synthetic clock.</li>
 *   <li>{@link #stateless}: a {@code no state} ruleset, the data segments of 1,024 flows: empty
 *       lookup, then the rules on every packet (in and out crossings). For comparison.</li>
 * </ul>
 * Every benchmark checks at tear-down that each packet was decoded and accepted, so a broken
 * setup (out-of-window segments, a full table) fails loudly instead of measuring the drop path.
 *
 * <p>Not measured: the netlink receive and send ({@code recvmmsg}/{@code send}), NFQUEUE message
 * parsing, the metrics counters' scrape. The sweep is left out of {@link #established} and
 * {@link #stateless}: with the real clock the agent examines capacity / (interval in ms) slots per
 * millisecond, far below one slot per packet at these rates.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    // As scripts/tandem runs the engine where the kernel offers transparent huge pages (madvise here).
    "-XX:+UseParallelGC", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
})
public class PacketPathBenchmark {
    /** Packets per receive batch (the engine's default {@code batch}). */
    static final int BATCH = 64;
    /** The synthetic clock's step per batch in {@link #established} and {@link #stateless}. */
    static final long TICK_MILLIS = 1;
    /** The synthetic clock's step per batch in {@link #newFlows}: one {@code tcp.first} timeout. */
    static final long NEW_FLOWS_TICK_MILLIS = 1000;
    /** Smallest headroom for new flows in {@link #newFlows}. */
    static final int MIN_CHURN = 4096;
    /** New flows' clients: 100.64.0.0/10, 16,384 ports each. */
    static final int NEW_CLIENT_NET = 0x6440_0000;
    static final int NEW_CLIENT_HOST_MASK = 0x003F_FFFF;
    /** Wall-clock start of the synthetic clock: fixed, so runs are repeatable. */
    static final long START_MILLIS = 1_700_000_000_000L;
    static final long SHUFFLE_SEED = 0x7A4D_E3L;

    static final String RULES = String.join("\n",
        "block all",
        "pass proto tcp to port 5201",
        "pass proto udp",
        "pass proto icmp",
        "");

    static final String STATELESS_RULES = String.join("\n",
        "block all",
        "pass proto tcp to port 5201 no state",
        "pass proto tcp from port 5201 no state",
        "pass proto udp no state",
        "pass proto icmp no state",
        "");

    /** A stateful configuration for {@code limit} states, adaptive timeouts off, plus {@code timeouts}. */
    static String statefulConfig(final int limit, final String timeouts) {
        return "set limit states " + limit + "\n"
            + "set timeout { adaptive.start 0, adaptive.end 0" + timeouts + " }\n"
            + RULES;
    }

    /** {@code liveStates} established flows replayed as data segments. */
    @State(Scope.Thread)
    public static class Established {
        @Param({"1000", "1000000"})
        public int liveStates;

        PacketPath path;
        TcpFlows flows;

        /** The packet path, after {@link #setUp} (for the journal benchmarks). */
        public PacketPath path() {
            return requireSetUp(path);
        }

        @Setup(Level.Trial)
        public void setUp() {
            path = new PacketPath(statefulConfig((int) Math.ceil(liveStates * 1.3), ""), START_MILLIS);
            flows = new TcpFlows(liveStates);
            flows.open(path, SHUFFLE_SEED);
            requireStates(path, liveStates);
        }

        @TearDown(Level.Trial)
        public void check() {
            path.requireAllAccepted("established");
            requireStates(path, liveStates);
        }
    }

    /** A table of {@code liveStates} established flows, then a flood of SYNs from new 5-tuples. */
    @State(Scope.Thread)
    public static class NewFlows {
        @Param({"1000", "1000000"})
        public int liveStates;

        PacketPath path;
        TcpPacketWriter syn;
        int churn;
        int sweepBudget;
        long nextFlow;

        /** The packet path, after {@link #setUp} (for the journal benchmarks). */
        public PacketPath path() {
            return requireSetUp(path);
        }

        @Setup(Level.Trial)
        public void setUp() {
            churn = Math.max(MIN_CHURN, (int) Math.ceil(liveStates * 0.3));
            final int capacity = liveStates + churn;
            path = new PacketPath(statefulConfig(capacity, ", tcp.first 1, tcp.established " + Integer.MAX_VALUE),
                START_MILLIS);
            new TcpFlows(liveStates).open(path, SHUFFLE_SEED);
            requireStates(path, liveStates);
            final int sweepBatches = Math.max(1, churn / BATCH / 2);
            sweepBudget = (capacity + sweepBatches - 1) / sweepBatches;
            syn = TcpPacketWriter.syn(TcpFlows.WSCALE)
                .flags(DecodedPacket.TH_SYN, TcpFlows.SYN_WINDOW);
        }

        /** The SYN of the next fresh 5-tuple. */
        void nextSyn() {
            final long k = nextFlow++;
            syn.addresses(NEW_CLIENT_NET + (int) ((k >>> TcpFlows.PORT_BITS) & NEW_CLIENT_HOST_MASK),
                    TcpFlows.SERVER_ADDRESS)
                .ports(TcpFlows.FIRST_PORT + (int) (k & ((1 << TcpFlows.PORT_BITS) - 1)), TcpFlows.SERVER_PORT)
                .sequence((int) (k * 0x9E37_79B9L) | 1, 0);
            path.process(syn);
        }

        @TearDown(Level.Trial)
        public void check() {
            path.requireAllAccepted("newFlows");
            // Silent on success: output from inside the last measured iteration would count in -prof gc.
            final long expired = path.filter().states().counters().get(StateCounter.REMOVED_EXPIRED);
            if (nextFlow > 0 && (expired == 0 || path.states() > liveStates + churn / 2 + 2 * BATCH)) {
                throw new IllegalStateException("newFlows: " + nextFlow + " SYNs, " + expired + " expired, "
                    + path.states() + " live: the expiry sweep does not keep up");
            }
        }
    }

    /** A {@code no state} ruleset and the data segments of 1,024 flows. */
    @State(Scope.Thread)
    public static class Stateless {
        static final int FLOWS = 1024;

        PacketPath path;
        TcpFlows flows;

        @Setup(Level.Trial)
        public void setUp() {
            path = new PacketPath("set limit states " + FLOWS + "\n" + STATELESS_RULES, START_MILLIS);
            flows = new TcpFlows(FLOWS);
        }

        @TearDown(Level.Trial)
        public void check() {
            path.requireAllAccepted("stateless");
            requireStates(path, 0);
        }
    }

    static PacketPath requireSetUp(final PacketPath path) {
        if (path == null) {
            throw new IllegalStateException("the packet path is built by the state's setUp(): call it first");
        }
        return path;
    }

    static void requireStates(final PacketPath path, final int expected) {
        if (path.states() != expected) {
            throw new IllegalStateException("expected " + expected + " states, found " + path.states());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int established(final Established s) {
        final PacketPath path = s.path;
        final TcpFlows flows = s.flows;
        for (int i = 0; i < BATCH; i++) {
            flows.next(path);
        }
        return path.endOfBatch(TICK_MILLIS);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int newFlows(final NewFlows s) {
        final PacketPath path = s.path;
        path.expire(s.sweepBudget);
        for (int i = 0; i < BATCH; i++) {
            s.nextSyn();
        }
        return path.endOfBatch(NEW_FLOWS_TICK_MILLIS);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int stateless(final Stateless s) {
        final PacketPath path = s.path;
        final TcpFlows flows = s.flows;
        for (int i = 0; i < BATCH; i++) {
            flows.next(path);
        }
        return path.endOfBatch(TICK_MILLIS);
    }
}
