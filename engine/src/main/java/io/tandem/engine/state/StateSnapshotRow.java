package io.tandem.engine.state;

/**
 * One row of a {@link StateSnapshotMailbox} chunk read as a {@link StateView}: a flyweight,
 * {@link #wrap} points it at a row, so a reader walks a chunk without copying or allocating.
 *
 * <p>A row is what the admin socket lists, not a whole state: it carries no {@code state_flags},
 * no {@code seqdiff} and, instead of the deadline, the seconds to expiry as the packet thread
 * computed them (rounded up) when it copied the row. {@link #stateFlags}, {@link #seqDiff} and
 * {@link #expireAtMillis} therefore throw; {@link #expiresInSeconds} returns the copied value.
 */
public final class StateSnapshotRow implements StateView {
    private long[] rows;
    private int offset;

    /** Points this view at the row at {@code offset} of {@code rows}. */
    public StateSnapshotRow wrap(final long[] rows, final int offset) {
        this.rows = rows;
        this.offset = offset;
        return this;
    }

    private long field(final int field) {
        return rows[offset + field];
    }

    private long peerField(final int peer, final int field) {
        return rows[offset + StateSnapshotMailbox.F_PEER + peer * StateSnapshotMailbox.PEER_FIELDS + field];
    }

    @Override
    public int creatorId() {
        return (int) field(StateSnapshotMailbox.F_CREATOR_ID);
    }

    @Override
    public long id() {
        return field(StateSnapshotMailbox.F_ID);
    }

    @Override
    public int af() {
        return (int) field(StateSnapshotMailbox.F_FAMILY);
    }

    @Override
    public int proto() {
        return (int) field(StateSnapshotMailbox.F_PROTO);
    }

    @Override
    public int direction() {
        return (int) field(StateSnapshotMailbox.F_DIRECTION);
    }

    @Override
    public long srcHi() {
        return field(StateSnapshotMailbox.F_SRC_HI);
    }

    @Override
    public long srcLo() {
        return field(StateSnapshotMailbox.F_SRC_LO);
    }

    @Override
    public long dstHi() {
        return field(StateSnapshotMailbox.F_DST_HI);
    }

    @Override
    public long dstLo() {
        return field(StateSnapshotMailbox.F_DST_LO);
    }

    @Override
    public int srcPort() {
        return (int) field(StateSnapshotMailbox.F_SRC_PORT);
    }

    @Override
    public int dstPort() {
        return (int) field(StateSnapshotMailbox.F_DST_PORT);
    }

    @Override
    public int ifindex() {
        return (int) field(StateSnapshotMailbox.F_IFINDEX);
    }

    @Override
    public int rule() {
        return (int) field(StateSnapshotMailbox.F_RULE);
    }

    @Override
    public int timeoutClass() {
        return (int) field(StateSnapshotMailbox.F_TIMEOUT_CLASS);
    }

    /** Not in a row. */
    @Override
    public int stateFlags() {
        throw new UnsupportedOperationException("a snapshot row carries no state flags");
    }

    @Override
    public long creationMillis() {
        return field(StateSnapshotMailbox.F_CREATED_MILLIS);
    }

    /** Not in a row: see {@link #expiresInSeconds}. */
    @Override
    public long expireAtMillis() {
        throw new UnsupportedOperationException("a snapshot row carries the seconds to expiry, not the deadline");
    }

    @Override
    public long lastActivityMillis() {
        return field(StateSnapshotMailbox.F_LAST_ACTIVITY_MILLIS);
    }

    @Override
    public long packets(final int dir) {
        return field(dir == 0 ? StateSnapshotMailbox.F_PACKETS_FWD : StateSnapshotMailbox.F_PACKETS_REV);
    }

    @Override
    public long bytes(final int dir) {
        return field(dir == 0 ? StateSnapshotMailbox.F_BYTES_FWD : StateSnapshotMailbox.F_BYTES_REV);
    }

    @Override
    public long seqLo(final int peer) {
        return peerField(peer, StateSnapshotMailbox.P_SEQLO);
    }

    @Override
    public long seqHi(final int peer) {
        return peerField(peer, StateSnapshotMailbox.P_SEQHI);
    }

    /** Not in a row. */
    @Override
    public long seqDiff(final int peer) {
        throw new UnsupportedOperationException("a snapshot row carries no seqdiff");
    }

    @Override
    public int maxWin(final int peer) {
        return (int) peerField(peer, StateSnapshotMailbox.P_MAX_WIN);
    }

    @Override
    public int mss(final int peer) {
        return (int) peerField(peer, StateSnapshotMailbox.P_MSS);
    }

    @Override
    public int peerState(final int peer) {
        return (int) peerField(peer, StateSnapshotMailbox.P_STATE);
    }

    @Override
    public int wscale(final int peer) {
        return (int) peerField(peer, StateSnapshotMailbox.P_WSCALE);
    }

    /** The seconds to expiry the packet thread copied into the row, whatever {@code nowMillis} is. */
    @Override
    public long expiresInSeconds(final long nowMillis) {
        return field(StateSnapshotMailbox.F_EXPIRES_IN_SECONDS);
    }
}
