package io.tandem.engine.sync.wire;

/**
 * Receives the valid records of a decoded frame, in frame order, from {@link PfsyncFrameDecoder}.
 * Flyweights passed in are only valid during the call and must not be written to or retained.
 * Implementations run on the decoder's thread and must not allocate on the hot path.
 *
 * <p>Records have passed the per-record checks of C.4/W.6 (see {@link PfsyncFrameDecoder}); the
 * semantic checks (known state, interface mapping, tracked protocol, merge) are the handler's.
 */
public interface PfsyncRecordHandler {
    /** CLR (0): flush {@code creatorid}'s states, only those bound to {@code ifname} if not empty. */
    void onClr(PfsyncClrFlyweight clr);

    /**
     * A full state: INS or UPD in format 1301 (actions 1, 3), 1400 (13, 14) or 1500 (15, 16).
     * DEL (6) does not come here: it is delivered to {@link #onDelC}.
     */
    void onState(int action, int format, PfsyncStateRecord state);

    /** INS_ACK (2): release the deferred first packet of (creatorid, id). */
    void onInsAck(long id, int creatorid);

    /** UPD_C (4): compressed update of a known state. */
    void onUpdC(PfsyncUpdCFlyweight updC);

    /** UPD_REQ (5): send the full state (creatorid, id); (0, 0) asks for a bulk update. */
    void onUpdReq(long id, int creatorid);

    /** DEL_C (7), and full DEL (6) records reduced to DEL_C semantics (W.4): remove (creatorid, id). */
    void onDelC(long id, int creatorid);

    /** BUS (10): bulk update status; {@code status} START (1) or END (2), other values passed through. */
    void onBus(int creatorid, long endtime, int status);
}
