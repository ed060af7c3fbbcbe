package io.tandem.engine.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Recompiling the same rules after an interface change: what changed, and the counters carried over. */
class RulesetRelinkTest {
    private static Ruleset compile(final String text, final Map<String, Integer> links) throws ConfigException {
        final TandemConfig c = ConfigParser.parse("t.conf", text);
        return c.compileRuleset(name -> links.getOrDefault(name, 0));
    }

    @Test
    void anInterfaceThatAppearsIsAChangeAndCountersCarryOver() throws ConfigException {
        final String rules = "block all\npass in on lan1 proto tcp\npass out on wan0\n";
        final Ruleset before = compile(rules, Map.of("wan0", 3));
        assertEquals(1, before.warnings().size(), "lan1 not found at first");
        before.recordHit(0, 100);
        before.recordHit(2, 40);
        final Ruleset same = compile(rules, Map.of("wan0", 3));
        assertTrue(same.sameAs(before), "nothing moved");
        final Ruleset after = compile(rules, Map.of("wan0", 3, "lan1", 7));
        assertFalse(after.sameAs(before));
        assertTrue(after.sameRules(before));
        assertEquals(List.of("lan1 0->7"), after.interfaceChanges(before));
        after.carryCountersFrom(before);
        assertEquals(1, after.packets(0));
        assertEquals(40, after.bytes(2));
        final Ruleset other = compile("pass all\n", Map.of());
        assertFalse(other.sameRules(before));
        assertThrows(IllegalArgumentException.class, () -> other.carryCountersFrom(before));
    }
}
