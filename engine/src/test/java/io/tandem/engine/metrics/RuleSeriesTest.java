package io.tandem.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateTimeouts;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rule series follow the ruleset in force: after a full reload to other rules the scrape lists the new
 * rules with their actions and counts, and none of the old ones (found when the series were registry entries
 * fixed at start).
 */
class RuleSeriesTest {
    @Test
    void aReloadReplacesTheRuleSeries(@TempDir final Path tmp) throws Exception {
        try (MetricsFixture f = new MetricsFixture(tmp.resolve("journal"));
                MetricsServer m = new MetricsServer(List.of(f.agent), f.journal)) {
            f.ruleset.recordHit(1, 100);
            String scrape = m.scrape();
            assertTrue(scrape.contains("tandem_rule_packets_total{action=\"block\",queue=\"7\",rule=\"0\",} 0.0"), scrape);
            assertTrue(scrape.contains("tandem_rule_packets_total{action=\"pass\",queue=\"7\",rule=\"1\",} 1.0"), scrape);
            assertTrue(scrape.contains("tandem_rule_bytes_total{action=\"pass\",queue=\"7\",rule=\"1\",} 100.0"), scrape);
            assertTrue(scrape.contains("tandem_rule_packets_total{action=\"pass\",queue=\"7\",rule=\"2\",} 0.0"), scrape);

            // A full reload (as the packet thread applies it) to two rules of other actions.
            final TandemConfig next = ConfigParser.parse("next.conf", "set queue 7\npass all\nblock proto udp\n");
            final Ruleset rules = next.compileRuleset(name -> 0);
            f.filter.reload(rules, StateTimeouts.of(next.timeouts()));
            rules.recordHit(1, 60);
            scrape = m.scrape();
            assertTrue(scrape.contains("tandem_rule_packets_total{action=\"pass\",queue=\"7\",rule=\"0\",} 0.0"), scrape);
            assertTrue(scrape.contains("tandem_rule_packets_total{action=\"block\",queue=\"7\",rule=\"1\",} 1.0"), scrape);
            assertTrue(scrape.contains("tandem_rule_bytes_total{action=\"block\",queue=\"7\",rule=\"1\",} 60.0"), scrape);
            assertFalse(scrape.contains("rule=\"2\""), "the old third rule is gone: " + scrape);
            assertFalse(scrape.contains("action=\"block\",queue=\"7\",rule=\"0\""), "rule 0 is a pass rule now: " + scrape);
            assertEquals(1, scrape.lines().filter(l -> l.startsWith("# TYPE tandem_rule_packets_total")).count());
        }
    }
}
