package io.tandem.engine.state;

import static io.tandem.engine.state.PfConstants.MAXACKWINDOW;
import static io.tandem.engine.state.PfConstants.PFOTHERS_NO_TRAFFIC;
import static io.tandem.engine.state.PfConstants.PFOTHERS_SINGLE;
import static io.tandem.engine.state.PfConstants.PFUDPS_MULTIPLE;
import static io.tandem.engine.state.PfConstants.PFUDPS_NO_TRAFFIC;
import static io.tandem.engine.state.PfConstants.PFUDPS_SINGLE;
import static io.tandem.engine.state.PfConstants.PF_WSCALE_FLAG;
import static io.tandem.engine.state.PfConstants.PF_WSCALE_MASK;
import static io.tandem.engine.state.PfConstants.TCPS_CLOSED;
import static io.tandem.engine.state.PfConstants.TCPS_CLOSING;
import static io.tandem.engine.state.PfConstants.TCPS_ESTABLISHED;
import static io.tandem.engine.state.PfConstants.TCPS_FIN_WAIT_2;
import static io.tandem.engine.state.PfConstants.TCPS_SYN_SENT;
import static io.tandem.engine.state.PfConstants.TCPS_TIME_WAIT;
import static io.tandem.engine.state.PfConstants.TCP_MAXWIN;
import static io.tandem.engine.state.PfConstants.TCP_MAX_WINSHIFT;
import static io.tandem.engine.state.StateTable.DROP_BAD_FLAGS;
import static io.tandem.engine.state.StateTable.DROP_BAD_RST;
import static io.tandem.engine.state.StateTable.DROP_OUT_OF_WINDOW;
import static io.tandem.engine.state.StateTable.MERGE_DERIVED;
import static io.tandem.engine.state.StateTable.PASS;
import static io.tandem.engine.state.StateTable.PEER_DST;
import static io.tandem.engine.state.StateTable.PEER_SRC;
import static io.tandem.engine.state.StateTable.STATE_REUSED;

import io.tandem.engine.decode.DecodedPacket;

/**
 * pf's per-packet state checks, as NPF keeps them apart in {@code npf_state.c} and
 * {@code npf_state_tcp.c}: the first packet's halves ({@code pf_create_state()}), TCP sequence
 * tracking ({@code pf_tcp_track_full()}, Guido van Rooij's), the tracking of a recovered state, and
 * pf's SINGLE/MULTIPLE half states for UDP, ICMP and other protocols, each choosing the state's
 * timeout class. It reads and writes the halves in the {@link StateStore}; the table decides what
 * follows (counters, reports, removal).
 *
 * <p><b>Split paths.</b> When the two directions of a connection cross different firewalls, the
 * bounds pf takes from the other direction's packets lag behind; the tracker widens them to what the
 * packets seen here prove (theory in docs/pfsync.md). For that it keeps, per state, which halves
 * passed here and the highest ack each half sent (the {@code here} bits and last acks of the
 * {@link StateStore}'s record), and asks the table's {@link StateSyncHooks} whether a state is on a
 * split path; and it moves the other half's {@code seqlo} up to the acks that pass, so that a half
 * this node does not see never falls far behind when reports stop ({@link #advanceWindows}). When a
 * state's carrier stops reporting and the connection turns up here beyond every
 * bound, the tracker takes the state over and re-learns its windows ({@link #takesOver}).
 *
 * <p><b>Access.</b> Every field is read and written in the state's record through
 * {@link StateStore}'s static accessors, given the record array and the record's base, computed
 * once per packet by the table; halves are 0 (src) and 1 (dst), {@code sh} the sender's and
 * {@code dh} the other's.
 *
 * <p><b>Owner.</b> The table's packet thread. <b>Memory bound:</b> none of its own: the seen
 * bits and the two last acks are in the store's record. <b>Failure policy:</b> a packet that fails the
 * checks is a {@code DROP_*} result, counted under its reason; nothing throws on the packet path.
 *
 * <p><b>Deliberate differences from pf</b>: no sequence-number modulation, scrub or synproxy
 * ({@code seqdiff} is kept for pfsync but always 0 locally); a handshake mismatch resets the sender's
 * half but sends no RST.
 */
final class TcpTracker {
    /** Record {@code here} bits: a packet sent by the initiator (src) passed here; by the responder (dst). */
    static final int SEEN_SRC = 1;
    static final int SEEN_DST = 2;
    /** Record {@code here} bits: a packet with an ACK sent by the src (or dst) half passed here. */
    static final int ACK_SEEN_SRC = 4;
    static final int ACK_SEEN_DST = 8;
    /**
     * On a split path, a half may send up to this many of the other half's largest windows beyond the
     * highest sequence number this node saw it send (see {@link #trackTcp}).
     */
    static final int SPLIT_WINDOWS = 2;

    private final StateStore st;
    private final long[] rec;
    private final StateCounters counters;
    private final boolean normalizeTcpFlags;
    private StateSyncHooks sync = StateSyncHooks.NONE;

    TcpTracker(final StateStore store, final StateCounters counters, final boolean normalizeTcpFlags) {
        this.st = store;
        this.rec = store.rec;
        this.counters = counters;
        this.normalizeTcpFlags = normalizeTcpFlags;
    }

    void sync(final StateSyncHooks hooks) {
        this.sync = hooks;
    }

    /**
     * pf_create_state(): the halves and timeout class of a new state from its first packet, sent by
     * the initiator; counts the insert by protocol. The slot was just allocated (record cleared).
     */
    void start(final int slot, final DecodedPacket p) {
        final long[] r = rec;
        final int b = StateStore.base(slot);
        StateStore.setHere(r, b, (StateStore.here(r, b) & ~0x0f) | SEEN_SRC);
        switch (p.protocol) {
            case DecodedPacket.PROTO_TCP:
                initTcp(slot, r, b, p);
                st.changeTimeoutClass(r, b, StateTimeouts.TCP_FIRST_PACKET);
                counters.increment(StateCounter.INSERTS_TCP);
                break;
            case DecodedPacket.PROTO_UDP:
                StateStore.setPeerState(r, b, PEER_SRC, PFUDPS_SINGLE);
                StateStore.setPeerState(r, b, PEER_DST, PFUDPS_NO_TRAFFIC);
                st.changeTimeoutClass(r, b, StateTimeouts.UDP_FIRST_PACKET);
                counters.increment(StateCounter.INSERTS_UDP);
                break;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                // pf sets no half states for ICMP; only the timeout class.
                st.changeTimeoutClass(r, b, StateTimeouts.ICMP_FIRST_PACKET);
                counters.increment(StateCounter.INSERTS_ICMP);
                break;
            default:
                StateStore.setPeerState(r, b, PEER_SRC, PFOTHERS_SINGLE);
                StateStore.setPeerState(r, b, PEER_DST, PFOTHERS_NO_TRAFFIC);
                st.changeTimeoutClass(r, b, StateTimeouts.OTHER_FIRST_PACKET);
                counters.increment(StateCounter.INSERTS_OTHER);
                break;
        }
    }

    /** A restored state: nothing has passed here yet; {@code resync}: its halves re-learn their windows. */
    void restored(final int slot, final boolean resync) {
        final long[] r = rec;
        final int b = StateStore.base(slot);
        StateStore.setHere(r, b, (StateStore.here(r, b) & StateStore.MODULATED) | (resync ? StateStore.RESYNC : 0));
    }

    /** Ends the sloppy re-learning of a recovered state's windows. */
    void endResync(final int slot) {
        final long[] r = rec;
        final int b = StateStore.base(slot);
        StateStore.setHere(r, b, StateStore.here(r, b) & ~StateStore.RESYNC);
    }

    /** pf_create_state() for TCP: the initiator's half from its first packet, the responder's empty. */
    private void initTcp(final int slot, final long[] r, final int b, final DecodedPacket p) {
        final int flags = p.tcpFlags;
        final int s = PEER_SRC;
        final int d = PEER_DST;
        StateStore.setSeqLo(r, b, s, (int) p.seq);
        int hi = StateStore.seqLo(r, b, s) + p.payloadLength + 1;
        if ((flags & DecodedPacket.TH_SYN) != 0) {
            hi++;
            StateStore.setWscale(r, b, s, wscaleOption(p));
        }
        int win = Math.max(p.window, 1);
        final int ws = StateStore.wscale(r, b, s);
        if ((ws & PF_WSCALE_MASK) != 0) {
            // Keep max_win in unscaled units, rounding up, as pf.
            final int shift = ws & PF_WSCALE_MASK;
            win = (win + (1 << shift) - 1) >>> shift;
        }
        StateStore.setMaxWin(r, b, s, win);
        if ((flags & DecodedPacket.TH_FIN) != 0) {
            hi++;
        }
        StateStore.setSeqHi(r, b, s, hi);
        st.mss[slot * 2 + s] = p.mss;
        StateStore.setPeerState(r, b, s, TCPS_SYN_SENT);
        StateStore.setSeqHi(r, b, d, 1);
        StateStore.setMaxWin(r, b, d, 1);
        StateStore.setPeerState(r, b, d, TCPS_CLOSED);
    }

    /** pf_get_wscale(): 0 when absent, else PF_WSCALE_FLAG with the shift clamped to 14. */
    private static int wscaleOption(final DecodedPacket p) {
        if (p.wscale < 0) {
            return 0;
        }
        return PF_WSCALE_FLAG | Math.min(p.wscale, TCP_MAX_WINSHIFT);
    }

    /** The half's {@code seqdiff}: 0 unless the record says {@link StateStore#MODULATED}. */
    private int seqDiff(final int slot, final long[] r, final int b, final int h) {
        return (StateStore.here(r, b) & StateStore.MODULATED) == 0 ? 0 : st.seqDiff[slot * 2 + h];
    }

    /**
     * Checks a packet against its state and advances the state, as pf's {@code pf_test_state_*};
     * on {@link StateTable#PASS} also the per-direction counters and what passed here.
     *
     * @param b the slot's record base, {@link StateStore#base}
     * @return {@link StateTable#PASS}, a {@code DROP_*} code, or {@link StateTable#STATE_REUSED}
     *         (the caller removes the state)
     */
    int track(final int slot, final int b, final DecodedPacket p, final boolean forward, final long nowMillis) {
        final long[] r = rec;
        final int s = forward ? PEER_SRC : PEER_DST;
        final int d = forward ? PEER_DST : PEER_SRC;
        final int result;
        final byte proto = StateStore.proto(r, b);
        switch (proto) {
            case DecodedPacket.PROTO_TCP:
                // Kept out of trackTcp, which is too large for the JIT to inline, so that it inlines.
                result = (p.tcpFlags & (DecodedPacket.TH_SYN | DecodedPacket.TH_FIN | DecodedPacket.TH_RST
                        | DecodedPacket.TH_ACK)) == DecodedPacket.TH_ACK && trackEstablished(slot, r, b, p, s, d, nowMillis)
                        ? PASS : trackTcp(slot, r, b, p, s, d, nowMillis);
                break;
            case DecodedPacket.PROTO_UDP:
                trackSingleMultiple(r, b, s, d, nowMillis, StateTimeouts.UDP_SINGLE, StateTimeouts.UDP_MULTIPLE);
                result = PASS;
                break;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                StateStore.setLastActivity(r, b, nowMillis);
                st.changeTimeoutClass(r, b, StateTimeouts.ICMP_ERROR_REPLY);
                result = PASS;
                break;
            default:
                trackSingleMultiple(r, b, s, d, nowMillis, StateTimeouts.OTHER_SINGLE, StateTimeouts.OTHER_MULTIPLE);
                result = PASS;
                break;
        }
        if (result == PASS) {
            passed(slot, r, b, p, forward, proto == DecodedPacket.PROTO_TCP);
        }
        return result;
    }

    /**
     * After {@link StateTable#PASS}: the per-direction counters, what passed here, and the highest ack
     * the sender sent. (Apart from {@link #track} to keep that small enough for the JIT to inline;
     * package-private for {@code TcpTrackerFastPathTest}.)
     */
    void passed(final int slot, final long[] r, final int b, final DecodedPacket p, final boolean forward,
            final boolean tcp) {
        final int dirIndex = forward ? 0 : 1;
        r[b + StateStore.W_PACKETS + dirIndex]++;
        r[b + StateStore.W_BYTES + dirIndex] += p.ipLength;
        int here = StateStore.here(r, b) | (forward ? SEEN_SRC : SEEN_DST);
        if (tcp && (p.tcpFlags & DecodedPacket.TH_ACK) != 0) {
            final int s = forward ? PEER_SRC : PEER_DST;
            final int d = forward ? PEER_DST : PEER_SRC;
            final int ack = (int) p.ack - seqDiff(slot, r, b, d);
            final int bit = forward ? ACK_SEEN_SRC : ACK_SEEN_DST;
            if ((here & bit) == 0 || seqGt(ack, StateStore.lastAck(r, b, s))) {
                StateStore.setLastAck(r, b, s, ack);
                here |= bit;
            }
        }
        StateStore.setHere(r, b, here);
    }

    /**
     * As pf's {@code pf_test_state_icmp()}: a TCP header quoted by an ICMP error must carry a sequence
     * number inside the window of the half that sent it, {@code seqlo - max_win(other) << scale <= seq
     * <= seqhi}.
     */
    boolean quoteInWindow(final int slot, final boolean quotedForward, final long innerSeq) {
        final long[] r = rec;
        final int b = StateStore.base(slot);
        final int x = quotedForward ? PEER_SRC : PEER_DST; // sender of the quote
        final int y = quotedForward ? PEER_DST : PEER_SRC;
        final int wsY = StateStore.wscale(r, b, y);
        final int dws = StateStore.wscale(r, b, x) != 0 && wsY != 0 ? wsY & PF_WSCALE_MASK : 0;
        final int seq = (int) innerSeq - seqDiff(slot, r, b, x);
        return seqGeq(StateStore.seqHi(r, b, x), seq)
            && seqGeq(seq, StateStore.seqLo(r, b, x) - (StateStore.maxWin(r, b, y) << dws));
    }

    /** pf_test_state_udp() and pf_test_state_other(): the sender is at least SINGLE; an answer makes the other MULTIPLE. */
    private void trackSingleMultiple(final long[] r, final int b, final int s, final int d, final long nowMillis,
            final int singleClass, final int multipleClass) {
        if (StateStore.peerState(r, b, s) < PFUDPS_SINGLE) {
            StateStore.setPeerState(r, b, s, PFUDPS_SINGLE);
        }
        if (StateStore.peerState(r, b, d) == PFUDPS_SINGLE) {
            StateStore.setPeerState(r, b, d, PFUDPS_MULTIPLE);
        }
        StateStore.setLastActivity(r, b, nowMillis);
        st.changeTimeoutClass(r, b,
            StateStore.peerState(r, b, s) == PFUDPS_MULTIPLE && StateStore.peerState(r, b, d) == PFUDPS_MULTIPLE
                ? multipleClass : singleClass);
    }

    /**
     * pf's TCP state test: the state-reuse rule of {@code pf_test_state_tcp()}, scrub's flag checks
     * (when enabled), then {@code pf_tcp_track_full()} (Guido van Rooij's sequence tracking):
     * <ol>
     * <li>Window scaling applies only when both halves carry {@code PF_WSCALE_FLAG}, never to SYNs.
     * <li>The first packet of a half (seqlo 0) initialises it: seqlo, state SYN_SENT, seqhi = end +
     *     the other's window, and for a SYN the scale factor, kept only if the other side's SYN had
     *     one too (else the other side's window is unscaled back and its scale dropped).
     * <li>No-data packets are judged at seqlo. The ack is replaced by the other's seqlo when there is
     *     no ACK flag, for RST|ACK with ack 0, and before the other half sent anything.
     * <li>Main check: data end ≤ seqhi; seq ≥ seqlo − the other's window (one window of
     *     retransmission); −MAXACKWINDOW ≤ ackskew ≤ MAXACKWINDOW << scale; a RST must carry seqlo,
     *     seqlo + 1 or seqlo − 1. Passing advances seqlo/seqhi/max_win and the half states and picks
     *     the timeout class.
     * <li>Loose check (SYN retransmissions before the answer, states picked up late, stray packets
     *     after close): within MAXACKWINDOW of the windows; advances the windows but not the timer.
     * <li>Anything else drops. A mismatch while both halves are SYN_SENT resets the sender's half
     *     (pf also sends a RST there; we do not).
     * </ol>
     * {@code s} and {@code d} are the sender's and the other's half (0 or 1). The common case goes
     * through {@link #trackEstablished} first (see {@link #track}); package-private for
     * {@code TcpTrackerFastPathTest}, which compares the two.
     */
    int trackTcp(final int slot, final long[] r, final int b, final DecodedPacket p, final int s, final int d,
            final long nowMillis) {
        final int flags = p.tcpFlags;
        final boolean syn = (flags & DecodedPacket.TH_SYN) != 0;
        final boolean fin = (flags & DecodedPacket.TH_FIN) != 0;
        final boolean rst = (flags & DecodedPacket.TH_RST) != 0;
        final boolean hasAck = (flags & DecodedPacket.TH_ACK) != 0;

        // pf_test_state_tcp(): a new SYN on a connection closed in both directions starts over.
        if ((flags & (DecodedPacket.TH_SYN | DecodedPacket.TH_ACK)) == DecodedPacket.TH_SYN
                && StateStore.peerState(r, b, s) >= TCPS_FIN_WAIT_2 && StateStore.peerState(r, b, d) >= TCPS_FIN_WAIT_2) {
            return STATE_REUSED;
        }
        if (normalizeTcpFlags && badFlags(flags)) {
            counters.increment(StateCounter.MISMATCH_BAD_FLAGS);
            return DROP_BAD_FLAGS;
        }

        int win = p.window;
        int sws;
        int dws;
        if (StateStore.wscale(r, b, s) != 0 && StateStore.wscale(r, b, d) != 0 && !syn) {
            sws = StateStore.wscale(r, b, s) & PF_WSCALE_MASK;
            dws = StateStore.wscale(r, b, d) & PF_WSCALE_MASK;
        } else {
            sws = 0;
            dws = 0;
        }

        final int origSeq = (int) p.seq;
        int seq = origSeq;
        int end;
        int dataEnd;
        if (StateStore.seqLo(r, b, s) == 0) {
            // First packet from this end: set up its half.
            end = seq + p.payloadLength;
            if (syn) {
                end++;
                if ((StateStore.wscale(r, b, d) & PF_WSCALE_FLAG) != 0) {
                    StateStore.setWscale(r, b, s, wscaleOption(p));
                    if ((StateStore.wscale(r, b, s) & PF_WSCALE_FLAG) != 0) {
                        // Both sides offered scaling: remove the scale from this initial window.
                        sws = StateStore.wscale(r, b, s) & PF_WSCALE_MASK;
                        win = (win + (1 << sws) - 1) >>> sws;
                        dws = StateStore.wscale(r, b, d) & PF_WSCALE_MASK;
                    } else {
                        // No scaling after all: undo the scaling of the other side's window.
                        StateStore.setMaxWin(r, b, d, Math.min(TCP_MAXWIN,
                            StateStore.maxWin(r, b, d) << (StateStore.wscale(r, b, d) & PF_WSCALE_MASK)));
                        StateStore.setWscale(r, b, d, 0);
                    }
                }
            }
            dataEnd = end;
            if (fin) {
                end++;
            }
            StateStore.setSeqLo(r, b, s, seq);
            if (StateStore.peerState(r, b, s) < TCPS_SYN_SENT) {
                StateStore.setPeerState(r, b, s, TCPS_SYN_SENT);
            }
            if (st.mss[slot * 2 + s] == 0 && syn) {
                st.mss[slot * 2 + s] = p.mss;
            }
            // Slide the window: seqhi may have been set before (state picked up late).
            final int w = Math.max(1, StateStore.maxWin(r, b, d) << dws);
            final int seqHiS = StateStore.seqHi(r, b, s);
            if (seqHiS == 1 || seqGeq(end + w, seqHiS)) {
                StateStore.setSeqHi(r, b, s, end + w);
            }
            if (win > StateStore.maxWin(r, b, s)) {
                StateStore.setMaxWin(r, b, s, win);
            }
        } else {
            end = seq + p.payloadLength;
            if (syn) {
                end++;
            }
            dataEnd = end;
            if (fin) {
                end++;
            }
        }

        final int seqLoD = StateStore.seqLo(r, b, d);
        final boolean dKnown = StateStore.peerState(r, b, d) >= TCPS_SYN_SENT; // d sent its SYN (seen here or told by a peer)
        final int here = StateStore.here(r, b);
        final int diffD = (here & StateStore.MODULATED) == 0 ? 0 : st.seqDiff[slot * 2 + d];
        if ((here & StateStore.RESYNC) != 0) {
            final int rawAck = (int) p.ack - diffD;
            return trackRecovered(slot, r, b, s, d, win, sws, end, hasAck ? rawAck : seqLoD,
                    hasAck ? dKnown : seqLoD != 0, hasAck, fin, rst, nowMillis);
        }
        int ack = (int) p.ack - diffD;
        boolean checkAck = true;
        if (!hasAck) {
            ack = seqLoD; // let it pass the ack skew check
        } else if ((ack == 0 && (flags & (DecodedPacket.TH_ACK | DecodedPacket.TH_RST))
                == (DecodedPacket.TH_ACK | DecodedPacket.TH_RST)) || !dKnown) {
            ack = seqLoD; // broken stacks and FIN|ACK after a SYN timeout: nothing to acknowledge
        } else if (seqLoD == 0) {
            checkAck = false; // split path: d's state came from a peer before its sequence numbers did
        }
        // The ack is a position in d's sequence space (so it may move d's seqhi) unless it was replaced
        // by a seqlo that is not known yet. pf also moves seqhi by a replaced 0; that would leave a
        // meaningless seqhi which breaks pf's own "seqhi == 1: not set" test when d's SYN is seen later.
        final boolean ackUsable = dKnown && (ack != seqLoD || seqLoD != 0);

        final int seqLoS = StateStore.seqLo(r, b, s);
        if (seq == end) {
            // Ease sequencing restrictions on packets without data.
            seq = seqLoS;
            end = seq;
            dataEnd = seq;
        }

        // Split paths widen the bounds (see inWindow).
        final boolean remote = remote(slot, here, d, nowMillis);
        final boolean widen = dKnown && remote;
        if (inWindow(r, b, s, d, seq, dataEnd, ack, checkAck, sws, dws, widen)
                && (!rst || origSeq == seqLoS || origSeq == seqLoS + 1 || origSeq + 1 == seqLoS)) {
            advanceWindows(r, b, s, d, win, sws, end, ack, ackUsable, widen);
            int stateS = StateStore.peerState(r, b, s);
            int stateD = StateStore.peerState(r, b, d);
            if (syn && stateS < TCPS_SYN_SENT) {
                stateS = TCPS_SYN_SENT;
            }
            if (fin && stateS < TCPS_CLOSING) {
                stateS = TCPS_CLOSING;
            }
            if (hasAck) {
                if (stateD == TCPS_SYN_SENT) {
                    stateD = TCPS_ESTABLISHED;
                } else if (stateD == TCPS_CLOSING) {
                    stateD = TCPS_FIN_WAIT_2;
                }
            }
            if (rst) {
                stateS = TCPS_TIME_WAIT;
                stateD = TCPS_TIME_WAIT;
            }
            StateStore.setPeerState(r, b, s, stateS);
            StateStore.setPeerState(r, b, d, stateD);
            StateStore.setLastActivity(r, b, nowMillis);
            st.changeTimeoutClass(r, b, tcpTimeoutClass(stateS, stateD));
            return PASS;
        }
        // Loose window forward: beyond seqhi, or on a split path whose other half is not known here yet
        // (its SYN-ACK crossed the peer, whose update is on its way), beyond what s itself sent — pf's
        // MAXACKWINDOW slides along with s, so the first flights after the handshake pass meanwhile.
        final int seqHiS = StateStore.seqHi(r, b, s);
        final int looseHi = remote && !dKnown && seqGt(seqLoS, seqHiS) ? seqLoS : seqHiS;
        final int stateS = StateStore.peerState(r, b, s);
        final int stateD = StateStore.peerState(r, b, d);
        if ((stateD < TCPS_SYN_SENT || stateD >= TCPS_FIN_WAIT_2 || stateS >= TCPS_FIN_WAIT_2)
                && seqGeq(looseHi + MAXACKWINDOW, dataEnd)                // within a window forward
                && seqGeq(seq, seqLoS - MAXACKWINDOW)) {                  // within a window backward
            // Loose: shotgunned SYNs, connections picked up late, stray packets after close.
            // The timer is not refreshed, so a flood cannot keep the state alive.
            advanceWindows(r, b, s, d, win, sws, end, ack, ackUsable, dKnown && remote);
            if (fin && stateS < TCPS_CLOSING) {
                StateStore.setPeerState(r, b, s, TCPS_CLOSING);
            }
            if (rst) {
                StateStore.setPeerState(r, b, s, TCPS_TIME_WAIT);
                StateStore.setPeerState(r, b, d, TCPS_TIME_WAIT);
            }
            return PASS;
        }
        if (!rst && !syn && hasAck && checkAck && dKnown && remote
                && takesOver(slot, r, b, s, d, origSeq, origSeq + p.payloadLength, ack, nowMillis)) {
            sync.tookOver(slot);
            st.resyncPackets[slot] = StateTable.RESYNC_PACKETS;
            StateStore.setHere(r, b, StateStore.here(r, b) | StateStore.RESYNC);
            counters.increment(StateCounter.TAKEOVERS);
            return trackRecovered(slot, r, b, s, d, win, sws, end, ack, ackUsable, hasAck, fin, false, nowMillis);
        }
        if (StateStore.peerState(r, b, PEER_SRC) == TCPS_SYN_SENT && StateStore.peerState(r, b, PEER_DST) == TCPS_SYN_SENT) {
            // Handshake mismatch: forget this half so that its next packet starts it again.
            StateStore.setSeqLo(r, b, s, 0);
            StateStore.setSeqHi(r, b, s, 1);
            StateStore.setMaxWin(r, b, s, 1);
        }
        if (rst) {
            counters.increment(StateCounter.MISMATCH_BAD_RST);
            return DROP_BAD_RST;
        }
        counters.increment(StateCounter.MISMATCH_OUT_OF_WINDOW);
        return DROP_OUT_OF_WINDOW;
    }

    /**
     * The common case of {@link #trackTcp} in fewer steps: a segment with ACK and without SYN, FIN or
     * RST, of a state whose halves are both ESTABLISHED with known sequence numbers, tracked as usual
     * (not {@link StateStore#RESYNC}, not {@link StateStore#MODULATED}), whose timeout class is
     * tcp.established already. For such a segment pf's checks reduce to the window check and the
     * window advance: the state-reuse and flag checks cannot refuse it, the ack is the packet's own,
     * and neither the half states nor the timeout class can change. Decides exactly as the full path
     * ({@code TcpTrackerFastPathTest} compares the two on random segments).
     *
     * @return true when the segment passed and the state advanced; false, having changed nothing, when
     *         the state is not such a state or the segment fails the window check (the full path then
     *         decides it and counts a drop)
     */
    boolean trackEstablished(final int slot, final long[] r, final int b, final DecodedPacket p, final int s,
            final int d, final long nowMillis) {
        if (StateStore.peerState(r, b, s) != TCPS_ESTABLISHED || StateStore.peerState(r, b, d) != TCPS_ESTABLISHED
                || StateStore.timeoutClass(r, b) != StateTimeouts.TCP_ESTABLISHED) {
            return false;
        }
        final int here = StateStore.here(r, b);
        final int seqLoS = StateStore.seqLo(r, b, s);
        if ((here & (StateStore.RESYNC | StateStore.MODULATED)) != 0 || seqLoS == 0 || StateStore.seqLo(r, b, d) == 0) {
            return false;
        }
        final int wsS = StateStore.wscale(r, b, s);
        final int wsD = StateStore.wscale(r, b, d);
        final boolean scaled = wsS != 0 && wsD != 0;
        final int sws = scaled ? wsS & PF_WSCALE_MASK : 0;
        final int dws = scaled ? wsD & PF_WSCALE_MASK : 0;
        int seq = (int) p.seq;
        int end = seq + p.payloadLength;
        if (seq == end) {
            seq = seqLoS; // no data: judged at seqlo
            end = seqLoS;
        }
        final int ack = (int) p.ack;
        final boolean remote = remote(slot, here, d, nowMillis);
        if (!inWindow(r, b, s, d, seq, end, ack, true, sws, dws, remote)) {
            return false;
        }
        advanceWindows(r, b, s, d, p.window, sws, end, ack, true, remote);
        StateStore.setLastActivity(r, b, nowMillis);
        return true;
    }

    /**
     * True when the other half's packets may not all pass here, so that the bounds pf takes from them
     * lag behind and {@link #inWindow} widens them: always in a cluster (every state may take a split
     * path at any moment: a route moves, a node fails over and back, and a node cannot tell at once
     * that the other direction stopped passing here); alone, when no packet of the other half passed
     * here or a peer updated the state recently.
     */
    private boolean remote(final int slot, final int here, final int d, final long nowMillis) {
        return sync.clusterChecks() || (here & (d == PEER_SRC ? SEEN_SRC : SEEN_DST)) == 0
                || sync.splitPath(slot, nowMillis);
    }

    /**
     * pf's main window check of {@code pf_tcp_track_full()} for a segment of half {@code s}, without
     * its RST rule: the last octet inside the other's window; at most one window of retransmission;
     * the ack at most one window back and ({@code MAXACKWINDOW << sws}) forward, unless
     * {@code checkAck} is false.
     *
     * <p>With {@code widen} (split path; theory in docs/pfsync.md), the bounds pf takes from d's
     * packets, which lag behind when d's packets do not all pass here, are widened to the limit that
     * what this node sees proves:
     * (1) d acknowledges at most what s sent (seqlo[s]) and offers at most its largest window, so s
     *     sends at most SPLIT_WINDOWS of d's largest windows beyond seqlo[s];
     * (3) s acknowledges at most what d sent, and d sends within the window s offered: seqhi[d],
     *     which this node computes from s's own packets; and, by (1) for d, at most SPLIT_WINDOWS
     *     of s's largest windows beyond d's seqlo.
     * Both stay within one or two windows of the connection's live sequence numbers, so a blind
     * (off-path) packet is still refused; RSTs keep pf's exact check against seqlo[s].
     */
    private static boolean inWindow(final long[] r, final int b, final int s, final int d, final int seq,
            final int dataEnd, final int ack, final boolean checkAck, final int sws, final int dws, final boolean widen) {
        final int seqLoS = StateStore.seqLo(r, b, s);
        final int seqLoD = StateStore.seqLo(r, b, d);
        final int maxWinD = StateStore.maxWin(r, b, d);
        final int ackskew = seqLoD - ack;
        int hiBound = StateStore.seqHi(r, b, s);
        boolean ackAhead = ackskew >= -MAXACKWINDOW;
        if (widen) {
            final int widened = seqLoS + splitReach(maxWinD, dws);
            if (seqGt(widened, hiBound)) {
                hiBound = widened;
            }
            final int seqHiD = StateStore.seqHi(r, b, d);
            if (!ackAhead && (seqHiD != 1 && seqGeq(seqHiD, ack)
                    || seqLoD != 0 && seqGeq(seqLoD + splitReach(StateStore.maxWin(r, b, s), sws), ack))) {
                ackAhead = true; // (3), or: d sent at most the reach of (1) beyond its seqlo, so s acks no more
            }
        }
        return seqGeq(hiBound, dataEnd)                                   // last octet inside the other's window
                && seqGeq(seq, seqLoS - (maxWinD << dws))                 // retransmit: at most a window back
                && (!checkAck || (ackAhead                                // acking at most one window back
                        && ackskew <= (MAXACKWINDOW << sws)));            // acking at most one window forward
    }

    /**
     * Takeover (theory in docs/pfsync.md): a segment that failed the checks on an established state
     * whose last peer report is old ({@link StateSyncHooks#peerFellSilent}) is the connection running
     * ahead of a carrier that stopped reporting (it failed, or its queue failed open), when it is
     * anchored on one axis: its own sequence number is within {@code MAXACKWINDOW} of its half's
     * seqlo and its ack is ahead of what the other half is known to have sent, or its ack is within
     * {@code MAXACKWINDOW} of the other half's seqlo and its data lies ahead. A packet off on both
     * axes, or behind on either, is no evidence and is dropped.
     */
    private boolean takesOver(final int slot, final long[] r, final int b, final int s, final int d, final int seq,
            final int dataEnd, final int ack, final long nowMillis) {
        final int stateS = StateStore.peerState(r, b, s);
        final int stateD = StateStore.peerState(r, b, d);
        if (stateS < TCPS_ESTABLISHED || stateS >= TCPS_FIN_WAIT_2 || stateD < TCPS_ESTABLISHED
                || stateD >= TCPS_FIN_WAIT_2 || !sync.peerFellSilent(slot, nowMillis)) {
            return false;
        }
        final int seqLoS = StateStore.seqLo(r, b, s);
        final int seqLoD = StateStore.seqLo(r, b, d);
        return near(ack, seqLoD) && seqGt(dataEnd, seqLoS) || near(seq, seqLoS) && seqGt(ack, seqLoD);
    }

    /** Within {@code MAXACKWINDOW} of each other, either way (modulo 2^32). */
    private static boolean near(final int a, final int b) {
        final int diff = a - b;
        return diff >= -MAXACKWINDOW && diff <= MAXACKWINDOW;
    }

    /**
     * A state recovered from the journal, tracked like pf's {@code sloppy} states for its first
     * {@link StateTable#RESYNC_PACKETS} packets: flags move the half states, the windows are re-learned
     * from every packet, and no sequence check drops anything — while the engine restarted the
     * connection moved on by an unknown amount, and packets lost meanwhile come back as
     * retransmissions out of order. Once both halves have been seen and the grace count is spent, pf's
     * full checks resume.
     */
    private int trackRecovered(final int slot, final long[] r, final int b, final int s, final int d, final int win,
            final int sws, final int end, final int ack, final boolean ackUsable, final boolean hasAck, final boolean fin,
            final boolean rst, final long nowMillis) {
        advanceWindows(r, b, s, d, win, sws, end, ack, ackUsable,
                StateStore.peerState(r, b, d) >= TCPS_SYN_SENT && remote(slot, StateStore.here(r, b), d, nowMillis));
        int stateS = StateStore.peerState(r, b, s);
        int stateD = StateStore.peerState(r, b, d);
        if (fin && stateS < TCPS_CLOSING) {
            stateS = TCPS_CLOSING;
        }
        if (hasAck && stateD == TCPS_CLOSING) {
            stateD = TCPS_FIN_WAIT_2;
        }
        if (rst) {
            stateS = TCPS_TIME_WAIT;
            stateD = TCPS_TIME_WAIT;
        }
        StateStore.setPeerState(r, b, s, stateS);
        StateStore.setPeerState(r, b, d, stateD);
        StateStore.setLastActivity(r, b, nowMillis);
        st.changeTimeoutClass(r, b, tcpTimeoutClass(stateS, stateD));
        if (--st.resyncPackets[slot] <= 0 && StateStore.seqLo(r, b, s) != 0 && StateStore.seqLo(r, b, d) != 0) {
            StateStore.setHere(r, b, StateStore.here(r, b) & ~StateStore.RESYNC);
        }
        return PASS;
    }

    /**
     * pf's window advance for a packet of {@code s} that passed: {@code max_win} and {@code seqlo} of
     * s, and {@code seqhi} of d from the ack. With {@code fromAck} (split-path bounds on: d's packets
     * may not pass here) also d's {@code seqlo} from the ack, when the ack is further: s acknowledges
     * only what d sent, so d sent at least that much. pf never needs it (it sees d's packets); here a
     * half this node does not see would otherwise move only by the peer's reports, and a view left
     * behind by missing reports would, 2^31 bytes on (under two seconds at 10 Gbit/s), read as
     * ahead in every modular comparison: every check and merge would turn against the live
     * connection. Bound 3 of the split-path checks (docs/pfsync.md) already holds the ack within
     * one or two windows of the connection, so a forged ack can move it no further.
     */
    private static void advanceWindows(final long[] r, final int b, final int s, final int d, final int win,
            final int sws, final int end, final int ack, final boolean ackUsable, final boolean fromAck) {
        if (StateStore.maxWin(r, b, s) < win) {
            StateStore.setMaxWin(r, b, s, win);
        }
        if (seqGt(end, StateStore.seqLo(r, b, s))) {
            StateStore.setSeqLo(r, b, s, end);
        }
        if (fromAck && ackUsable) {
            final int seqLoD = StateStore.seqLo(r, b, d);
            if (seqLoD != 0 && seqGt(ack, seqLoD)) {
                StateStore.setSeqLo(r, b, d, ack);
            }
        }
        final int scaled = win << sws;
        final int seqHiD = StateStore.seqHi(r, b, d);
        if (ackUsable && (seqHiD == 1 || seqGeq(ack + scaled, seqHiD))) {
            StateStore.setSeqHi(r, b, d, ack + Math.max(scaled, 1));
        }
    }

    /**
     * pf's ACK-driven transitions of the acknowledged half — SYN_SENT to ESTABLISHED, CLOSING to
     * FIN_WAIT_2 — applied late: on a split path the acknowledging packets pass here, but the half's
     * SYN or FIN crossed the peer, so this node learns that the half is SYN_SENT or CLOSING only from
     * the peer's view, after the ACK. If the highest ack seen from the acknowledging half covers the
     * acknowledged half's {@code seqlo} (its SYN or FIN included), the transition is made — a
     * conclusion the peer cannot draw (it never saw the ACK), so the caller sends it. Without it a
     * split connection's halves stay SYN_SENT or CLOSING: an idle connection keeps tcp.opening's 30 s,
     * and a closed one is never "closed in both directions", so a new SYN reusing its ports is dropped
     * instead of starting over.
     *
     * @return {@link StateTable#MERGE_DERIVED} when a transition was made, else 0
     */
    int lateAcks(final int slot) {
        final long[] r = rec;
        final int b = StateStore.base(slot);
        if ((StateStore.here(r, b) & (ACK_SEEN_SRC | ACK_SEEN_DST)) == 0) {
            return 0;
        }
        return lateAckTransition(r, b, ACK_SEEN_SRC, PEER_SRC, PEER_DST)
                | lateAckTransition(r, b, ACK_SEEN_DST, PEER_DST, PEER_SRC);
    }

    private static int lateAckTransition(final long[] r, final int b, final int bit, final int acker, final int acked) {
        if ((StateStore.here(r, b) & bit) == 0 || StateStore.seqLo(r, b, acked) == 0
                || !seqGeq(StateStore.lastAck(r, b, acker), StateStore.seqLo(r, b, acked))) {
            return 0;
        }
        if (StateStore.peerState(r, b, acked) == TCPS_SYN_SENT) {
            StateStore.setPeerState(r, b, acked, TCPS_ESTABLISHED);
            return MERGE_DERIVED;
        }
        if (StateStore.peerState(r, b, acked) == TCPS_CLOSING) {
            StateStore.setPeerState(r, b, acked, TCPS_FIN_WAIT_2);
            return MERGE_DERIVED;
        }
        return 0;
    }

    /** How far beyond seqlo a half may send on a split path: {@link #SPLIT_WINDOWS} of the other's largest window. */
    private static int splitReach(final int otherMaxWin, final int shift) {
        return (int) Math.min((long) SPLIT_WINDOWS * ((long) Math.max(otherMaxWin, 1) << shift), 1L << 30);
    }

    /** pf's timeout class for a TCP state from its two half states (first match wins). */
    static int tcpTimeoutClass(final int src, final int dst) {
        if (src >= TCPS_FIN_WAIT_2 && dst >= TCPS_FIN_WAIT_2) {
            return StateTimeouts.TCP_CLOSED;
        }
        if (src >= TCPS_CLOSING && dst >= TCPS_CLOSING) {
            return StateTimeouts.TCP_FIN_WAIT;
        }
        if (src < TCPS_ESTABLISHED || dst < TCPS_ESTABLISHED) {
            return StateTimeouts.TCP_OPENING;
        }
        if (src >= TCPS_CLOSING || dst >= TCPS_CLOSING) {
            return StateTimeouts.TCP_CLOSING;
        }
        return StateTimeouts.TCP_ESTABLISHED;
    }

    /**
     * pf scrub's TCP flag checks ({@code pf_normalize_tcp()}): SYN with RST or FIN; neither SYN, ACK
     * nor RST; FIN, PUSH or URG without ACK.
     */
    static boolean badFlags(final int flags) {
        if ((flags & DecodedPacket.TH_SYN) != 0) {
            if ((flags & (DecodedPacket.TH_RST | DecodedPacket.TH_FIN)) != 0) {
                return true;
            }
        } else if ((flags & (DecodedPacket.TH_ACK | DecodedPacket.TH_RST)) == 0) {
            return true;
        }
        return (flags & DecodedPacket.TH_ACK) == 0
            && (flags & (DecodedPacket.TH_FIN | DecodedPacket.TH_PUSH | DecodedPacket.TH_URG)) != 0;
    }

    /** SEQ_GT: a is after b in 32-bit modular sequence space. */
    static boolean seqGt(final int a, final int b) {
        return a - b > 0;
    }

    /** SEQ_GEQ. */
    static boolean seqGeq(final int a, final int b) {
        return a - b >= 0;
    }

    /** SEQ_LT. */
    static boolean seqLt(final int a, final int b) {
        return a - b < 0;
    }
}
