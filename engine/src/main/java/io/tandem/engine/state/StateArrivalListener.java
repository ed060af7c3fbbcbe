package io.tandem.engine.state;

/**
 * Told when a state arrives in the table other than by one of its own packets: a peer's state imported,
 * a state loaded or recovered ({@link StateTable#restore}). Packets held in case such a state comes
 * ({@code verdict.AwaitedPackets}) are then looked up again. Called on the packet thread, after the
 * state is in the index; implementations must not allocate and must not decide packets from inside the
 * call (the caller is in the middle of applying a message).
 */
public interface StateArrivalListener {
    StateArrivalListener NONE = (table, slot) -> { };

    void stateArrived(StateTable table, int slot);
}
