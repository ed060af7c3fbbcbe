package io.tandem.engine.packet;

import io.tandem.engine.decode.DecodeResult;
import io.tandem.engine.decode.DecodedPacket;

import static io.tandem.engine.packet.PacketFilterFixtures.ACCEPT;
import static io.tandem.engine.packet.PacketFilterFixtures.ACK;
import static io.tandem.engine.packet.PacketFilterFixtures.DROP;
import static io.tandem.engine.packet.PacketFilterFixtures.FIN;
import static io.tandem.engine.packet.PacketFilterFixtures.LAN;
import static io.tandem.engine.packet.PacketFilterFixtures.PSH;
import static io.tandem.engine.packet.PacketFilterFixtures.RST;
import static io.tandem.engine.packet.PacketFilterFixtures.SYN;
import static io.tandem.engine.packet.PacketFilterFixtures.WAN;
import static io.tandem.engine.packet.PacketFilterFixtures.verdictName;
import static io.tandem.engine.packet.PacketFilterFixtures.wscale;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.tandem.engine.counters.PacketCounter;
import io.tandem.engine.packet.PacketFilterFixtures.Harness;
import io.tandem.engine.packet.PacketFilterFixtures.Tcp;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateCounter;
import io.tandem.engine.state.StateTable;
import io.tandem.engine.state.StateTimeouts;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * TCP through decode and decide, forwarded LAN (client) to WAN (server) under
 * {@code block all; pass proto tcp} (keep state, flags S/SA by default): pf's tracker decides every
 * packet of a tracked connection, the rules only the first one and packets of no connection.
 */
class PacketFilterTcpTest {
    static final String CONF = "block all\npass proto tcp";
    static final int BLOCK_RULE = 0;
    static final int PASS_RULE = 1;

    private final Harness h = new Harness(CONF);

    private int c2s(final byte[] b) {
        return h.forward(b, LAN, WAN);
    }

    private int s2c(final byte[] b) {
        return h.forward(b, WAN, LAN);
    }

    private void expect(final int verdict, final int got, final String what) {
        assertEquals(verdictName(verdict), verdictName(got), what);
    }

    /** Handshake plus one data segment each way; returns the connection. */
    private Tcp established(final Tcp t) {
        expect(ACCEPT, c2s(t.syn()), "SYN");
        expect(ACCEPT, s2c(t.synAck()), "SYN-ACK");
        expect(ACCEPT, c2s(t.c(ACK, 0)), "ACK");
        expect(ACCEPT, c2s(t.c(ACK | PSH, 100)), "client data");
        expect(ACCEPT, s2c(t.s(ACK | PSH, 200)), "server data");
        expect(ACCEPT, c2s(t.c(ACK, 0)), "client ack");
        return t;
    }

    private void teardown(final Tcp t) {
        expect(ACCEPT, c2s(t.c(FIN | ACK, 0)), "client FIN");
        expect(ACCEPT, s2c(t.s(ACK, 0)), "server acks FIN");
        expect(ACCEPT, s2c(t.s(FIN | ACK, 0)), "server FIN");
        expect(ACCEPT, c2s(t.c(ACK, 0)), "client acks FIN");
    }

    @Test
    void handshakeDataAndFinTeardownPassByState() {
        final Tcp t = established(Tcp.v4());
        final int slot = h.onlyState();
        assertEquals(PfConstants.TCPS_ESTABLISHED, h.states().peerState(slot, StateTable.PEER_SRC));
        assertEquals(PfConstants.TCPS_ESTABLISHED, h.states().peerState(slot, StateTable.PEER_DST));
        assertEquals(StateTimeouts.TCP_ESTABLISHED, h.states().timeoutClass(slot));
        teardown(t);
        assertEquals(PfConstants.TCPS_FIN_WAIT_2, h.states().peerState(slot, StateTable.PEER_SRC));
        assertEquals(PfConstants.TCPS_FIN_WAIT_2, h.states().peerState(slot, StateTable.PEER_DST));
        assertEquals(StateTimeouts.TCP_CLOSED, h.states().timeoutClass(slot));
        assertEquals(1, h.rulePackets(PASS_RULE));
        assertEquals(0, h.rulePackets(BLOCK_RULE));
        assertEquals(9, h.count(PacketCounter.STATE_MATCH_PASS));
        assertEquals(0, h.count(PacketCounter.STATE_MATCH_DROP));
        assertEquals(6, h.states().packets(slot, 0));
        assertEquals(4, h.states().packets(slot, 1));
    }

    @Test
    void ipv6HandshakeAndTeardownPassByState() {
        final Tcp t = established(Tcp.v6());
        teardown(t);
        final int slot = h.onlyState();
        assertEquals(DecodedPacket.FAMILY_INET6, h.states().family(slot));
        assertEquals(9, h.count(PacketCounter.STATE_MATCH_PASS));
        assertEquals(1, h.rulePackets(PASS_RULE));
    }

    @Test
    void outOfWindowDataIsDroppedByTheStateWithoutRuleEvaluation() {
        final Tcp t = established(Tcp.v4());
        final long evaluations = h.ruleset().evaluations(PASS_RULE);
        expect(DROP, c2s(t.raw(true, t.cseq + 200_000, t.sseq, ACK | PSH, 65535, 100)), "data far beyond the window");
        expect(DROP, s2c(t.raw(false, t.sseq - 200_000, t.cseq, ACK | PSH, 65535, 100)), "data far behind the window");
        assertEquals(2, h.count(PacketCounter.STATE_MATCH_DROP));
        assertEquals(2, h.count(StateCounter.MISMATCH_OUT_OF_WINDOW));
        assertEquals(evaluations, h.ruleset().evaluations(PASS_RULE), "no rule evaluation");
        assertEquals(0, h.rulePackets(BLOCK_RULE));
        // The connection is unharmed.
        expect(ACCEPT, c2s(t.c(ACK | PSH, 100)), "in-window data after the drops");
        expect(ACCEPT, s2c(t.s(ACK, 0)), "ack");
    }

    /** RST sequence number relative to the sender's next sequence number → verdict (pf: seqlo, seqlo ± 1). */
    static Stream<Arguments> rsts() {
        return Stream.of(
            Arguments.of(true, 0L, ACCEPT), Arguments.of(true, 1L, ACCEPT), Arguments.of(true, -1L, ACCEPT),
            Arguments.of(true, 2L, DROP), Arguments.of(true, -2L, DROP), Arguments.of(true, 1000L, DROP),
            Arguments.of(true, -1000L, DROP), Arguments.of(true, 1L << 31, DROP),
            Arguments.of(false, 0L, ACCEPT), Arguments.of(false, 1L, ACCEPT), Arguments.of(false, -1L, ACCEPT),
            Arguments.of(false, 2L, DROP), Arguments.of(false, 30_000L, DROP), Arguments.of(false, -30_000L, DROP));
    }

    @ParameterizedTest(name = "[{index}] RST from client={0} at seq offset {1} -> {2}")
    @MethodSource("rsts")
    void onlyAnExactSequenceRstIsAccepted(final boolean fromClient, final long offset, final int verdict) {
        final Tcp t = established(Tcp.v4());
        final long seq = (fromClient ? t.cseq : t.sseq) + offset;
        final byte[] rst = t.raw(fromClient, seq, 0, RST, 0, 0);
        expect(verdict, fromClient ? c2s(rst) : s2c(rst), "RST");
        final int slot = h.onlyState();
        if (verdict == ACCEPT) {
            assertEquals(PfConstants.TCPS_TIME_WAIT, h.states().peerState(slot, StateTable.PEER_SRC));
            assertEquals(PfConstants.TCPS_TIME_WAIT, h.states().peerState(slot, StateTable.PEER_DST));
            assertEquals(StateTimeouts.TCP_CLOSED, h.states().timeoutClass(slot));
            assertEquals(0, h.count(PacketCounter.STATE_MATCH_DROP));
        } else {
            assertEquals(1, h.count(PacketCounter.STATE_MATCH_DROP));
            assertEquals(1, h.count(StateCounter.MISMATCH_BAD_RST));
            assertEquals(PfConstants.TCPS_ESTABLISHED, h.states().peerState(slot, StateTable.PEER_SRC));
            // The blind RST did not harm the connection.
            expect(ACCEPT, c2s(t.c(ACK | PSH, 10)), "data after a dropped RST");
        }
        assertEquals(0, h.rulePackets(BLOCK_RULE));
        assertEquals(1, h.rulePackets(PASS_RULE));
    }

    @Test
    void overlappingRstsFromBothEndsAllPass() {
        final Tcp t = established(Tcp.v4());
        expect(ACCEPT, c2s(t.raw(true, t.cseq, 0, RST, 0, 0)), "client RST");
        expect(ACCEPT, s2c(t.raw(false, t.sseq, 0, RST, 0, 0)), "server RST crossing it");
        expect(ACCEPT, c2s(t.raw(true, t.cseq, t.sseq, RST | ACK, 0, 0)), "client RST|ACK repeated");
        expect(ACCEPT, s2c(t.raw(false, t.sseq + 1, 0, RST | ACK, 0, 0)), "server RST|ACK with ack 0");
        final int slot = h.onlyState();
        assertEquals(StateTimeouts.TCP_CLOSED, h.states().timeoutClass(slot));
        assertEquals(0, h.count(PacketCounter.STATE_MATCH_DROP));
        assertEquals(1, h.rulePackets(PASS_RULE));
    }

    @ParameterizedTest(name = "[{index}] mid-stream flags {0} without state -> blocked")
    @ValueSource(ints = {ACK, ACK | PSH, FIN | ACK, RST, RST | ACK, SYN | ACK, FIN, 0})
    void midStreamPacketWithoutStateIsBlockedByTheFlagsDefault(final int flags) {
        final Tcp t = Tcp.v4();
        expect(DROP, c2s(t.raw(true, 123_456, 654_321, flags, 65535, flags == ACK ? 0 : 10)), "no state");
        assertEquals(0, h.states().size());
        assertEquals(1, h.rulePackets(BLOCK_RULE));
        assertEquals(0, h.rulePackets(PASS_RULE));
        assertEquals(0, h.count(PacketCounter.STATE_MATCH_DROP));
    }

    @Test
    void midStreamPacketWithoutStatePassesUnderFlagsAnyAndCreatesALateState() {
        final Harness any = new Harness("block all\npass proto tcp flags any keep state");
        final Tcp t = Tcp.v4();
        assertEquals(ACCEPT, any.forward(t.raw(true, 123_456, 654_321, ACK | PSH, 65535, 10), LAN, WAN));
        assertEquals(1, any.states().size(), "pf picks the connection up");
        assertEquals(ACCEPT, any.forward(t.raw(false, 654_321, 123_466, ACK, 65535, 0), WAN, LAN));
        assertEquals(1, any.count(PacketCounter.STATE_MATCH_PASS));
    }

    @Test
    void synReusingAClosedConnectionStartsANewStateThroughTheRules() {
        final Tcp t = established(Tcp.v4());
        teardown(t);
        final int oldSlot = h.onlyState();
        final long oldId = h.states().id(oldSlot);

        final Tcp again = new Tcp(t.client, t.clientPort, t.server, t.serverPort, 900_000, 7_000_000);
        expect(ACCEPT, c2s(again.syn()), "new SYN on the closed 5-tuple");
        assertEquals(1, h.count(StateCounter.REMOVED_REUSED));
        assertEquals(2, h.rulePackets(PASS_RULE), "the reusing SYN went through the rules");
        final int slot = h.onlyState();
        assertNotEquals(oldId, h.states().id(slot));
        assertEquals(PfConstants.TCPS_SYN_SENT, h.states().peerState(slot, StateTable.PEER_SRC));
        assertEquals(PfConstants.TCPS_CLOSED, h.states().peerState(slot, StateTable.PEER_DST));
        assertEquals(900_000, h.states().seqLo(slot, StateTable.PEER_SRC));
        expect(ACCEPT, s2c(again.synAck()), "SYN-ACK of the new connection");
        expect(ACCEPT, c2s(again.c(ACK, 0)), "ACK of the new connection");
        expect(ACCEPT, c2s(again.c(ACK | PSH, 10)), "data of the new connection");
        expect(DROP, c2s(t.raw(true, t.cseq, t.sseq, ACK | PSH, 65535, 10)), "old connection's data: out of window");
        assertEquals(2, h.rulePackets(PASS_RULE));
    }

    @Test
    void synReusedAfterRstIsBlockedWhenTheRulesNowSaySo() {
        final Harness blockNew = new Harness("block all\npass proto tcp from 10.0.0.1 port 40000 keep state (max 1)");
        final Tcp t = Tcp.v4();
        assertEquals(ACCEPT, blockNew.forward(t.syn(), LAN, WAN));
        assertEquals(ACCEPT, blockNew.forward(t.synAck(), WAN, LAN));
        assertEquals(ACCEPT, blockNew.forward(t.raw(true, t.cseq, 0, RST, 0, 0), LAN, WAN));
        // The state is closed on both sides: a server-side SYN on the same ports is a new connection
        // for the rules, which do not pass it (it comes from the server).
        final Tcp reverse = new Tcp(t.server, t.serverPort, t.client, t.clientPort, 42, 0);
        assertEquals(DROP, blockNew.forward(reverse.syn(), WAN, LAN));
        assertEquals(1, blockNew.count(StateCounter.REMOVED_REUSED));
        assertEquals(0, blockNew.states().size());
        // The client's own new SYN is passed again (the old state no longer counts towards max 1).
        assertEquals(ACCEPT, blockNew.forward(new Tcp(t.client, t.clientPort, t.server, t.serverPort, 77, 0).syn(),
            LAN, WAN));
        assertEquals(1, blockNew.states().size());
    }

    // ---- pf-stressing inputs ------------------------------------------------------------------

    @Test
    void zeroWindowSynAndZeroWindowAdvertisementsAreTrackedAsPf() {
        final Tcp t = Tcp.v4();
        t.clientWindow = 0;
        expect(ACCEPT, c2s(t.syn()), "SYN with window 0");
        final int slot = h.onlyState();
        assertEquals(1, h.states().maxWin(slot, StateTable.PEER_SRC), "pf keeps max_win at least 1");
        expect(ACCEPT, s2c(t.synAck()), "SYN-ACK");
        t.clientWindow = 65535;
        expect(ACCEPT, c2s(t.c(ACK, 0)), "ACK opening the window");
        expect(ACCEPT, s2c(t.s(ACK | PSH, 1000)), "server data");
        // The server closes its window; pf never moves seqhi back, so in-window data still passes.
        t.serverWindow = 0;
        expect(ACCEPT, s2c(t.s(ACK, 0)), "zero window advertisement");
        expect(ACCEPT, c2s(t.c(ACK | PSH, 1)), "one-byte window probe");
        expect(ACCEPT, c2s(t.c(ACK | PSH, 1000)), "data inside the window seen before");
        expect(DROP, c2s(t.raw(true, t.cseq + 70_000, t.sseq, ACK | PSH, 65535, 1000)), "data beyond it");
        assertEquals(1, h.count(PacketCounter.STATE_MATCH_DROP));
        assertEquals(1, h.rulePackets(PASS_RULE));
    }

    @ParameterizedTest(name = "[{index}] wscale {0}/{1} stored as shift {2}/{3}")
    @MethodSource("wscales")
    void windowScaleAboveFourteenIsClampedAndTheConnectionWorks(final int clientShift, final int serverShift,
            final int clientStored, final int serverStored) {
        final Tcp t = Tcp.v4();
        expect(ACCEPT, c2s(t.syn(wscale(clientShift))), "SYN with wscale " + clientShift);
        assertEquals(clientShift, h.packet.wscale, "decoder reports the option as given");
        expect(ACCEPT, s2c(t.synAck(wscale(serverShift))), "SYN-ACK with wscale " + serverShift);
        final int slot = h.onlyState();
        assertEquals(PfConstants.PF_WSCALE_FLAG | clientStored, h.states().wscale(slot, StateTable.PEER_SRC));
        assertEquals(PfConstants.PF_WSCALE_FLAG | serverStored, h.states().wscale(slot, StateTable.PEER_DST));
        expect(ACCEPT, c2s(t.c(ACK, 0)), "ACK");
        expect(ACCEPT, c2s(t.c(ACK | PSH, 1400)), "client data");
        expect(ACCEPT, s2c(t.s(ACK | PSH, 1400)), "server data");
        expect(ACCEPT, c2s(t.c(ACK, 0)), "client ack");
        teardown(t);
        assertEquals(0, h.count(PacketCounter.STATE_MATCH_DROP));
    }

    static Stream<Arguments> wscales() {
        return Stream.of(Arguments.of(7, 7, 7, 7), Arguments.of(14, 14, 14, 14), Arguments.of(15, 15, 14, 14),
            Arguments.of(255, 15, 14, 14), Arguments.of(0, 200, 0, 14));
    }

    @Test
    void synWithDataCreatesAStateCoveringItsData() {
        final Tcp t = Tcp.v4();
        expect(ACCEPT, c2s(t.raw(true, t.cseq, 0, SYN, 65535, 100)), "SYN carrying 100 bytes");
        assertEquals(DecodeResult.OK, h.lastDecode);
        assertEquals(100, h.packet.payloadLength);
        t.cseq += 101;
        final int slot = h.onlyState();
        assertEquals(1000 + 100 + 2, h.states().seqHi(slot, StateTable.PEER_SRC), "seqlo + len + SYN + 1");
        expect(ACCEPT, s2c(t.synAck()), "SYN-ACK acknowledging the data");
        expect(ACCEPT, c2s(t.c(ACK | PSH, 50)), "more data");
        assertEquals(1, h.rulePackets(PASS_RULE));
    }

    @Test
    void finWithoutAckIsDroppedByATrackedStateAndByTheRulesWithoutOne() {
        final Tcp t = established(Tcp.v4());
        expect(DROP, c2s(t.raw(true, t.cseq, t.sseq, FIN, 65535, 0)), "bare FIN on a tracked connection");
        assertEquals(1, h.count(StateCounter.MISMATCH_BAD_FLAGS));
        assertEquals(1, h.count(PacketCounter.STATE_MATCH_DROP));
        final int slot = h.onlyState();
        assertEquals(PfConstants.TCPS_ESTABLISHED, h.states().peerState(slot, StateTable.PEER_SRC), "state unchanged");

        final Tcp other = new Tcp(t.client, t.clientPort + 1, t.server, t.serverPort, 1, 2);
        expect(DROP, c2s(other.raw(true, 1, 0, FIN, 65535, 0)), "bare FIN of no connection: flags S/SA fail");
        assertEquals(1, h.rulePackets(BLOCK_RULE));

        final Harness open = new Harness("");
        assertEquals(ACCEPT, open.forward(other.raw(true, 1, 0, FIN, 65535, 0), LAN, WAN), "no rules: pf passes");
        assertEquals(0, open.states().size());
    }

    /** TCP option bytes that the decoder must refuse (BAD_TCP_OPTIONS). */
    static Stream<Arguments> bogusOptions() {
        return Stream.of(
            Arguments.of("MSS length 1", new int[] {2, 1, 0, 0}),
            Arguments.of("MSS length 5", new int[] {2, 5, 5, 0xb4}),
            Arguments.of("option length 0", new int[] {8, 0, 0, 0}),
            Arguments.of("option length beyond the header", new int[] {8, 40, 0, 0}),
            Arguments.of("wscale length 4", new int[] {3, 4, 7, 0}),
            Arguments.of("timestamp length 6", new int[] {8, 6, 0, 0, 0, 0, 0, 0}),
            Arguments.of("SACK length 5", new int[] {5, 5, 0, 0, 0, 0, 0, 0}),
            Arguments.of("kind without length byte", new int[] {1, 1, 1, 2}));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("bogusOptions")
    void bogusTcpOptionLengthsFailDecodingAndNeverReachTheFilter(final String what, final int[] options) {
        final Tcp t = established(Tcp.v4());
        final int slot = h.onlyState();
        final long clientPackets = h.states().packets(slot, 0);
        final long matches = h.count(PacketCounter.STATE_MATCH_PASS);
        final long evaluations = h.ruleset().evaluations(BLOCK_RULE);

        expect(DROP, c2s(t.raw(true, t.cseq, t.sseq, ACK, 65535, 0, options)), what + " on a tracked connection");
        assertEquals(DecodeResult.BAD_TCP_OPTIONS, h.lastDecode);
        final Tcp fresh = new Tcp(t.client, t.clientPort + 1, t.server, t.serverPort, 1, 0);
        expect(DROP, c2s(fresh.raw(true, 1, 0, SYN, 65535, 0, options)), what + " on a SYN");
        assertEquals(DecodeResult.BAD_TCP_OPTIONS, h.lastDecode);

        assertEquals(2, h.counters.decodeFailures(DecodeResult.BAD_TCP_OPTIONS));
        assertEquals(2, h.decoder.count(DecodeResult.BAD_TCP_OPTIONS));
        assertEquals(clientPackets, h.states().packets(slot, 0), "state untouched");
        assertEquals(matches, h.count(PacketCounter.STATE_MATCH_PASS));
        assertEquals(evaluations, h.ruleset().evaluations(BLOCK_RULE), "rules untouched");
        assertEquals(1, h.states().size(), "no state for the SYN");
        expect(ACCEPT, c2s(t.c(ACK | PSH, 10)), "the connection goes on");
    }
}
