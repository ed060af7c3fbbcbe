package io.tandem.bench.journal;

import io.tandem.bench.engine.PacketPath;
import io.tandem.bench.engine.PacketPathBenchmark;
import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.state.StateTable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * What the state journal adds to the packet path: {@code PacketPathBenchmark}'s {@code established}
 * and {@code newFlows} (decode → {@code PacketFilter.decide} → verdict encoding, 64 packets per
 * invocation, one JMH operation = one packet) with {@code journal} {@code off} and {@code on}; and
 * {@link #recorderAppend}, the recorder's cost per record on its own.
 *
 * <p>Theory of operation. Each state wraps the engine benchmark's own state object and each
 * benchmark calls the engine benchmark's own method, so {@code journal=off} is exactly
 * {@code PacketPathBenchmark} (plus two counter increments per batch). With {@code journal=on} the
 * setup then opens an {@code EngineJournal} in a temporary directory and calls
 * {@code recoverInto} on the benchmark thread, as PacketAgent does on the packet thread: the
 * {@link JournalRecorder} becomes the state table's listener, so every state change of the packet
 * path is written (256 bytes, CRC32C) into the in-flight ring before the verdict, and the engine's
 * journal thread ({@code JournalAgent}) drains the ring into Chronicle Queue concurrently. After
 * each batch the benchmark runs one slice of the rolling snapshot with the real clock, as the
 * agent does once per duty cycle (with the engine's default {@code set journal snapshot 60}: about
 * capacity / 60,000 states per millisecond). The states of the setup (the pre-populated table)
 * are not journaled: the journal is attached after them.
 * <ul>
 *   <li>{@code established}: data segments change no state, so the journal's cost is the listener
 *       check and the snapshot slices (plus one clock read per batch, which the engine does anyway
 *       but the synthetic-clock engine benchmark does not).</li>
 *   <li>{@code newFlows}: every packet creates a state (INSERT) and the sweep removes one
 *       (DELETE): about two records per packet, the journal's worst case.</li>
 *   <li>{@link #recorderAppend}: {@code JournalRecorder.onUpdate} over the live slots of a table
 *       of 1,024 established flows, one record per operation: fill the 256-byte record from the
 *       table, CRC32C, copy into the ring. Its inverse is the packet thread's append rate.</li>
 * </ul>
 * The auxiliary counters ({@code -prof gc} aside) give, per iteration, {@code packets},
 * {@code journalRecords} (handed to the ring) and {@code journalDropped} (the ring was full: the
 * journal thread did not keep up; dropped records are counted and cost less than appended ones).
 *
 * <p>Not isolated: the journal thread runs on another CPU when there is one, and competes with the
 * benchmark thread, JIT and GC for the machine's CPUs; on a 2-CPU machine that is visible in the
 * numbers. B/op ({@code gc.alloc.rate.norm}) counts every thread of the JVM, so with the journal on
 * it includes what Chronicle allocates on the journal thread (the packet thread allocates nothing:
 * {@code JournalRecorderTest}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "-XX:+UseParallelGC", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true", "-Dchronicle.announcer.disable=true",
})
public class JournalOverheadBenchmark {
    /**
     * Packets per invocation of the engine benchmark's methods ({@code PacketPathBenchmark.BATCH});
     * checked at tear-down against the packets the path counted.
     */
    static final int BATCH = 64;

    private static final PacketPathBenchmark ENGINE = new PacketPathBenchmark();

    /** Counted per iteration (JMH sums events over the iteration). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PathCounters {
        public long packets;
        public long journalRecords;
        public long journalDropped;

        @Setup(Level.Iteration)
        public void clear() {
            packets = 0;
            journalRecords = 0;
            journalDropped = 0;
        }
    }

    /** Counted per iteration, for {@link #recorderAppend}. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class AppendCounters {
        public long journalRecords;
        public long journalDropped;

        @Setup(Level.Iteration)
        public void clear() {
            journalRecords = 0;
            journalDropped = 0;
        }
    }

    /** The engine benchmark's {@code established} state, with or without the journal. */
    @State(Scope.Thread)
    public static class Established {
        @Param({"1000", "1000000"})
        public int liveStates;
        @Param({"off", "on"})
        public String journal;

        final PacketPathBenchmark.Established engine = new PacketPathBenchmark.Established();
        Journaling journaling;

        @Setup(Level.Trial)
        public void setUp() {
            engine.liveStates = liveStates;
            engine.setUp();
            journaling = Journaling.attach(engine.path(), journal);
        }

        @TearDown(Level.Trial)
        public void check() {
            try {
                engine.check();
            } finally {
                journaling.close("established");
            }
        }
    }

    /** The engine benchmark's {@code newFlows} state, with or without the journal. */
    @State(Scope.Thread)
    public static class NewFlows {
        @Param({"1000", "1000000"})
        public int liveStates;
        @Param({"off", "on"})
        public String journal;

        final PacketPathBenchmark.NewFlows engine = new PacketPathBenchmark.NewFlows();
        Journaling journaling;

        @Setup(Level.Trial)
        public void setUp() {
            engine.liveStates = liveStates;
            engine.setUp();
            journaling = Journaling.attach(engine.path(), journal);
        }

        @TearDown(Level.Trial)
        public void check() {
            try {
                engine.check();
            } finally {
                journaling.close("newFlows");
            }
        }
    }

    /** A journal attached to a table of 1,024 established flows; the recorder fed directly. */
    @State(Scope.Thread)
    public static class Appending {
        static final int STATES = 1024;

        final PacketPathBenchmark.Established engine = new PacketPathBenchmark.Established();
        TempJournal journal;
        JournalRecorder recorder;
        JournalHealth health;
        StateTable table;
        int[] slots;
        int next;
        long lastSequence;
        long lastDropped;

        @Setup(Level.Trial)
        public void setUp() {
            engine.liveStates = STATES;
            engine.setUp();
            table = engine.path().filter().states();
            slots = new int[STATES];
            int n = 0;
            for (int s = table.nextLive(0); s >= 0; s = table.nextLive(s + 1)) {
                slots[n++] = s;
            }
            if (n != STATES) {
                throw new IllegalStateException("expected " + STATES + " live states, found " + n);
            }
            journal = TempJournal.attachTo(table);
            recorder = journal.recorder();
            health = journal.health();
            lastSequence = recorder.sequence();
            lastDropped = health.dropped();
        }

        @TearDown(Level.Trial)
        public void close() {
            journal.close();
            final long failed = health.failed();
            if (failed != 0) {
                throw new IllegalStateException("recorderAppend: " + failed + " journal appends failed");
            }
        }
    }

    /**
     * The journal side of a path state: attached or not, the per-batch snapshot slice and counters,
     * and the tear-down checks.
     */
    static final class Journaling {
        private final PacketPath path;
        private final StateTable table;
        private final TempJournal journal;
        private final JournalRecorder recorder;
        private final JournalHealth health;
        private final long packetsAtStart;
        private long invocations;
        private long lastSequence;
        private long lastDropped;

        private Journaling(final PacketPath path, final boolean on) {
            this.path = path;
            table = path.filter().states();
            journal = on ? TempJournal.attachTo(table) : null;
            recorder = on ? journal.recorder() : null;
            health = on ? journal.health() : null;
            lastSequence = on ? recorder.sequence() : 0;
            lastDropped = on ? health.dropped() : 0;
            packetsAtStart = path.packets();
        }

        static Journaling attach(final PacketPath path, final String mode) {
            switch (mode) {
                case "off": return new Journaling(path, false);
                case "on": return new Journaling(path, true);
                default: throw new IllegalArgumentException("journal must be off or on, not '" + mode + "'");
            }
        }

        /** After each batch: the agent's snapshot slice (journal on) and the counters. */
        void afterBatch(final PathCounters c) {
            invocations++;
            c.packets += BATCH;
            final JournalRecorder r = recorder;
            if (r != null) {
                r.snapshotSlice(table, System.currentTimeMillis());
                final long sequence = r.sequence();
                final long dropped = health.dropped();
                c.journalRecords += sequence - lastSequence;
                c.journalDropped += dropped - lastDropped;
                lastSequence = sequence;
                lastDropped = dropped;
            }
        }

        void close(final String what) {
            try {
                final long packets = path.packets() - packetsAtStart;
                if (packets != invocations * BATCH) {
                    throw new IllegalStateException(what + ": " + packets + " packets in " + invocations
                            + " invocations, not " + BATCH + " each: BATCH no longer matches PacketPathBenchmark");
                }
            } finally {
                if (journal != null) {
                    journal.close();
                    if (health.failed() != 0) {
                        throw new IllegalStateException(what + ": " + health.failed() + " journal appends failed");
                    }
                }
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int established(final Established s, final PathCounters c) {
        final int accepted = ENGINE.established(s.engine);
        s.journaling.afterBatch(c);
        return accepted;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int newFlows(final NewFlows s, final PathCounters c) {
        final int accepted = ENGINE.newFlows(s.engine);
        s.journaling.afterBatch(c);
        return accepted;
    }

    /** One operation = one record through {@code JournalRecorder.onUpdate} into the ring. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long recorderAppend(final Appending s, final AppendCounters c) {
        final JournalRecorder r = s.recorder;
        final StateTable t = s.table;
        final int[] slots = s.slots;
        int next = s.next;
        for (int i = 0; i < BATCH; i++) {
            r.onUpdate(t, slots[next], 0);
            next = (next + 1) & (Appending.STATES - 1);
        }
        s.next = next;
        final long sequence = r.sequence();
        final long dropped = s.health.dropped();
        c.journalRecords += sequence - s.lastSequence;
        c.journalDropped += dropped - s.lastDropped;
        s.lastSequence = sequence;
        s.lastDropped = dropped;
        return sequence;
    }
}
