package io.tandem.engine.state;

/**
 * Told when a state whose first packet is still held ({@link PfConstants#PFSTATE_ACK}) leaves the
 * table — expired, closed, flushed, deleted by a peer — so that the held packet is dropped, as pf's
 * {@code pfsync_delete_state} drops a deferred packet. Called on the packet thread, before the slot is
 * freed; implementations must not allocate.
 */
public interface HeldStateListener {
    void heldStateRemoved(StateTable table, int slot);
}
