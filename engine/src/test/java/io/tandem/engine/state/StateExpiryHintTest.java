package io.tandem.engine.state;

import static io.tandem.engine.state.StatePackets.A;
import static io.tandem.engine.state.StatePackets.ACK;
import static io.tandem.engine.state.StatePackets.B;
import static io.tandem.engine.state.StatePackets.RST;
import static io.tandem.engine.state.StatePackets.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The expiry sweep's hints ({@link StateStore#expiryHint}, {@link StateExpiry}): a sweep that found a
 * state alive skips its record until the hinted second, and nothing that can bring a deadline earlier
 * leaves a stale hint behind — a shorter timeout class, new timeout values, adaptive scaling. The
 * property behind all three: after a sweep over the whole table at time t, no live state's deadline
 * is at or before t.
 */
class StateExpiryHintTest {
    private static final long T0 = 1_765_000_000_000L; // 2025-12-06, in wall-clock milliseconds
    private static final int CAPACITY = 64;

    @Test
    void aStateThatTurnsShortLivedAfterASweepStillExpiresOnTime() {
        final StateTable table = StatePackets.table(CAPACITY);
        final int slot = establishedTcp(table, 40000);
        assertEquals(0, table.expire(T0 + 1000, CAPACITY)); // hint: a day from now
        table.track(slot, StatePackets.tcp(A, 40000, B, 80, RST, 1001, 0, 0, 0, -1), true, T0 + 2000);
        assertEquals(StateTimeouts.TCP_CLOSED, table.timeoutClass(slot));
        assertEquals(T0 + 92_000, table.expiresAtMillis(slot));
        assertEquals(0, table.expire(T0 + 91_999, CAPACITY));
        assertEquals(1, table.expire(T0 + 92_000, CAPACITY), "the class change reset the hint");
        assertFalse(table.isLive(slot));
    }

    @Test
    void newTimeoutValuesApplyToStatesTheSweepHasSeen() {
        final StateTable table = StatePackets.table(CAPACITY);
        final DecodedPacket p = new DecodedPacket();
        StatePackets.setUdp(p, A, 5000, B, 53);
        final int slot = table.create(p, 0, PfConstants.PF_OUT, 2, T0);
        assertEquals(0, table.expire(T0 + 1000, CAPACITY)); // hint: udp.first, 60 s
        final long[] seconds = StateTimeouts.defaultSeconds(CAPACITY);
        seconds[StateTimeouts.ADAPTIVE_START] = 0;
        seconds[StateTimeouts.ADAPTIVE_END] = 0;
        seconds[StateTimeouts.UDP_FIRST_PACKET] = 2;
        table.reload(16, StateTimeouts.of(seconds));
        assertEquals(1, table.expire(T0 + 2000, CAPACITY), "udp.first is 2 s now");
        assertFalse(table.isLive(slot));
    }

    @Test
    void adaptiveScalingShortensDeadlinesTheSweepHasSeen() {
        final long[] seconds = StateTimeouts.defaultSeconds(CAPACITY);
        seconds[StateTimeouts.ADAPTIVE_START] = 4;
        seconds[StateTimeouts.ADAPTIVE_END] = 8;
        final StateTable table = StatePackets.table(CAPACITY, true, StateTimeouts.of(seconds));
        final DecodedPacket p = new DecodedPacket();
        StatePackets.setUdp(p, A, 5000, B, 53);
        final int first = table.create(p, 0, PfConstants.PF_OUT, 2, T0);
        assertEquals(0, table.expire(T0 + 1000, CAPACITY)); // one state, no scaling: hint 60 s
        for (int i = 1; i < 6; i++) {
            StatePackets.setUdp(p, A, 5000 + i, B, 53);
            table.create(p, 0, PfConstants.PF_OUT, 2, T0 + 1000);
        }
        // 6 states of adaptive 4..8: udp.first 60 s scaled by (8 - 6) / (8 - 4) = 30 s.
        assertEquals(T0 + 30_000, table.expiresAtMillis(first));
        assertEquals(1, table.expire(T0 + 30_000, CAPACITY), "scaling shortened what the hint said");
        assertFalse(table.isLive(first));
    }

    /** Random creations, packets, class changes and reloads: every full sweep leaves nothing overdue. */
    @Test
    void afterEveryFullSweepNoLiveStateIsOverdue() {
        final Random random = new Random(0x5eedL);
        final StateTable table = StatePackets.table(CAPACITY);
        final DecodedPacket p = new DecodedPacket();
        final List<Integer> tcp = new ArrayList<>();
        long now = T0;
        int port = 1;
        int removed = 0;
        int classChanges = 0;
        for (int round = 0; round < 3000; round++) {
            now += random.nextInt(20_000);
            final int op = random.nextInt(10);
            if (op < 3 && table.size() < CAPACITY - 2) {
                StatePackets.setUdp(p, A, port++, B, 53);
                table.create(p, 0, PfConstants.PF_OUT, 2, now);
            } else if (op < 5 && table.size() < CAPACITY - 2) {
                tcp.add(establishedTcp(table, 10_000 + port++, now));
            } else if (op < 7 && !tcp.isEmpty()) {
                final int slot = tcp.remove(random.nextInt(tcp.size()));
                if (table.isLive(slot) && table.timeoutClass(slot) == StateTimeouts.TCP_ESTABLISHED) {
                    table.track(slot, StatePackets.tcp(A, table.srcPort(slot), B, 80, RST, 1001, 0, 0, 0, -1), true, now);
                    classChanges++;
                }
            } else if (op < 8) {
                final long[] seconds = StateTimeouts.defaultSeconds(CAPACITY);
                seconds[StateTimeouts.ADAPTIVE_START] = 0;
                seconds[StateTimeouts.ADAPTIVE_END] = 0;
                seconds[StateTimeouts.UDP_FIRST_PACKET] = 1 + random.nextInt(120);
                seconds[StateTimeouts.TCP_ESTABLISHED] = 1 + random.nextInt(600);
                table.reload(16, StateTimeouts.of(seconds));
            }
            removed += table.expire(now, CAPACITY);
            for (int s = table.nextLive(0); s >= 0; s = table.nextLive(s + 1)) {
                assertTrue(table.expiresAtMillis(s) > now, "slot " + s + " overdue after a full sweep at round " + round);
            }
        }
        assertTrue(removed > 100 && classChanges > 50, removed + " removed, " + classChanges + " class changes");
    }

    private static int establishedTcp(final StateTable table, final int port) {
        return establishedTcp(table, port, T0);
    }

    private static int establishedTcp(final StateTable table, final int port, final long now) {
        final int slot = table.create(StatePackets.tcp(A, port, B, 80, SYN, 1000, 0, 65535, 0, -1),
            1, PfConstants.PF_IN, 2, now);
        assertEquals(StateTable.PASS,
            table.track(slot, StatePackets.tcp(B, 80, A, port, SYN | ACK, 5000, 1001, 65535, 0, -1), false, now));
        assertEquals(StateTable.PASS,
            table.track(slot, StatePackets.tcp(A, port, B, 80, ACK, 1001, 5001, 65535, 0, -1), true, now));
        assertEquals(StateTimeouts.TCP_ESTABLISHED, table.timeoutClass(slot));
        return slot;
    }
}
