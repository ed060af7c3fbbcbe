package io.tandem.engine.state;

/** Why a state left the table; each reason has its own removal counter. */
public enum StateRemoveReason {
    /** Its deadline passed (found by the expiry sweep). */
    EXPIRED(StateCounter.REMOVED_EXPIRED),
    /** The connection closed and the caller removed it before its deadline. */
    CLOSED(StateCounter.REMOVED_CLOSED),
    /** Removed by an administrative flush or a peer's clear. */
    FLUSHED(StateCounter.REMOVED_FLUSHED),
    /** A closed TCP state whose 5-tuple a new connection reuses (pf's "state reuse"). */
    REUSED(StateCounter.REMOVED_REUSED),
    /**
     * Two nodes created a state for the same connection and the other node's won (the lower
     * creatorid, then id): ours gives way to it, keeping what it knew.
     */
    SUPERSEDED(StateCounter.REMOVED_SUPERSEDED);

    private final StateCounter counter;

    StateRemoveReason(final StateCounter counter) {
        this.counter = counter;
    }

    public StateCounter counter() {
        return counter;
    }
}
