package io.tandem.bench.engine;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.counters.PacketCounters;
import io.tandem.engine.packet.PacketAgent;
import io.tandem.engine.packet.PacketAgentSettings;
import io.tandem.engine.packet.PacketFilter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The packet thread's own work per packet, everything but the kernel: one {@link PacketAgent} duty cycle
 * after another, each receiving {@value #PER_RECEIVE} NFQUEUE PACKET messages from a {@link ReplayQueue}
 * (the packets per wake-up that scripts/bench's paired runs report at 50,000 datagrams/s), walking and
 * parsing them, decoding and deciding them against the state table (bench/pass-all.conf's {@code pass all},
 * one UDP flow, as Tandem's half of {@code scripts/bench --cases pair-batch}), and encoding one
 * VERDICT_BATCH, which the queue counts instead of sending. One JMH operation is one packet.
 *
 * <p>Theory of operation. The agent is started on the benchmark thread by calling its {@code onStart}
 * (no namespace, no pinning, no journal; it opens its doorbell, an eventfd) and driven by calling
 * {@code doWork} as its runner would. Between batches the agent's own logic runs unchanged: the mailboxes,
 * the clock reads, the expiry slice, the short-batch wait (here a receive that returns at once). What
 * this leaves out, the system calls and the kernel's side of them, is what the paired end-to-end runs
 * measure; this measures the part Tandem can change, so that two builds can be compared with JMH's
 * precision instead of the kernel queue's noise. The tear-down checks that every packet was accepted
 * and that verdicts were sent, so a broken fixture fails instead of measuring the drop path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    // PacketPathBenchmark's flags (scripts/bench-engine reports one JVM command line for both).
    "-XX:+UseParallelGC", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-XX:+UseTransparentHugePages",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
})
public class AgentCycleBenchmark {
    /** Packets per receive: the paired end-to-end runs' packets per wake-up (13.1 in e2e-20261206-025039). */
    static final int PER_RECEIVE = 13;
    private static final String CONFIG = "pass all\nset verdict batch\nset gso yes\nset metrics none\n";

    @State(Scope.Thread)
    public static class Agent {
        PacketAgent agent;
        ReplayQueue queue;
        PacketCounters counters;

        @Setup(Level.Trial)
        public void setUp() {
            counters = new PacketCounters(PacketPath.QUEUE);
            final PacketFilter filter = PacketPath.newFilter(CONFIG, counters);
            final PacketAgentSettings settings = new PacketAgentSettings(PacketPath.QUEUE, -1, 256, 8192, false,
                    true, 8 << 20, 64, true, false, 0, null);
            queue = new ReplayQueue(PER_RECEIVE, 1, PacketPath.QUEUE);
            agent = new PacketAgent(settings, filter, counters).queue(() -> queue);
            agent.onStart();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            agent.onClose();
            final long received = counters.get(PacketCounter.PACKETS_RECEIVED);
            final long accepted = counters.get(PacketCounter.VERDICT_ACCEPT);
            if (received == 0 || accepted != received || queue.sends() == 0
                    || received != queue.packetsQueued()) {
                throw new IllegalStateException("agent cycle did not accept every packet: queued "
                        + queue.packetsQueued() + ", received " + received + ", accepted " + accepted
                        + ", sends " + queue.sends() + ", decode failures " + counters.totalDecodeFailures()
                        + ", netlink errors " + counters.totalNetlinkErrors());
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(PER_RECEIVE)
    public int dutyCycle(final Agent s) {
        return s.agent.doWork();
    }
}
