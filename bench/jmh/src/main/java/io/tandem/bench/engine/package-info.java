/**
 * JMH benchmarks of the engine's packet path: {@code PacketDecoder} → {@code PacketFilter}
 * (state lookup, pf TCP tracking, rules on a miss, state creation) → {@code NfqVerdictEncoder},
 * on synthetic IPv4/TCP packets in direct buffers ({@code PacketPathBenchmark}); and the packet thread's
 * whole duty cycle, {@code PacketAgent.doWork} with its netlink parsing, over an in-memory queue that
 * replays NFQUEUE messages ({@code AgentCycleBenchmark}, {@code ReplayQueue}).
 *
 * <p>Outside the test run on purpose (STYLE.md §13): run them with {@code scripts/bench-engine},
 * which writes {@code bench/results/engine-*.md} and {@code .json}. Everything here is benchmark
 * scaffolding; the code under test is the engine's, used through its public API as PacketAgent
 * uses it.
 */
package io.tandem.bench.engine;
