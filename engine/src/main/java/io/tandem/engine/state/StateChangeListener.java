package io.tandem.engine.state;

/**
 * Told by the {@link StateTable} about every change that matters beyond the packet thread: a state
 * created, a state whose protocol state or timeout class moved (TCP SYN_SENT → ESTABLISHED → FIN…,
 * UDP SINGLE → MULTIPLE), a state removed. Called on the packet thread, synchronously, with the
 * slot's data readable (before a removed slot is freed); implementations must not allocate and must
 * not create or remove states. The journal recorder is the implementation.
 */
public interface StateChangeListener {
    /** Does nothing: the table's default. */
    StateChangeListener NONE = new StateChangeListener() {
        @Override
        public void onInsert(final StateTable table, final int slot, final int syncHints) {
        }

        @Override
        public void onUpdate(final StateTable table, final int slot, final int syncHints) {
        }

        @Override
        public void onRemove(final StateTable table, final int slot, final StateRemoveReason reason) {
        }
    };

    /**
     * A state created with {@code syncHints} ({@link SyncHints}): {@link SyncHints#IMMEDIATE} asks for its
     * INS at once — its first packet is held ({@link PfConstants#PFSTATE_ACK}), or a reply to it may
     * cross a peer that awaits it.
     */
    void onInsert(StateTable table, int slot, int syncHints);

    /**
     * A state changed. {@code syncHints} ({@link SyncHints}) tell the sync agent how to send it; besides
     * protocol-state changes, a table with sync updates on ({@code SyncPolicy.enableSyncUpdates}) also
     * reports ordinary window advances, throttled as pf's sync queue would send them.
     */
    void onUpdate(StateTable table, int slot, int syncHints);

    void onRemove(StateTable table, int slot, StateRemoveReason reason);
}
