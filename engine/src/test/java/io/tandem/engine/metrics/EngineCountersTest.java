package io.tandem.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.counters.CounterRegistry;
import io.tandem.engine.counters.CounterRegistry.Meter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's whole registry (a queue with its states and rules, the journal, the kernel's queue
 * statistics, sync with deferral and authentication) against what the metrics endpoint serves: every
 * entry is a valid, unique series, every entry is in the scrape with its help text, and every
 * tandem_ family in the scrape is an entry or one of the few collectors named here.
 */
class EngineCountersTest {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    /** Families the endpoint writes itself: by errno (non-zero only), summaries, a histogram. */
    private static final Set<String> COLLECTED = Set.of("tandem_rule_packets_total", "tandem_rule_bytes_total",
            "tandem_netlink_errors_total", "tandem_verdict_send_errors_total",
            "tandem_receive_batch_size", "tandem_duty_cycle_seconds", "tandem_pfsync_deferral_hold_seconds");

    @Test
    void everyEntryIsAValidUniqueSeries(@TempDir final Path tmp) throws Exception {
        try (MetricsFixture f = new MetricsFixture(tmp.resolve("journal"));
                MetricsServer m = new MetricsServer(List.of(f.agent), f.journal)) {
            m.registerSync(f.sync);
            final Set<String> ids = new HashSet<>();
            final Set<String> groups = new TreeSet<>();
            for (final Meter e : m.counters().meters()) {
                assertTrue(NAME.matcher(e.name()).matches(), e.name());
                assertTrue(e.name().startsWith("tandem_"), e.name());
                assertTrue(ids.add(e.id()), "twice: " + e.id());
                assertTrue(!e.help().isBlank(), e.id());
                groups.add(e.group());
            }
            assertEquals(Set.of("packet", "state", "kernel", "journal", "pfsync", "pfsync.stats",
                    "pfsync.actions", "pfsync.auth", "pfsync.inbox", "pfsync.deferral"), groups);
        }
    }

    @Test
    void theScrapeHasEveryEntryAndNothingElse(@TempDir final Path tmp) throws Exception {
        try (MetricsFixture f = new MetricsFixture(tmp.resolve("journal"));
                MetricsServer m = new MetricsServer(List.of(f.agent), f.journal)) {
            m.registerSync(f.sync);
            f.prime();
            final String scrape = m.scrape();
            final List<String> lines = List.of(scrape.split("\n"));
            final Set<String> families = new TreeSet<>();
            for (final Meter e : m.counters().meters()) {
                final String exported = e.name() + (e.kind() == CounterRegistry.Kind.COUNTER ? "_total" : "");
                assertTrue(lines.contains("# HELP " + exported + " " + e.help()), "help of " + e.id());
                assertTrue(lines.contains("# TYPE " + exported + " "
                        + (e.kind() == CounterRegistry.Kind.COUNTER ? "counter" : "gauge")), "type of " + e.id());
                final String series = series(exported, e);
                final String line = lines.stream().filter(l -> l.startsWith(series)).findFirst().orElse(null);
                assertTrue(line != null, series + " in the scrape");
                if (!e.group().equals("kernel") && !e.name().equals("tandem_journal_free_bytes")
                        && !e.name().equals("tandem_pfsync_peers")) {
                    assertEquals(e.value(), Double.parseDouble(line.substring(series.length())), 0.0, e.id());
                }
                families.add(exported);
            }
            final Set<String> unlisted = new TreeSet<>();
            for (final String l : lines) {
                if (l.startsWith("# TYPE tandem_")) {
                    final String family = l.split(" ")[2];
                    if (!families.contains(family) && !COLLECTED.contains(family)) {
                        unlisted.add(family);
                    }
                }
            }
            assertEquals(Set.of(), unlisted, "tandem_ families in the scrape that are not registry entries");
        }
    }

    /** The start of a series' line as the simpleclient writes it: labels sorted by name, each followed by a comma. */
    private static String series(final String exported, final Meter e) {
        if (e.labels().isEmpty()) {
            return exported + " ";
        }
        final List<CounterRegistry.Label> sorted = new ArrayList<>(e.labels());
        sorted.sort(Comparator.comparing(CounterRegistry.Label::name));
        final StringBuilder b = new StringBuilder(exported).append('{');
        for (final CounterRegistry.Label l : sorted) {
            b.append(l.name()).append("=\"").append(l.value()).append("\",");
        }
        return b.append("} ").toString();
    }
}
