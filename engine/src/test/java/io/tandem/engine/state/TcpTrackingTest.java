package io.tandem.engine.state;

import static io.tandem.engine.state.PfConstants.TCPS_CLOSED;
import static io.tandem.engine.state.PfConstants.TCPS_CLOSING;
import static io.tandem.engine.state.PfConstants.TCPS_ESTABLISHED;
import static io.tandem.engine.state.PfConstants.TCPS_FIN_WAIT_2;
import static io.tandem.engine.state.PfConstants.TCPS_SYN_SENT;
import static io.tandem.engine.state.PfConstants.TCPS_TIME_WAIT;
import static io.tandem.engine.state.StatePackets.A;
import static io.tandem.engine.state.StatePackets.ACK;
import static io.tandem.engine.state.StatePackets.A_PORT;
import static io.tandem.engine.state.StatePackets.B;
import static io.tandem.engine.state.StatePackets.B_PORT;
import static io.tandem.engine.state.StatePackets.FIN;
import static io.tandem.engine.state.StatePackets.PSH;
import static io.tandem.engine.state.StatePackets.RST;
import static io.tandem.engine.state.StatePackets.SYN;
import static io.tandem.engine.state.StateTable.DROP_BAD_FLAGS;
import static io.tandem.engine.state.StateTable.DROP_BAD_RST;
import static io.tandem.engine.state.StateTable.DROP_OUT_OF_WINDOW;
import static io.tandem.engine.state.StateTable.PASS;
import static io.tandem.engine.state.StateTable.PEER_DST;
import static io.tandem.engine.state.StateTable.PEER_SRC;
import static io.tandem.engine.state.StateTimeouts.TCP_CLOSED;
import static io.tandem.engine.state.StateTimeouts.TCP_CLOSING;
import static io.tandem.engine.state.StateTimeouts.TCP_ESTABLISHED;
import static io.tandem.engine.state.StateTimeouts.TCP_FIN_WAIT;
import static io.tandem.engine.state.StateTimeouts.TCP_FIRST_PACKET;
import static io.tandem.engine.state.StateTimeouts.TCP_OPENING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Packet-sequence tests of pf-style TCP tracking: each scenario is a list of packets between A (the
 * initiator, 10.0.0.1:40000) and B (10.0.0.2:80) with the expected result and, where given, the
 * expected half states and timeout class after it. The first packet creates the state.
 */
class TcpTrackingTest {
    private static final int SKIP = -1;
    private static final long ISN_A = 1000;
    private static final long ISN_B = 5000;
    private static final int NO_WS = -1;

    /** One packet: sender, TCP fields, expectations (SKIP = not checked). */
    record Step(boolean fromA, int flags, long seq, long ack, int win, int len, int wscale,
            int expect, int srcState, int dstState, int timeout) {
        Step expect(final int result) {
            return new Step(fromA, flags, seq, ack, win, len, wscale, result, srcState, dstState, timeout);
        }

        Step states(final int src, final int dst) {
            return new Step(fromA, flags, seq, ack, win, len, wscale, expect, src, dst, timeout);
        }

        Step timeout(final int t) {
            return new Step(fromA, flags, seq, ack, win, len, wscale, expect, srcState, dstState, t);
        }

        Step ws(final int shift) {
            return new Step(fromA, flags, seq, ack, win, len, shift, expect, srcState, dstState, timeout);
        }
    }

    static Step a(final int flags, final long seq, final long ack, final int win, final int len) {
        return new Step(true, flags, seq, ack, win, len, NO_WS, PASS, SKIP, SKIP, SKIP);
    }

    static Step b(final int flags, final long seq, final long ack, final int win, final int len) {
        return new Step(false, flags, seq, ack, win, len, NO_WS, PASS, SKIP, SKIP, SKIP);
    }

    /** SYN, SYN|ACK, ACK with 64 KiB windows and the default ISNs. */
    static List<Step> handshake() {
        return List.of(
            a(SYN, ISN_A, 0, 65535, 0).states(TCPS_SYN_SENT, TCPS_CLOSED).timeout(TCP_FIRST_PACKET),
            b(SYN | ACK, ISN_B, ISN_A + 1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_SYN_SENT).timeout(TCP_OPENING),
            a(ACK, ISN_A + 1, ISN_B + 1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED)
                .timeout(TCP_ESTABLISHED));
    }

    @SafeVarargs
    static List<Step> concat(final List<Step>... parts) {
        final List<Step> all = new ArrayList<>();
        for (final List<Step> part : parts) {
            all.addAll(part);
        }
        return all;
    }

    static Arguments scenario(final String name, final List<Step> steps) {
        return Arguments.of(name, steps, true);
    }

    static Stream<Arguments> scenarios() {
        final long a1 = ISN_A + 1;
        final long b1 = ISN_B + 1;
        final long wrap = 0xffffff00L;
        return Stream.of(
            scenario("three-way handshake", handshake()),
            scenario("simultaneous open", List.of(
                a(SYN, ISN_A, 0, 65535, 0),
                b(SYN, ISN_B, 0, 65535, 0).states(TCPS_SYN_SENT, TCPS_SYN_SENT).timeout(TCP_OPENING),
                a(SYN | ACK, ISN_A, b1, 65535, 0).states(TCPS_SYN_SENT, TCPS_ESTABLISHED),
                b(SYN | ACK, ISN_B, a1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED)
                    .timeout(TCP_ESTABLISHED),
                a(ACK, a1, b1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED))),
            scenario("SYN retransmitted before the answer", List.of(
                a(SYN, ISN_A, 0, 65535, 0),
                a(SYN, ISN_A, 0, 65535, 0).states(TCPS_SYN_SENT, TCPS_CLOSED),
                a(SYN, ISN_A, 0, 65535, 0),
                b(SYN | ACK, ISN_B, a1, 65535, 0),
                b(SYN | ACK, ISN_B, a1, 65535, 0),
                a(ACK, a1, b1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED))),
            scenario("data and its retransmission", concat(handshake(), List.of(
                a(ACK | PSH, a1, b1, 65535, 100),
                a(ACK | PSH, a1, b1, 65535, 100),
                b(ACK, b1, a1 + 100, 65535, 0),
                a(ACK | PSH, a1, b1, 65535, 100),
                b(ACK | PSH, b1, a1 + 100, 65535, 500),
                b(ACK | PSH, b1, a1 + 100, 65535, 500).timeout(TCP_ESTABLISHED)))),
            scenario("data beyond the window and far behind it are dropped", concat(handshake(), List.of(
                a(ACK, a1 + 70_000, b1, 65535, 100).expect(DROP_OUT_OF_WINDOW),
                a(ACK, a1 - 200_000, b1, 65535, 100).expect(DROP_OUT_OF_WINDOW),
                b(ACK, b1, a1 + 200_000, 65535, 0).expect(DROP_OUT_OF_WINDOW), // acks data never sent
                a(ACK, a1 + 65_000, b1, 65535, 100),                          // last bytes of the window
                a(ACK, a1, b1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED)))),
            scenario("blind RST out of window dropped, exact RST accepted", concat(handshake(), List.of(
                b(RST, b1 + 50_000, 0, 0, 0).expect(DROP_BAD_RST),
                b(RST | ACK, b1 + 10, a1, 0, 0).expect(DROP_BAD_RST), // in window but not at seqlo
                a(RST, a1 + 3_000_000, 0, 0, 0).expect(DROP_BAD_RST),
                b(RST | ACK, b1, a1, 0, 0).states(TCPS_TIME_WAIT, TCPS_TIME_WAIT).timeout(TCP_CLOSED)))),
            scenario("RST teardown by the initiator", concat(handshake(), List.of(
                a(ACK | PSH, a1, b1, 65535, 10),
                a(RST | ACK, a1 + 10, b1, 0, 0).states(TCPS_TIME_WAIT, TCPS_TIME_WAIT).timeout(TCP_CLOSED)))),
            scenario("FIN teardown, initiator first", concat(handshake(), List.of(
                a(FIN | ACK, a1, b1, 65535, 0).states(TCPS_CLOSING, TCPS_ESTABLISHED).timeout(TCP_CLOSING),
                b(ACK, b1, a1 + 1, 65535, 0).states(TCPS_FIN_WAIT_2, TCPS_ESTABLISHED).timeout(TCP_CLOSING),
                b(FIN | ACK, b1, a1 + 1, 65535, 0).states(TCPS_FIN_WAIT_2, TCPS_CLOSING).timeout(TCP_FIN_WAIT),
                a(ACK, a1 + 1, b1 + 1, 65535, 0).states(TCPS_FIN_WAIT_2, TCPS_FIN_WAIT_2).timeout(TCP_CLOSED)))),
            scenario("FIN teardown, responder first", concat(handshake(), List.of(
                b(FIN | ACK, b1, a1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_CLOSING).timeout(TCP_CLOSING),
                a(ACK, a1, b1 + 1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_FIN_WAIT_2),
                a(FIN | ACK, a1, b1 + 1, 65535, 0).states(TCPS_CLOSING, TCPS_FIN_WAIT_2).timeout(TCP_FIN_WAIT),
                b(ACK, b1 + 1, a1 + 1, 65535, 0).states(TCPS_FIN_WAIT_2, TCPS_FIN_WAIT_2).timeout(TCP_CLOSED),
                a(ACK, a1 + 1, b1 + 1, 65535, 0).timeout(TCP_CLOSED)))), // stray ACK after close: loose pass
            scenario("FINs crossing", concat(handshake(), List.of(
                a(FIN | ACK, a1, b1, 65535, 0),
                // pf moves A to FIN_WAIT_2 on any ACK from B once A is CLOSING (it does not check the ack value)
                b(FIN | ACK, b1, a1, 65535, 0).states(TCPS_FIN_WAIT_2, TCPS_CLOSING).timeout(TCP_FIN_WAIT),
                a(ACK, a1 + 1, b1 + 1, 65535, 0).states(TCPS_FIN_WAIT_2, TCPS_FIN_WAIT_2).timeout(TCP_CLOSED),
                b(ACK, b1 + 1, a1 + 1, 65535, 0).states(TCPS_FIN_WAIT_2, TCPS_FIN_WAIT_2).timeout(TCP_CLOSED)))),
            scenario("sequence numbers wrap around 2^32", List.of(
                a(SYN, wrap, 0, 65535, 0),
                b(SYN | ACK, ISN_B, wrap + 1, 65535, 0),
                a(ACK, wrap + 1, b1, 65535, 0),
                a(ACK | PSH, wrap + 1, b1, 65535, 1000),                  // crosses 2^32
                b(ACK, b1, (wrap + 1001) & 0xffffffffL, 65535, 0),
                a(ACK | PSH, (wrap + 1001) & 0xffffffffL, b1, 65535, 1000),
                a(ACK | PSH, wrap + 1, b1, 65535, 1000),                   // retransmission from before the wrap
                a(ACK, (wrap + 1001 + 70_000) & 0xffffffffL, b1, 65535, 100).expect(DROP_OUT_OF_WINDOW),
                b(ACK, b1, (wrap + 2001) & 0xffffffffL, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED))),
            scenario("zero window and window probes", concat(handshake(), List.of(
                a(ACK | PSH, a1, b1, 65535, 1000),
                b(ACK, b1, a1 + 1000, 0, 0),                               // receiver full: window 0
                a(ACK, a1 + 1000, b1, 65535, 1),                           // probe
                a(ACK, a1 + 1000, b1, 65535, 1),                           // probe again
                b(ACK, b1, a1 + 1000, 0, 0),
                b(ACK, b1, a1 + 1000, 8192, 0),                            // window opens
                a(ACK | PSH, a1 + 1000, b1, 65535, 4096)))),
            scenario("SYN carrying data", List.of(
                a(SYN, ISN_A, 0, 65535, 50),
                b(SYN | ACK, ISN_B, ISN_A + 51, 65535, 0),
                a(ACK, ISN_A + 51, b1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED))),
            scenario("FIN without ACK is a bad flag combination", concat(handshake(), List.of(
                a(FIN, a1, 0, 65535, 0).expect(DROP_BAD_FLAGS),
                a(SYN | FIN, a1, 0, 65535, 0).expect(DROP_BAD_FLAGS),
                a(0, a1, 0, 65535, 0).expect(DROP_BAD_FLAGS),
                a(ACK, a1, b1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED)))),
            Arguments.of("FIN without ACK passes when flag checks are off", concat(handshake(), List.of(
                a(FIN, a1, 0, 65535, 0).states(TCPS_CLOSING, TCPS_ESTABLISHED).timeout(TCP_CLOSING))), false),
            scenario("handshake mismatch resets the answering half", List.of(
                a(SYN, ISN_A, 0, 65535, 0),
                b(SYN, ISN_B, 0, 65535, 0).states(TCPS_SYN_SENT, TCPS_SYN_SENT),
                b(ACK, ISN_B + 900_000, ISN_A + 1, 65535, 10).expect(DROP_OUT_OF_WINDOW),
                b(SYN | ACK, ISN_B + 7, ISN_A + 1, 65535, 0).states(TCPS_ESTABLISHED, TCPS_SYN_SENT),
                a(ACK, ISN_A + 1, ISN_B + 8, 65535, 0).states(TCPS_ESTABLISHED, TCPS_ESTABLISHED))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void scenario(final String name, final List<Step> steps, final boolean normalize) {
        final StateTable table = StatePackets.table(64, normalize, StateTimeouts.defaults(64));
        final int slot = run(table, steps);
        assertTrue(table.isLive(slot));
    }

    /** Plays the steps; returns the state's slot. */
    static int run(final StateTable table, final List<Step> steps) {
        int slot = -1;
        long now = 1_000;
        for (int i = 0; i < steps.size(); i++) {
            final Step st = steps.get(i);
            final DecodedPacket p = packet(st);
            now += 10;
            final String where = "step " + i + " " + st;
            if (i == 0) {
                slot = table.create(p, 1, PfConstants.PF_IN, 3, now);
                assertTrue(slot >= 0, where);
            } else {
                final int found = table.lookup(p, 3);
                assertEquals(slot, found, where);
                assertEquals(st.fromA(), table.lastLookupForward(), where);
                assertEquals(st.expect(), table.track(found, p, table.lastLookupForward(), now), where);
            }
            if (st.srcState() != SKIP) {
                assertEquals(st.srcState(), table.peerState(slot, PEER_SRC), where + " src state");
                assertEquals(st.dstState(), table.peerState(slot, PEER_DST), where + " dst state");
            }
            if (st.timeout() != SKIP) {
                assertEquals(st.timeout(), table.timeoutClass(slot), where + " timeout class");
            }
        }
        return slot;
    }

    static DecodedPacket packet(final Step st) {
        return st.fromA()
            ? StatePackets.tcp(A, A_PORT, B, B_PORT, st.flags(), st.seq(), st.ack(), st.win(), st.len(), st.wscale())
            : StatePackets.tcp(B, B_PORT, A, A_PORT, st.flags(), st.seq(), st.ack(), st.win(), st.len(), st.wscale());
    }

    // ---- focused checks on peer fields ---------------------------------------------------------

    @Test
    void creationInitialisesPeersAsPf() {
        final StateTable table = StatePackets.table(8);
        final int slot = run(table, List.of(a(SYN, ISN_A, 0, 1000, 20).ws(3)));
        assertEquals(ISN_A, table.seqLo(slot, PEER_SRC));
        assertEquals(ISN_A + 20 + 2, table.seqHi(slot, PEER_SRC)); // len + 1 + SYN
        assertEquals(PfConstants.PF_WSCALE_FLAG | 3, table.wscale(slot, PEER_SRC));
        assertEquals((1000 + 7) >> 3, table.maxWin(slot, PEER_SRC)); // unscaled, rounded up
        assertEquals(1460, table.mss(slot, PEER_SRC));
        assertEquals(0, table.seqLo(slot, PEER_DST));
        assertEquals(1, table.seqHi(slot, PEER_DST));
        assertEquals(1, table.maxWin(slot, PEER_DST));
        assertEquals(TCPS_CLOSED, table.peerState(slot, PEER_DST));
        assertEquals(TCP_FIRST_PACKET, table.timeoutClass(slot));
        assertEquals(PfConstants.PF_IN, table.direction(slot));
        assertEquals(1, table.rule(slot));
    }

    @Test
    void windowScalingWhenBothSidesOfferIt() {
        final StateTable table = StatePackets.table(8);
        final int slot = run(table, List.of(
            a(SYN, ISN_A, 0, 65535, 0).ws(7),
            b(SYN | ACK, ISN_B, ISN_A + 1, 65535, 0).ws(8),
            a(ACK, ISN_A + 1, ISN_B + 1, 512, 0),
            b(ACK, ISN_B + 1, ISN_A + 1, 1000, 0),                      // 1000 << 8 = 256000 bytes
            a(ACK | PSH, ISN_A + 1 + 200_000, ISN_B + 1, 512, 1000)));  // inside the scaled window
        assertEquals(PfConstants.PF_WSCALE_FLAG | 7, table.wscale(slot, PEER_SRC));
        assertEquals(PfConstants.PF_WSCALE_FLAG | 8, table.wscale(slot, PEER_DST));
        assertEquals(ISN_A + 1 + 256_000, table.seqHi(slot, PEER_SRC));
    }

    @Test
    void noWindowScalingWhenOnlyOneSideOffersIt() {
        final StateTable table = StatePackets.table(8);
        final int slot = run(table, List.of(
            a(SYN, ISN_A, 0, 65535, 0).ws(7),
            b(SYN | ACK, ISN_B, ISN_A + 1, 65535, 0),                   // no option in the SYN|ACK
            a(ACK, ISN_A + 1, ISN_B + 1, 512, 0),
            b(ACK, ISN_B + 1, ISN_A + 1, 1000, 0),                      // 1000 bytes, not scaled
            a(ACK | PSH, ISN_A + 1 + 200_000, ISN_B + 1, 512, 1000).expect(DROP_OUT_OF_WINDOW),
            a(ACK | PSH, ISN_A + 1, ISN_B + 1, 512, 1000)));
        assertEquals(0, table.wscale(slot, PEER_SRC));
        assertEquals(0, table.wscale(slot, PEER_DST));
        assertEquals(65535, table.maxWin(slot, PEER_SRC)); // the unscaled SYN window was restored (capped)
    }

    @Test
    void windowScaleAbove14IsClamped() {
        final StateTable table = StatePackets.table(8);
        final int slot = run(table, List.of(
            a(SYN, ISN_A, 0, 65535, 0).ws(15),
            b(SYN | ACK, ISN_B, ISN_A + 1, 65535, 0).ws(200)));
        assertEquals(PfConstants.PF_WSCALE_FLAG | 14, table.wscale(slot, PEER_SRC));
        assertEquals(PfConstants.PF_WSCALE_FLAG | 14, table.wscale(slot, PEER_DST));
    }

    @Test
    void countersPerDirectionAndMismatchReasons() {
        final StateCounters counters = new StateCounters();
        final StateTable table = new StateTable(8, 4, 7, 0, counters);
        final int slot = run(table, concat(handshake(), List.of(
            a(ACK | PSH, ISN_A + 1, ISN_B + 1, 65535, 100),
            b(RST, ISN_B + 1 + 50_000, 0, 0, 0).expect(DROP_BAD_RST),
            a(ACK, ISN_A + 1 + 90_000, ISN_B + 1, 65535, 10).expect(DROP_OUT_OF_WINDOW))));
        assertEquals(3, table.packets(slot, 0));
        assertEquals(1, table.packets(slot, 1));
        assertEquals(40 + 40 + 140, table.bytes(slot, 0));
        assertEquals(1, counters.get(StateCounter.MISMATCH_BAD_RST));
        assertEquals(1, counters.get(StateCounter.MISMATCH_OUT_OF_WINDOW));
        assertEquals(1, counters.get(StateCounter.INSERTS_TCP));
    }

    @Test
    void newSynOnClosedConnectionReplacesTheState() {
        final StateCounters counters = new StateCounters();
        final StateTable table = new StateTable(8, 4, 7, 0, counters);
        final int slot = run(table, concat(handshake(), List.of(
            a(RST | ACK, ISN_A + 1, ISN_B + 1, 0, 0).states(TCPS_TIME_WAIT, TCPS_TIME_WAIT))));
        final DecodedPacket syn = StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 777_777, 0, 65535, 0, -1);
        assertEquals(slot, table.lookup(syn, 3));
        assertEquals(StateTable.STATE_REUSED, table.track(slot, syn, true, 5_000));
        assertFalse(table.isLive(slot));
        assertEquals(-1, table.lookup(syn, 3));
        assertTrue(table.create(syn, 1, PfConstants.PF_IN, 3, 5_000) >= 0);
        assertEquals(1, counters.get(StateCounter.REMOVED_REUSED));
    }

    @Test
    void createReplacesAClosedDuplicateButRefusesALiveOne() {
        final StateCounters counters = new StateCounters();
        final StateTable table = new StateTable(8, 4, 7, 0, counters);
        run(table, handshake());
        final DecodedPacket syn = StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1, 0, 65535, 0, -1);
        assertEquals(StateTable.FAIL_DUPLICATE, table.create(syn, 1, PfConstants.PF_IN, 3, 5_000));
        final DecodedPacket reverse = StatePackets.tcp(B, B_PORT, A, A_PORT, SYN, 1, 0, 65535, 0, -1);
        assertEquals(StateTable.FAIL_DUPLICATE, table.create(reverse, 1, PfConstants.PF_IN, 3, 5_000));
        assertEquals(2, counters.get(StateCounter.INSERT_FAILED_DUPLICATE));
    }

    @Test
    void handshakeMismatchForgetsTheSendersHalf() {
        final StateTable table = StatePackets.table(8);
        final int slot = run(table, List.of(
            a(SYN, ISN_A, 0, 65535, 0),
            b(SYN, ISN_B, 0, 65535, 0),
            b(ACK, ISN_B + 900_000, ISN_A + 1, 65535, 10).expect(DROP_OUT_OF_WINDOW)));
        assertEquals(0, table.seqLo(slot, PEER_DST));
        assertEquals(1, table.seqHi(slot, PEER_DST));
        assertEquals(1, table.maxWin(slot, PEER_DST));
    }

    @Test
    void pureAckIsJudgedAtSeqlo() {
        final StateTable table = StatePackets.table(8);
        run(table, concat(handshake(), List.of(
            b(ACK, ISN_B + 900_000, ISN_A + 1, 65535, 0),   // no data: pf checks only the ack
            b(ACK, ISN_B + 1, ISN_A + 900_000, 65535, 0).expect(DROP_OUT_OF_WINDOW))));
    }

    @Test
    void flagChecks() {
        assertTrue(TcpTracker.badFlags(SYN | RST));
        assertTrue(TcpTracker.badFlags(SYN | FIN));
        assertTrue(TcpTracker.badFlags(0));
        assertTrue(TcpTracker.badFlags(FIN));
        assertTrue(TcpTracker.badFlags(PSH));
        assertFalse(TcpTracker.badFlags(SYN));
        assertFalse(TcpTracker.badFlags(SYN | ACK));
        assertFalse(TcpTracker.badFlags(RST));
        assertFalse(TcpTracker.badFlags(FIN | ACK));
        assertFalse(TcpTracker.badFlags(ACK | PSH));
    }

    @Test
    void sequenceComparisonsAreModular() {
        assertTrue(TcpTracker.seqGt(5, -5));
        assertTrue(TcpTracker.seqGt(0x00000010, 0xfffffff0));
        assertTrue(TcpTracker.seqLt(0xfffffff0, 0x00000010));
        assertTrue(TcpTracker.seqGeq(7, 7));
        assertFalse(TcpTracker.seqGt(7, 7));
    }

    @Test
    void timeoutClassTable() {
        final int[][] rows = {
            {TCPS_SYN_SENT, TCPS_CLOSED, TCP_OPENING},
            {TCPS_ESTABLISHED, TCPS_SYN_SENT, TCP_OPENING},
            {TCPS_ESTABLISHED, TCPS_ESTABLISHED, TCP_ESTABLISHED},
            {TCPS_CLOSING, TCPS_ESTABLISHED, TCP_CLOSING},
            {TCPS_ESTABLISHED, TCPS_FIN_WAIT_2, TCP_CLOSING},
            {TCPS_CLOSING, TCPS_CLOSING, TCP_FIN_WAIT},
            {TCPS_FIN_WAIT_2, TCPS_CLOSING, TCP_FIN_WAIT},
            {TCPS_FIN_WAIT_2, TCPS_FIN_WAIT_2, TCP_CLOSED},
            {TCPS_TIME_WAIT, TCPS_TIME_WAIT, TCP_CLOSED},
        };
        for (final int[] row : rows) {
            assertEquals(row[2], TcpTracker.tcpTimeoutClass(row[0], row[1]), Arrays.toString(row));
        }
    }
}
