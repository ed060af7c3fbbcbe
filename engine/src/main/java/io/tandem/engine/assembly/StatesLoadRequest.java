package io.tandem.engine.assembly;

import io.tandem.engine.control.ControlServer;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.packet.StateLoadMailbox;
import io.tandem.engine.shard.FlowOwner;
import io.tandem.engine.tools.JsonReader;
import io.tandem.engine.tools.RecordFormatter;
import io.tandem.engine.tools.StateJsonCodec;
import io.tandem.engine.tools.StateLoadReport;
import io.tandem.engine.tools.StateLoadReport.Reason;
import java.io.IOException;
import java.util.List;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import java.util.function.LongSupplier;

/**
 * Serves one {@code states load FILE} request on a control worker: reads the request's body (the
 * JSON lines of an export, {@code tandem journal export} or {@code tandem states dump}), checks each
 * line completely — JSON, every field of the export format, address family, creatorid, expiry — and
 * hands the good ones to the packet thread in batches of {@link StateLoadMailbox#BATCH}
 * ({@link StateLoadMailbox}), which inserts, journals and so announces them, or refuses a collision.
 *
 * <p>Failure policy: a line is loaded whole or not at all; every line that is not loaded is counted
 * under its {@link Reason} in the {@link StateLoadReport}, with the first few as FILE:LINE. A line is
 * parsed straight into the batch's record and counted only when it parsed, so a bad line leaves
 * nothing behind. Nothing is thrown for bad input; the client going away or the packet thread not
 * answering ends the load (the states loaded so far stay, journaled and announced). Memory bound:
 * one line and one batch. Owner: one control worker per request; concurrent loads wait for each
 * other (each holds the mailbox for its whole body).
 */
final class StatesLoadRequest {
    /** How long the packet thread may take for one batch (it waits for room in the journal's ring). */
    static final long BATCH_TIMEOUT_MILLIS = 10_000;

    /** One queue thread's mailbox and the batch being filled for it. */
    private static final class Target {
        final StateLoadMailbox loads;
        final int[] lineOf = new int[StateLoadMailbox.BATCH];
        final long[] ids = new long[StateLoadMailbox.BATCH];
        final int[] creators = new int[StateLoadMailbox.BATCH];
        int n;

        Target(final StateLoadMailbox loads) {
            this.loads = loads;
        }
    }

    private final List<Target> targets;
    private final LongSupplier clock;
    /** Each line is parsed here, then copied into the batch of the queue thread that owns its flow. */
    private final JournalRecordFlyweight scratch = new JournalRecordFlyweight();
    private final UnsafeBuffer scratchBuffer = new UnsafeBuffer(new byte[JournalRecordFlyweight.LENGTH]);

    StatesLoadRequest(final StateLoadMailbox loads, final LongSupplier clock) {
        this(List.of(loads), clock);
    }

    /** Over several queue threads ({@code set queue FIRST:LAST}): each state goes to its flow's owner ({@link FlowOwner}). */
    StatesLoadRequest(final List<StateLoadMailbox> loads, final LongSupplier clock) {
        this.targets = loads.stream().map(Target::new).toList();
        this.clock = clock;
    }

    /** Loads the body's states; the report's message is the answer. */
    StateLoadReport run(final String source, final ControlServer.Body body) throws IOException, InterruptedException {
        synchronized (this) { // one load at a time owns the batches' records (StateLoadMailbox#awaitIdle)
            for (final Target t : targets) {
                t.loads.awaitIdle(BATCH_TIMEOUT_MILLIS);
                t.n = 0;
            }
            return load(source, body);
        }
    }

    private StateLoadReport load(final String source, final ControlServer.Body body)
            throws IOException, InterruptedException {
        final StateLoadReport report = new StateLoadReport(source.isEmpty() ? "-" : source);
        int lineNumber = 0;
        String line;
        while ((line = body.next()) != null) {
            lineNumber++;
            report.line();
            if (line == ControlServer.Body.LINE_TOO_LONG) {
                report.count(Reason.TOO_LONG, lineNumber, "longer than " + ControlServer.MAX_BODY_LINE + " bytes");
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            final JournalRecordFlyweight r = scratch.wrap(scratchBuffer, 0).clear();
            if (parse(line, lineNumber, r, report)) {
                final Target t = targets.get(FlowOwner.of(r.af(), r.proto(), r.srcHi(), r.srcLo(), r.dstHi(),
                        r.dstLo(), r.srcPort(), r.dstPort(), targets.size()));
                final JournalRecordFlyweight into = t.loads.record(t.n);
                ((MutableDirectBuffer) into.buffer()).putBytes(into.offset(), scratchBuffer, 0,
                        JournalRecordFlyweight.LENGTH);
                t.lineOf[t.n] = lineNumber;
                t.ids[t.n] = r.id();
                t.creators[t.n] = r.creatorId();
                t.n++;
                if (t.n == StateLoadMailbox.BATCH) {
                    apply(t, report);
                }
            }
        }
        for (final Target t : targets) {
            if (t.n > 0) {
                apply(t, report);
            }
        }
        return report;
    }

    private boolean parse(final String line, final int lineNumber, final JournalRecordFlyweight r,
            final StateLoadReport report) {
        try {
            JsonReader.object(line);
        } catch (final RuntimeException e) {
            report.count(Reason.NOT_JSON, lineNumber, String.valueOf(e.getMessage()));
            return false;
        }
        try {
            StateJsonCodec.read(line, r);
        } catch (final RuntimeException e) {
            report.count(Reason.BAD_FIELD, lineNumber, String.valueOf(e.getMessage()));
            return false;
        }
        if (r.af() != 2 && r.af() != 10) {
            report.count(Reason.BAD_FAMILY, lineNumber, "af " + r.af() + " (inet or inet6)");
            return false;
        }
        if (r.creatorId() == 0) {
            report.count(Reason.BAD_FIELD, lineNumber, "\"creatorid\" 0 (a pfsync creatorid is never 0)");
            return false;
        }
        if (r.expireAtMillis() != 0 && r.expireAtMillis() < clock.getAsLong()) {
            report.count(Reason.EXPIRED, lineNumber, "");
            return false;
        }
        return true;
    }

    private static void apply(final Target t, final StateLoadReport report) throws InterruptedException {
        final int n = t.n;
        t.n = 0;
        final int[] results = t.loads.apply(n, BATCH_TIMEOUT_MILLIS);
        for (int i = 0; i < n; i++) {
            final String state = "state " + RecordFormatter.hex16(t.ids[i]) + "/" + RecordFormatter.hex8(t.creators[i]);
            switch (results[i]) {
                case StateLoadMailbox.LOADED -> report.loaded();
                case StateLoadMailbox.COLLISION_ID -> report.count(Reason.COLLISION_ID, t.lineOf[i],
                        state + " is live here already (same id and creator)");
                case StateLoadMailbox.COLLISION_KEY -> report.count(Reason.COLLISION_KEY, t.lineOf[i],
                        state + ": a live state has its key");
                case StateLoadMailbox.TABLE_FULL -> report.count(Reason.TABLE_FULL, t.lineOf[i], state);
                default -> report.count(Reason.NOT_JOURNALED, t.lineOf[i], state);
            }
        }
    }
}
