package io.tandem.engine.state;

import static io.tandem.engine.state.PfConstants.PF_WSCALE_FLAG;
import static io.tandem.engine.state.PfConstants.TCPS_ESTABLISHED;
import static io.tandem.engine.state.PfConstants.TCPS_TIME_WAIT;
import static io.tandem.engine.state.StateTable.PASS;
import static io.tandem.engine.state.StateTable.PEER_DST;
import static io.tandem.engine.state.StateTable.PEER_SRC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TcpTracker#track} takes a shorter path for the common TCP segment
 * ({@link TcpTracker#trackEstablished}); it must decide exactly as pf's full tracking
 * ({@link TcpTracker#trackTcp}, then {@link TcpTracker#passed}) would. Each trial builds a random
 * TCP state and a random segment near its windows, runs {@code track} on one copy of the store and
 * the full path on another, and compares the result, every word of the record, the cold per-half
 * arrays and the counters. States and segments are drawn so that the fast path's every condition
 * holds and fails often: half states, timeout class, re-learning and modulation bits, unknown
 * sequence numbers, window scaling, flags, in- and out-of-window sequence and ack numbers, with and
 * without a cluster's split-path checks.
 */
class TcpTrackerFastPathTest {
    private static final int TRIALS = 200_000;
    private static final int SLOT = 1;
    private static final long NOW = 1_700_000_000_000L;

    /** Sync hooks whose split-path answers the trial sets. */
    private static final class Hooks implements StateSyncHooks {
        boolean cluster;
        boolean split;

        @Override
        public boolean clusterChecks() {
            return cluster;
        }

        @Override
        public boolean splitPath(final int slot, final long nowMillis) {
            return split;
        }

        @Override
        public boolean peerFellSilent(final int slot, final long nowMillis) {
            return false; // takeover is the full path's alone: the fast path never passes what it refuses
        }

        @Override
        public void tookOver(final int slot) {
        }

        @Override
        public void created(final int slot, final long nowMillis) {
        }

        @Override
        public void restored(final int slot, final long lastActivityMillis) {
        }

        @Override
        public int changed(final int slot, final long nowMillis) {
            return 0;
        }

        @Override
        public int updated(final int slot, final long nowMillis, final boolean windowGrew) {
            return NO_REPORT;
        }

        @Override
        public void freed(final int slot) {
        }

        @Override
        public void removed(final int slot, final StateRemoveReason reason) {
        }
    }

    /** One store with its tracker and counters. */
    private static final class Side {
        final StateStore store = new StateStore(4, 1);
        final StateCounters counters = new StateCounters();
        final TcpTracker tracker;

        Side(final boolean normalize, final Hooks hooks) {
            tracker = new TcpTracker(store, counters, normalize);
            tracker.sync(hooks);
        }

        void copyFrom(final Side o) {
            System.arraycopy(o.store.rec, 0, store.rec, 0, store.rec.length);
            System.arraycopy(o.store.mss, 0, store.mss, 0, store.mss.length);
            System.arraycopy(o.store.seqDiff, 0, store.seqDiff, 0, store.seqDiff.length);
            System.arraycopy(o.store.resyncPackets, 0, store.resyncPackets, 0, store.resyncPackets.length);
            System.arraycopy(o.store.expiryHint, 0, store.expiryHint, 0, store.expiryHint.length);
        }

        long[] counterValues() {
            final long[] v = new long[StateCounter.VALUES.length];
            for (final StateCounter c : StateCounter.VALUES) {
                v[c.ordinal()] = counters.get(c);
            }
            return v;
        }
    }

    @ParameterizedTest(name = "normalize TCP flags {0}")
    @ValueSource(booleans = {false, true})
    void theShortPathDecidesAsPfsFullTracking(final boolean normalize) {
        final Hooks hooks = new Hooks();
        final Side start = new Side(normalize, hooks);
        final Side fast = new Side(normalize, hooks);
        final Side full = new Side(normalize, hooks);
        final Side probe = new Side(normalize, hooks);
        final SplittableRandom random = new SplittableRandom(normalize ? 0x5EED_0001L : 0x5EED_0002L);
        final DecodedPacket p = new DecodedPacket();
        final int b = StateStore.base(SLOT);
        int shortPassed = 0;
        int shortDeclinedInWindowCheck = 0;
        int fullDropped = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            randomState(random, start.store, b);
            hooks.cluster = random.nextInt(4) == 0;
            hooks.split = random.nextInt(4) == 0;
            final boolean forward = random.nextBoolean();
            randomSegment(random, start.store.rec, b, forward, p);
            fast.copyFrom(start);
            full.copyFrom(start);
            probe.copyFrom(start);
            final long[] countersBefore = fast.counterValues();

            final int fastResult = fast.tracker.track(SLOT, b, p, forward, NOW);
            final int s = forward ? PEER_SRC : PEER_DST;
            final int d = forward ? PEER_DST : PEER_SRC;
            final int fullResult = full.tracker.trackTcp(SLOT, full.store.rec, b, p, s, d, NOW);
            if (fullResult == PASS) {
                full.tracker.passed(SLOT, full.store.rec, b, p, forward, true);
            }

            final int t = trial;
            final Supplier<String> trial0 = () -> "trial " + t + ": " + describe(start.store.rec, b, p, forward, hooks);
            assertEquals(fullResult, fastResult, trial0);
            assertArrayEquals(full.store.rec, fast.store.rec, trial0);
            assertArrayEquals(full.store.mss, fast.store.mss, trial0);
            assertArrayEquals(full.store.seqDiff, fast.store.seqDiff, trial0);
            assertArrayEquals(full.store.resyncPackets, fast.store.resyncPackets, trial0);
            assertArrayEquals(full.store.expiryHint, fast.store.expiryHint, trial0);
            final long[] fastCounters = fast.counterValues();
            final long[] fullCounters = full.counterValues();
            for (int i = 0; i < fastCounters.length; i++) {
                final int c = i;
                assertEquals(fullCounters[i] - countersBefore[i], fastCounters[i] - countersBefore[i],
                    () -> trial0.get() + ": counter " + StateCounter.VALUES[c]);
            }

            // The short path alone: it passes, or changes nothing.
            final int flags = p.tcpFlags & (DecodedPacket.TH_SYN | DecodedPacket.TH_FIN | DecodedPacket.TH_RST
                | DecodedPacket.TH_ACK);
            if (flags == DecodedPacket.TH_ACK) {
                if (probe.tracker.trackEstablished(SLOT, probe.store.rec, b, p, s, d, NOW)) {
                    shortPassed++;
                    assertEquals(PASS, fullResult, trial0);
                } else {
                    assertArrayEquals(start.store.rec, probe.store.rec, () -> trial0.get() + ": declined but changed the record");
                    if (fullResult != PASS && isShortPathState(start.store.rec, b, forward)) {
                        shortDeclinedInWindowCheck++;
                    }
                }
            }
            if (fullResult != PASS) {
                fullDropped++;
            }
        }
        // The trials reach both sides of every decision.
        assertTrue(shortPassed > TRIALS / 10, "short path passed " + shortPassed);
        assertTrue(shortDeclinedInWindowCheck > TRIALS / 100, "short path declined " + shortDeclinedInWindowCheck);
        assertTrue(fullDropped > TRIALS / 10, "full path dropped " + fullDropped);
    }

    /** What the short path takes, apart from its window check. */
    private static boolean isShortPathState(final long[] r, final int b, final boolean forward) {
        return StateStore.peerState(r, b, PEER_SRC) == TCPS_ESTABLISHED && StateStore.peerState(r, b, PEER_DST) == TCPS_ESTABLISHED
            && StateStore.timeoutClass(r, b) == StateTimeouts.TCP_ESTABLISHED
            && (StateStore.here(r, b) & (StateStore.RESYNC | StateStore.MODULATED)) == 0
            && StateStore.seqLo(r, b, PEER_SRC) != 0 && StateStore.seqLo(r, b, PEER_DST) != 0;
    }

    /** A TCP state, mostly ESTABLISHED with known windows, each condition of the short path often broken. */
    private static void randomState(final SplittableRandom random, final StateStore st, final int b) {
        final long[] r = st.rec;
        Arrays.fill(r, b, b + StateStore.STRIDE, 0L);
        st.setKey(SLOT, DecodedPacket.FAMILY_INET, DecodedPacket.PROTO_TCP, 0, 0, 0x0A00_0001L, 0, 0x0A00_0002L,
            40000, 80);
        StateStore.setTimeoutClass(r, b, random.nextInt(8) == 0 ? random.nextInt(StateTimeouts.TCP_CLOSED + 1)
            : StateTimeouts.TCP_ESTABLISHED);
        int here = random.nextInt(16); // seen and ack-seen bits
        if (random.nextInt(10) == 0) {
            here |= StateStore.RESYNC;
        }
        if (random.nextInt(10) == 0) {
            here |= StateStore.MODULATED;
        }
        StateStore.setHere(r, b, here);
        st.seqDiff[SLOT * 2] = random.nextInt(3) == 0 ? 0 : random.nextInt();
        st.seqDiff[SLOT * 2 + 1] = random.nextInt(3) == 0 ? 0 : random.nextInt();
        st.resyncPackets[SLOT] = random.nextInt(4);
        st.expiryHint[SLOT] = random.nextInt();
        st.mss[SLOT * 2] = random.nextInt(3) == 0 ? 0 : 1460;
        st.mss[SLOT * 2 + 1] = random.nextInt(3) == 0 ? 0 : 1460;
        for (int h = 0; h < 2; h++) {
            StateStore.setPeerState(r, b, h, random.nextInt(6) == 0 ? random.nextInt(TCPS_TIME_WAIT + 1) : TCPS_ESTABLISHED);
            StateStore.setWscale(r, b, h, random.nextInt(4) == 0 ? 0 : PF_WSCALE_FLAG | random.nextInt(15));
            final int lo = random.nextInt(20) == 0 ? 0 : random.nextInt();
            StateStore.setSeqLo(r, b, h, lo);
            StateStore.setSeqHi(r, b, h, random.nextInt(20) == 0 ? 1 : lo + random.nextInt(1 << 20));
            StateStore.setMaxWin(r, b, h, 1 + random.nextInt(random.nextBoolean() ? 0xffff : 0x1000));
            StateStore.setLastAck(r, b, h, random.nextInt());
            r[b + StateStore.W_PACKETS + h] = random.nextInt(1000);
            r[b + StateStore.W_BYTES + h] = random.nextInt(1_000_000);
        }
        StateStore.setLastActivity(r, b, NOW - random.nextInt(100_000));
    }

    /** A segment from the sender's half, its sequence and ack numbers near the windows (or anywhere). */
    private static void randomSegment(final SplittableRandom random, final long[] r, final int b, final boolean forward,
            final DecodedPacket p) {
        final int s = forward ? PEER_SRC : PEER_DST;
        final int d = forward ? PEER_DST : PEER_SRC;
        p.reset();
        p.family = DecodedPacket.FAMILY_INET;
        p.protocol = DecodedPacket.PROTO_TCP;
        p.tcpFlags = random.nextInt(3) != 0
            ? DecodedPacket.TH_ACK | (random.nextBoolean() ? DecodedPacket.TH_PUSH : 0)
            : random.nextInt(0x40);
        p.payloadLength = random.nextInt(3) == 0 ? 0 : random.nextInt(1449);
        p.ipLength = 52 + p.payloadLength;
        p.seq = near(random, StateStore.seqLo(r, b, s)) & 0xFFFF_FFFFL;
        p.ack = near(random, StateStore.seqLo(r, b, d)) & 0xFFFF_FFFFL;
        p.window = random.nextInt(0x10000);
        p.wscale = random.nextInt(4) == 0 ? random.nextInt(15) : -1;
        p.mss = 1460;
    }

    private static int near(final SplittableRandom random, final int at) {
        switch (random.nextInt(6)) {
            case 0:
                return at;
            case 1:
                return random.nextInt();
            case 2:
                return at + random.nextInt(-(1 << 21), 1 << 21);
            default:
                return at + random.nextInt(-(1 << 16), 1 << 17);
        }
    }

    private static String describe(final long[] r, final int b, final DecodedPacket p, final boolean forward,
            final Hooks hooks) {
        final StringBuilder t = new StringBuilder();
        t.append(forward ? "forward" : "reverse").append(" flags=0x").append(Integer.toHexString(p.tcpFlags))
            .append(" seq=").append(p.seq).append(" ack=").append(p.ack).append(" len=").append(p.payloadLength)
            .append(" win=").append(p.window).append(" cluster=").append(hooks.cluster).append(" split=")
            .append(hooks.split).append(" timeoutClass=").append(StateStore.timeoutClass(r, b))
            .append(" here=0x").append(Integer.toHexString(StateStore.here(r, b)));
        for (int h = 0; h < 2; h++) {
            t.append(" [").append(h).append(": state=").append(StateStore.peerState(r, b, h))
                .append(" ws=0x").append(Integer.toHexString(StateStore.wscale(r, b, h) & 0xff))
                .append(" lo=").append(StateStore.seqLo(r, b, h) & 0xFFFF_FFFFL)
                .append(" hi=").append(StateStore.seqHi(r, b, h) & 0xFFFF_FFFFL)
                .append(" maxWin=").append(StateStore.maxWin(r, b, h)).append(']');
        }
        return t.toString();
    }
}
