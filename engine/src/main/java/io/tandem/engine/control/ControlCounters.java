package io.tandem.engine.control;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the admin socket did with its connections, by named reason, for the log and (later) the
 * metrics endpoint to read.
 *
 * <p>Theory of operation. Written by the control server's selector thread and its worker threads,
 * read by anyone: each counter is an {@link AtomicLong}, so a reader sees every count but not a
 * consistent snapshot across counters. Fixed memory (one long per reason); the counters only grow.
 * The reasons, with the names {@link #snapshot()} gives them:
 * <ul>
 *   <li>{@code accepted}: connections accepted;</li>
 *   <li>{@code answered}: answers written to the end ({@code end N}, or an {@code error} that
 *       is the answer itself, such as an unknown request);</li>
 *   <li>{@code refused_busy}: answered {@code error busy}, because too many connections were open
 *       or no worker took the request in time;</li>
 *   <li>{@code timeout_request}: closed because no complete request line came in time;</li>
 *   <li>{@code timeout_answer}: closed because the client stopped reading its answer, or took
 *       longer than the answer limit;</li>
 *   <li>{@code line_too_long}: the request line exceeded the cap;</li>
 *   <li>{@code unknown_request}: a request no handler knows;</li>
 *   <li>{@code handler_error}: a handler failed (an exception, or the packet thread did not hand
 *       over the state table in time); the client got {@code error ...};</li>
 *   <li>{@code client_gone}: the client closed or reset the connection before its answer was
 *       written.</li>
 * </ul>
 */
public final class ControlCounters {
    /** Why a connection ended other than with a plain answer; names as in {@link #snapshot()}. */
    public enum Reason {
        REFUSED_BUSY("refused_busy"),
        TIMEOUT_REQUEST("timeout_request"),
        TIMEOUT_ANSWER("timeout_answer"),
        LINE_TOO_LONG("line_too_long"),
        UNKNOWN_REQUEST("unknown_request"),
        HANDLER_ERROR("handler_error"),
        CLIENT_GONE("client_gone");

        private final String metricName;

        Reason(final String metricName) {
            this.metricName = metricName;
        }

        /** The reason's name in {@link ControlCounters#snapshot()} (lower case, for a metric label). */
        public String metricName() {
            return metricName;
        }
    }

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong[] byReason = new AtomicLong[Reason.values().length];

    ControlCounters() {
        for (int i = 0; i < byReason.length; i++) {
            byReason[i] = new AtomicLong();
        }
    }

    void onAccepted() {
        accepted.incrementAndGet();
    }

    void onAnswered() {
        answered.incrementAndGet();
    }

    /** Counts one {@code reason}; returns the new count. */
    long record(final Reason reason) {
        return byReason[reason.ordinal()].incrementAndGet();
    }

    /** Connections accepted since start. */
    public long accepted() {
        return accepted.get();
    }

    /** Answers written to the end since start. */
    public long answered() {
        return answered.get();
    }

    /** How often {@code reason} ended a connection since start. */
    public long get(final Reason reason) {
        return byReason[reason.ordinal()].get();
    }

    /** Every counter by its name: accepted, answered, then the reasons in declaration order. */
    public Map<String, Long> snapshot() {
        final Map<String, Long> m = new LinkedHashMap<>();
        m.put("accepted", accepted.get());
        m.put("answered", answered.get());
        for (final Reason r : Reason.values()) {
            m.put(r.metricName(), byReason[r.ordinal()].get());
        }
        return m;
    }
}
