package io.tandem.engine.packet;

import static io.tandem.engine.packet.PacketFilterFixtures.ACCEPT;
import static io.tandem.engine.packet.PacketFilterFixtures.ACK;
import static io.tandem.engine.packet.PacketFilterFixtures.C4;
import static io.tandem.engine.packet.PacketFilterFixtures.DMZ;
import static io.tandem.engine.packet.PacketFilterFixtures.DROP;
import static io.tandem.engine.packet.PacketFilterFixtures.FIN;
import static io.tandem.engine.packet.PacketFilterFixtures.LAN;
import static io.tandem.engine.packet.PacketFilterFixtures.PSH;
import static io.tandem.engine.packet.PacketFilterFixtures.RST;
import static io.tandem.engine.packet.PacketFilterFixtures.S4;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static io.tandem.engine.packet.PacketFilterFixtures.udp4;
import static io.tandem.engine.packet.PacketFilterFixtures.verdictName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.packet.PacketFilterFixtures.Harness;
import io.tandem.engine.packet.PacketFilterFixtures.Tcp;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateTimeouts;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * State limits ({@code set limit states}, {@code keep state (max N)}), {@code set state-policy
 * if-bound}, and expiry: states leave after their timeout and a later packet of the flow is new.
 */
class PacketFilterLimitsTest {

    private static void expect(final int verdict, final int got, final String what) {
        assertEquals(verdictName(verdict), verdictName(got), what);
    }

    private static byte[] udpOut(final int sport) {
        return udp4(C4, sport, S4, 53);
    }

    private static byte[] udpReply(final int dport) {
        return udp4(S4, 53, C4, dport);
    }

    // ---- limits ---------------------------------------------------------------------------------

    @Test
    void fullTableDropsTheNewConnectionsFirstPacketAndCountsIt() {
        final Harness h = new Harness("set limit states 2\nset timeout { adaptive.start 0, adaptive.end 0 }\n"
            + "block all\npass out proto udp keep state");
        expect(ACCEPT, h.localOut(udpOut(1001), WAN), "first flow");
        expect(ACCEPT, h.localOut(udpOut(1002), WAN), "second flow");
        expect(DROP, h.localOut(udpOut(1003), WAN), "third flow: table full");
        expect(DROP, h.localOut(udpOut(1003), WAN), "third flow again");
        assertEquals(2, h.count(PacketCounter.STATE_CREATE_DROPS));
        assertEquals(2, h.count(StateCounter.INSERT_FAILED_FULL));
        assertEquals(4, h.rulePackets(1), "the rule matched every first packet, as pf counts it");
        assertEquals(2, h.states().size());
        // Existing flows are unaffected.
        expect(ACCEPT, h.localIn(udpReply(1001), WAN), "reply of flow 1");
        expect(ACCEPT, h.localOut(udpOut(1002), WAN), "flow 2 again");
        expect(DROP, h.localIn(udpReply(1003), WAN), "flow 3 has no state");
        // A no-state pass rule is not affected by the full table.
        final Harness n = new Harness("set limit states 1\nset timeout { adaptive.start 0, adaptive.end 0 }\n"
            + "pass out proto udp to port 53 keep state\npass out proto udp to port 123 no state");
        expect(ACCEPT, n.localOut(udpOut(1001), WAN), "state");
        expect(DROP, n.localOut(udpOut(1002), WAN), "no room");
        expect(ACCEPT, n.localOut(udp4(C4, 1003, S4, 123), WAN), "no state wanted");
        assertEquals(1, n.count(PacketCounter.STATE_CREATE_DROPS));
    }

    @Test
    void fullTableDropsAForwardedPacketOnEitherCrossing() {
        final Harness in = new Harness("set limit states 1\nset timeout { adaptive.start 0, adaptive.end 0 }\n"
            + "pass in on lan0 proto udp keep state");
        expect(ACCEPT, in.forward(udpOut(1001), LAN, WAN), "state on the in-crossing");
        expect(DROP, in.forward(udpOut(1002), LAN, WAN), "table full on the in-crossing");
        final Harness out = new Harness("set limit states 1\nset timeout { adaptive.start 0, adaptive.end 0 }\n"
            + "pass out on wan0 proto udp keep state");
        expect(ACCEPT, out.forward(udpOut(1001), LAN, WAN), "state on the out-crossing");
        expect(DROP, out.forward(udpOut(1002), LAN, WAN), "table full on the out-crossing");
        assertEquals(1, in.count(PacketCounter.STATE_CREATE_DROPS));
        assertEquals(1, out.count(PacketCounter.STATE_CREATE_DROPS));
    }

    @Test
    void ruleMaxStatesLimitsOnlyThatRule() {
        final Harness h = new Harness("block all\npass out proto udp to port 53 keep state (max 2)\n"
            + "pass out proto tcp keep state (max 1)\npass out proto udp to port 123 keep state");
        expect(ACCEPT, h.localOut(udpOut(1001), WAN), "udp 1");
        expect(ACCEPT, h.localOut(udpOut(1002), WAN), "udp 2");
        expect(DROP, h.localOut(udpOut(1003), WAN), "udp 3: rule limit");
        expect(ACCEPT, h.localOut(udp4(C4, 1004, S4, 123), WAN), "another rule is not limited");
        final Tcp t1 = Tcp.v4();
        final Tcp t2 = new Tcp(C4, 40001, S4, 80, 1, 2);
        expect(ACCEPT, h.localOut(t1.syn(), WAN), "tcp 1");
        expect(DROP, h.localOut(t2.syn(), WAN), "tcp 2: rule limit");
        expect(ACCEPT, h.localIn(t1.synAck(), WAN), "tcp 1 goes on by state");
        assertEquals(2, h.count(PacketCounter.STATE_CREATE_DROPS));
        assertEquals(2, h.count(StateCounter.INSERT_FAILED_RULE_LIMIT));
        assertEquals(2, h.states().ruleStates(1));
        assertEquals(1, h.states().ruleStates(2));
        assertEquals(1, h.states().ruleStates(3));
        // Closing tcp 1 frees the rule's slot for the reused ports only once the state is gone.
        expect(ACCEPT, h.localOut(t1.raw(true, t1.cseq, 0, RST, 0, 0), WAN), "RST closes tcp 1");
        expect(DROP, h.localOut(t2.syn(), WAN), "closed but not yet expired: still counted");
        h.advanceAndExpire(StateTimeouts.defaultSeconds(100_000)[StateTimeouts.TCP_CLOSED]);
        expect(ACCEPT, h.localOut(new Tcp(C4, 40001, S4, 80, 10, 2).syn(), WAN), "after expiry: room again");
    }

    /**
     * Several queue threads ({@code set queue FIRST:LAST}): each thread's table holds the limit divided
     * among them (rounded up), and a rule's {@code (max N)} counts the states of the table it is in, so
     * per thread: each thread's copy of the rule admits N.
     */
    @Test
    void withSeveralQueueThreadsTheStateLimitIsDividedAndAMaxCountsPerThread() throws Exception {
        final io.tandem.engine.config.TandemConfig config = io.tandem.engine.config.ConfigParser.parse("t.conf",
                "set limit states 1001\nblock all\npass out proto udp to port 53 keep state (max 2)\n");
        final io.tandem.engine.rules.Ruleset rules = config.compileRuleset(PacketFilterFixtures::ifindexOf);
        final PacketFilter first = PacketFilter.fromConfig(config, rules, new io.tandem.engine.counters.PacketCounters(0),
                7, 0, 2);
        final PacketFilter second = PacketFilter.fromConfig(config, rules.withOwnCounters(),
                new io.tandem.engine.counters.PacketCounters(1), 7, 1, 2);
        assertEquals(501, first.states().capacity(), "1001 states over two threads: 501 each");
        assertEquals(501, second.states().capacity());
        final io.tandem.engine.decode.PacketDecoder decoder = new io.tandem.engine.decode.PacketDecoder();
        final io.tandem.engine.decode.DecodedPacket p = new io.tandem.engine.decode.DecodedPacket();
        int port = 1000;
        for (final PacketFilter f : new PacketFilter[] {first, second}) {
            for (int k = 0; k < 3; k++) {
                final byte[] bytes = udpOut(++port);
                assertEquals(io.tandem.engine.decode.DecodeResult.OK, decoder.decode(new org.agrona.concurrent.UnsafeBuffer(bytes), 0,
                        bytes.length, bytes.length, 0, p));
                expect(k < 2 ? ACCEPT : DROP, f.decide(p, PacketFilterFixtures.LOCAL_OUT, 0, WAN, bytes.length,
                        PacketFilterFixtures.T0), "state " + (k + 1) + " of this thread's copy of the rule");
            }
            assertEquals(2, f.states().size());
        }
    }

    // ---- if-bound ---------------------------------------------------------------------------------

    static Stream<Arguments> interfacePairs() {
        // Flow: client on lan0 → server via wan0, state made on the first packet's in-crossing (lan0).
        return Stream.of(
            Arguments.of("reply wan0 → lan0", false, WAN, LAN, ACCEPT, ACCEPT),
            Arguments.of("client again lan0 → wan0", true, LAN, WAN, ACCEPT, ACCEPT),
            Arguments.of("reply routed wan0 → dmz0", false, WAN, DMZ, ACCEPT, DROP),
            Arguments.of("client again from dmz0 → wan0", true, DMZ, WAN, ACCEPT, DROP),
            Arguments.of("reply dmz0 → wan0", false, DMZ, WAN, ACCEPT, DROP));
    }

    @ParameterizedTest(name = "[{index}] {0}: floating {4}, if-bound {5}")
    @MethodSource("interfacePairs")
    void ifBoundStateMatchesOnlyOnItsInterface(final String what, final boolean fromClient, final int indev,
            final int outdev, final int floating, final int ifBound) {
        // As in pf, an if-bound state covers one interface, so the out-crossing needs its own rule.
        final String rules = "block all\npass in on lan0 proto udp keep state\npass out on wan0 proto udp keep state\n";
        final Harness f = new Harness(rules);
        final Harness b = new Harness("set state-policy if-bound\n" + rules);
        for (final Harness h : new Harness[] {f, b}) {
            expect(ACCEPT, h.forward(udpOut(1001), LAN, WAN), "first packet");
        }
        assertEquals(0, f.states().ifindex(f.onlyState()));
        assertEquals(2, b.states().size(), "if-bound: one state on lan0 (in), one on wan0 (out)");
        final byte[] p = fromClient ? udpOut(1001) : udpReply(1001);
        expect(floating, f.forward(p, indev, outdev), what + " (floating)");
        expect(ifBound, b.forward(p, indev, outdev), what + " (if-bound)");
    }

    @Test
    void ifBoundSameFlowOnAnotherInterfaceGetsItsOwnState() {
        final Harness h = new Harness("set state-policy if-bound\nblock all\npass in proto udp keep state");
        expect(ACCEPT, h.localIn(udpReply(1001), WAN), "in on wan0");
        expect(ACCEPT, h.localIn(udpReply(1001), DMZ), "same 5-tuple in on dmz0: a second state");
        assertEquals(2, h.states().size());
        assertEquals(2, h.rulePackets(1));
        expect(ACCEPT, h.localOut(udpOut(1001), WAN), "answer out on wan0 by the wan0 state");
        expect(ACCEPT, h.localOut(udpOut(1001), DMZ), "answer out on dmz0 by the dmz0 state");
        expect(DROP, h.localOut(udpOut(1001), LAN), "answer out on lan0: no state there");
        assertEquals(2, h.count(PacketCounter.STATE_MATCH_PASS));

        final Harness f = new Harness("block all\npass in proto udp keep state");
        expect(ACCEPT, f.localIn(udpReply(1001), WAN), "floating: in on wan0");
        expect(ACCEPT, f.localIn(udpReply(1001), DMZ), "floating: same state on dmz0");
        expect(ACCEPT, f.localOut(udpOut(1001), LAN), "floating: answer on any interface");
        assertEquals(1, f.states().size());
    }

    @Test
    void ifBoundStateMadeOnTheInCrossingDoesNotCoverTheOutCrossing() {
        final Harness h = new Harness("set state-policy if-bound\nblock out all\npass in on lan0 proto udp keep state");
        expect(DROP, h.forward(udpOut(1001), LAN, WAN), "pf: state bound to lan0 does not match on wan0");
    }

    @Test
    void ifBoundReplyIsCheckedByTheRulesOfItsInputInterface() {
        final Harness h = new Harness("set state-policy if-bound\nblock all\n"
            + "pass in on lan0 proto udp keep state\npass out on wan0 proto udp no state");
        expect(ACCEPT, h.forward(udpOut(1001), LAN, WAN), "request");
        expect(DROP, h.forward(udpReply(1001), WAN, LAN), "pf: no state on wan0, block all on the in-crossing");
    }

    // ---- expiry ---------------------------------------------------------------------------------------

    @Test
    void udpStatesExpireAndTheFlowIsNewAfterwards() {
        final Harness h = new Harness("set timeout { udp.first 10, udp.single 15, udp.multiple 20 }\n"
            + "block all\npass out proto udp keep state");
        expect(ACCEPT, h.localOut(udpOut(1001), WAN), "request at T0");
        final int slot = h.onlyState();
        assertEquals(StateTimeouts.UDP_FIRST_PACKET, h.states().timeoutClass(slot));
        assertEquals(0, h.advanceAndExpire(9.999), "udp.first not yet over");
        expect(ACCEPT, h.localIn(udpReply(1001), WAN), "reply at T0+9.999");
        // pf_test_state_udp(): the answer makes the initiator MULTIPLE and the responder SINGLE; the
        // state is MULTIPLE only once both are, i.e. after the next packet.
        assertEquals(StateTimeouts.UDP_SINGLE, h.states().timeoutClass(slot));
        expect(ACCEPT, h.localOut(udpOut(1001), WAN), "next request at T0+9.999");
        assertEquals(StateTimeouts.UDP_MULTIPLE, h.states().timeoutClass(slot));
        assertEquals(0, h.advanceAndExpire(19.999), "udp.multiple counts from the reply");
        assertEquals(1, h.advanceAndExpire(0.001), "due exactly at last activity + udp.multiple");
        assertEquals(0, h.states().size());
        assertEquals(1, h.count(StateCounter.REMOVED_EXPIRED));
        expect(DROP, h.localIn(udpReply(1001), WAN), "a late reply is a stranger now");
        assertEquals(1, h.rulePackets(0));
        expect(ACCEPT, h.localOut(udpOut(1001), WAN), "a new request makes a new state");
        assertEquals(2, h.rulePackets(1));
        assertEquals(1, h.states().size());
    }

    @Test
    void udpSingleTimeoutAppliesToAOneWayFlowAfterItsSecondPacket() {
        final Harness h = new Harness("set timeout { udp.first 10, udp.single 15, udp.multiple 20 }\n"
            + "pass out proto udp keep state");
        expect(ACCEPT, h.localOut(udpOut(1001), WAN), "first");
        h.advanceAndExpire(5);
        expect(ACCEPT, h.localOut(udpOut(1001), WAN), "second, one way");
        assertEquals(StateTimeouts.UDP_SINGLE, h.states().timeoutClass(h.onlyState()));
        assertEquals(0, h.advanceAndExpire(14.999));
        assertEquals(1, h.advanceAndExpire(0.001));
    }

    @Test
    void closedTcpStatesExpireAfterTcpClosedAndPortsCanBeUsedAgain() {
        final Harness h = new Harness("set timeout tcp.closed 5\nblock all\npass proto tcp");
        final Tcp t = Tcp.v4();
        expect(ACCEPT, h.forward(t.syn(), LAN, WAN), "SYN");
        expect(ACCEPT, h.forward(t.synAck(), WAN, LAN), "SYN-ACK");
        expect(ACCEPT, h.forward(t.c(ACK, 0), LAN, WAN), "ACK");
        expect(ACCEPT, h.forward(t.c(ACK | PSH, 10), LAN, WAN), "data");
        expect(ACCEPT, h.forward(t.raw(true, t.cseq, 0, RST, 0, 0), LAN, WAN), "RST");
        assertEquals(StateTimeouts.TCP_CLOSED, h.states().timeoutClass(h.onlyState()));
        assertEquals(0, h.advanceAndExpire(4.999));
        // As pf_tcp_track_full(), an in-window packet after the RST refreshes the (tcp.closed) timer.
        expect(ACCEPT, h.forward(t.s(ACK, 0), WAN, LAN), "straggler after the RST");
        assertEquals(StateTimeouts.TCP_CLOSED, h.states().timeoutClass(h.onlyState()));
        assertEquals(0, h.advanceAndExpire(4.999), "refreshed by the straggler");
        assertEquals(1, h.advanceAndExpire(0.001));
        expect(DROP, h.forward(t.s(ACK, 0), WAN, LAN), "after expiry: no state, flags S/SA fail, block all");
        assertEquals(1, h.rulePackets(0));
        final Tcp again = new Tcp(t.client, t.clientPort, t.server, t.serverPort, 31337, 4242);
        expect(ACCEPT, h.forward(again.syn(), LAN, WAN), "new SYN on the same ports");
        expect(ACCEPT, h.forward(again.synAck(), WAN, LAN), "its SYN-ACK by state");
        assertEquals(2, h.rulePackets(1));
        assertEquals(0, h.count(StateCounter.REMOVED_REUSED), "expired, not reused");
    }

    @Test
    void finClosedTcpStatesExpireButEstablishedOnesStay() {
        final Harness h = new Harness("set timeout { tcp.closed 5, tcp.established 600 }\nblock all\npass proto tcp");
        final Tcp closing = Tcp.v4();
        final Tcp open = new Tcp(C4, 40001, S4, 80, 100, 200);
        for (final Tcp t : new Tcp[] {closing, open}) {
            expect(ACCEPT, h.forward(t.syn(), LAN, WAN), "SYN");
            expect(ACCEPT, h.forward(t.synAck(), WAN, LAN), "SYN-ACK");
            expect(ACCEPT, h.forward(t.c(ACK, 0), LAN, WAN), "ACK");
        }
        expect(ACCEPT, h.forward(closing.c(FIN | ACK, 0), LAN, WAN), "FIN");
        expect(ACCEPT, h.forward(closing.s(FIN | ACK, 0), WAN, LAN), "FIN");
        expect(ACCEPT, h.forward(closing.c(ACK, 0), LAN, WAN), "last ACK");
        assertEquals(2, h.states().size());
        assertEquals(1, h.advanceAndExpire(5), "only the closed connection leaves");
        expect(ACCEPT, h.forward(open.c(ACK | PSH, 10), LAN, WAN), "the open one goes on");
        expect(DROP, h.forward(closing.s(ACK, 0), WAN, LAN), "the closed one is gone");
        assertEquals(0, h.advanceAndExpire(599));
        assertEquals(1, h.advanceAndExpire(1));
        expect(DROP, h.forward(open.c(ACK | PSH, 10), LAN, WAN), "idle past tcp.established");
    }

    @Test
    void expiryIsIncrementalWithinItsBudget() {
        final Harness h = new Harness("set limit states 8\nset timeout { udp.first 1, adaptive.start 0, adaptive.end 0 }\n"
            + "pass out proto udp keep state");
        for (int i = 0; i < 5; i++) {
            expect(ACCEPT, h.localOut(udpOut(2000 + i), WAN), "flow " + i);
        }
        h.now += 1000;
        int removed = 0;
        for (int call = 0; call < 8; call++) {
            final int r = h.filter.expire(h.now, 1);
            assertTrue(r <= 1, "one slot examined per call");
            removed += r;
        }
        assertEquals(5, removed);
        assertEquals(0, h.states().size());
        assertEquals(8, h.count(StateCounter.EXPIRE_SLOTS_EXAMINED));
    }
}
