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
 * passed here and the highest ack each half sent ({@link #seenHere}, {@link #lastAck}), and asks the
 * table's {@link StateSyncHooks} whether a state is on a split path.
 *
 * <p><b>Owner.</b> The table's packet thread. <b>Memory bound:</b> 9 bytes per slot (the seen
 * flags and two last acks), fixed at construction. <b>Failure policy:</b> a packet that fails the
 * checks is a {@code DROP_*} result, counted under its reason; nothing throws on the packet path.
 *
 * <p><b>Deliberate differences from pf</b>: no sequence-number modulation, scrub or synproxy
 * ({@code seqdiff} is kept for pfsync but always 0 locally); a handshake mismatch resets the sender's
 * half but sends no RST.
 */
final class TcpTracker {
    /** {@link #seenHere}: a packet sent by the initiator (src) passed here; by the responder (dst). */
    static final int SEEN_SRC = 1;
    static final int SEEN_DST = 2;
    /** {@link #seenHere}: a packet with an ACK sent by the src (or dst) half passed here. */
    static final int ACK_SEEN_SRC = 4;
    static final int ACK_SEEN_DST = 8;
    /**
     * On a split path, a half may send up to this many of the other half's largest windows beyond the
     * highest sequence number this node saw it send (see {@link #trackTcp}).
     */
    static final int SPLIT_WINDOWS = 2;

    private final StateStore st;
    private final StateCounters counters;
    private final boolean normalizeTcpFlags;
    /** Per slot: which halves this node has passed packets (and ACKs) from. */
    private final byte[] seenHere;
    /**
     * Per half: the highest ack number this node saw the half send. On a split path the other half's
     * SYN or FIN may be known here only later, from the peer, when pf's ACK-driven transitions have
     * already been missed; {@link #lateAcks} applies them then.
     */
    private final int[] lastAck;
    private StateSyncHooks sync = StateSyncHooks.NONE;

    TcpTracker(final StateStore store, final StateCounters counters, final boolean normalizeTcpFlags) {
        this.st = store;
        this.counters = counters;
        this.normalizeTcpFlags = normalizeTcpFlags;
        this.seenHere = new byte[store.capacity];
        this.lastAck = new int[store.capacity * 2];
    }

    void sync(final StateSyncHooks hooks) {
        this.sync = hooks;
    }

    /**
     * pf_create_state(): the halves and timeout class of a new state from its first packet, sent by
     * the initiator; counts the insert by protocol.
     */
    void start(final int slot, final DecodedPacket p) {
        final int s = slot * 2;
        final int d = s + 1;
        seenHere[slot] = SEEN_SRC;
        switch (p.protocol) {
            case DecodedPacket.PROTO_TCP:
                initTcp(p, s, d);
                st.timeoutClass[slot] = StateTimeouts.TCP_FIRST_PACKET;
                counters.increment(StateCounter.INSERTS_TCP);
                break;
            case DecodedPacket.PROTO_UDP:
                st.peerState[s] = PFUDPS_SINGLE;
                st.peerState[d] = PFUDPS_NO_TRAFFIC;
                st.timeoutClass[slot] = StateTimeouts.UDP_FIRST_PACKET;
                counters.increment(StateCounter.INSERTS_UDP);
                break;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                // pf sets no half states for ICMP; only the timeout class.
                st.timeoutClass[slot] = StateTimeouts.ICMP_FIRST_PACKET;
                counters.increment(StateCounter.INSERTS_ICMP);
                break;
            default:
                st.peerState[s] = PFOTHERS_SINGLE;
                st.peerState[d] = PFOTHERS_NO_TRAFFIC;
                st.timeoutClass[slot] = StateTimeouts.OTHER_FIRST_PACKET;
                counters.increment(StateCounter.INSERTS_OTHER);
                break;
        }
    }

    /** A restored state: nothing has passed here yet. */
    void restored(final int slot) {
        seenHere[slot] = 0;
    }

    /** pf_create_state() for TCP: the initiator's half from its first packet, the responder's empty. */
    private void initTcp(final DecodedPacket p, final int s, final int d) {
        final int flags = p.tcpFlags;
        st.seqLo[s] = (int) p.seq;
        int hi = st.seqLo[s] + p.payloadLength + 1;
        if ((flags & DecodedPacket.TH_SYN) != 0) {
            hi++;
            st.wscale[s] = (byte) wscaleOption(p);
        }
        int win = Math.max(p.window, 1);
        if ((st.wscale[s] & PF_WSCALE_MASK) != 0) {
            // Keep max_win in unscaled units, rounding up, as pf.
            final int shift = st.wscale[s] & PF_WSCALE_MASK;
            win = (win + (1 << shift) - 1) >>> shift;
        }
        st.maxWin[s] = win;
        if ((flags & DecodedPacket.TH_FIN) != 0) {
            hi++;
        }
        st.seqHi[s] = hi;
        st.mss[s] = p.mss;
        st.peerState[s] = TCPS_SYN_SENT;
        st.seqHi[d] = 1;
        st.maxWin[d] = 1;
        st.peerState[d] = TCPS_CLOSED;
    }

    /** pf_get_wscale(): 0 when absent, else PF_WSCALE_FLAG with the shift clamped to 14. */
    private static int wscaleOption(final DecodedPacket p) {
        if (p.wscale < 0) {
            return 0;
        }
        return PF_WSCALE_FLAG | Math.min(p.wscale, TCP_MAX_WINSHIFT);
    }

    /**
     * Checks a packet against its state and advances the state, as pf's {@code pf_test_state_*};
     * on {@link StateTable#PASS} also the per-direction counters and what passed here.
     *
     * @return {@link StateTable#PASS}, a {@code DROP_*} code, or {@link StateTable#STATE_REUSED}
     *         (the caller removes the state)
     */
    int track(final int slot, final DecodedPacket p, final boolean forward, final long nowMillis) {
        final int s = slot * 2 + (forward ? PEER_SRC : PEER_DST);
        final int d = slot * 2 + (forward ? PEER_DST : PEER_SRC);
        final int result;
        switch (st.proto[slot]) {
            case DecodedPacket.PROTO_TCP:
                result = trackTcp(slot, p, s, d, nowMillis);
                break;
            case DecodedPacket.PROTO_UDP:
                trackSingleMultiple(slot, s, d, nowMillis, StateTimeouts.UDP_SINGLE, StateTimeouts.UDP_MULTIPLE);
                result = PASS;
                break;
            case DecodedPacket.PROTO_ICMP:
            case DecodedPacket.PROTO_ICMPV6:
                st.lastActivityMillis[slot] = nowMillis;
                st.timeoutClass[slot] = StateTimeouts.ICMP_ERROR_REPLY;
                result = PASS;
                break;
            default:
                trackSingleMultiple(slot, s, d, nowMillis, StateTimeouts.OTHER_SINGLE, StateTimeouts.OTHER_MULTIPLE);
                result = PASS;
                break;
        }
        if (result == PASS) {
            final int dirIndex = forward ? 0 : 1;
            st.packets[slot * 2 + dirIndex]++;
            st.bytes[slot * 2 + dirIndex] += p.ipLength;
            seenHere[slot] |= (byte) (forward ? SEEN_SRC : SEEN_DST);
            if (st.proto[slot] == DecodedPacket.PROTO_TCP && (p.tcpFlags & DecodedPacket.TH_ACK) != 0) {
                final int ack = (int) p.ack - st.seqDiff[d];
                final int bit = forward ? ACK_SEEN_SRC : ACK_SEEN_DST;
                if ((seenHere[slot] & bit) == 0 || seqGt(ack, lastAck[s])) {
                    lastAck[s] = ack;
                    seenHere[slot] |= (byte) bit;
                }
            }
        }
        return result;
    }

    /**
     * As pf's {@code pf_test_state_icmp()}: a TCP header quoted by an ICMP error must carry a sequence
     * number inside the window of the half that sent it, {@code seqlo - max_win(other) << scale <= seq
     * <= seqhi}.
     */
    boolean quoteInWindow(final int slot, final boolean quotedForward, final long innerSeq) {
        final int x = slot * 2 + (quotedForward ? PEER_SRC : PEER_DST); // sender of the quote
        final int y = slot * 2 + (quotedForward ? PEER_DST : PEER_SRC);
        final int dws = st.wscale[x] != 0 && st.wscale[y] != 0 ? st.wscale[y] & PF_WSCALE_MASK : 0;
        final int seq = (int) innerSeq - st.seqDiff[x];
        return seqGeq(st.seqHi[x], seq) && seqGeq(seq, st.seqLo[x] - (st.maxWin[y] << dws));
    }

    /** pf_test_state_udp() and pf_test_state_other(): the sender is at least SINGLE; an answer makes the other MULTIPLE. */
    private void trackSingleMultiple(final int slot, final int s, final int d, final long nowMillis,
            final int singleClass, final int multipleClass) {
        if (st.peerState[s] < PFUDPS_SINGLE) {
            st.peerState[s] = PFUDPS_SINGLE;
        }
        if (st.peerState[d] == PFUDPS_SINGLE) {
            st.peerState[d] = PFUDPS_MULTIPLE;
        }
        st.lastActivityMillis[slot] = nowMillis;
        st.timeoutClass[slot] = (byte) (st.peerState[s] == PFUDPS_MULTIPLE && st.peerState[d] == PFUDPS_MULTIPLE
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
     */
    private int trackTcp(final int slot, final DecodedPacket p, final int s, final int d, final long nowMillis) {
        final StateStore st = this.st;
        final int flags = p.tcpFlags;
        final boolean syn = (flags & DecodedPacket.TH_SYN) != 0;
        final boolean fin = (flags & DecodedPacket.TH_FIN) != 0;
        final boolean rst = (flags & DecodedPacket.TH_RST) != 0;
        final boolean hasAck = (flags & DecodedPacket.TH_ACK) != 0;
        final int[] seqLo = st.seqLo;
        final int[] seqHi = st.seqHi;
        final int[] maxWin = st.maxWin;
        final byte[] peerState = st.peerState;
        final byte[] wscale = st.wscale;

        // pf_test_state_tcp(): a new SYN on a connection closed in both directions starts over.
        if ((flags & (DecodedPacket.TH_SYN | DecodedPacket.TH_ACK)) == DecodedPacket.TH_SYN
                && peerState[s] >= TCPS_FIN_WAIT_2 && peerState[d] >= TCPS_FIN_WAIT_2) {
            return STATE_REUSED;
        }
        if (normalizeTcpFlags && badFlags(flags)) {
            counters.increment(StateCounter.MISMATCH_BAD_FLAGS);
            return DROP_BAD_FLAGS;
        }

        int win = p.window;
        int sws;
        int dws;
        if (wscale[s] != 0 && wscale[d] != 0 && !syn) {
            sws = wscale[s] & PF_WSCALE_MASK;
            dws = wscale[d] & PF_WSCALE_MASK;
        } else {
            sws = 0;
            dws = 0;
        }

        final int origSeq = (int) p.seq;
        int seq = origSeq;
        int end;
        int dataEnd;
        if (seqLo[s] == 0) {
            // First packet from this end: set up its half.
            end = seq + p.payloadLength;
            if (syn) {
                end++;
                if ((wscale[d] & PF_WSCALE_FLAG) != 0) {
                    wscale[s] = (byte) wscaleOption(p);
                    if ((wscale[s] & PF_WSCALE_FLAG) != 0) {
                        // Both sides offered scaling: remove the scale from this initial window.
                        sws = wscale[s] & PF_WSCALE_MASK;
                        win = (win + (1 << sws) - 1) >>> sws;
                        dws = wscale[d] & PF_WSCALE_MASK;
                    } else {
                        // No scaling after all: undo the scaling of the other side's window.
                        maxWin[d] = Math.min(TCP_MAXWIN, maxWin[d] << (wscale[d] & PF_WSCALE_MASK));
                        wscale[d] = 0;
                    }
                }
            }
            dataEnd = end;
            if (fin) {
                end++;
            }
            seqLo[s] = seq;
            if (peerState[s] < TCPS_SYN_SENT) {
                peerState[s] = TCPS_SYN_SENT;
            }
            if (st.mss[s] == 0 && syn) {
                st.mss[s] = p.mss;
            }
            // Slide the window: seqhi may have been set before (state picked up late).
            final int w = Math.max(1, maxWin[d] << dws);
            if (seqHi[s] == 1 || seqGeq(end + w, seqHi[s])) {
                seqHi[s] = end + w;
            }
            if (win > maxWin[s]) {
                maxWin[s] = win;
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

        final boolean dKnown = peerState[d] >= TCPS_SYN_SENT; // d sent its SYN (seen here or told by a peer)
        if (st.resync[slot]) {
            final int rawAck = (int) p.ack - st.seqDiff[d];
            return trackRecovered(slot, s, d, win, sws, end, hasAck ? rawAck : seqLo[d],
                    hasAck ? dKnown : seqLo[d] != 0, hasAck, fin, rst, nowMillis);
        }
        int ack = (int) p.ack - st.seqDiff[d];
        boolean checkAck = true;
        if (!hasAck) {
            ack = seqLo[d]; // let it pass the ack skew check
        } else if ((ack == 0 && (flags & (DecodedPacket.TH_ACK | DecodedPacket.TH_RST))
                == (DecodedPacket.TH_ACK | DecodedPacket.TH_RST)) || !dKnown) {
            ack = seqLo[d]; // broken stacks and FIN|ACK after a SYN timeout: nothing to acknowledge
        } else if (seqLo[d] == 0) {
            checkAck = false; // split path: d's state came from a peer before its sequence numbers did
        }
        // The ack is a position in d's sequence space (so it may move d's seqhi) unless it was replaced
        // by a seqlo that is not known yet. pf also moves seqhi by a replaced 0; that would leave a
        // meaningless seqhi which breaks pf's own "seqhi == 1: not set" test when d's SYN is seen later.
        final boolean ackUsable = dKnown && (ack != seqLo[d] || seqLo[d] != 0);

        if (seq == end) {
            // Ease sequencing restrictions on packets without data.
            seq = seqLo[s];
            end = seq;
            dataEnd = seq;
        }

        final int ackskew = seqLo[d] - ack;
        // Split path (theory in docs/pfsync.md): when d's packets do not all pass here, the bounds pf takes
        // from d's packets lag behind, so each is widened to the limit that what this node sees proves.
        // (1) d acknowledges at most what s sent (seqlo[s]) and offers at most its largest window, so s
        //     sends at most SPLIT_WINDOWS of d's largest windows beyond seqlo[s];
        // (3) s acknowledges at most what d sent, and d sends within the window s offered: seqhi[d],
        //     which this node computes from s's own packets; and, by (1) for d, at most SPLIT_WINDOWS
        //     of s's largest windows beyond d's seqlo.
        // Both stay within one or two windows of the connection's live sequence numbers, so a blind
        // (off-path) packet is still refused; RSTs keep pf's exact check against seqlo[s].
        int hiBound = seqHi[s];
        boolean ackAhead = ackskew >= -MAXACKWINDOW;
        // In a cluster every state may take a split path at any moment (a route moves, a node fails
        // over and back), and a node cannot tell at once that the other direction stopped passing here,
        // so with sync on the widened bounds always apply; alone, a node checks exactly as pf.
        final boolean remote = sync.clusterChecks() || (seenHere[slot] & (d == slot * 2 ? SEEN_SRC : SEEN_DST)) == 0
                || sync.splitPath(slot, nowMillis);
        if (dKnown && remote) {
            final int widened = seqLo[s] + splitReach(maxWin[d], dws);
            if (seqGt(widened, hiBound)) {
                hiBound = widened;
            }
            if (!ackAhead && (seqHi[d] != 1 && seqGeq(seqHi[d], ack)
                    || seqLo[d] != 0 && seqGeq(seqLo[d] + splitReach(maxWin[s], sws), ack))) {
                ackAhead = true; // (3), or: d sent at most the reach of (1) beyond its seqlo, so s acks no more
            }
        }

        if (seqGeq(hiBound, dataEnd)                                      // last octet inside the other's window
                && seqGeq(seq, seqLo[s] - (maxWin[d] << dws))             // retransmit: at most a window back
                && (!checkAck || (ackAhead                                // acking at most one window back
                        && ackskew <= (MAXACKWINDOW << sws)))             // acking at most one window forward
                && (!rst || origSeq == seqLo[s] || origSeq == seqLo[s] + 1 || origSeq + 1 == seqLo[s])) {
            advanceWindows(s, d, win, sws, end, ack, ackUsable);
            if (syn && peerState[s] < TCPS_SYN_SENT) {
                peerState[s] = TCPS_SYN_SENT;
            }
            if (fin && peerState[s] < TCPS_CLOSING) {
                peerState[s] = TCPS_CLOSING;
            }
            if (hasAck) {
                if (peerState[d] == TCPS_SYN_SENT) {
                    peerState[d] = TCPS_ESTABLISHED;
                } else if (peerState[d] == TCPS_CLOSING) {
                    peerState[d] = TCPS_FIN_WAIT_2;
                }
            }
            if (rst) {
                peerState[s] = TCPS_TIME_WAIT;
                peerState[d] = TCPS_TIME_WAIT;
            }
            st.lastActivityMillis[slot] = nowMillis;
            st.timeoutClass[slot] = (byte) tcpTimeoutClass(peerState[s], peerState[d]);
            return PASS;
        }
        // Loose window forward: beyond seqhi, or on a split path whose other half is not known here yet
        // (its SYN-ACK crossed the peer, whose update is on its way), beyond what s itself sent — pf's
        // MAXACKWINDOW slides along with s, so the first flights after the handshake pass meanwhile.
        final int looseHi = remote && !dKnown && seqGt(seqLo[s], seqHi[s]) ? seqLo[s] : seqHi[s];
        if ((peerState[d] < TCPS_SYN_SENT || peerState[d] >= TCPS_FIN_WAIT_2 || peerState[s] >= TCPS_FIN_WAIT_2)
                && seqGeq(looseHi + MAXACKWINDOW, dataEnd)                // within a window forward
                && seqGeq(seq, seqLo[s] - MAXACKWINDOW)) {                // within a window backward
            // Loose: shotgunned SYNs, connections picked up late, stray packets after close.
            // The timer is not refreshed, so a flood cannot keep the state alive.
            advanceWindows(s, d, win, sws, end, ack, ackUsable);
            if (fin && peerState[s] < TCPS_CLOSING) {
                peerState[s] = TCPS_CLOSING;
            }
            if (rst) {
                peerState[s] = TCPS_TIME_WAIT;
                peerState[d] = TCPS_TIME_WAIT;
            }
            return PASS;
        }
        final int base = slot * 2;
        if (peerState[base + PEER_SRC] == TCPS_SYN_SENT && peerState[base + PEER_DST] == TCPS_SYN_SENT) {
            // Handshake mismatch: forget this half so that its next packet starts it again.
            seqLo[s] = 0;
            seqHi[s] = 1;
            maxWin[s] = 1;
        }
        if (rst) {
            counters.increment(StateCounter.MISMATCH_BAD_RST);
            return DROP_BAD_RST;
        }
        counters.increment(StateCounter.MISMATCH_OUT_OF_WINDOW);
        return DROP_OUT_OF_WINDOW;
    }

    /**
     * A state recovered from the journal, tracked like pf's {@code sloppy} states for its first
     * {@link StateTable#RESYNC_PACKETS} packets: flags move the half states, the windows are re-learned
     * from every packet, and no sequence check drops anything — while the engine restarted the
     * connection moved on by an unknown amount, and packets lost meanwhile come back as
     * retransmissions out of order. Once both halves have been seen and the grace count is spent, pf's
     * full checks resume.
     */
    private int trackRecovered(final int slot, final int s, final int d, final int win, final int sws, final int end,
            final int ack, final boolean ackUsable, final boolean hasAck, final boolean fin, final boolean rst,
            final long nowMillis) {
        final byte[] peerState = st.peerState;
        advanceWindows(s, d, win, sws, end, ack, ackUsable);
        if (fin && peerState[s] < TCPS_CLOSING) {
            peerState[s] = TCPS_CLOSING;
        }
        if (hasAck && peerState[d] == TCPS_CLOSING) {
            peerState[d] = TCPS_FIN_WAIT_2;
        }
        if (rst) {
            peerState[s] = TCPS_TIME_WAIT;
            peerState[d] = TCPS_TIME_WAIT;
        }
        st.lastActivityMillis[slot] = nowMillis;
        st.timeoutClass[slot] = (byte) tcpTimeoutClass(peerState[s], peerState[d]);
        if (--st.resyncPackets[slot] <= 0 && st.seqLo[s] != 0 && st.seqLo[d] != 0) {
            st.resync[slot] = false;
        }
        return PASS;
    }

    private void advanceWindows(final int s, final int d, final int win, final int sws, final int end,
            final int ack, final boolean ackUsable) {
        if (st.maxWin[s] < win) {
            st.maxWin[s] = win;
        }
        if (seqGt(end, st.seqLo[s])) {
            st.seqLo[s] = end;
        }
        final int scaled = win << sws;
        if (ackUsable && (st.seqHi[d] == 1 || seqGeq(ack + scaled, st.seqHi[d]))) {
            st.seqHi[d] = ack + Math.max(scaled, 1);
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
        if ((seenHere[slot] & (ACK_SEEN_SRC | ACK_SEEN_DST)) == 0) {
            return 0;
        }
        return lateAckTransition(slot, ACK_SEEN_SRC, slot * 2, slot * 2 + 1)
                | lateAckTransition(slot, ACK_SEEN_DST, slot * 2 + 1, slot * 2);
    }

    private int lateAckTransition(final int slot, final int bit, final int acker, final int acked) {
        if ((seenHere[slot] & bit) == 0 || st.seqLo[acked] == 0 || !seqGeq(lastAck[acker], st.seqLo[acked])) {
            return 0;
        }
        if (st.peerState[acked] == TCPS_SYN_SENT) {
            st.peerState[acked] = TCPS_ESTABLISHED;
            return MERGE_DERIVED;
        }
        if (st.peerState[acked] == TCPS_CLOSING) {
            st.peerState[acked] = TCPS_FIN_WAIT_2;
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
