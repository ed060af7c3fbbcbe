package io.tandem.engine.packet;

import io.tandem.engine.decode.PacketBuilder;

import io.tandem.engine.decode.DecodeResult;

import static io.tandem.engine.packet.PacketFilterFixtures.ACCEPT;
import static io.tandem.engine.packet.PacketFilterFixtures.ACK;
import static io.tandem.engine.packet.PacketFilterFixtures.C4;
import static io.tandem.engine.packet.PacketFilterFixtures.C6;
import static io.tandem.engine.packet.PacketFilterFixtures.DROP;
import static io.tandem.engine.packet.PacketFilterFixtures.LAN;
import static io.tandem.engine.packet.PacketFilterFixtures.PSH;
import static io.tandem.engine.packet.PacketFilterFixtures.S4;
import static io.tandem.engine.packet.PacketFilterFixtures.S6;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static io.tandem.engine.packet.PacketFilterFixtures.udp4;
import static io.tandem.engine.packet.PacketFilterFixtures.udp6;
import static io.tandem.engine.packet.PacketFilterFixtures.verdictName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.packet.PacketFilterFixtures.Harness;
import io.tandem.engine.packet.PacketFilterFixtures.Tcp;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * UDP and ICMP echo states (IPv4 and IPv6), ICMP errors matched against the state of the packet
 * they quote, and later fragments decided by the rules alone. The host is the client: requests go
 * out on wan0 (LOCAL_OUT), answers come in on wan0 (LOCAL_IN). Only outbound traffic is passed.
 */
class PacketFilterUdpIcmpTest {
    static final String CONF = "block all\n"
        + "pass out proto udp keep state\n"
        + "pass out inet proto icmp keep state\n"
        + "pass out inet6 proto icmp6 keep state\n"
        + "pass out proto tcp keep state\n";
    static final int BLOCK_RULE = 0;

    private final Harness h = new Harness(CONF);

    private void expect(final int verdict, final int got, final String what) {
        assertEquals(verdictName(verdict), verdictName(got), what);
    }

    static Stream<Arguments> flows() {
        return Stream.of(
            Arguments.of("udp4", udp4(C4, 5353, S4, 53), udp4(S4, 53, C4, 5353), udp4(S4, 53, C4, 5354), 1),
            Arguments.of("udp6", udp6(C6, 5353, S6, 53), udp6(S6, 53, C6, 5353), udp6(S6, 54, C6, 5353), 1),
            Arguments.of("echo4", PacketBuilder.ipv4(C4, S4).echoRequest(0x4242, 1).build(),
                PacketBuilder.ipv4(S4, C4).echoReply(0x4242, 1).build(),
                PacketBuilder.ipv4(S4, C4).echoReply(0x4243, 1).build(), 2),
            Arguments.of("echo6", PacketBuilder.ipv6(C6, S6).echoRequest(0x4242, 1).build(),
                PacketBuilder.ipv6(S6, C6).echoReply(0x4242, 1).build(),
                PacketBuilder.ipv6(S6, C6).echoReply(0x4243, 1).build(), 3));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("flows")
    void repliesPassByStateAndStrangersAreBlocked(final String name, final byte[] request, final byte[] reply,
            final byte[] stranger, final int rule) {
        expect(ACCEPT, h.localOut(request, WAN), "request creates the state");
        assertEquals(1, h.states().size());
        expect(ACCEPT, h.localIn(reply, WAN), "reply by state");
        expect(ACCEPT, h.localOut(request, WAN), "second request by state");
        expect(ACCEPT, h.localIn(reply, WAN), "second reply by state");
        expect(DROP, h.localIn(stranger, WAN), "inbound packet of no state");
        assertEquals(3, h.count(PacketCounter.STATE_MATCH_PASS));
        assertEquals(1, h.rulePackets(rule), "rule decided the first packet only");
        assertEquals(1, h.rulePackets(BLOCK_RULE), "block all decided the stranger");
        final int slot = h.onlyState();
        assertEquals(2, h.states().packets(slot, 0));
        assertEquals(2, h.states().packets(slot, 1));
        if (name.startsWith("udp")) {
            assertEquals(PfConstants.PFUDPS_MULTIPLE, h.states().peerState(slot, StateTable.PEER_SRC));
            assertEquals(PfConstants.PFUDPS_MULTIPLE, h.states().peerState(slot, StateTable.PEER_DST));
            assertEquals(StateTimeouts.UDP_MULTIPLE, h.states().timeoutClass(slot));
        } else {
            assertEquals(0x4242, h.states().srcPort(slot), "echo state keyed by the identifier");
        }
    }

    @Test
    void repliesWithoutTheRequestAreBlocked() {
        expect(DROP, h.localIn(udp4(S4, 53, C4, 5353), WAN), "unsolicited UDP");
        expect(DROP, h.localIn(PacketBuilder.ipv4(S4, C4).echoReply(0x4242, 1).build(), WAN), "unsolicited echo reply");
        expect(DROP, h.localIn(PacketBuilder.ipv6(S6, C6).echoRequest(0x4242, 1).build(), WAN), "inbound ping6");
        assertEquals(3, h.rulePackets(BLOCK_RULE));
        assertEquals(0, h.states().size());
    }

    // ---- ICMP errors ---------------------------------------------------------------------------

    static Stream<Arguments> relatedErrors() {
        final byte[] udp = udp4(C4, 5353, S4, 53);
        final byte[] udp6 = udp6(C6, 5353, S6, 53);
        return Stream.of(
            Arguments.of("port unreachable from the server", udp,
                PacketBuilder.ipv4(S4, C4).icmpError(3, 3, udp, 28).build()),
            Arguments.of("host unreachable from a router, whole packet quoted", udp,
                PacketBuilder.ipv4("198.51.100.1", C4).icmpError(3, 1, udp, udp.length).build()),
            Arguments.of("time exceeded from a router", udp,
                PacketBuilder.ipv4("198.51.100.1", C4).icmpError(11, 0, udp, 28).build()),
            Arguments.of("ICMPv6 port unreachable", udp6,
                PacketBuilder.ipv6(S6, C6).icmpError(1, 4, udp6, 48).build()),
            Arguments.of("ICMPv6 packet too big from a router", udp6,
                PacketBuilder.ipv6("2001:db8:ff::1", C6).icmpError(2, 0, udp6, udp6.length).build()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("relatedErrors")
    void icmpErrorQuotingATrackedFlowPassesAlthoughNoRulePassesIt(final String name, final byte[] request,
            final byte[] error) {
        expect(ACCEPT, h.localOut(request, WAN), "request");
        final long evaluations = h.ruleset().evaluations(BLOCK_RULE);
        expect(ACCEPT, h.localIn(error, WAN), name);
        assertTrue(h.packet.icmpError);
        assertEquals(1, h.count(PacketCounter.ICMP_ERROR_RELATED));
        assertEquals(evaluations, h.ruleset().evaluations(BLOCK_RULE), "no rule evaluation");
        assertEquals(0, h.rulePackets(BLOCK_RULE));
        final int slot = h.onlyState();
        assertEquals(0, h.states().packets(slot, 1), "an error does not count as a reply packet");
        assertEquals(PfConstants.PFUDPS_NO_TRAFFIC, h.states().peerState(slot, StateTable.PEER_DST));
    }

    static Stream<Arguments> unrelatedErrors() {
        final byte[] udp = udp4(C4, 5353, S4, 53);
        final byte[] otherPort = udp4(C4, 5353, S4, 54);
        final byte[] udp6 = udp6(C6, 5353, S6, 53);
        final byte[] otherPort6 = udp6(C6, 5354, S6, 53);
        return Stream.of(
            Arguments.of("quotes another port", udp, PacketBuilder.ipv4(S4, C4).icmpError(3, 3, otherPort, 28).build()),
            Arguments.of("addressed to another host than the quoted source", udp,
                PacketBuilder.ipv4(S4, "10.0.0.99").icmpError(3, 3, udp, 28).build()),
            Arguments.of("quote truncated to the IP header", udp,
                PacketBuilder.ipv4(S4, C4).icmpError(3, 3, udp, 20).build()),
            Arguments.of("no state at all", otherPort, PacketBuilder.ipv4(S4, C4).icmpError(3, 3, udp, 28).build()),
            Arguments.of("ICMPv6 quoting another port", udp6,
                PacketBuilder.ipv6(S6, C6).icmpError(1, 4, otherPort6, 48).build()));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("unrelatedErrors")
    void unrelatedIcmpErrorGoesToTheRules(final String name, final byte[] request, final byte[] error) {
        expect(ACCEPT, h.localOut(request, WAN), "request");
        expect(DROP, h.localIn(error, WAN), name + ": blocked by block all");
        assertEquals(DecodeResult.OK, h.lastDecode);
        assertEquals(0, h.count(PacketCounter.ICMP_ERROR_RELATED));
        assertEquals(1, h.rulePackets(BLOCK_RULE));

        final Harness open = new Harness("pass out proto udp keep state");
        assertEquals(ACCEPT, open.localOut(request, WAN));
        assertEquals(ACCEPT, open.localIn(error, WAN), name + ": passed by pf's implicit rule");
        assertEquals(0, open.count(PacketCounter.ICMP_ERROR_RELATED));
        assertEquals(1, open.states().size(), "an ICMP error never creates a state");
    }

    @Test
    void icmpErrorQuotingTcpIsCheckedAgainstTheSendersWindow() {
        final Tcp t = Tcp.v4();
        expect(ACCEPT, h.localOut(t.syn(), WAN), "SYN");
        expect(ACCEPT, h.localIn(t.synAck(), WAN), "SYN-ACK");
        expect(ACCEPT, h.localOut(t.c(ACK, 0), WAN), "ACK");
        final byte[] data = t.c(ACK | PSH, 100);
        expect(ACCEPT, h.localOut(data, WAN), "data");
        expect(ACCEPT, h.localIn(PacketBuilder.ipv4("198.51.100.1", C4).icmpError(3, 4, data, 28).build(), WAN),
            "fragmentation needed quoting in-window data");
        final byte[] bogus = t.raw(true, t.cseq + 500_000, t.sseq, ACK | PSH, 65535, 100);
        expect(DROP, h.localIn(PacketBuilder.ipv4("198.51.100.1", C4).icmpError(3, 4, bogus, 28).build(), WAN),
            "error quoting a sequence number outside the window");
        assertEquals(1, h.count(PacketCounter.ICMP_ERROR_RELATED));
        assertEquals(1, h.count(StateCounter.MISMATCH_BAD_ICMP_ERROR));
        assertEquals(1, h.rulePackets(BLOCK_RULE));
    }

    // ---- later fragments -------------------------------------------------------------------------

    private static byte[] laterFragment4(final String src, final String dst, final int proto) {
        return PacketBuilder.ipv4(src, dst).id(0x777).protocol(proto).payload(100).fragment(1480, false).build();
    }

    private static byte[] laterFragment6(final String src, final String dst, final int proto) {
        return PacketBuilder.ipv6(src, dst).id(0x777).protocol(proto).payload(100).fragment(1448, false).build();
    }

    static Stream<Arguments> laterFragments() {
        return Stream.of(
            Arguments.of("block all\npass proto udp keep state", laterFragment4(C4, S4, 17), ACCEPT),
            Arguments.of("block all\npass proto udp keep state", laterFragment6(C6, S6, 17), ACCEPT),
            Arguments.of("block all\npass proto udp no state", laterFragment4(C4, S4, 17), ACCEPT),
            Arguments.of("block all\npass proto udp to port 53 keep state", laterFragment4(C4, S4, 17), DROP),
            Arguments.of("block all\npass proto udp to port 53 keep state", laterFragment6(C6, S6, 17), DROP),
            Arguments.of("block all\npass proto tcp", laterFragment4(C4, S4, 6), DROP),
            Arguments.of("block all\npass proto tcp flags any", laterFragment4(C4, S4, 6), ACCEPT),
            Arguments.of("block all\npass proto tcp flags any", laterFragment6(C6, S6, 6), ACCEPT),
            Arguments.of("block all\npass from 10.0.0.0/24", laterFragment4(C4, S4, 17), ACCEPT),
            Arguments.of("block all\npass from 10.0.0.0/24", laterFragment4(S4, C4, 17), DROP),
            Arguments.of("pass all\nblock proto udp from port 53", laterFragment4(S4, C4, 17), ACCEPT),
            Arguments.of("", laterFragment4(C4, S4, 17), ACCEPT));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {2}")
    @MethodSource("laterFragments")
    void laterFragmentsAreDecidedByTheRulesAndNeverCreateStates(final String conf, final byte[] fragment,
            final int verdict) {
        final Harness f = new Harness(conf);
        assertEquals(verdictName(verdict), verdictName(f.localOut(fragment, WAN)));
        assertEquals(DecodeResult.OK, f.lastDecode);
        assertTrue(f.packet.fragment);
        assertFalse(f.packet.hasTransportHeader());
        assertEquals(0, f.states().size(), "a later fragment never creates a state");
        assertEquals(0, f.count(PacketCounter.STATE_CREATE_DROPS));
        assertEquals(0, f.count(PacketCounter.STATE_MATCH_PASS));
    }

    @Test
    void laterFragmentOfATrackedFlowIsNotMatchedByItsState() {
        final byte[] first = PacketBuilder.ipv4(C4, S4).id(0x999).udp(5353, 53).payload(32).fragment(0, true).build();
        expect(ACCEPT, h.localOut(first, WAN), "first fragment (has ports) creates the state");
        assertEquals(1, h.states().size());
        expect(ACCEPT, h.localIn(udp4(S4, 53, C4, 5353), WAN), "unfragmented reply by state");
        expect(DROP, h.localIn(laterFragment4(S4, C4, 17), WAN), "later fragment of a reply: rules only");
        expect(DROP, h.localIn(laterFragment6(S6, C6, 17), WAN), "IPv6 likewise");
        expect(ACCEPT, h.localOut(laterFragment4(C4, S4, 17), WAN), "outbound later fragment: pass out proto udp");
        assertEquals(1, h.count(PacketCounter.STATE_MATCH_PASS));
        assertEquals(2, h.rulePackets(BLOCK_RULE));
        assertEquals(2, h.rulePackets(1));
        assertEquals(1, h.states().size());
    }

    @Test
    void forwardedLaterFragmentCrossesBothDirectionsOfRules() {
        final Harness f = new Harness("block out all\npass in on lan0 proto udp keep state");
        assertEquals(DROP, f.forward(laterFragment4(C4, S4, 17), LAN, WAN),
            "no state can be made, so the out-crossing's block out decides");
        assertEquals(1, f.rulePackets(0));
        assertEquals(1, f.rulePackets(1));
        final Harness g = new Harness("block out all\npass in on lan0 proto udp keep state\npass out on wan0 proto udp no state");
        assertEquals(ACCEPT, g.forward(laterFragment4(C4, S4, 17), LAN, WAN));
        assertEquals(0, g.states().size());
    }
}
