package io.tandem.engine.assembly;

import io.tandem.engine.control.ControlServer;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.packet.StateLoadMailbox;
import io.tandem.engine.tools.JsonReader;
import io.tandem.engine.tools.RecordFormatter;
import io.tandem.engine.tools.StateJsonCodec;
import io.tandem.engine.tools.StateLoadReport;
import io.tandem.engine.tools.StateLoadReport.Reason;
import java.io.IOException;
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

    private final StateLoadMailbox loads;
    private final LongSupplier clock;
    private final int[] lineOf = new int[StateLoadMailbox.BATCH];
    private final long[] ids = new long[StateLoadMailbox.BATCH];
    private final int[] creators = new int[StateLoadMailbox.BATCH];

    StatesLoadRequest(final StateLoadMailbox loads, final LongSupplier clock) {
        this.loads = loads;
        this.clock = clock;
    }

    /** Loads the body's states; the report's message is the answer. */
    StateLoadReport run(final String source, final ControlServer.Body body) throws IOException, InterruptedException {
        synchronized (loads) { // one load at a time owns the batch's records (StateLoadMailbox#awaitIdle)
            loads.awaitIdle(BATCH_TIMEOUT_MILLIS);
            return load(source, body);
        }
    }

    private StateLoadReport load(final String source, final ControlServer.Body body)
            throws IOException, InterruptedException {
        final StateLoadReport report = new StateLoadReport(source.isEmpty() ? "-" : source);
        int n = 0;
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
            if (parse(line, lineNumber, loads.record(n), report)) {
                n++;
                if (n == StateLoadMailbox.BATCH) {
                    apply(n, report);
                    n = 0;
                }
            }
        }
        if (n > 0) {
            apply(n, report);
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
        final int i = indexOf(r);
        lineOf[i] = lineNumber;
        ids[i] = r.id();
        creators[i] = r.creatorId();
        return true;
    }

    /** The batch index the record was parsed into. */
    private static int indexOf(final JournalRecordFlyweight r) {
        return r.offset() / JournalRecordFlyweight.LENGTH;
    }

    private void apply(final int n, final StateLoadReport report) throws InterruptedException {
        final int[] results = loads.apply(n, BATCH_TIMEOUT_MILLIS);
        for (int i = 0; i < n; i++) {
            final String state = "state " + RecordFormatter.hex16(ids[i]) + "/" + RecordFormatter.hex8(creators[i]);
            switch (results[i]) {
                case StateLoadMailbox.LOADED -> report.loaded();
                case StateLoadMailbox.COLLISION_ID -> report.count(Reason.COLLISION_ID, lineOf[i],
                        state + " is live here already (same id and creator)");
                case StateLoadMailbox.COLLISION_KEY -> report.count(Reason.COLLISION_KEY, lineOf[i],
                        state + ": a live state has its key");
                case StateLoadMailbox.TABLE_FULL -> report.count(Reason.TABLE_FULL, lineOf[i], state);
                default -> report.count(Reason.NOT_JOURNALED, lineOf[i], state);
            }
        }
    }
}
