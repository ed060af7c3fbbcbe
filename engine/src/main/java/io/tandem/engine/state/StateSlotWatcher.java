package io.tandem.engine.state;

/**
 * Told by the {@link StateTable} when a slot gets a state and just before a slot's state is freed,
 * whatever the reason (created, restored, expired, removed, forgotten, replaced): the hook a
 * consistent dump of the table needs ({@code io.tandem.engine.packet.StateDumpMailbox}). Called on
 * the packet thread, synchronously; implementations must not allocate and must not change the table.
 */
public interface StateSlotWatcher {
    /** A state was just put into {@code slot}. */
    void allocated(int slot);

    /** The state in {@code slot} is about to be freed; its fields are still readable. */
    void releasing(StateTable table, int slot);
}
