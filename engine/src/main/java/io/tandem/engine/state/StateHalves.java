package io.tandem.engine.state;

/**
 * A state's two halves as another node holds them: what {@link StateTable#mergeHalves} reads from
 * a pfsync peer's record. Half 0 is that node's initiator (src), half 1 its responder (dst), with
 * pf's {@code pf_state_peer} fields. The journal record flyweight is the implementation, so a peer's
 * record is merged straight from the bytes it arrived in; nothing is copied or allocated.
 */
public interface StateHalves {
    /** Highest sequence number sent, plus one (unsigned 32 bits in a long); 0 = not known. */
    long seqLo(int half);

    /** Highest sequence number the half may send (the other's ack plus window); 0 or 1 = not known. */
    long seqHi(int half);

    /** Largest window the half advertised, unscaled. */
    int maxWin(int half);

    int mss(int half);

    /** {@code TCPS_*} for TCP, {@code PFUDPS_*}/{@code PFOTHERS_*} otherwise. */
    int peerState(int half);

    /** {@link PfConstants#PF_WSCALE_FLAG} | shift, or 0. */
    int wscale(int half);

    /** pf's timeout class ({@code PFTM_*}). */
    int timeoutClass();
}
