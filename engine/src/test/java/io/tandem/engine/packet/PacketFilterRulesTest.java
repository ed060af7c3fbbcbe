package io.tandem.engine.packet;

import io.tandem.engine.decode.DecodeResult;

import static io.tandem.engine.packet.PacketFilterFixtures.ACCEPT;
import static io.tandem.engine.packet.PacketFilterFixtures.ACK;
import static io.tandem.engine.packet.PacketFilterFixtures.C4;
import static io.tandem.engine.packet.PacketFilterFixtures.DMZ;
import static io.tandem.engine.packet.PacketFilterFixtures.DROP;
import static io.tandem.engine.packet.PacketFilterFixtures.FORWARD;
import static io.tandem.engine.packet.PacketFilterFixtures.LAN;
import static io.tandem.engine.packet.PacketFilterFixtures.LOCAL_IN;
import static io.tandem.engine.packet.PacketFilterFixtures.LOCAL_OUT;
import static io.tandem.engine.packet.PacketFilterFixtures.POST_ROUTING;
import static io.tandem.engine.packet.PacketFilterFixtures.PRE_ROUTING;
import static io.tandem.engine.packet.PacketFilterFixtures.PSH;
import static io.tandem.engine.packet.PacketFilterFixtures.S4;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static io.tandem.engine.packet.PacketFilterFixtures.udp4;
import static io.tandem.engine.packet.PacketFilterFixtures.verdictName;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.packet.PacketFilterFixtures.Harness;
import io.tandem.engine.packet.PacketFilterFixtures.Tcp;
import io.tandem.engine.state.PfConstants;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rule evaluation as pf does it, through decode and {@link PacketFilter#decide}: the hooks'
 * directions and interfaces, the two crossings of a forwarded packet, {@code quick}, last match
 * wins, the implicit default pass, floating states covering the second crossing, and rule
 * counters that count only the packets the rules decided.
 */
class PacketFilterRulesTest {

    private static byte[] tcpSynFromLan() {
        return Tcp.v4().syn();
    }

    private static byte[] tcpSynFromWan() {
        return new Tcp(S4, 40000, C4, 22, 1000, 5000).syn();
    }

    private static byte[] udpFromLan() {
        return udp4(C4, 5000, S4, 53);
    }

    private static byte[] udpFromWan() {
        return udp4(S4, 5000, C4, 53);
    }

    static Stream<Arguments> crossings() {
        return Stream.of(
            // --- FORWARD: a keep-state pass on the in-crossing covers the out-crossing (floating state).
            Arguments.of("block out all\npass in on lan0 proto tcp keep state",
                tcpSynFromLan(), FORWARD, LAN, WAN, ACCEPT, 1),
            Arguments.of("block out all\npass in on lan0 proto tcp no state",
                tcpSynFromLan(), FORWARD, LAN, WAN, DROP, 0),
            Arguments.of("block out all\npass in on lan0 proto tcp keep state",
                tcpSynFromWan(), FORWARD, WAN, LAN, DROP, 0),
            Arguments.of("block all\npass in on lan0 proto udp keep state",
                udpFromLan(), FORWARD, LAN, WAN, ACCEPT, 1),
            Arguments.of("block all\npass in on lan0 proto udp no state",
                udpFromLan(), FORWARD, LAN, WAN, DROP, 0),
            // The in-crossing decides first: blocked there, the out rule never sees it (no state).
            Arguments.of("pass out on wan0 proto udp keep state\nblock in all",
                udpFromLan(), FORWARD, LAN, WAN, DROP, 0),
            // Default pass on the in-crossing, keep state on the out-crossing.
            Arguments.of("pass out on wan0 proto udp keep state",
                udpFromLan(), FORWARD, LAN, WAN, ACCEPT, 1),
            // --- in/out rules on the right interface: indev for in, outdev for out.
            Arguments.of("block all\npass in on lan0 no state\npass out on wan0 no state",
                udpFromLan(), FORWARD, LAN, WAN, ACCEPT, 0),
            Arguments.of("block all\npass in on lan0 no state\npass out on wan0 no state",
                udpFromWan(), FORWARD, WAN, LAN, DROP, 0),
            Arguments.of("block all\npass in on lan0 no state\npass out on wan0 no state",
                udpFromLan(), FORWARD, LAN, DMZ, DROP, 0),
            Arguments.of("block all\npass in on wan0 no state\npass out on lan0 no state",
                udpFromLan(), FORWARD, LAN, WAN, DROP, 0),
            Arguments.of("block in on wan0", udpFromWan(), PRE_ROUTING, WAN, 0, DROP, 0),
            Arguments.of("block in on wan0", udpFromWan(), LOCAL_IN, WAN, 0, DROP, 0),
            Arguments.of("block in on wan0", udpFromLan(), LOCAL_OUT, 0, WAN, ACCEPT, 0),
            Arguments.of("block in on wan0", udpFromLan(), POST_ROUTING, 0, WAN, ACCEPT, 0),
            Arguments.of("block in on wan0", udpFromLan(), LOCAL_IN, LAN, 0, ACCEPT, 0),
            Arguments.of("block in on wan0", udpFromWan(), FORWARD, WAN, LAN, DROP, 0),
            Arguments.of("block in on wan0", udpFromLan(), FORWARD, LAN, WAN, ACCEPT, 0),
            Arguments.of("block out on wan0", udpFromLan(), LOCAL_OUT, 0, WAN, DROP, 0),
            Arguments.of("block out on wan0", udpFromLan(), POST_ROUTING, 0, WAN, DROP, 0),
            Arguments.of("block out on wan0", udpFromWan(), PRE_ROUTING, WAN, 0, ACCEPT, 0),
            Arguments.of("block out on wan0", udpFromWan(), LOCAL_IN, WAN, 0, ACCEPT, 0),
            Arguments.of("block out on wan0", udpFromLan(), FORWARD, LAN, WAN, DROP, 0),
            Arguments.of("block out on wan0", udpFromWan(), FORWARD, WAN, LAN, ACCEPT, 0),
            Arguments.of("block out on wan0", udpFromLan(), FORWARD, LAN, DMZ, ACCEPT, 0),
            // --- last match wins; quick ends the walk.
            Arguments.of("block all\npass all no state", udpFromLan(), LOCAL_OUT, 0, WAN, ACCEPT, 0),
            Arguments.of("pass all no state\nblock all", udpFromLan(), LOCAL_OUT, 0, WAN, DROP, 0),
            Arguments.of("block quick all\npass all no state", udpFromLan(), LOCAL_OUT, 0, WAN, DROP, 0),
            Arguments.of("pass quick all no state\nblock all", udpFromLan(), LOCAL_OUT, 0, WAN, ACCEPT, 0),
            Arguments.of("block all\npass proto udp no state\nblock from 10.0.0.1",
                udpFromLan(), LOCAL_OUT, 0, WAN, DROP, 0),
            Arguments.of("block all\npass quick proto udp keep state\nblock from 10.0.0.1",
                udpFromLan(), LOCAL_OUT, 0, WAN, ACCEPT, 1),
            Arguments.of("block all\npass proto udp to port 53 keep state\npass proto udp to port 54 no state",
                udpFromLan(), LOCAL_OUT, 0, WAN, ACCEPT, 1),
            // --- pf's implicit default: pass all, no state.
            Arguments.of("", tcpSynFromLan(), FORWARD, LAN, WAN, ACCEPT, 0),
            Arguments.of("", udpFromWan(), LOCAL_IN, WAN, 0, ACCEPT, 0),
            Arguments.of("block in on dmz0", udpFromLan(), FORWARD, LAN, WAN, ACCEPT, 0));
    }

    @ParameterizedTest(name = "[{index}] {0} | hook {2} in {3} out {4} -> {5}")
    @MethodSource("crossings")
    void firstPacketIsDecidedByTheRulesOfEachCrossing(final String conf, final byte[] packet, final int hook,
            final int indev, final int outdev, final int verdict, final int states) {
        final Harness h = new Harness(conf);
        final int got = h.decide(packet, hook, indev, outdev);
        assertEquals(DecodeResult.OK, h.lastDecode);
        assertEquals(verdictName(verdict), verdictName(got));
        assertEquals(states, h.states().size(), "states");
        assertEquals(0, h.count(PacketCounter.STATE_MATCH_PASS));
    }

    @Test
    void defaultPassCountsEachCrossingAndCreatesNoState() {
        final Harness h = new Harness("");
        assertEquals(ACCEPT, h.forward(udpFromLan(), LAN, WAN));
        assertEquals(2, h.count(PacketCounter.DEFAULT_PASS), "in and out crossings both match no rule");
        assertEquals(ACCEPT, h.localIn(udpFromWan(), WAN));
        assertEquals(3, h.count(PacketCounter.DEFAULT_PASS));
        assertEquals(0, h.states().size());
        assertEquals(0, h.rulePackets(-1), "the implicit rule is not recorded as a hit by the filter");
    }

    @Test
    void forwardedKeepStateCoversTheOutCrossingAndTheRepliesAsFloatingState() {
        final Harness h = new Harness("block out all\npass in on lan0 proto tcp keep state");
        final Tcp t = Tcp.v4();
        assertEquals(ACCEPT, h.forward(t.syn(), LAN, WAN), "SYN: in-crossing creates the state, out-crossing skipped");
        assertEquals(1, h.rulePackets(1));
        assertEquals(0, h.rulePackets(0), "block out all never decided the SYN");
        assertEquals(1, h.ruleset().evaluations(0), "one rule walk only (the in-crossing)");
        final int slot = h.onlyState();
        assertEquals(PfConstants.PF_IN, h.states().direction(slot));
        assertEquals(0, h.states().ifindex(slot), "floating");
        assertEquals(1, h.states().rule(slot));

        assertEquals(ACCEPT, h.forward(t.synAck(), WAN, LAN), "SYN-ACK by state");
        assertEquals(ACCEPT, h.forward(t.c(ACK, 0), LAN, WAN));
        assertEquals(ACCEPT, h.forward(t.c(ACK | PSH, 100), LAN, WAN));
        assertEquals(ACCEPT, h.forward(t.s(ACK | PSH, 300), WAN, LAN));
        assertEquals(4, h.count(PacketCounter.STATE_MATCH_PASS));
        assertEquals(1, h.ruleset().evaluations(0), "replies never reach the rules");
        assertEquals(0, h.rulePackets(0));
        assertEquals(1, h.rulePackets(1));
        assertEquals(3, h.states().packets(slot, 0), "initiator packets: SYN, ACK, data");
        assertEquals(2, h.states().packets(slot, 1), "responder packets: SYN-ACK, data");
    }

    @Test
    void forwardedNoStateIsDroppedByTheOutCrossingAndRepliesFindNothing() {
        final Harness h = new Harness("block out all\npass in on lan0 proto tcp no state");
        final Tcp t = Tcp.v4();
        assertEquals(DROP, h.forward(t.syn(), LAN, WAN));
        assertEquals(1, h.rulePackets(1), "the in-crossing's pass");
        assertEquals(1, h.rulePackets(0), "the out-crossing's block");
        assertEquals(0, h.states().size());
        assertEquals(DROP, h.forward(t.synAck(), WAN, LAN), "reply: in on wan0 default pass, out on lan0 blocked");
        assertEquals(0, h.count(PacketCounter.STATE_MATCH_PASS));
        assertEquals(2, h.rulePackets(0));
    }

    @Test
    void ruleCountersCountOnlyTheFirstPacketOfATrackedConnection() {
        final Harness h = new Harness("block all\npass out on wan0 proto tcp keep state\npass in on wan0 proto udp keep state");
        final Tcp t = Tcp.v4();
        final byte[] syn = t.syn();
        assertEquals(ACCEPT, h.localOut(syn, WAN));
        assertEquals(ACCEPT, h.localIn(t.synAck(), WAN));
        assertEquals(ACCEPT, h.localOut(t.c(ACK, 0), WAN));
        for (int i = 0; i < 5; i++) {
            assertEquals(ACCEPT, h.localOut(t.c(ACK | PSH, 50), WAN), "client data " + i);
            assertEquals(ACCEPT, h.localIn(t.s(ACK | PSH, 500), WAN), "server data " + i);
        }
        assertEquals(1, h.rulePackets(1), "pass rule: the SYN only");
        assertEquals(syn.length, h.ruleset().bytes(1));
        assertEquals(0, h.rulePackets(0));
        assertEquals(0, h.rulePackets(2));
        assertEquals(12, h.count(PacketCounter.STATE_MATCH_PASS), "every packet after the first");
        assertEquals(1, h.ruleset().evaluations(1), "rules walked once");
        assertEquals(0, h.count(PacketCounter.DEFAULT_PASS));

        // A packet of no connection goes to the rules and is counted there.
        final Tcp other = new Tcp(C4, 40001, S4, 80, 1000, 5000);
        assertEquals(DROP, h.localIn(other.raw(false, 777, 888, ACK, 1000, 0), WAN));
        assertEquals(1, h.rulePackets(0), "block all");
        assertEquals(12, h.count(PacketCounter.STATE_MATCH_PASS));
    }
}
