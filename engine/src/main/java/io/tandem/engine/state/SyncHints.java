package io.tandem.engine.state;

/**
 * How a journaled state change should reach the pfsync peers: a bit set carried from the packet
 * thread to the sync agent in each journal record (byte 216). Zero means "queue it normally":
 * a compressed update (UPD_C) sent with the next frame, at most the flush timer later.
 *
 * <p>These are the triggers of pf's immediate send (spec A.8.2), decided where pf decides them — on
 * the thread that owns the state — and acted upon by the only thread that sends.
 */
public final class SyncHints {
    /** Send without waiting for the flush timer: maxupdates reached, split path, stale answer, request answer. */
    public static final int IMMEDIATE = 0x01;
    /** Send the full state (UPD), not the compressed UPD_C: a peer asked for it, or it cannot know the state. */
    public static final int FULL = 0x02;
    /** Send even though the change came from a peer: our version answers a stale update or a request. */
    public static final int REPLY = 0x04;
    // 0x08 was ACK: a peer's INS asked for INS_ACK, which the sync agent sent when it read the record. Journals
    // written before 2026-12-05 may carry it; the sync thread now answers the INS when it arrives (FrameIngress).

    private SyncHints() {
    }
}
