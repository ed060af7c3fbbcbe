package io.tandem.engine.state;

import static io.tandem.engine.state.StatePackets.A;
import static io.tandem.engine.state.StatePackets.ACK;
import static io.tandem.engine.state.StatePackets.A_PORT;
import static io.tandem.engine.state.StatePackets.B;
import static io.tandem.engine.state.StatePackets.B_PORT;
import static io.tandem.engine.state.StatePackets.R;
import static io.tandem.engine.state.StatePackets.SYN;
import static io.tandem.engine.state.StateTable.PEER_DST;
import static io.tandem.engine.state.StateTable.PEER_SRC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StateTableTest {
    private static final long T0 = 1_000_000;

    // ---- UDP, other, ICMP ----------------------------------------------------------------------

    @Test
    void udpSingleToMultiple() {
        final StateTable table = StatePackets.table(8);
        final DecodedPacket out = StatePackets.udp(A, 5353, B, 53);
        final DecodedPacket back = StatePackets.udp(B, 53, A, 5353);
        final int slot = table.create(out, 0, PfConstants.PF_OUT, 2, T0);
        assertEquals(PfConstants.PFUDPS_SINGLE, table.peerState(slot, PEER_SRC));
        assertEquals(PfConstants.PFUDPS_NO_TRAFFIC, table.peerState(slot, PEER_DST));
        assertEquals(StateTimeouts.UDP_FIRST_PACKET, table.timeoutClass(slot));

        assertEquals(slot, table.lookup(out, 2));
        assertTrue(table.lastLookupForward());
        assertEquals(StateTable.PASS, table.track(slot, out, true, T0 + 1));
        assertEquals(StateTimeouts.UDP_SINGLE, table.timeoutClass(slot)); // still no answer

        assertEquals(slot, table.lookup(back, 2));
        assertFalse(table.lastLookupForward());
        assertEquals(StateTable.PASS, table.track(slot, back, false, T0 + 2));
        assertEquals(PfConstants.PFUDPS_MULTIPLE, table.peerState(slot, PEER_SRC));
        assertEquals(PfConstants.PFUDPS_SINGLE, table.peerState(slot, PEER_DST));
        assertEquals(StateTimeouts.UDP_SINGLE, table.timeoutClass(slot));

        assertEquals(StateTable.PASS, table.track(slot, out, true, T0 + 3));
        assertEquals(PfConstants.PFUDPS_MULTIPLE, table.peerState(slot, PEER_DST));
        assertEquals(StateTimeouts.UDP_MULTIPLE, table.timeoutClass(slot));
        assertEquals(T0 + 3, table.lastActivityMillis(slot));
        assertEquals(T0 + 3 + 60_000, table.expiresAtMillis(slot));
        assertEquals(3, table.packets(slot, 0));
        assertEquals(1, table.packets(slot, 1));
        assertEquals(60, table.bytes(slot, 1));
    }

    @Test
    void otherProtocolUsesOtherClasses() {
        final StateTable table = StatePackets.table(8);
        final DecodedPacket gre = StatePackets.udp(A, 0, B, 0);
        gre.protocol = 47;
        final DecodedPacket back = StatePackets.udp(B, 0, A, 0);
        back.protocol = 47;
        final int slot = table.create(gre, 0, PfConstants.PF_OUT, 2, T0);
        assertEquals(47, table.protocol(slot));
        assertEquals(StateTimeouts.OTHER_FIRST_PACKET, table.timeoutClass(slot));
        assertEquals(slot, table.lookup(back, 2));
        table.track(slot, back, false, T0);
        table.track(slot, gre, true, T0);
        assertEquals(StateTimeouts.OTHER_MULTIPLE, table.timeoutClass(slot));
        assertEquals(1, table.counters().get(StateCounter.INSERTS_OTHER));
    }

    @Test
    void icmpEchoStateByIdentifier() {
        final StateTable table = StatePackets.table(8);
        final DecodedPacket request = StatePackets.icmpEcho(A, B, 77, 8);
        final int slot = table.create(request, 0, PfConstants.PF_OUT, 2, T0);
        assertEquals(StateTimeouts.ICMP_FIRST_PACKET, table.timeoutClass(slot));
        assertEquals(0, table.peerState(slot, PEER_SRC));

        assertEquals(slot, table.lookup(StatePackets.icmpEcho(B, A, 77, 0), 2));
        assertFalse(table.lastLookupForward());
        assertEquals(StateTable.PASS, table.track(slot, StatePackets.icmpEcho(B, A, 77, 0), false, T0 + 5));
        assertEquals(StateTimeouts.ICMP_ERROR_REPLY, table.timeoutClass(slot));
        assertEquals(T0 + 5 + 10_000, table.expiresAtMillis(slot));

        assertEquals(-1, table.lookup(StatePackets.icmpEcho(B, A, 78, 0), 2));
        assertEquals(slot, table.lookup(StatePackets.icmpEcho(A, B, 77, 8), 2));
        assertTrue(table.lastLookupForward());
        assertEquals(1, table.counters().get(StateCounter.INSERTS_ICMP));
    }

    // ---- ICMP errors ----------------------------------------------------------------------------

    /** A→B TCP connection established with ISNs 1000/5000, windows 65535. */
    private static int establishedTcp(final StateTable table) {
        final int slot = table.create(StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1000, 0, 65535, 0, -1),
            1, PfConstants.PF_IN, 2, T0);
        final DecodedPacket synAck = StatePackets.tcp(B, B_PORT, A, A_PORT, SYN | ACK, 5000, 1001, 65535, 0, -1);
        assertEquals(StateTable.PASS, table.track(slot, synAck, false, T0));
        final DecodedPacket ack = StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1001, 5001, 65535, 0, -1);
        assertEquals(StateTable.PASS, table.track(slot, ack, true, T0));
        return slot;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // name,                                     errorTo, quotedFromA, seq,       related
        "'A''s packet, seq at seqlo',                A,       true,        1001,      true",
        "'A''s packet, seq one window back',         A,       true,        -60000,    true",
        "'A''s packet, seq beyond seqhi',            A,       true,        200000,    false",
        "'A''s packet, seq far behind',              A,       true,        -200000,   false",
        "'B''s packet, seq in window',               B,       false,       5001,      true",
        "'B''s packet, seq beyond window',           B,       false,       900000,    false",
        "'error sent to the wrong host',             B,       true,        1001,      false",
    })
    void icmpErrorQuotingTcp(final String name, final String errorTo, final boolean quotedFromA,
            final long seqOffsetOrValue, final boolean related) {
        final StateTable table = StatePackets.table(8);
        final int slot = establishedTcp(table);
        final long seq = seqOffsetOrValue < 0 ? 1001 + seqOffsetOrValue : seqOffsetOrValue;
        final DecodedPacket error = quotedFromA
            ? StatePackets.icmpError(R, "A".equals(errorTo) ? A : B, DecodedPacket.PROTO_TCP, A, A_PORT, B, B_PORT, seq)
            : StatePackets.icmpError(R, "A".equals(errorTo) ? A : B, DecodedPacket.PROTO_TCP, B, B_PORT, A, A_PORT, seq);
        assertEquals(-1, table.lookup(error, 2), "errors never match the plain lookup");
        assertEquals(related ? slot : -1, table.lookupIcmpError(error, 2));
        if (related) {
            assertEquals(!quotedFromA, table.lastLookupForward());
        } else {
            assertEquals(1, table.counters().get(StateCounter.MISMATCH_BAD_ICMP_ERROR));
        }
    }

    @Test
    void icmpErrorWithoutStateIsUnrelated() {
        final StateTable table = StatePackets.table(8);
        establishedTcp(table);
        final DecodedPacket error =
            StatePackets.icmpError(R, A, DecodedPacket.PROTO_TCP, A, A_PORT + 1, B, B_PORT, 1001);
        assertEquals(-1, table.lookupIcmpError(error, 2));
        assertEquals(1, table.counters().get(StateCounter.ICMP_ERROR_NO_STATE));
    }

    @Test
    void icmpErrorQuotingUdpAndEcho() {
        final StateTable table = StatePackets.table(8);
        final int udp = table.create(StatePackets.udp(A, 5353, B, 53), 0, PfConstants.PF_OUT, 2, T0);
        final int echo = table.create(StatePackets.icmpEcho(A, B, 9, 8), 0, PfConstants.PF_OUT, 2, T0);
        assertEquals(udp, table.lookupIcmpError(
            StatePackets.icmpError(R, A, DecodedPacket.PROTO_UDP, A, 5353, B, 53, 0), 2));
        assertEquals(echo, table.lookupIcmpError(
            StatePackets.icmpError(R, A, DecodedPacket.PROTO_ICMP, A, 9, B, 9, 0), 2));
        assertEquals(-1, table.lookupIcmpError(
            StatePackets.icmpError(R, A, DecodedPacket.PROTO_UDP, A, 5354, B, 53, 0), 2));
    }

    // ---- expiry ---------------------------------------------------------------------------------

    @Test
    void expiryWithBoundedBudget() {
        final int capacity = 1000;
        final int budget = 37;
        final StateCounters counters = new StateCounters();
        // Adaptive scaling out of the way (pf's defaults for 100000 states): plain udp.first = 60 s.
        final StateTable table = new StateTable(capacity, 4, false, true, StateTimeouts.defaults(100_000), 9, 0,
            counters);
        final DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < 900; i++) {
            StatePackets.setUdp(p, A, 1024 + i, B, 53);
            assertTrue(table.create(p, 0, PfConstants.PF_OUT, 2, T0) >= 0);
        }
        // Fewer than 60 s (udp.first) later nothing goes.
        for (int i = 0; i < capacity / budget + 2; i++) {
            assertEquals(0, table.expire(T0 + 59_999, budget));
        }
        assertEquals(900, table.size());
        long now = T0 + 60_000;
        int calls = 0;
        while (table.size() > 0) {
            final long before = counters.get(StateCounter.EXPIRE_SLOTS_EXAMINED);
            final int removed = table.expire(now, budget);
            final long examined = counters.get(StateCounter.EXPIRE_SLOTS_EXAMINED) - before;
            assertTrue(examined <= budget, "examined " + examined);
            assertTrue(removed <= budget);
            calls++;
            now += 10;
            assertTrue(calls <= capacity / budget + 1, "one pass over the slots must clear the table");
        }
        assertEquals(900, counters.get(StateCounter.REMOVED_EXPIRED));
    }

    /**
     * Bad input: a FreeBSD peer's SCTP state (timeout classes 20 to 24 there) or a damaged import
     * names a timeout class this engine does not have. The state keeps its protocol's default class,
     * counted, and expires normally (the class used to index past the timeout table at expiry).
     */
    @Test
    void aRestoredStateWithAnUnknownTimeoutClassGetsItsProtocolsDefault() {
        final StateCounters counters = new StateCounters();
        final StateTable table = new StateTable(16, 4, false, true, StateTimeouts.defaults(100_000), 9, 0, counters);
        // keepWindows: the halves stay as recorded (zero), as when restore cleared them and nothing followed
        final int sctp = table.restore(StatePackets.record(132, 0xC6120101L, 5000, 0xC6120201L, 5001, 7, 1, T0, 22),
                -1, T0, true);
        final int udp = table.restore(StatePackets.record(17, 0xC6120101L, 5000, 0xC6120201L, 53, 7, 2, T0, 200),
                -1, T0, true);
        final int tcp = table.restore(StatePackets.record(6, 0xC6120101L, 5000, 0xC6120201L, 80, 7, 3, T0, 0xFF),
                -1, T0, true);
        final int known = table.restore(StatePackets.record(17, 0xC6120101L, 5001, 0xC6120201L, 53, 7, 4, T0,
                StateTimeouts.UDP_SINGLE), -1, T0, true);
        assertEquals(StateTimeouts.OTHER_MULTIPLE, table.timeoutClass(sctp));
        assertEquals(StateTimeouts.UDP_MULTIPLE, table.timeoutClass(udp));
        assertEquals(StateTimeouts.TCP_ESTABLISHED, table.timeoutClass(tcp));
        assertEquals(StateTimeouts.UDP_SINGLE, table.timeoutClass(known));
        assertEquals(3, counters.get(StateCounter.RESTORED_UNKNOWN_TIMEOUT));
        assertEquals(3, table.expire(T0 + 120_000, 16), "other.multiple and udp.multiple are 60 s, udp.single 30 s");
        assertEquals(1, table.size(), "tcp.established stays");
    }

    @Test
    void closedTcpStatesGoSoonEstablishedStay() {
        final StateTable table = StatePackets.table(16);
        final int established = establishedTcp(table);
        final int closed = table.create(StatePackets.tcp(A, A_PORT + 1, B, B_PORT, SYN, 1000, 0, 65535, 0, -1),
            1, PfConstants.PF_IN, 2, T0);
        table.track(closed, StatePackets.tcp(B, B_PORT, A, A_PORT + 1, SYN | ACK, 5000, 1001, 65535, 0, -1),
            false, T0);
        table.track(closed, StatePackets.tcp(A, A_PORT + 1, B, B_PORT, StatePackets.RST, 1001, 0, 0, 0, -1),
            true, T0);
        assertEquals(StateTimeouts.TCP_CLOSED, table.timeoutClass(closed));
        assertEquals(T0 + 90_000, table.expiresAtMillis(closed));
        assertEquals(1, table.expire(T0 + 90_000, 16));
        assertFalse(table.isLive(closed));
        assertTrue(table.isLive(established));
        assertEquals(0, table.expire(T0 + 86_399_000, 16));
        assertEquals(1, table.expire(T0 + 86_400_000, 16));
    }

    @Test
    void adaptiveTimeoutsScaleAsPf() {
        final long[] seconds = StateTimeouts.defaultSeconds(20);
        seconds[StateTimeouts.ADAPTIVE_START] = 6;
        seconds[StateTimeouts.ADAPTIVE_END] = 12;
        final StateTimeouts timeouts = StateTimeouts.of(seconds);
        assertEquals(60, timeouts.scaledSeconds(StateTimeouts.UDP_FIRST_PACKET, 6));
        assertEquals(50, timeouts.scaledSeconds(StateTimeouts.UDP_FIRST_PACKET, 7));
        assertEquals(30, timeouts.scaledSeconds(StateTimeouts.UDP_FIRST_PACKET, 9));
        assertEquals(0, timeouts.scaledSeconds(StateTimeouts.UDP_FIRST_PACKET, 12));
        assertEquals(0, timeouts.scaledSeconds(StateTimeouts.UDP_FIRST_PACKET, 13));

        final StateTable table = StatePackets.table(20, true, timeouts);
        final DecodedPacket p = new DecodedPacket();
        final List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            StatePackets.setUdp(p, A, 2000 + i, B, 53);
            slots.add(table.create(p, 0, PfConstants.PF_OUT, 2, T0));
        }
        assertEquals(T0 + 30_000, table.expiresAtMillis(slots.get(0)));
        assertEquals(0, table.expire(T0 + 29_999, 20));
        // Each removal relaxes the others' timeouts (pf computes the scale from the current count).
        assertEquals(1, table.expire(T0 + 30_000, 20));
        assertEquals(T0 + 40_000, table.expiresAtMillis(slots.get(1)));
        assertEquals(1, table.expire(T0 + 40_000, 20));
        assertEquals(1, table.expire(T0 + 50_000, 20));
        assertEquals(6, table.expire(T0 + 60_000, 20), "6 states: below adaptive.start, full 60 s");

        int last = -1;
        for (int i = 0; i < 12; i++) {
            StatePackets.setUdp(p, A, 3000 + i, B, 53);
            last = table.create(p, 0, PfConstants.PF_OUT, 2, T0);
        }
        assertEquals(T0, table.expiresAtMillis(last), "at adaptive.end every state is due at once");
        assertEquals(1, table.expire(T0, 20));
        assertEquals(T0 + 10_000, table.expiresAtMillis(last), "11 states: 60 s * (12 - 11) / (12 - 6)");
    }

    @Test
    void pfDefaultTimeouts() {
        final StateTimeouts t = StateTimeouts.defaults(100_000);
        final long[] expected = {120, 30, 86400, 900, 45, 90, 60, 30, 60, 20, 10, 60, 30, 60, 30, 10, 60000, 120000};
        for (int i = 0; i < StateTimeouts.COUNT; i++) {
            assertEquals(expected[i], t.seconds(i), StateTimeouts.name(i));
        }
        assertThrows(IllegalArgumentException.class, () -> StateTimeouts.of(new long[3]));
    }

    // ---- refusals -------------------------------------------------------------------------------

    @Test
    void fullTableRefusesAndCounts() {
        final StateTable table = StatePackets.table(4);
        final DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < 4; i++) {
            StatePackets.setUdp(p, A, 100 + i, B, 53);
            assertTrue(table.create(p, 0, PfConstants.PF_OUT, 2, T0) >= 0);
        }
        StatePackets.setUdp(p, A, 200, B, 53);
        assertEquals(StateTable.FAIL_FULL, table.create(p, 0, PfConstants.PF_OUT, 2, T0));
        assertEquals(1, table.counters().get(StateCounter.INSERT_FAILED_FULL));
        assertEquals(4, table.size());
        table.remove(table.nextLive(0), StateRemoveReason.FLUSHED);
        assertTrue(table.create(p, 0, PfConstants.PF_OUT, 2, T0) >= 0);
        assertEquals(1, table.counters().get(StateCounter.REMOVED_FLUSHED));
    }

    @Test
    void duplicateRefusedAndCounted() {
        final StateTable table = StatePackets.table(4);
        final DecodedPacket p = StatePackets.udp(A, 100, B, 53);
        assertTrue(table.create(p, 0, PfConstants.PF_OUT, 2, T0) >= 0);
        assertEquals(StateTable.FAIL_DUPLICATE, table.create(p, 0, PfConstants.PF_OUT, 2, T0));
        assertEquals(StateTable.FAIL_DUPLICATE,
            table.create(StatePackets.udp(B, 53, A, 100), 0, PfConstants.PF_IN, 2, T0));
        assertEquals(2, table.counters().get(StateCounter.INSERT_FAILED_DUPLICATE));
        assertEquals(1, table.size());
    }

    @Test
    void perRuleStateLimit() {
        final StateTable table = StatePackets.table(16);
        final DecodedPacket p = new DecodedPacket();
        final int[] slots = new int[3];
        for (int i = 0; i < 3; i++) {
            StatePackets.setUdp(p, A, 100 + i, B, 53);
            slots[i] = table.create(p, 5, 3, PfConstants.PF_OUT, 2, T0);
            assertTrue(slots[i] >= 0);
        }
        StatePackets.setUdp(p, A, 200, B, 53);
        assertEquals(StateTable.FAIL_RULE_LIMIT, table.create(p, 5, 3, PfConstants.PF_OUT, 2, T0));
        assertTrue(table.create(p, 6, 3, PfConstants.PF_OUT, 2, T0) >= 0, "other rules are not limited");
        assertEquals(1, table.counters().get(StateCounter.INSERT_FAILED_RULE_LIMIT));
        assertEquals(3, table.ruleStates(5));
        table.remove(slots[1], StateRemoveReason.CLOSED);
        assertEquals(2, table.ruleStates(5));
        StatePackets.setUdp(p, A, 201, B, 53);
        assertTrue(table.create(p, 5, 3, PfConstants.PF_OUT, 2, T0) >= 0);
        assertThrows(IllegalArgumentException.class, () -> table.create(p, 16, PfConstants.PF_OUT, 2, T0));
    }

    @Test
    void untrackablePacketsGetNoState() {
        final StateTable table = StatePackets.table(4);
        final DecodedPacket error = StatePackets.icmpError(R, A, DecodedPacket.PROTO_UDP, A, 1, B, 2, 0);
        assertEquals(StateTable.FAIL_UNTRACKABLE, table.create(error, 0, PfConstants.PF_IN, 2, T0));
        final DecodedPacket fragment = StatePackets.udp(A, 1, B, 2);
        fragment.l4Offset = -1;
        assertEquals(StateTable.FAIL_UNTRACKABLE, table.create(fragment, 0, PfConstants.PF_IN, 2, T0));
    }

    // ---- keys -----------------------------------------------------------------------------------

    @Test
    void ifBoundKeysIncludeTheInterface() {
        final StateTable bound = new StateTable(8, 4, true, true, StateTimeouts.defaults(8), 5, 0, new StateCounters());
        final DecodedPacket p = StatePackets.udp(A, 100, B, 53);
        final int slot = bound.create(p, 0, PfConstants.PF_OUT, 7, T0);
        assertEquals(7, bound.ifindex(slot));
        assertEquals(slot, bound.lookup(p, 7));
        assertEquals(-1, bound.lookup(p, 8));
        assertTrue(bound.create(p, 0, PfConstants.PF_OUT, 8, T0) >= 0, "same tuple on another interface");

        final StateTable floating = StatePackets.table(8);
        final int f = floating.create(p, 0, PfConstants.PF_OUT, 7, T0);
        assertEquals(0, floating.ifindex(f));
        assertEquals(f, floating.lookup(p, 8));
    }

    @Test
    void ipv6AndFamilyAreKeyed() {
        final StateTable table = StatePackets.table(8);
        final DecodedPacket v6 = StatePackets.udp(A, 100, B, 53);
        v6.family = DecodedPacket.FAMILY_INET6;
        v6.srcHi = 0x20010db800000000L;
        v6.dstHi = 0x20010db800000000L;
        final int slot = table.create(v6, 0, PfConstants.PF_OUT, 2, T0);
        assertEquals(-1, table.lookup(StatePackets.udp(A, 100, B, 53), 2));
        final DecodedPacket reply = StatePackets.udp(B, 53, A, 100);
        reply.family = DecodedPacket.FAMILY_INET6;
        reply.srcHi = v6.dstHi;
        reply.dstHi = v6.srcHi;
        assertEquals(slot, table.lookup(reply, 2));
        assertEquals(0x20010db800000000L, table.srcHi(slot));
        final DecodedPacket tcp = StatePackets.tcp(A, 100, B, 53, SYN, 1, 0, 1, 0, -1);
        assertTrue(table.create(tcp, 0, PfConstants.PF_OUT, 2, T0) >= 0, "protocol is part of the key");
    }

    @Test
    void selfAddressedFlowHasOneKey() {
        final StateTable table = StatePackets.table(4);
        final DecodedPacket p = StatePackets.udp(A, 7, A, 7);
        final int slot = table.create(p, 0, PfConstants.PF_OUT, 2, T0);
        assertEquals(slot, table.lookup(p, 2));
        assertTrue(table.lastLookupForward());
        table.remove(slot, StateRemoveReason.CLOSED);
        assertEquals(-1, table.lookup(p, 2));
    }

    // ---- identity and iteration -----------------------------------------------------------------

    @Test
    void idsUniqueAndIncreasing() {
        final long base = StateIds.initialBase(1_700_000_000_123L);
        assertEquals(1_700_000_000L << 32, base);
        final StateTable table = new StateTable(64, 1, 0x77, base, new StateCounters());
        final DecodedPacket p = new DecodedPacket();
        long last = base;
        for (int round = 0; round < 10; round++) {
            final int[] slots = new int[50];
            for (int i = 0; i < 50; i++) {
                StatePackets.setUdp(p, A, 1000 + round * 100 + i, B, 53);
                slots[i] = table.create(p, 0, PfConstants.PF_OUT, 2, T0);
                final long id = table.id(slots[i]);
                assertEquals(last + 1, id);
                assertEquals(0x77, table.creatorId(slots[i]));
                last = id;
            }
            for (final int s : slots) {
                table.remove(s, StateRemoveReason.FLUSHED);
            }
        }
        assertEquals(base + 500, last);
        assertTrue(StateIds.initialBase(1_700_000_001_000L) > last, "a later start numbers above this run");
        assertThrows(IllegalArgumentException.class, () -> new StateTable(4, 1, 0, 0, new StateCounters()));
    }

    @Test
    void iterationVisitsLiveSlotsAndGenerationsChange() {
        final StateTable table = StatePackets.table(16);
        final DecodedPacket p = new DecodedPacket();
        for (int i = 0; i < 10; i++) {
            StatePackets.setUdp(p, A, 100 + i, B, 53);
            table.create(p, 0, PfConstants.PF_OUT, 2, T0);
        }
        final int gen = table.generation(3);
        table.remove(3, StateRemoveReason.FLUSHED);
        assertEquals(gen + 1, table.generation(3));
        final List<Integer> seen = new ArrayList<>();
        table.forEachLive(seen::add);
        assertEquals(9, seen.size());
        assertFalse(seen.contains(3));
        int n = 0;
        for (int s = table.nextLive(0); s >= 0; s = table.nextLive(s + 1)) {
            n++;
        }
        assertEquals(9, n);
        assertTrue(table.indexSize() >= 16 / 0.7); // one entry per state at load ≤ 0.7
        assertEquals(0, Integer.bitCount(table.indexSize()) - 1);
    }
}
