package io.tandem.bench.journal;

import io.tandem.bench.engine.PacketPath;
import io.tandem.engine.journal.EngineJournal;
import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalReader;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalRecovery;
import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.packet.PacketFilter;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.verdict.VerdictBatcher;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Recovery time, journal bytes and read-back speed for a journal of N live states, as a plain
 * program (each measurement once or a few times: JMH's repetition would measure a warm JVM, and
 * the engine recovers in a cold one).
 *
 * <pre>
 *   java [scripts/tandem's JVM flags] -cp benchmarks.jar io.tandem.bench.journal.JournalRecoveryBench N [REPEAT]
 * </pre>
 *
 * <p>Theory of operation.
 * <ol>
 *   <li><b>Build</b>, the way the engine fills its journal: an {@code EngineJournal} in a temporary
 *       directory ({@link TempJournal}: engine defaults) is opened and attached with
 *       {@code recoverInto} to the state table of a {@link PacketFilter} ({@code set limit states}
 *       = 1.3 × N, a stateful UDP ruleset); then N UDP flows go through {@code PacketFilter.decide}
 *       on the FORWARD hook, a request (rule match, state created: INSERT) and a reply (SINGLE →
 *       MULTIPLE: UPDATE) each. Then snapshot slices ({@code JournalRecorder.snapshotSlice}, with a
 *       clock advancing one snapshot interval per slice, so each slice covers its maximum of slots)
 *       until one complete epoch (EPOCH_START, N SNAPSHOT records, EPOCH_END). The packet thread
 *       here never lets the ring fill: it waits while the journal thread falls too far behind, so nothing is dropped and the build rate is the journal thread's append rate into
 *       Chronicle. Then the journal is closed (the ring drained into Chronicle).</li>
 *   <li><b>Bytes</b>: the disk space of the {@code *.cq4} files ({@code du}; their apparent size,
 *       rounded up to Chronicle's mapped chunks, is reported too) over the records in them, and
 *       over N.</li>
 *   <li><b>Recovery</b>, REPEAT times (default 3): {@code EngineJournal.open} (lock, Chronicle,
 *       journal thread) then {@code recoverInto} a fresh table of the same configuration (reads back
 *       from the end to the last complete epoch, replays from its start), checked: N states
 *       restored, from a complete epoch; then close. The first run is the honest one — a cold JVM, as
 *       at engine start; later runs are warm. The journal's pages are in the page cache in every
 *       run (the benchmark does not drop caches).</li>
 *   <li><b>Replay</b>, REPEAT times: {@code Journal.openForReading} and {@code JournalReader.fromStart}
 *       reading every record to the end (read, length, magic, version, CRC checked), as the
 *       {@code tandem journal} tools do: records per second.</li>
 * </ol>
 * Output: one JSON object per line on stdout, {@code "measurement"} being {@code build}, {@code bytes},
 * {@code recovery} or {@code replay}; progress on stderr. The directory is deleted at the end.
 */
public final class JournalRecoveryBench {
    /** NF_INET_FORWARD. */
    private static final int HOOK_FORWARD = 2;
    private static final int IN_DEV = 2;
    private static final int OUT_DEV = 3;
    private static final int CLIENT_NET = 0x0A00_0000; // 10.0.0.0/8
    private static final long SERVER = 0xC000_0235L; // 192.0.2.53
    private static final int PORT_BITS = 14;
    private static final int FIRST_PORT = 1024;
    private static final int BATCH = 64;
    /**
     * The packet thread waits while the journal thread is this many records behind (the ring holds
     * about 15,800): while creating states, and before a snapshot slice, which the recorder skips
     * when the ring is more than half full and which adds up to {@value #SLICE_SLOTS} records.
     */
    private static final long MAX_PENDING = 12_000;
    private static final long MAX_PENDING_BEFORE_SLICE = 3_000;
    /** At most this many slots per snapshot slice (JournalRecorder.MAX_SNAPSHOT_SLOTS). */
    private static final int SLICE_SLOTS = 4096;

    private final int n;
    private final String configText;
    private final PrintStream out;

    private JournalRecoveryBench(final int n, final PrintStream out) {
        this.n = n;
        this.out = out;
        this.configText = "set limit states " + (int) Math.ceil(n * 1.3) + "\n"
                + "set timeout { adaptive.start 0, adaptive.end 0 }\n"
                + "block all\n"
                + "pass proto udp to port 53\n";
    }

    public static void main(final String[] args) throws Exception {
        if (args.length < 1 || args.length > 2 || args[0].startsWith("-")) {
            System.err.println("usage: JournalRecoveryBench N [REPEAT]   (N live states, 1..16777216; REPEAT default 3)");
            System.exit(2);
        }
        final int n = Integer.parseInt(args[0]);
        final int repeat = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        if (n < 1 || n > (1 << 24) || repeat < 1) {
            System.err.println("JournalRecoveryBench: N must be 1..16777216 and REPEAT at least 1");
            System.exit(2);
        }
        new JournalRecoveryBench(n, System.out).run(repeat);
    }

    private PacketFilter newFilter() {
        return PacketPath.newFilter(configText, 0);
    }

    private void run(final int repeat) throws JournalException {
        try (TempJournal journal = TempJournal.create()) {
            final long records = build(journal);
            bytes(journal, records);
            for (int i = 1; i <= repeat; i++) {
                recover(journal, i);
            }
            for (int i = 1; i <= repeat; i++) {
                replay(journal, i, records);
            }
        }
    }

    /** Fills the journal with N live states and one complete snapshot epoch; returns the records in it. */
    private long build(final TempJournal journal) {
        progress("building a journal of " + n + " states in " + journal.dir());
        final PacketFilter filter = newFilter();
        final StateTable table = filter.states();
        final long start = System.nanoTime();
        journal.open();
        journal.recoverInto(table);
        final JournalRecorder recorder = journal.recorder();
        final DecodedPacket p = new DecodedPacket();
        final long now = System.currentTimeMillis();
        long waits = 0;
        for (int f = 0; f < n; f++) {
            udp(p, f, false);
            final int a = filter.decide(p, HOOK_FORWARD, IN_DEV, OUT_DEV, p.ipLength, now);
            udp(p, f, true);
            final int b = filter.decide(p, HOOK_FORWARD, OUT_DEV, IN_DEV, p.ipLength, now);
            if (a != VerdictBatcher.ACCEPT || b != VerdictBatcher.ACCEPT) {
                throw new IllegalStateException("flow " + f + " not accepted");
            }
            if ((f & (BATCH - 1)) == BATCH - 1) {
                waits += waitForJournal(journal, MAX_PENDING);
            }
        }
        if (table.size() != n) {
            throw new IllegalStateException("expected " + n + " states, found " + table.size());
        }
        final long changes = recorder.sequence();
        final long statesDone = System.nanoTime();
        // One complete rolling-snapshot epoch: each slice one interval later covers SLICE_SLOTS slots.
        final long epochBefore = recorder.epoch();
        final int slices = (table.capacity() + SLICE_SLOTS - 1) / SLICE_SLOTS;
        long clock = now;
        for (int i = 0; i < slices; i++) {
            waits += waitForJournal(journal, MAX_PENDING_BEFORE_SLICE);
            clock += TempJournal.SNAPSHOT_SECONDS * 1000L;
            recorder.snapshotSlice(table, clock);
        }
        waitForJournal(journal, 0);
        final long end = System.nanoTime();
        final long sequence = recorder.sequence();
        final long written = journal.health().written();
        final long dropped = journal.health().dropped();
        final long failed = journal.health().failed();
        if (recorder.epoch() != epochBefore + 1 || dropped != 0 || failed != 0) {
            throw new IllegalStateException("build: epoch " + epochBefore + " -> " + recorder.epoch() + ", " + dropped
                    + " dropped, " + failed + " failed: the journal does not hold one complete epoch");
        }
        journal.stop();
        final double seconds = (end - start) / 1e9;
        out.println(String.format(Locale.ROOT,
                "{\"measurement\":\"build\",\"states\":%d,\"capacity\":%d,\"records\":%d,\"change_records\":%d,"
                + "\"snapshot_records\":%d,\"seconds\":%.3f,\"states_seconds\":%.3f,\"records_per_second\":%.0f,"
                + "\"ring_waits\":%d}",
                n, table.capacity(), written, changes, sequence - changes, seconds, (statesDone - start) / 1e9,
                written / seconds, waits));
        return written;
    }

    /** Parks until the journal thread is at most {@code max} records behind; returns how many parks. */
    private static long waitForJournal(final TempJournal journal, final long max) {
        long parks = 0;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (journal.pending() > max) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("the journal thread is stuck: " + journal.pending() + " records pending");
            }
            LockSupport.parkNanos(20_000);
            parks++;
        }
        return parks;
    }

    private void bytes(final TempJournal journal, final long records) {
        final long apparent = TempJournal.cq4Bytes(journal.dir());
        final long allocated = TempJournal.cq4AllocatedBytes(journal.dir());
        out.println(String.format(Locale.ROOT,
                "{\"measurement\":\"bytes\",\"states\":%d,\"records\":%d,\"cq4_bytes\":%d,\"cq4_apparent_bytes\":%d,"
                + "\"bytes_per_record\":%.1f,\"bytes_per_state\":%.1f}",
                n, records, allocated, apparent, (double) allocated / records, (double) allocated / n));
    }

    private void recover(final TempJournal journal, final int run) {
        final PacketFilter filter = newFilter();
        final StateTable table = filter.states();
        System.gc();
        progress("recovery " + run + ": " + n + " states");
        final long t0 = System.nanoTime();
        final EngineJournal ej = journal.open();
        final long t1 = System.nanoTime();
        final JournalRecovery.Result r;
        final long t2;
        try {
            journal.recoverInto(table);
            t2 = System.nanoTime();
            r = ej.recovery();
        } finally {
            journal.stop();
        }
        if (r.statesRestored() != n || !r.fromCompleteEpoch() || r.recordsSkipped() != 0) {
            throw new IllegalStateException("recovery restored " + r.statesRestored() + " of " + n + " states"
                    + (r.fromCompleteEpoch() ? "" : ", not from a complete epoch") + ", " + r.recordsSkipped()
                    + " records skipped");
        }
        out.println(String.format(Locale.ROOT,
                "{\"measurement\":\"recovery\",\"states\":%d,\"run\":%d,\"cold\":%b,\"open_ms\":%.1f,"
                + "\"recover_ms\":%.1f,\"total_ms\":%.1f,\"records_replayed\":%d,\"states_restored\":%d,"
                + "\"from_complete_epoch\":%b}",
                n, run, run == 1, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t2 - t0) / 1e6, r.recordsRead(),
                r.statesRestored(), r.fromCompleteEpoch()));
    }

    private void replay(final TempJournal journal, final int run, final long built) throws JournalException {
        progress("replay " + run);
        final long t0 = System.nanoTime();
        long ok = 0;
        long skipped;
        try (Journal j = Journal.openForReading(journal.dir()); JournalReader reader = JournalReader.fromStart(j)) {
            JournalReadStatus st;
            while ((st = reader.next()) != JournalReadStatus.END) {
                if (st == JournalReadStatus.OK) {
                    ok++;
                }
            }
            skipped = reader.skippedTotal();
        }
        final long t1 = System.nanoTime();
        if (ok < built || skipped != 0) {
            throw new IllegalStateException("replay read " + ok + " records (" + skipped + " skipped), the build wrote "
                    + built);
        }
        final double seconds = (t1 - t0) / 1e9;
        out.println(String.format(Locale.ROOT,
                "{\"measurement\":\"replay\",\"states\":%d,\"run\":%d,\"cold\":%b,\"records\":%d,\"seconds\":%.3f,"
                + "\"records_per_second\":%.0f}",
                n, run, run == 1, ok, seconds, ok / seconds));
    }

    /** Flow {@code f}: client 10.x.y.z port 1024 + (f mod 16384) → 192.0.2.53:53, or the reply. */
    private static void udp(final DecodedPacket p, final int f, final boolean reply) {
        final long client = CLIENT_NET + 1 + (f >>> PORT_BITS);
        final int port = FIRST_PORT + (f & ((1 << PORT_BITS) - 1));
        p.reset();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_UDP;
        p.ttl = 64;
        p.l4Offset = 20;
        p.ipLength = 100;
        p.capturedLength = 100;
        p.payloadLength = 72;
        p.srcLo = reply ? SERVER : client;
        p.dstLo = reply ? client : SERVER;
        p.srcPort = reply ? 53 : port;
        p.dstPort = reply ? port : 53;
    }

    private static void progress(final String message) {
        System.err.println("JournalRecoveryBench: " + message);
    }
}
