package io.tandem.engine.tools;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code tandem states load FILE} did with each line of FILE: loaded, skipped (expired) or
 * refused under a named reason, with the first few refusals of each reason as {@code FILE:LINE}.
 * Built by the control worker that serves the load; its {@link #message} is the answer. Memory
 * bound: a count per reason and at most {@link #EXAMPLES} examples per reason.
 */
public final class StateLoadReport {
    /** Examples kept per reason. */
    public static final int EXAMPLES = 3;

    /** Why a line was not loaded; the metric-style name is the constant's name in lower case. */
    public enum Reason {
        /** Longer than the admin socket takes for one line. */
        TOO_LONG(true),
        /** Not one JSON object. */
        NOT_JSON(true),
        /** A field of the export format is missing, malformed or out of range (the message names it). */
        BAD_FIELD(true),
        /** An address family other than inet or inet6. */
        BAD_FAMILY(true),
        /** Its expiry deadline has passed: skipped, not an error. */
        EXPIRED(false),
        /** A live state has the same pfsync identity (creatorid, id): not merged. */
        COLLISION_ID(true),
        /** A live state has the same key (either direction): not merged. */
        COLLISION_KEY(true),
        /** The state table is full. */
        TABLE_FULL(true),
        /** The journal refuses records (disk nearly full); not inserted. */
        NOT_JOURNALED(true);

        private final boolean refusal;

        Reason(final boolean refusal) {
            this.refusal = refusal;
        }

        /** True for a line that should have loaded; false for a state that was simply no longer alive. */
        public boolean refusal() {
            return refusal;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String source;
    private final Map<Reason, Integer> counts = new EnumMap<>(Reason.class);
    private final Map<Reason, List<String>> examples = new EnumMap<>(Reason.class);
    private int loaded;
    private int lines;

    /** @param source the file's name as the administrator gave it, for {@code FILE:LINE} */
    public StateLoadReport(final String source) {
        this.source = source;
    }

    /** A line was read (blank lines included). */
    public void line() {
        lines++;
    }

    public void loaded() {
        loaded++;
    }

    /** Line {@code line} was not loaded for {@code reason}; {@code detail} says more (may be empty). */
    public void count(final Reason reason, final int line, final String detail) {
        counts.merge(reason, 1, Integer::sum);
        final List<String> list = examples.computeIfAbsent(reason, r -> new ArrayList<>(EXAMPLES));
        if (list.size() < EXAMPLES) {
            list.add(source + ":" + line + (detail.isEmpty() ? "" : ": " + detail));
        }
    }

    public int loadedCount() {
        return loaded;
    }

    public int count(final Reason reason) {
        return counts.getOrDefault(reason, 0);
    }

    /** True when no line was refused (expired ones do not count). */
    public boolean ok() {
        for (final Reason r : counts.keySet()) {
            if (r.refusal()) {
                return false;
            }
        }
        return true;
    }

    /**
     * One line for the administrator, e.g. {@code states load s.jsonl: 10 lines, 7 states loaded, 1
     * expired skipped, 2 refused: collision_key 2 (s.jsonl:3: state 6b11f67200000006/6b11f672 ...)}.
     */
    public String message() {
        final StringBuilder b = new StringBuilder("states load ").append(source).append(": ").append(lines)
                .append(lines == 1 ? " line, " : " lines, ").append(loaded).append(loaded == 1 ? " state" : " states")
                .append(" loaded");
        final int expired = count(Reason.EXPIRED);
        if (expired > 0) {
            b.append(", ").append(expired).append(" expired skipped");
        }
        int refused = 0;
        for (final Map.Entry<Reason, Integer> e : counts.entrySet()) {
            refused += e.getKey().refusal() ? e.getValue() : 0;
        }
        if (refused > 0) {
            b.append(", ").append(refused).append(" refused:");
            String sep = " ";
            for (final Map.Entry<Reason, Integer> e : counts.entrySet()) {
                if (!e.getKey().refusal()) {
                    continue;
                }
                b.append(sep).append(e.getKey().label()).append(' ').append(e.getValue()).append(" (")
                        .append(String.join("; ", examples.get(e.getKey())))
                        .append(e.getValue() > EXAMPLES ? "; ..." : "").append(')');
                sep = ", ";
            }
        }
        return b.toString();
    }
}
