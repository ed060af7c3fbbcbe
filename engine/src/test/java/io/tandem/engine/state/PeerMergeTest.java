package io.tandem.engine.state;

import static io.tandem.engine.state.StatePackets.A;
import static io.tandem.engine.state.StatePackets.ACK;
import static io.tandem.engine.state.StatePackets.A_PORT;
import static io.tandem.engine.state.StatePackets.B;
import static io.tandem.engine.state.StatePackets.B_PORT;
import static io.tandem.engine.state.StatePackets.SYN;
import static io.tandem.engine.sync.SyncPolicy.MERGE_BEHIND;
import static io.tandem.engine.sync.SyncPolicy.MERGE_CORRECT;
import static io.tandem.engine.state.StateTable.PEER_DST;
import static io.tandem.engine.state.StateTable.PEER_SRC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.sync.SyncPolicy;
import io.tandem.engine.decode.DecodedPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The pfsync merge ({@link SyncPolicy#mergeFromPeer}: field by field, goal G-MERGE; corrections only
 * for a peer behind what we reported) and the throttled reporting of local updates for sync
 * ({@link SyncPolicy#enableSyncUpdates}, {@link SyncPolicy#reportDue}).
 */
class PeerMergeTest {
    private static final long T0 = 1_000_000;
    private static final int EST = PfConstants.TCPS_ESTABLISHED;

    /** A→B established; A's half seqlo 1001 (after the handshake ACK), B's 5001. */
    private static int established(final StateTable t) {
        final int slot = t.create(StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1000, 0, 65535, 0, -1),
                1, PfConstants.PF_IN, 2, T0);
        assertEquals(StateTable.PASS, t.track(slot,
                StatePackets.tcp(B, B_PORT, A, A_PORT, SYN | ACK, 5000, 1001, 65535, 0, -1), false, T0));
        assertEquals(StateTable.PASS, t.track(slot,
                StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1001, 5001, 65535, 0, -1), true, T0));
        return slot;
    }

    /** A peer's record as {@link StateHalves}, with mutable halves. */
    static final class View implements StateHalves {
        final long[] lo = new long[2];
        final long[] hi = new long[2];
        final int[] win = new int[2];
        final int[] mss = new int[2];
        final int[] state = new int[2];
        final int[] scale = new int[2];
        int timeout = StateTimeouts.TCP_ESTABLISHED;

        static View of(final StateTable t, final int slot) {
            final View v = new View();
            for (int h = 0; h < 2; h++) {
                v.lo[h] = t.seqLo(slot, h);
                v.hi[h] = t.seqHi(slot, h);
                v.win[h] = t.maxWin(slot, h);
                v.mss[h] = t.mss(slot, h);
                v.state[h] = t.peerState(slot, h);
                v.scale[h] = t.wscale(slot, h);
            }
            v.timeout = t.timeoutClass(slot);
            return v;
        }

        View half(final int h, final long seqLo, final long seqHi, final int maxWin, final int st) {
            lo[h] = seqLo & 0xFFFF_FFFFL;
            hi[h] = seqHi & 0xFFFF_FFFFL;
            win[h] = maxWin;
            state[h] = st;
            return this;
        }

        @Override
        public long seqLo(final int h) {
            return lo[h];
        }

        @Override
        public long seqHi(final int h) {
            return hi[h];
        }

        @Override
        public int maxWin(final int h) {
            return win[h];
        }

        @Override
        public int mss(final int h) {
            return mss[h];
        }

        @Override
        public int peerState(final int h) {
            return state[h];
        }

        @Override
        public int wscale(final int h) {
            return scale[h];
        }

        @Override
        public int timeoutClass() {
            return timeout;
        }
    }

    private static long lo(final StateTable t, final int slot, final int h) {
        return t.seqLo(slot, h) & 0xFFFF_FFFFL;
    }

    private static long hi(final StateTable t, final int slot, final int h) {
        return t.seqHi(slot, h) & 0xFFFF_FFFFL;
    }

    @Test
    void eachFieldTakesTheFurtherValueAndNothingRegresses() {
        final StateTable t = StatePackets.table(8);
        final int slot = established(t);
        final long srcLo = lo(t, slot, PEER_SRC);
        final long srcHi = hi(t, slot, PEER_SRC);
        final long dstLo = lo(t, slot, PEER_DST);

        // The peer saw more of src's data (seqlo) and a larger window: taken.
        final View v = View.of(t, slot).half(PEER_SRC, srcLo + 5000, srcHi, 70000, EST);
        assertEquals(0, SyncPolicy.of(t).mergeFromPeer(slot, v, false, T0 + 1) & MERGE_BEHIND,
                "not behind what we reported: nothing to answer");
        assertEquals(srcLo + 5000, lo(t, slot, PEER_SRC));
        assertEquals(70000, t.maxWin(slot, PEER_SRC));
        // A smaller seqhi and max_win do not move ours back (and, being behind our report, are stale).
        final View older = View.of(t, slot).half(PEER_SRC, srcLo + 5000, srcHi - 100, 1000, EST);
        assertEquals(MERGE_BEHIND, SyncPolicy.of(t).mergeFromPeer(slot, older, false, T0 + 200) & MERGE_BEHIND);
        assertEquals(srcHi, hi(t, slot, PEER_SRC), "our further seqhi stays");
        assertEquals(70000, t.maxWin(slot, PEER_SRC));

        // A half state behind ours does not move ours back; a further one is taken.
        SyncPolicy.of(t).mergeFromPeer(slot, View.of(t, slot).half(PEER_DST, dstLo, hi(t, slot, PEER_DST), 1, PfConstants.TCPS_SYN_SENT),
                false, T0 + 202);
        assertEquals(EST, t.peerState(slot, PEER_DST));
        // The peer saw dst's FIN (one more sequence number) which our side's ACKs have not covered yet.
        SyncPolicy.of(t).mergeFromPeer(slot, View.of(t, slot).half(PEER_DST, dstLo + 1, hi(t, slot, PEER_DST), 1,
                PfConstants.TCPS_CLOSING), false, T0 + 203);
        assertEquals(PfConstants.TCPS_CLOSING, t.peerState(slot, PEER_DST));
        assertEquals(StateTimeouts.TCP_CLOSING, t.timeoutClass(slot), "the class follows the merged half states");
        assertEquals(T0 + 203, t.lastActivityMillis(slot), "a peer's update refreshes the state");
        assertTrue(SyncPolicy.of(t).splitPath(slot, T0 + 203), "updated by a peer: split-path window open");
    }

    @Test
    void onlyARecordBehindWhatWeReportedIsCorrectedAndAtMostOnceASecond() {
        final StateTable t = StatePackets.table(8);
        final int slot = established(t);
        SyncPolicy.of(t).markReported(slot, T0 + 1000); // the peers were told seqlo 1000 / 5000 (after the handshake)
        final long srcLo = lo(t, slot, PEER_SRC);

        // Behind ours in an unreported way (we moved on since our report): no correction.
        final DecodedPacket data = StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1001, 5001, 65535, 500, -1);
        assertEquals(StateTable.PASS, t.track(slot, data, true, T0 + 1010));
        final View stillOld = View.of(t, slot).half(PEER_SRC, srcLo, hi(t, slot, PEER_SRC), 65535, EST);
        assertEquals(0, SyncPolicy.of(t).mergeFromPeer(slot, stillOld, false, T0 + 1200), "the peer will hear it with our next report");

        // Behind what we reported: the peer missed our message. Correct it, but not again within a second.
        SyncPolicy.of(t).markReported(slot, T0 + 2000);
        final View behind = View.of(t, slot).half(PEER_SRC, srcLo, hi(t, slot, PEER_SRC), 65535, EST);
        assertEquals(MERGE_BEHIND | MERGE_CORRECT, SyncPolicy.of(t).mergeFromPeer(slot, behind, false, T0 + 2200));
        assertEquals(MERGE_BEHIND, SyncPolicy.of(t).mergeFromPeer(slot, behind, false, T0 + 2500));
        assertEquals(MERGE_BEHIND | MERGE_CORRECT, SyncPolicy.of(t).mergeFromPeer(slot, behind, false, T0 + 3200));
        assertEquals(1001 + 500, lo(t, slot, PEER_SRC), "and never moved back");

        // A report a moment old may still be crossing the peer's record: judged by the report before it.
        final DecodedPacket more = StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1501, 5001, 65535, 500, -1);
        assertEquals(StateTable.PASS, t.track(slot, more, true, T0 + 5000));
        SyncPolicy.of(t).markReported(slot, T0 + 5000);
        final View crossing = View.of(t, slot).half(PEER_SRC, 1501, hi(t, slot, PEER_SRC), 65535, EST);
        assertEquals(0, SyncPolicy.of(t).mergeFromPeer(slot, crossing, false, T0 + 5010), "sent before our report arrived");
        assertEquals(MERGE_BEHIND | MERGE_CORRECT, SyncPolicy.of(t).mergeFromPeer(slot, crossing, false, T0 + 5200),
                "but once the report must have arrived, it is behind");

        // A state behind what we reported is behind too.
        final View stateBehind = View.of(t, slot);
        stateBehind.state[PEER_DST] = PfConstants.TCPS_SYN_SENT;
        assertTrue((SyncPolicy.of(t).mergeFromPeer(slot, stateBehind, false, T0 + 9000) & MERGE_BEHIND) != 0);
    }

    @Test
    void anAckSeenHereBeforeThePeerToldUsOfTheFinItCoversClosesThatHalf() {
        // fwA passes the client's packets only: the server's FIN crossed fwB.
        final StateTable t = StatePackets.table(8);
        final int slot = established(t);
        final DecodedPacket ackOfFin = StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1001, 5002, 65535, 0, -1);
        assertEquals(StateTable.PASS, t.track(slot, ackOfFin, true, T0 + 10)); // acks 5001 + the FIN
        final View fromB = View.of(t, slot).half(PEER_DST, 5002, hi(t, slot, PEER_DST), 65535, PfConstants.TCPS_CLOSING);
        final int r = SyncPolicy.of(t).mergeFromPeer(slot, fromB, false, T0 + 20);
        assertEquals(PfConstants.TCPS_FIN_WAIT_2, t.peerState(slot, PEER_DST), "the server's FIN was acknowledged here");
        assertTrue((r & StateTable.MERGE_DERIVED) != 0, "and fwB must hear it: it never saw that ACK");
    }

    @Test
    void sequenceNumbersCompareModulo2To32() {
        final StateTable t = StatePackets.table(8);
        final int slot = established(t);
        final int before = (int) t.seqLo(slot, PEER_SRC);
        SyncPolicy.of(t).mergeFromPeer(slot, View.of(t, slot).half(PEER_SRC, 0xFFFF_FF00L, 0xFFFF_FFF0L, 1, EST), false, T0);
        assertEquals(before, (int) t.seqLo(slot, PEER_SRC), "0xFFFFFF00 is behind 1001 modulo 2^32");
        final long across = before + 0x110L & 0xFFFF_FFFFL;
        SyncPolicy.of(t).mergeFromPeer(slot, View.of(t, slot).half(PEER_SRC, across, across + 0x200, 1, EST), false, T0);
        assertEquals(before + 0x110, (int) t.seqLo(slot, PEER_SRC));
    }

    @Test
    void aPeerPastSynproxyBeatsOurSynproxyState() {
        final StateTable t = StatePackets.table(8);
        final int slot = t.create(StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1000, 0, 65535, 0, -1),
                1, PfConstants.PF_IN, 2, T0);
        t.restorePeer(slot, PEER_SRC, 0, 1, 0, 0, 0, PfConstants.PF_TCPS_PROXY_SRC, 0, false);
        final View v = View.of(t, slot);
        v.state[PEER_SRC] = EST; // ESTABLISHED (4) < PROXY_SRC (11) numerically, but past synproxy
        SyncPolicy.of(t).mergeFromPeer(slot, v, false, T0);
        assertEquals(EST, t.peerState(slot, PEER_SRC));
        v.state[PEER_SRC] = PfConstants.PF_TCPS_PROXY_DST;
        SyncPolicy.of(t).mergeFromPeer(slot, v, false, T0);
        assertEquals(EST, t.peerState(slot, PEER_SRC), "a peer still in synproxy is behind us");
    }

    @Test
    void nonTcpHalvesOnlyMoveForward() {
        final StateTable t = StatePackets.table(8);
        final int slot = t.create(StatePackets.udp(A, 5353, B, 53), 0, PfConstants.PF_OUT, 2, T0);
        final View v = View.of(t, slot);
        v.state[PEER_DST] = PfConstants.PFUDPS_MULTIPLE;
        v.state[PEER_SRC] = PfConstants.PFUDPS_MULTIPLE;
        v.timeout = StateTimeouts.UDP_MULTIPLE;
        SyncPolicy.of(t).mergeFromPeer(slot, v, false, T0);
        assertEquals(PfConstants.PFUDPS_MULTIPLE, t.peerState(slot, PEER_DST));
        assertEquals(StateTimeouts.UDP_MULTIPLE, t.timeoutClass(slot));
        v.state[PEER_DST] = PfConstants.PFUDPS_SINGLE;
        v.timeout = StateTimeouts.UDP_SINGLE;
        SyncPolicy.of(t).mergeFromPeer(slot, v, false, T0);
        assertEquals(PfConstants.PFUDPS_MULTIPLE, t.peerState(slot, PEER_DST));
        assertEquals(StateTimeouts.UDP_MULTIPLE, t.timeoutClass(slot));
        v.timeout = StateTimeouts.INTERVAL; // not a UDP class: ignored
        SyncPolicy.of(t).mergeFromPeer(slot, v, false, T0);
        assertEquals(StateTimeouts.UDP_MULTIPLE, t.timeoutClass(slot));
    }

    @Test
    void aHalfThisNodeNeverSawIsLearnedWithItsWindowScale() {
        // fwA saw only the client's SYN (scale 7): the server half is unknown here.
        final StateTable fwA = StatePackets.table(8);
        final int slot = fwA.create(StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1000, 0, 64240, 0, 7),
                1, PfConstants.PF_IN, 2, T0);
        assertEquals(0, fwA.seqLo(slot, PEER_DST));
        final View fromB = View.of(fwA, slot);
        fromB.half(PEER_DST, 5001, 5001 + 64240, 509, PfConstants.TCPS_SYN_SENT);
        fromB.scale[PEER_DST] = PfConstants.PF_WSCALE_FLAG | 9;
        fromB.half(PEER_SRC, 1001, 1001 + (65160L << 9), fwA.maxWin(slot, PEER_SRC), EST);
        SyncPolicy.of(fwA).mergeFromPeer(slot, fromB, false, T0 + 1);
        assertEquals(5001, fwA.seqLo(slot, PEER_DST), "an unknown seqlo is taken");
        assertEquals(PfConstants.PF_WSCALE_FLAG | 9, fwA.wscale(slot, PEER_DST));
        assertEquals(509, fwA.maxWin(slot, PEER_DST));
        assertEquals(1001 + (65160L << 9), fwA.seqHi(slot, PEER_SRC));

        // Another connection, whose SYN-ACK (seen by the peer only) refused scaling.
        final int other = fwA.create(StatePackets.tcp(A, A_PORT + 1, B, B_PORT, SYN, 1000, 0, 64240, 0, 7),
                1, PfConstants.PF_IN, 2, T0);
        final int scaledWin = fwA.maxWin(other, PEER_SRC);
        final View noScale = View.of(fwA, other).half(PEER_DST, 7001, 7001 + 64240, 65535, PfConstants.TCPS_SYN_SENT);
        noScale.scale[PEER_SRC] = 0;
        noScale.scale[PEER_DST] = 0;
        SyncPolicy.of(fwA).mergeFromPeer(other, noScale, false, T0 + 1);
        assertEquals(0, fwA.wscale(other, PEER_SRC), "no scaling after all: the initiator's shift goes");
        assertEquals(Math.min(65535, scaledWin << 7), fwA.maxWin(other, PEER_SRC), "and its max_win is unscaled");
    }

    /**
     * G-MERGE as a property: two or three nodes hold one connection; at random one of them moves a
     * field on locally (and perhaps reports it), and at random messages are delivered, lost, repeated
     * or reordered. (b) No field ever regresses; (a) once every node has reported what it knows and
     * those reports arrive, all hold the field-wise maximum; (c) corrections go quiet: the last round
     * of reports draws none.
     */
    @Test
    void randomInterleavingsConvergeWithoutRegressionOrPingPong() {
        final SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 400; round++) {
            final int nodes = 2 + round % 2;
            final StateTable[] node = new StateTable[nodes];
            final int[] slot = new int[nodes];
            for (int n = 0; n < nodes; n++) {
                node[n] = StatePackets.table(8);
                slot[n] = established(node[n]);
                SyncPolicy.of(node[n]).markReported(slot[n], T0);
            }
            final long base = 0xFFFF_0000L + random.nextInt(0x2_0000); // crosses 2^32 in some rounds
            final List<View[]> inFlight = new ArrayList<>(); // [message] from node n = index 1 element
            final List<Integer> from = new ArrayList<>();
            long t = T0;
            for (int step = 0; step < 60; step++) {
                t += random.nextInt(300);
                final int n = random.nextInt(nodes);
                final int action = random.nextInt(4);
                if (action == 0) { // local progress on one field
                    raiseLocally(node[n], slot[n], random.nextInt(2), base + random.nextInt(100_000),
                            EST + random.nextInt(3), random.nextBoolean());
                } else if (action == 1) { // n reports what it has
                    SyncPolicy.of(node[n]).markReported(slot[n], t);
                    inFlight.add(new View[] {View.of(node[n], slot[n])});
                    from.add(n);
                } else if (!inFlight.isEmpty()) { // deliver (or lose, or repeat) a message
                    final int m = random.nextInt(inFlight.size());
                    final int fate = random.nextInt(10);
                    final View msg = inFlight.get(m)[0];
                    final int sender = from.get(m);
                    if (fate != 0) { // 10% lost
                        for (int r = 0; r < nodes; r++) {
                            if (r != sender) {
                                deliver(node[r], slot[r], msg, t, inFlight, from, r);
                            }
                        }
                    }
                    if (fate > 1) { // 10% delivered again later
                        inFlight.remove(m);
                        from.remove(m);
                    }
                }
            }
            // Quiescence: no more packets. Rounds in which each node in turn reports what it has, reliably;
            // corrections that repair earlier losses are delivered too. The second round draws none.
            int lastRoundCorrections = -1;
            for (int quietRound = 0; quietRound < 2; quietRound++) {
                inFlight.clear();
                from.clear();
                int corrections = 0;
                for (int n = 0; n < nodes; n++) {
                    t += 1_500;
                    SyncPolicy.of(node[n]).markReported(slot[n], t);
                    inFlight.add(new View[] {View.of(node[n], slot[n])});
                    from.add(n);
                    for (int i = inFlight.size() - 1; i < inFlight.size(); i++) {
                        final int sender = from.get(i);
                        for (int r = 0; r < nodes; r++) {
                            if (r != sender && deliver(node[r], slot[r], inFlight.get(i)[0], t, inFlight, from, r)) {
                                corrections++;
                            }
                        }
                        assertTrue(inFlight.size() < 8 * nodes, "corrections must stop (round " + round + ")");
                    }
                }
                lastRoundCorrections = corrections;
            }
            assertEquals(0, lastRoundCorrections, "up-to-date reports draw no correction (round " + round + ")");
            for (int n = 1; n < nodes; n++) {
                for (int h = 0; h < 2; h++) {
                    assertEquals(node[0].peerState(slot[0], h), node[n].peerState(slot[n], h));
                    assertEquals(node[0].seqLo(slot[0], h), node[n].seqLo(slot[n], h), "round " + round + " half " + h);
                    assertEquals(node[0].seqHi(slot[0], h), node[n].seqHi(slot[n], h));
                    assertEquals(node[0].maxWin(slot[0], h), node[n].maxWin(slot[n], h));
                }
            }
        }
    }

    /** Local progress, as a packet would make it (only forward): through the merge of a one-field view. */
    private static void raiseLocally(final StateTable t, final int slot, final int half, final long value,
            final int state, final boolean seqHiToo) {
        final View v = View.of(t, slot);
        v.lo[half] = value & 0xFFFF_FFFFL;
        if (seqHiToo) {
            v.hi[half] = value + 65535 & 0xFFFF_FFFFL;
        }
        v.state[half] = state;
        v.win[half] = Math.max(v.win[half], (int) (value & 0xFFFF));
        final long lastCorrection = 0;
        SyncPolicy.of(t).mergeFromPeer(slot, v, false, lastCorrection); // time 0: never a correction, no split window effect here
    }

    /** Delivers a message; checks (b); a correction goes back out as a new message. Returns true if corrected. */
    private static boolean deliver(final StateTable to, final int ts, final View msg, final long t,
            final List<View[]> inFlight, final List<Integer> from, final int self) {
        final int[] lo = new int[2];
        final int[] hi = new int[2];
        final int[] st = new int[2];
        for (int h = 0; h < 2; h++) {
            lo[h] = (int) to.seqLo(ts, h);
            hi[h] = (int) to.seqHi(ts, h);
            st[h] = to.peerState(ts, h);
        }
        final int r = SyncPolicy.of(to).mergeFromPeer(ts, msg, false, t);
        for (int h = 0; h < 2; h++) {
            assertFalse(TcpTracker.seqGt(lo[h], (int) to.seqLo(ts, h)), "seqlo regressed");
            assertFalse(TcpTracker.seqGt(hi[h], (int) to.seqHi(ts, h)), "seqhi regressed");
            assertTrue(to.peerState(ts, h) >= st[h], "state regressed");
        }
        if ((r & MERGE_CORRECT) != 0) {
            SyncPolicy.of(to).markReported(ts, t);
            inFlight.add(new View[] {View.of(to, ts)});
            from.add(self);
            return true;
        }
        return false;
    }

    // ---- reporting local updates for sync ---------------------------------------------------------

    private static final class Reports implements StateChangeListener {
        final List<Integer> hints = new ArrayList<>();

        @Override
        public void onInsert(final StateTable table, final int slot, final int syncHints) {
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
    void localUpdatesAreReportedOncePerIntervalEveryMaxupdatesAndTheLastOneLate() {
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

        SyncPolicy.of(t).enableSyncUpdates(4);
        for (int i = 0; i < 9; i++, seq += 100) {
            StatePackets.setTcp(data, A, A_PORT, B, B_PORT, ACK, seq, 5001, 65535, 100, -1);
            assertEquals(StateTable.PASS, t.track(slot, data, true, T0 + 20 + i));
        }
        // Within the first second after the last report (the handshake at T0): every 4th, immediately.
        assertEquals(List.of(SyncHints.IMMEDIATE, SyncHints.IMMEDIATE), reports.hints);
        reports.hints.clear();
        // The 9th packet's change is unreported: it goes out once its interval has passed, with no packet.
        assertEquals(0, SyncPolicy.of(t).reportDue(T0 + 500, 10));
        assertEquals(1, SyncPolicy.of(t).reportDue(T0 + 20 + 8 + 1000, 10));
        assertEquals(List.of(0), reports.hints);
        assertEquals(0, SyncPolicy.of(t).reportsPending());
        reports.hints.clear();
        StatePackets.setTcp(data, A, A_PORT, B, B_PORT, ACK, seq, 5001, 65535, 100, -1);
        seq += 100;
        t.track(slot, data, true, T0 + 3_000); // more than a second later: reported, not urgent
        assertEquals(List.of(0), reports.hints);

        // Split path (a peer updated the state in the last 2 s): a larger window goes out at once,
        // ordinary advances keep the throttle.
        reports.hints.clear();
        SyncPolicy.of(t).markPeerUpdate(slot, T0 + 3_100);
        for (int i = 0; i < 3; i++, seq += 100) {
            StatePackets.setTcp(data, A, A_PORT, B, B_PORT, ACK, seq, 5001, 30_000, 100, -1);
            t.track(slot, data, true, T0 + 3_200 + i);
        }
        assertEquals(List.of(), reports.hints, "the handshake's 65535 is still the largest window");
        final StateTable narrow = StatePackets.table(8);
        final int s2 = narrow.create(StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1000, 0, 20_000, 0, -1),
                1, PfConstants.PF_IN, 2, T0);
        narrow.track(s2, StatePackets.tcp(B, B_PORT, A, A_PORT, SYN | ACK, 5000, 1001, 20_000, 0, -1), false, T0);
        narrow.track(s2, StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1001, 5001, 20_000, 0, -1), true, T0);
        SyncPolicy.of(narrow).enableSyncUpdates(128);
        narrow.setListener(reports);
        SyncPolicy.of(narrow).markPeerUpdate(s2, T0 + 100);
        narrow.track(s2, StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1001, 5001, 20_000, 100, -1), true, T0 + 200);
        assertEquals(List.of(), reports.hints);
        narrow.track(s2, StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1101, 5001, 40_000, 100, -1), true, T0 + 201);
        assertEquals(List.of(SyncHints.IMMEDIATE), reports.hints, "a larger max_win on a split path: at once");
    }

    /** Turns sync updates on in {@code t}, reports its changes to {@code reports}, creates A's SYN state at T0: its slot. */
    private static int synStateReportedTo(final StateTable t, final Reports reports) {
        SyncPolicy.of(t).enableSyncUpdates(128);
        t.setListener(reports);
        return t.create(StatePackets.tcp(A, A_PORT, B, B_PORT, SYN, 1000, 0, 20_000, 0, -1), 1, PfConstants.PF_IN, 2,
                T0);
    }

    @Test
    void aQuietStatesLastReportIsRepeatedInFullOnTheScheduleUntilThePeerHasIt() {
        final StateTable t = StatePackets.table(8);
        final Reports reports = new Reports();
        final int slot = synStateReportedTo(t, reports);
        reports.hints.clear();
        final SyncPolicy p = SyncPolicy.of(t);
        assertEquals(0, p.reportDue(T0 + 999, 10), "not before a second of quiet");
        assertEquals(1, p.reportDue(T0 + 1000, 10));
        assertEquals(List.of(SyncHints.FULL), reports.hints, "the INS repeated as a full update");
        // Then at least 1, 1, 2, 2 and 4 s apart (the queue is checked at 1 s granularity, so a repeat
        // after a longer gap may come up to a second late): six repeats in all, within 15 s, then nothing.
        final List<Long> times = new ArrayList<>(List.of(1000L));
        for (long ms = 1100; ms <= 30_000; ms += 100) {
            if (p.reportDue(T0 + ms, 10) == 1) {
                times.add(ms);
            }
        }
        assertEquals(SyncPolicy.SETTLE_REPEATS, times.size(), "repeats at " + times);
        final long[] gaps = {1000, 1000, 2000, 2000, 4000};
        for (int i = 0; i < gaps.length; i++) {
            final long gap = times.get(i + 1) - times.get(i);
            assertTrue(gap >= gaps[i] && gap <= gaps[i] + 1000, "gap " + i + " in " + times);
        }
        assertTrue(times.get(times.size() - 1) <= 15_000, "all within 15 s: " + times);
        assertEquals(SyncPolicy.SETTLE_REPEATS, p.repeated());
        assertEquals(0, p.queued());
        // A change restarts the count; a change within the second is reported instead of repeated.
        reports.hints.clear();
        t.track(slot, StatePackets.tcp(B, B_PORT, A, A_PORT, SYN | ACK, 5000, 1001, 20_000, 0, -1), false, T0 + 40_000);
        assertEquals(1, reports.hints.size(), "the SYN-ACK's state change, at once");
        t.track(slot, StatePackets.tcp(A, A_PORT, B, B_PORT, ACK, 1001, 5001, 20_000, 0, -1), true, T0 + 40_500);
        assertEquals(2, reports.hints.size(), "the handshake's last ACK changes the state: reported");
        assertEquals(1, p.reportDue(T0 + 41_500, 10));
        assertEquals(1, p.reportDue(T0 + 42_500, 10));
        assertEquals(List.of(SyncHints.FULL, SyncHints.FULL), reports.hints.subList(2, 4));
        // A peer's record that has what we reported ends the repeats.
        final StateHalves peerHasIt = peerView(t, slot);
        p.mergeFromPeer(slot, peerHasIt, false, T0 + 42_600);
        assertEquals(1, p.confirmed());
        assertEquals(0, p.reportDue(T0 + 60_000, 10), "no more repeats once the peer has the report");
        assertEquals(4, reports.hints.size());
    }

    @Test
    void anAcknowledgedInsIsRepeatedCompressedAndTheMarkEndsWithItsState() {
        final StateTable t = StatePackets.table(8);
        final Reports reports = new Reports();
        final int slot = synStateReportedTo(t, reports);
        final SyncPolicy p = SyncPolicy.of(t);
        p.insAcknowledged(slot);
        reports.hints.clear();
        assertEquals(1, p.reportDue(T0 + 1000, 10));
        assertEquals(List.of(0), reports.hints, "a peer holds the state: the repeat goes as UPD_C");

        t.remove(slot, StateRemoveReason.FLUSHED);
        final int next = t.create(StatePackets.tcp(A, A_PORT + 1, B, B_PORT, SYN, 1000, 0, 20_000, 0, -1), 1,
                PfConstants.PF_IN, 2, T0 + 20_000);
        reports.hints.clear();
        assertEquals(1, p.reportDue(T0 + 21_000, 10));
        assertEquals(List.of(SyncHints.FULL), reports.hints,
                "a new state (slot " + next + ", the old one " + slot + ") is repeated in full until acknowledged");
    }

    @Test
    void aPeersRecordBehindOurReportDoesNotEndTheRepeats() {
        final StateTable t = StatePackets.table(8);
        final Reports reports = new Reports();
        final int slot = synStateReportedTo(t, reports);
        t.track(slot, StatePackets.tcp(B, B_PORT, A, A_PORT, SYN | ACK, 5000, 1001, 20_000, 0, -1), false, T0 + 10);
        final SyncPolicy p = SyncPolicy.of(t);
        final StateHalves before = new StateHalves() { // the peer still has the SYN only
            @Override public long seqLo(final int half) { return half == 0 ? t.seqLo(slot, 0) : 0; }
            @Override public long seqHi(final int half) { return half == 0 ? t.seqHi(slot, 0) : 0; }
            @Override public int maxWin(final int half) { return half == 0 ? t.maxWin(slot, 0) : 0; }
            @Override public int mss(final int half) { return 0; }
            @Override public int peerState(final int half) { return half == 0 ? PfConstants.TCPS_SYN_SENT : 0; }
            @Override public int wscale(final int half) { return 0; }
            @Override public int timeoutClass() { return t.timeoutClass(slot); }
        };
        p.mergeFromPeer(slot, before, false, T0 + 500);
        assertEquals(0, p.confirmed());
        assertEquals(1, p.reportDue(T0 + 1010, 10), "still repeated");
    }

    /** The state's own halves, as a peer that has everything would report them. */
    private static StateHalves peerView(final StateTable t, final int slot) {
        return new StateHalves() {
            @Override public long seqLo(final int half) { return t.seqLo(slot, half); }
            @Override public long seqHi(final int half) { return t.seqHi(slot, half); }
            @Override public int maxWin(final int half) { return t.maxWin(slot, half); }
            @Override public int mss(final int half) { return t.mss(slot, half); }
            @Override public int peerState(final int half) { return t.peerState(slot, half); }
            @Override public int wscale(final int half) { return t.wscale(slot, half); }
            @Override public int timeoutClass() { return t.timeoutClass(slot); }
        };
    }
}
