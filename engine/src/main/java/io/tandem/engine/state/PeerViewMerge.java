package io.tandem.engine.state;

import static io.tandem.engine.state.PfConstants.PF_TCPS_PROXY_SRC;
import static io.tandem.engine.state.PfConstants.PF_WSCALE_FLAG;
import static io.tandem.engine.state.PfConstants.PF_WSCALE_MASK;
import static io.tandem.engine.state.PfConstants.TCPS_SYN_SENT;
import static io.tandem.engine.state.PfConstants.TCP_MAXWIN;
import static io.tandem.engine.state.TcpTracker.seqGt;

import io.tandem.engine.decode.DecodedPacket;

/**
 * Merges another node's view of a state into ours, field by field (goal G-MERGE), as FreeBSD's
 * {@code pfsync_upd_tcp()} updates a state from a peer's — but order-independent: the further
 * protocol state of each half (a real TCP state beats a synproxy one), for TCP the further
 * {@code seqlo} and {@code seqhi} (modulo 2^32) of each half whose sequence space the peer knows,
 * the larger {@code max_win}, and what the peer learned of window scaling and MSS from a SYN this
 * node did not see. Every field only moves forward, so repeated merges change nothing and two nodes
 * that have heard each other's latest hold the same values. Then the {@link TcpTracker}'s late ACK
 * transitions, and the state is refreshed (last activity, the timeout class of the merged half
 * states).
 *
 * <p>Whether the peer's view is behind what we told it, and whether to answer, is sync policy
 * ({@code io.tandem.engine.sync.SyncPolicy}), not here.
 *
 * <p><b>Owner.</b> The table's packet thread. <b>Memory bound:</b> none of its own.
 * <b>Failure policy:</b> a peer's timeout class of another protocol, or beyond the table, is ignored.
 */
final class PeerViewMerge {
    private final StateStore st;
    private final TcpTracker tracker;

    PeerViewMerge(final StateStore store, final TcpTracker tracker) {
        this.st = store;
        this.tracker = tracker;
    }

    /**
     * @param swapped the peer's initiator is our responder
     * @return {@link StateTable#MERGE_DERIVED} when this node concluded more than the peer's record says
     */
    int merge(final int slot, final StateHalves v, final boolean swapped, final long nowMillis) {
        final long[] r = st.rec;
        final int b = StateStore.base(slot);
        final boolean tcp = StateStore.proto(r, b) == DecodedPacket.PROTO_TCP;
        if (tcp) {
            mergeScaling(r, b, v, swapped ? 1 : 0);
        }
        for (int half = 0; half < 2; half++) {
            final int h = swapped ? 1 - half : half;
            final int theirs = v.peerState(h);
            if (stateRank(theirs) > stateRank(StateStore.peerState(r, b, half))) {
                StateStore.setPeerState(r, b, half, theirs);
            }
            if (tcp) {
                mergeWindows(r, b, half, theirs, (int) v.seqLo(h), (int) v.seqHi(h));
            }
            if (v.maxWin(h) > StateStore.maxWin(r, b, half)) {
                StateStore.setMaxWin(r, b, half, v.maxWin(h));
            }
            if (st.mss[slot * 2 + half] == 0) {
                st.mss[slot * 2 + half] = v.mss(h);
            }
        }
        final int result = tcp ? tracker.lateAcks(slot) : 0;
        StateStore.setLastActivity(r, b, nowMillis);
        st.changeTimeoutClass(r, b, tcp
                ? TcpTracker.tcpTimeoutClass(StateStore.peerState(r, b, 0), StateStore.peerState(r, b, 1))
                : laterClass(StateStore.timeoutClass(r, b), v.timeoutClass()));
        return result;
    }

    /** A half's sequence numbers from a peer that knows them (its SYN was seen there): each the further. */
    private static void mergeWindows(final long[] r, final int b, final int i, final int theirState, final int lo,
            final int hi) {
        if (theirState < TCPS_SYN_SENT || lo == 0) {
            return; // the peer has not seen this half's SYN either
        }
        final int seqLo = StateStore.seqLo(r, b, i);
        if (seqLo == 0 || seqGt(lo, seqLo)) {
            StateStore.setSeqLo(r, b, i, lo);
        }
        final int seqHi = StateStore.seqHi(r, b, i);
        if (hi != 0 && hi != 1 && (seqHi == 0 || seqHi == 1 || seqGt(hi, seqHi))) {
            StateStore.setSeqHi(r, b, i, hi);
        }
    }

    /**
     * Window scaling is settled by the responder's SYN, which perhaps only the peer saw: if it carried
     * the option, take the responder's shift; if the peer saw it without one (its responder half is
     * known, and it dropped the initiator's shift as pf does), drop ours and unscale the initiator's
     * max_win the way pf_tcp_track_full() does.
     */
    private static void mergeScaling(final long[] r, final int b, final StateHalves v, final int theirSrc) {
        final int s = 0;
        final int d = 1;
        final int theirDst = 1 - theirSrc;
        final int srcScale = v.wscale(theirSrc);
        final int dstScale = v.wscale(theirDst);
        if (StateStore.wscale(r, b, d) != 0) {
            return;
        }
        final int ourSrcScale = StateStore.wscale(r, b, s);
        if ((dstScale & PF_WSCALE_FLAG) != 0 && (ourSrcScale & PF_WSCALE_FLAG) != 0) {
            StateStore.setWscale(r, b, d, dstScale);
        } else if (dstScale == 0 && srcScale == 0 && ourSrcScale != 0
                && v.peerState(theirDst) >= TCPS_SYN_SENT && v.seqLo(theirDst) != 0) {
            StateStore.setMaxWin(r, b, s, Math.min(TCP_MAXWIN, StateStore.maxWin(r, b, s) << (ourSrcScale & PF_WSCALE_MASK)));
            StateStore.setWscale(r, b, s, 0);
        }
    }

    /** The further of two non-TCP timeout classes of one protocol (pf's classes for a protocol only move up). */
    private static int laterClass(final int ours, final int theirs) {
        return theirs > ours && theirs <= StateTimeouts.OTHER_MULTIPLE && classFamily(theirs) == classFamily(ours)
                ? theirs : ours;
    }

    private static int classFamily(final int timeoutClass) {
        if (timeoutClass <= StateTimeouts.TCP_CLOSED) {
            return 0;
        }
        if (timeoutClass <= StateTimeouts.UDP_MULTIPLE) {
            return 1;
        }
        return timeoutClass <= StateTimeouts.ICMP_ERROR_REPLY ? 2 : 3;
    }

    /** Order of half states for merging: synproxy states (11, 12) come before every real TCP state. */
    static int stateRank(final int halfState) {
        return halfState >= PF_TCPS_PROXY_SRC ? halfState - PF_TCPS_PROXY_SRC - 2 : halfState;
    }
}
