package io.tandem.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Reading iptables-save text for the queues NFQUEUE rules feed: the queues the engine binds need a rule
 * each; the hold queues ({@code set hold-queue}) must have none.
 */
class IptablesRuleCheckTest {
    private static final String V4 = String.join("\n",
            "*filter",
            ":FORWARD DROP [0:0]",
            "-A FORWARD -i lan0 -j NFQUEUE --queue-num 7",
            "-A FORWARD -m comment --comment tandem -j NFQUEUE --queue-balance 20:21 --queue-cpu-fanout",
            "COMMIT", "");
    private static final String V6 = String.join("\n", "*filter", "-A FORWARD -j NFQUEUE --queue-num 30", "COMMIT", "");

    @Test
    void everyBoundQueueNeedsARule() {
        assertEquals(IptablesRuleCheck.NONE_MISSING, IptablesRuleCheck.firstMissing(List.of(V4, V6), 20, 2));
        assertEquals(22, IptablesRuleCheck.firstMissing(List.of(V4, V6), 20, 3));
        assertEquals(IptablesRuleCheck.NONE_MISSING, IptablesRuleCheck.firstMissing(List.of(V4, V6), 30, 1));
        assertEquals(30, IptablesRuleCheck.firstMissing(List.of(V4), 30, 1));
        assertEquals(IptablesRuleCheck.UNKNOWN, IptablesRuleCheck.firstMissing(List.of(), 7, 1));
    }

    @Test
    void aHoldQueueThatARuleFeedsIsFound() {
        assertEquals(IptablesRuleCheck.NONE_MISSING, IptablesRuleCheck.firstTargeted(List.of(V4, V6), 8, 1));
        assertEquals(20, IptablesRuleCheck.firstTargeted(List.of(V4, V6), 18, 4));
        assertEquals(30, IptablesRuleCheck.firstTargeted(List.of(V4, V6), 30, 2));
        assertEquals(IptablesRuleCheck.NONE_MISSING, IptablesRuleCheck.firstTargeted(List.of(), 7, 1));
        assertEquals(0, IptablesRuleCheck.firstTargeted(List.of("-A FORWARD -j NFQUEUE\n"), 0, 1),
                "no --queue-num is queue 0");
    }
}
