package io.tandem.engine.state;

/**
 * What a {@link StateTable} asks of pfsync while it tracks packets: whether a state is on a split
 * path, and when a change is to be reported to the peers. The policy itself — pf's throttle of
 * updates, the split-path window, what was last reported — is {@code io.tandem.engine.sync.SyncPolicy};
 * the table only calls these hooks, so state does not depend on sync. Without sync the table uses
 * {@link #NONE}: no split paths, every protocol-state change reported with no hints, no ordinary
 * updates.
 *
 * <p>Called on the table's packet thread, synchronously; implementations must not allocate and must
 * not create or remove states.
 */
public interface StateSyncHooks {
    /** {@link #updated}: nothing to report now. */
    int NO_REPORT = -1;

    /** No sync: what a single firewall needs. */
    StateSyncHooks NONE = new StateSyncHooks() {
        @Override
        public boolean clusterChecks() {
            return false;
        }

        @Override
        public boolean splitPath(final int slot, final long nowMillis) {
            return false;
        }

        @Override
        public boolean peerFellSilent(final int slot, final long nowMillis) {
            return false;
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
        public void removed(final int slot, final StateRemoveReason reason) {
        }

        @Override
        public void freed(final int slot) {
        }
    };

    /**
     * True when every state may take a split path at any moment (a cluster), so TCP tracking always
     * applies the widened split-path bounds; false checks exactly as pf alone.
     */
    boolean clusterChecks();

    /** True when a peer updated (or created) the state recently (pf's {@code pfsync_time} test). */
    boolean splitPath(int slot, long nowMillis);

    /**
     * True when a peer has updated the state, but not for a while, and that peer sends nothing any more:
     * if the connection now runs ahead of its last report, the peer that carried it stopped (it failed,
     * or failed open), and the tracker may take the state over ({@code TcpTracker}, "Takeover" in
     * docs/pfsync.md).
     */
    boolean peerFellSilent(int slot, long nowMillis);

    /**
     * This node took the state over from its silent carrier and carries it now: {@link #peerFellSilent}
     * is false until a peer updates the state again.
     */
    void tookOver(int slot);

    /** A state was created here and is being journaled as an INSERT: what the peers will be told. */
    void created(int slot, long nowMillis);

    /** A state was restored (journal recovery or a peer's state): nothing reported from here yet. */
    void restored(int slot, long lastActivityMillis);

    /**
     * The state's protocol state or timeout class moved: it is reported now.
     *
     * @return the {@link SyncHints} of the report
     */
    int changed(int slot, long nowMillis);

    /**
     * A packet passed and moved the state's windows or counters only.
     *
     * @param windowGrew the sender's {@code max_win} grew
     * @return the {@link SyncHints} to report it with now, or {@link #NO_REPORT}
     */
    int updated(int slot, long nowMillis, boolean windowGrew);

    /** The slot was freed (its generation already bumped). */
    void freed(int slot);

    /**
     * A live state is being removed for {@code reason}; its identity and fields are still readable.
     * Called before {@link #freed}, by {@link StateTable#remove} only (not when recovery forgets a state).
     */
    void removed(int slot, StateRemoveReason reason);
}
