package io.tandem.engine.state;

import static io.tandem.engine.state.StatePackets.A;
import static io.tandem.engine.state.StatePackets.ACK;
import static io.tandem.engine.state.StatePackets.A_PORT;
import static io.tandem.engine.state.StatePackets.B;
import static io.tandem.engine.state.StatePackets.B_PORT;
import static io.tandem.engine.state.StatePackets.SYN;
import static io.tandem.engine.state.StateTable.PEER_DST;
import static io.tandem.engine.state.StateTable.PEER_SRC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.packet.DecodedPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The pfsync merge rule ({@link StateTable#mergeHalfFromPeer}, spec C.6 per-half, goal G-MERGE) and
 * the throttled reporting of local updates for sync ({@link StateTable#enableSyncUpdates}).
 */
class PeerMergeTest {
    private static final long T0 = 1_000_000;
    private static final int EST = StateTable.TCPS_ESTABLISHED;

    /** A→B established; A's half seqlo 1001 (after the handshake ACK), B's 5001. */
    private static int established(final StateTable t) {
        final int slot = t.create(StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1000, 0, 65535, 0, -1),
                1, StateTable.PF_IN, 2, T0);
        assertEquals(StateTable.PASS, t.track(slot,
                StatePackets.tcp(B, B_PORT, A, A_PORT, SYN | ACK, 5000, 1001, 65535, 0, -1), false, T0));
        assertEquals(StateTable.PASS, t.track(slot,
                StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1001, 5001, 65535, 0, -1), true, T0));
        return slot;
    }

    @Test
    void aNewerHalfIsTakenAndAnOlderOneIsStale() {
        final StateTable t = StatePackets.table(8);
        final int slot = established(t);
        final long seqLo = t.seqLo(slot, PEER_SRC) & 0xFFFF_FFFFL;
        final long seqHi = t.seqHi(slot, PEER_SRC) & 0xFFFF_FFFFL;

        assertFalse(t.mergeHalfFromPeer(slot, PEER_SRC, seqLo + 5000, seqHi + 5000, 70000, EST));
        assertEquals(seqLo + 5000, t.seqLo(slot, PEER_SRC) & 0xFFFF_FFFFL);
        assertEquals(seqHi + 5000, t.seqHi(slot, PEER_SRC) & 0xFFFF_FFFFL);
        assertEquals(70000, t.maxWin(slot, PEER_SRC));

        // Same state, seqlo behind ours: stale; its newer seqhi and max_win are still taken (the maximum).
        assertTrue(t.mergeHalfFromPeer(slot, PEER_SRC, seqLo + 10, seqHi + 9000, 90000, EST));
        assertEquals(seqLo + 5000, t.seqLo(slot, PEER_SRC) & 0xFFFF_FFFFL);
        assertEquals(seqHi + 9000, t.seqHi(slot, PEER_SRC) & 0xFFFF_FFFFL);
        assertEquals(90000, t.maxWin(slot, PEER_SRC));

        // A protocol state behind ours is stale; our state stays, the newer window is taken.
        final long dstLo = t.seqLo(slot, PEER_DST) & 0xFFFF_FFFFL;
        assertTrue(t.mergeHalfFromPeer(slot, PEER_DST, dstLo + 100, dstLo + 70000, 1, StateTable.TCPS_SYN_SENT));
        assertEquals(EST, t.peerState(slot, PEER_DST));
        assertEquals(dstLo + 100, t.seqLo(slot, PEER_DST) & 0xFFFF_FFFFL);

        // A further protocol state with an older seqlo: stale, but the state moves on, seqlo stays.
        assertTrue(t.mergeHalfFromPeer(slot, PEER_DST, dstLo, dstLo + 100, 1, StateTable.TCPS_FIN_WAIT_1));
        assertEquals(StateTable.TCPS_FIN_WAIT_1, t.peerState(slot, PEER_DST));
        assertEquals(dstLo + 100, t.seqLo(slot, PEER_DST) & 0xFFFF_FFFFL);
        // Nothing behind: not stale.
        final long dstHi = t.seqHi(slot, PEER_DST) & 0xFFFF_FFFFL;
        assertFalse(t.mergeHalfFromPeer(slot, PEER_DST, dstLo + 101, dstHi - 10, 1, StateTable.TCPS_FIN_WAIT_1));
        assertEquals(dstLo + 101, t.seqLo(slot, PEER_DST) & 0xFFFF_FFFFL);
        assertEquals(dstHi, t.seqHi(slot, PEER_DST) & 0xFFFF_FFFFL, "seqhi is the maximum of both");
    }

    @Test
    void sequenceNumbersCompareModulo2To32() {
        final StateTable t = StatePackets.table(8);
        final int slot = established(t);
        t.mergeHalfFromPeer(slot, PEER_SRC, 0xFFFF_FF00L, 0xFFFF_FFF0L, 1, EST); // far ahead of 1001? no: behind
        final int afterFirst = (int) t.seqLo(slot, PEER_SRC);
        // 0x10 is 0x110 after 0xFFFFFF00 across the wrap.
        t.mergeHalfFromPeer(slot, PEER_SRC, afterFirst + 0x110L & 0xFFFF_FFFFL, afterFirst + 0x200L & 0xFFFF_FFFFL, 1, EST);
        assertEquals(afterFirst + 0x110, (int) t.seqLo(slot, PEER_SRC));
    }

    @Test
    void aPeerPastSynproxyBeatsOurSynproxyState() {
        final StateTable t = StatePackets.table(8);
        final int slot = t.create(StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1000, 0, 65535, 0, -1),
                1, StateTable.PF_IN, 2, T0);
        t.restorePeer(slot, PEER_SRC, 0, 1, 0, 0, 0, StateTable.PF_TCPS_PROXY_SRC, 0);
        // ESTABLISHED (4) < PROXY_SRC (11) numerically, but the peer is past synproxy: not stale, taken.
        assertFalse(t.mergeHalfFromPeer(slot, PEER_SRC, 0, 1, 0, EST));
        assertEquals(EST, t.peerState(slot, PEER_SRC));
        // ... and a peer still in synproxy is behind us.
        assertTrue(t.mergeHalfFromPeer(slot, PEER_SRC, 0, 1, 0, StateTable.PF_TCPS_PROXY_DST));
        assertEquals(EST, t.peerState(slot, PEER_SRC));
    }

    @Test
    void nonTcpHalvesOnlyMoveForward() {
        final StateTable t = StatePackets.table(8);
        final int slot = t.create(StatePackets.udp(A, 5353, B, 53), 0, StateTable.PF_OUT, 2, T0);
        assertFalse(t.mergeHalfFromPeer(slot, PEER_DST, 0, 0, 0, StateTable.PFUDPS_MULTIPLE));
        assertEquals(StateTable.PFUDPS_MULTIPLE, t.peerState(slot, PEER_DST));
        assertTrue(t.mergeHalfFromPeer(slot, PEER_DST, 0, 0, 0, StateTable.PFUDPS_SINGLE));
        assertEquals(StateTable.PFUDPS_MULTIPLE, t.peerState(slot, PEER_DST));
    }

    /**
     * G-MERGE as a property: two nodes hold the same connection; at random one of them learns newer
     * values for a half (local progress) and at random one sends the other its whole state. (b) No
     * half ever regresses; (a) once both have exchanged (with corrections answered), both hold the
     * half-wise maximum; (c) corrections stop: a quiet exchange needs at most two messages each way.
     */
    @Test
    void randomInterleavingsConvergeWithoutRegressionOrPingPong() {
        final SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 300; round++) {
            final StateTable[] node = {StatePackets.table(8), StatePackets.table(8)};
            final int[] slot = {established(node[0]), established(node[1])};
            final long base = 0xFFFF_0000L + random.nextInt(0x2_0000); // crosses the 2^32 wrap in some rounds
            for (int step = 0; step < 40; step++) {
                final int n = random.nextInt(2);
                final int half = random.nextInt(2);
                if (random.nextBoolean()) {
                    final long lo = base + random.nextInt(100_000) & 0xFFFF_FFFFL;
                    final int state = EST + random.nextInt(3);
                    raiseLocally(node[n], slot[n], half, lo, lo + 65535 & 0xFFFF_FFFFL, state);
                } else {
                    send(node[n], slot[n], node[1 - n], slot[1 - n]);
                }
            }
            // Quiesce: each side sends; a stale verdict is answered (at most two messages each way).
            int messages = 0;
            boolean stale = true;
            int from = 0;
            while (stale) {
                stale = send(node[from], slot[from], node[1 - from], slot[1 - from]);
                from = 1 - from;
                messages++;
                stale |= messages < 2; // both must have sent once
                assertTrue(messages <= 4, "corrections must stop (round " + round + ")");
            }
            for (int h = 0; h < 2; h++) {
                assertEquals(node[0].peerState(slot[0], h), node[1].peerState(slot[1], h));
                assertEquals(node[0].seqLo(slot[0], h), node[1].seqLo(slot[1], h), "round " + round + " half " + h);
                assertEquals(node[0].seqHi(slot[0], h), node[1].seqHi(slot[1], h));
            }
        }
    }

    /** Local progress, as a packet would make it (only forward). */
    private static void raiseLocally(final StateTable t, final int slot, final int half, final long lo, final long hi,
            final int state) {
        final int before = (int) t.seqLo(slot, half);
        final int beforeState = t.peerState(slot, half);
        if (StateTable.seqGt((int) lo, before) && state >= beforeState) {
            t.mergeHalfFromPeer(slot, half, lo, hi, 65535, state);
        }
    }

    /** {@code from} sends its state to {@code to}; returns whether {@code to} found a half stale. Checks (b). */
    private static boolean send(final StateTable from, final int fs, final StateTable to, final int ts) {
        boolean stale = false;
        for (int h = 0; h < 2; h++) {
            final int lo = (int) to.seqLo(ts, h);
            final int hi = (int) to.seqHi(ts, h);
            final int st = to.peerState(ts, h);
            stale |= to.mergeHalfFromPeer(ts, h, from.seqLo(fs, h) & 0xFFFF_FFFFL, from.seqHi(fs, h) & 0xFFFF_FFFFL,
                    from.maxWin(fs, h), from.peerState(fs, h));
            assertFalse(StateTable.seqGt(lo, (int) to.seqLo(ts, h)), "seqlo regressed");
            assertFalse(StateTable.seqGt(hi, (int) to.seqHi(ts, h)), "seqhi regressed");
            assertTrue(to.peerState(ts, h) >= st, "state regressed");
        }
        return stale;
    }

    // ---- reporting local updates for sync ---------------------------------------------------------

    private static final class Reports implements StateChangeListener {
        final List<Integer> hints = new ArrayList<>();

        @Override
        public void onInsert(final StateTable table, final int slot) {
        }

        @Override
        public void onUpdate(final StateTable table, final int slot, final int syncHints) {
            hints.add(syncHints);
        }

        @Override
        public void onRemove(final StateTable table, final int slot, final StateRemoveReason reason) {
        }
    }

    @Test
    void localUpdatesAreReportedOncePerIntervalAndEveryMaxupdates() {
        final StateTable t = StatePackets.table(8);
        final int slot = established(t);
        final Reports reports = new Reports();
        t.setListener(reports);
        final DecodedPacket data = new DecodedPacket();
        long seq = 1001;
        // Without enableSyncUpdates ordinary packets report nothing.
        for (int i = 0; i < 10; i++, seq += 100) {
            StatePackets.setTcp(data, A, A_PORT, B, B_PORT, ACK, seq, 5001, 65535, 100, -1);
            assertEquals(StateTable.PASS, t.track(slot, data, true, T0 + 10));
        }
        assertEquals(List.of(), reports.hints);

        t.enableSyncUpdates(4);
        for (int i = 0; i < 9; i++, seq += 100) {
            StatePackets.setTcp(data, A, A_PORT, B, B_PORT, ACK, seq, 5001, 65535, 100, -1);
            assertEquals(StateTable.PASS, t.track(slot, data, true, T0 + 20 + i));
        }
        // Within the first second after the last report (the handshake at T0): every 4th, immediately.
        assertEquals(List.of(SyncHints.IMMEDIATE, SyncHints.IMMEDIATE), reports.hints);
        reports.hints.clear();
        StatePackets.setTcp(data, A, A_PORT, B, B_PORT, ACK, seq, 5001, 65535, 100, -1);
        seq += 100;
        t.track(slot, data, true, T0 + 2_000); // a second later: reported, not urgent
        assertEquals(List.of(0), reports.hints);

        // Split path: a peer updated the state in the last 2 s → every update, immediately.
        reports.hints.clear();
        t.markPeerUpdate(slot, T0 + 2_100);
        for (int i = 0; i < 3; i++, seq += 100) {
            StatePackets.setTcp(data, A, A_PORT, B, B_PORT, ACK, seq, 5001, 65535, 100, -1);
            t.track(slot, data, true, T0 + 2_200 + i);
        }
        assertEquals(List.of(SyncHints.IMMEDIATE, SyncHints.IMMEDIATE, SyncHints.IMMEDIATE), reports.hints);
        reports.hints.clear();
        StatePackets.setTcp(data, A, A_PORT, B, B_PORT, ACK, seq, 5001, 65535, 100, -1);
        t.track(slot, data, true, T0 + 4_200); // 2.1 s after the peer: no longer split, interval passed
        assertEquals(List.of(0), reports.hints);
    }
}
