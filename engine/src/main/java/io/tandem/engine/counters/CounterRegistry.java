package io.tandem.engine.counters;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The engine's counters, listed once: every counter and gauge the engine exports, each a {@link Meter}
 * (Prometheus name, help, labels, kind) with a reader of the plain field or array slot its owner
 * writes. The Prometheus endpoint ({@code metrics.MetricsServer}) exports every entry; {@code tandem
 * sync} (the sync agent's status JSON) shows the entries of its groups under their short keys. No
 * list of counters is written a second time.
 *
 * <p>Theory of operation. Each part that owns counters contributes its entries once, beside its
 * counters: {@link PacketCounters#registerCounters},
 * {@code EngineJournal.registerCounters}, {@code DeferredVerdicts.registerCounters},
 * {@code sync.SyncCounters} (a sync agent keeps the registry of its own part, which the engine's
 * {@link #include}s), {@code packet.PacketAgentCounters} (a queue: its packet counters, its state
 * table's, its rules'). A reader only reads what the owning thread writes — a plain {@code long} in a
 * preallocated array or field, as before the registry — so the packet thread is untouched: it never
 * sees the registry, and registering adds nothing to its path.
 *
 * <p>Owner thread: entries are added by the thread that assembles the engine (the main thread, at
 * assembly and when sync starts); readers run on the scrape thread and the control thread, without
 * locks (a value may be a few increments old; fine for monitoring, never used for decisions). Adding
 * is synchronized and the list is copy-on-write, so a reader always iterates a complete list.
 * Life cycle: filled at assembly, never emptied; a subscriber ({@link #subscribe}, the metrics
 * endpoint, a parent registry) sees every entry, those added before it subscribed first. Memory
 * bound: one small record per series — fixed by the configuration (about 110 per queue, about 110
 * for sync; the rule counters, whose series change with a reload, are emitted by the metrics endpoint
 * from the ruleset in force instead), nothing allocated per read. Failure policy: {@link #add} refuses, with an
 * {@link IllegalArgumentException} at assembly, a name or label Prometheus would reject, a name
 * ending in {@code _total} (the exporter adds it to counters), the same name and labels twice, and a
 * family whose entries disagree on help or kind — a mistake in the code, found by the first test
 * that assembles it, never at scrape time.
 */
public final class CounterRegistry {
    /** What {@link Meter#reader} returns when there is no value now (exported as NaN). */
    public static final long ABSENT = Long.MIN_VALUE;

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** A Prometheus counter (only goes up; exported as {@code NAME_total}) or gauge (goes up and down). */
    public enum Kind { COUNTER, GAUGE }

    /** One label of a series, e.g. {@code queue="0"}. */
    public record Label(String name, String value) {
    }

    /**
     * One series.
     *
     * @param name    the Prometheus name (counters without {@code _total})
     * @param help    the help text, the same for every series of the family
     * @param labels  the series' labels, in the order given
     * @param kind    counter or gauge
     * @param group   which part it belongs to, for views that show one part ({@code pfsync.stats}...)
     * @param key     its short name in such a view ({@code ipackets}); the metric name when none is given
     * @param reader  reads the owner's plain field or array slot; allocation-free; {@link #ABSENT} for none
     * @param divisor the exported value is {@code reader / divisor} (1000 for milliseconds shown as seconds)
     */
    public record Meter(String name, String help, List<Label> labels, Kind kind, String group, String key,
            LongSupplier reader, double divisor) {
        /** The raw value ({@link #ABSENT} when there is none now). */
        public long read() {
            return reader.getAsLong();
        }

        /** The exported value: {@link #read} over {@link #divisor}, NaN when absent. */
        public double value() {
            final long v = reader.getAsLong();
            return v == ABSENT ? Double.NaN : v / divisor;
        }

        /** The value of label {@code labelName}, or null. */
        public String label(final String labelName) {
            for (final Label l : labels) {
                if (l.name().equals(labelName)) {
                    return l.value();
                }
            }
            return null;
        }

        /** {@code name{a="1",b="2"}} with the labels sorted by name: what makes a series unique. */
        public String id() {
            if (labels.isEmpty()) {
                return name;
            }
            final List<Label> sorted = new ArrayList<>(labels);
            sorted.sort((x, y) -> x.name().compareTo(y.name()));
            final StringBuilder b = new StringBuilder(name).append('{');
            for (int i = 0; i < sorted.size(); i++) {
                b.append(i == 0 ? "" : ",").append(sorted.get(i).name()).append("=\"").append(sorted.get(i).value())
                        .append('"');
            }
            return b.append('}').toString();
        }
    }

    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final Set<String> ids = new HashSet<>();
    private final Map<String, Meter> families = new HashMap<>();
    private final List<Consumer<Meter>> subscribers = new ArrayList<>();

    /** Starts a counter entry; finish it with {@link Entry#read}. */
    public Entry counter(final String name, final String help) {
        return new Entry(name, help, Kind.COUNTER);
    }

    /** Starts a gauge entry; finish it with {@link Entry#read}. */
    public Entry gauge(final String name, final String help) {
        return new Entry(name, help, Kind.GAUGE);
    }

    /**
     * Adds one entry and hands it to every subscriber.
     *
     * @throws IllegalArgumentException an invalid name or label, a duplicate series, a family whose help or kind differ
     */
    public synchronized Meter add(final Meter m) {
        if (!METRIC_NAME.matcher(m.name()).matches()) {
            throw new IllegalArgumentException("not a Prometheus metric name: '" + m.name() + "'");
        }
        if (m.kind() == Kind.COUNTER && m.name().endsWith("_total")) {
            throw new IllegalArgumentException(m.name() + ": a counter is named without _total (the exporter adds it)");
        }
        final Set<String> labelNames = new HashSet<>();
        for (final Label l : m.labels()) {
            if (!LABEL_NAME.matcher(l.name()).matches() || l.name().startsWith("__") || l.value() == null) {
                throw new IllegalArgumentException(m.name() + ": not a Prometheus label: " + l);
            }
            if (!labelNames.add(l.name())) {
                throw new IllegalArgumentException(m.name() + ": label " + l.name() + " given twice");
            }
        }
        final Meter family = families.get(m.name());
        if (family != null && (!family.help().equals(m.help()) || family.kind() != m.kind())) {
            throw new IllegalArgumentException(m.name() + ": every series of a family needs the same help text and kind");
        }
        if (!ids.add(m.id())) {
            throw new IllegalArgumentException("registered twice: " + m.id());
        }
        families.putIfAbsent(m.name(), m);
        meters.add(m);
        for (final Consumer<Meter> s : subscribers) {
            s.accept(m);
        }
        return m;
    }

    /** Hands {@code subscriber} every entry: those registered so far now, later ones as they are added. */
    public synchronized void subscribe(final Consumer<Meter> subscriber) {
        for (final Meter m : meters) {
            subscriber.accept(m);
        }
        subscribers.add(subscriber);
    }

    /** Adds every entry of {@code part} (a part's own registry), now and as it grows. */
    public void include(final CounterRegistry part) {
        if (part == this) {
            throw new IllegalArgumentException("a registry cannot include itself");
        }
        part.subscribe(this::add);
    }

    /** Every entry in the order added. */
    public List<Meter> meters() {
        return Collections.unmodifiableList(meters);
    }

    /** The entries of {@code group}, in the order added. */
    public List<Meter> group(final String group) {
        final List<Meter> in = new ArrayList<>();
        for (final Meter m : meters) {
            if (group.equals(m.group())) {
                in.add(m);
            }
        }
        return in;
    }

    /** The entry of {@code group} with {@code key}, or null. */
    public Meter find(final String group, final String key) {
        for (final Meter m : meters) {
            if (group.equals(m.group()) && key.equals(m.key())) {
                return m;
            }
        }
        return null;
    }

    /** The raw value of the entry of {@code group} with {@code key}. */
    public long read(final String group, final String key) {
        final Meter m = find(group, key);
        if (m == null) {
            throw new IllegalArgumentException("no counter " + key + " in " + group);
        }
        return m.read();
    }

    /** An entry being described; {@link #read} registers it. */
    public final class Entry {
        private final String name;
        private final String help;
        private final Kind kind;
        private final List<Label> labels = new ArrayList<>(3);
        private String group = "";
        private String key;
        private double divisor = 1;

        private Entry(final String name, final String help, final Kind kind) {
            this.name = name;
            this.help = help;
            this.kind = kind;
        }

        /** The part it belongs to (see {@link Meter#group}). */
        public Entry group(final String g) {
            this.group = g;
            return this;
        }

        /** Its short name in a view of its group (see {@link Meter#key}). */
        public Entry key(final String k) {
            this.key = k;
            return this;
        }

        /** Adds a label; a null name adds nothing (descriptors without a label). */
        public Entry label(final String labelName, final String value) {
            if (labelName != null) {
                labels.add(new Label(labelName, value));
            }
            return this;
        }

        public Entry labels(final List<Label> ls) {
            labels.addAll(ls);
            return this;
        }

        /** Exports {@code reader / divisor} (e.g. 1000 for a reader in milliseconds exported in seconds). */
        public Entry divisor(final double d) {
            this.divisor = d;
            return this;
        }

        /** Registers the entry with its reader. */
        public Meter read(final LongSupplier reader) {
            return add(new Meter(name, help, List.copyOf(labels), kind, group, key == null ? name : key, reader, divisor));
        }
    }
}
