/**
 * Benchmarks of the state journal ({@code io.tandem.engine.journal}): what journaling adds to the
 * packet path, how fast the packet thread hands records to the journal, how many bytes a state
 * costs on disk, how long recovery takes for 100k and 1M states, and how fast the journal reads
 * back.
 *
 * <ul>
 *   <li>{@link io.tandem.bench.journal.JournalOverheadBenchmark} (JMH): {@code PacketPathBenchmark}'s
 *       {@code established} and {@code newFlows} with the journal off and on, and the recorder's
 *       append on its own.</li>
 *   <li>{@link io.tandem.bench.journal.JournalRecoveryBench} (a plain {@code main}): builds a journal
 *       of N live states as the engine does, then times recovery and a full read.</li>
 * </ul>
 *
 * <p>Outside the test run on purpose (STYLE.md §13): run them with {@code scripts/bench-journal},
 * which writes {@code bench/results/journal-*.md} and {@code .json}. The code under test is the
 * engine's, used through its public API ({@code EngineJournal}, {@code JournalRecorder},
 * {@code JournalRecovery}, {@code JournalReader}) as the engine uses it; the packet path is
 * {@code io.tandem.bench.engine}'s, reused rather than copied so that "journal off" is exactly the
 * engine benchmark.
 */
package io.tandem.bench.journal;
