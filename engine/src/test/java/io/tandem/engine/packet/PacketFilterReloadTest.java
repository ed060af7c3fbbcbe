package io.tandem.engine.packet;

import static io.tandem.engine.packet.PacketFilterFixtures.ACCEPT;
import static io.tandem.engine.packet.PacketFilterFixtures.C4;
import static io.tandem.engine.packet.PacketFilterFixtures.DROP;
import static io.tandem.engine.packet.PacketFilterFixtures.S4;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static io.tandem.engine.packet.PacketFilterFixtures.udp4;
import static io.tandem.engine.packet.PacketFilterFixtures.verdictName;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.packet.PacketFilterFixtures.Harness;
import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateTimeouts;
import org.junit.jupiter.api.Test;

/**
 * A reload swaps the rules and timeouts between two packets: states are kept and go on passing their
 * packets, new connections meet the new rules, and the states are detached from the old rule numbers.
 */
class PacketFilterReloadTest {
    private static final String OLD = "block all\npass out proto udp to port 53 keep state (max 1)\n";
    private static final String NEW = "set timeout udp.multiple 7\nblock all\npass out proto udp to port 123\n"
            + "pass out proto udp to port 53 no state\n";

    private static void expect(final int verdict, final int got, final String what) {
        assertEquals(verdictName(verdict), verdictName(got), what);
    }

    private static Ruleset compile(final TandemConfig c) {
        return c.compileRuleset(PacketFilterFixtures::ifindexOf);
    }

    @Test
    void statesSurviveTheNewRulesDecideNewConnectionsAndTimeoutsChange() throws ConfigException {
        final Harness h = new Harness(OLD);
        expect(ACCEPT, h.localOut(udp4(C4, 1001, S4, 53), WAN), "old rules: dns creates a state");
        expect(DROP, h.localOut(udp4(C4, 1002, S4, 53), WAN), "old rules: max 1 state");
        expect(DROP, h.localOut(udp4(C4, 1003, S4, 123), WAN), "old rules: ntp blocked");
        assertEquals(1, h.states().ruleStates(1));

        final TandemConfig next = ConfigParser.parse("t.conf", NEW);
        h.filter.reload(compile(next), StateTimeouts.of(next.timeouts()));

        expect(ACCEPT, h.localIn(udp4(S4, 53, C4, 1001), WAN), "the kept state still passes the reply");
        assertEquals(1, h.states().size(), "the state was kept");
        final int slot = h.states().nextLive(0);
        assertEquals(-1, h.states().rule(slot), "detached from the old rule number");
        expect(ACCEPT, h.localOut(udp4(C4, 1003, S4, 123), WAN), "new rules: ntp passes");
        expect(ACCEPT, h.localOut(udp4(C4, 1002, S4, 53), WAN), "new rules: dns passes without a state");
        assertEquals(0, h.states().ruleStates(2), "the no-state rule made none");
        assertEquals(2, h.states().size(), "ntp made a state under the new rule 1 (keep state is the default)");
        assertEquals(1, h.states().ruleStates(1));
        assertEquals(7, h.states().timeouts().seconds(StateTimeouts.UDP_MULTIPLE), "new timeout values");
        assertEquals(1, h.filter.ruleset().packets(1), "the new ruleset counts from zero");
    }
}
