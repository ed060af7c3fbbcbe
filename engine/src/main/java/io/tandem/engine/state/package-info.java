/**
 * Connection state: pf's states kept in a fixed-capacity, structure-of-arrays table owned by one
 * PacketAgent.
 *
 * <p>{@link io.tandem.engine.state.StateTable} stores the states, indexes them by forward and
 * backward keys (NPF style) in an open-addressing hash with a secret seed, tracks TCP as pf's
 * {@code pf_tcp_track_full()} and UDP/ICMP/other as pf's SINGLE/MULTIPLE states, and expires them
 * with pf's timeout classes ({@link io.tandem.engine.state.StateTimeouts}) in a bounded incremental
 * sweep. Each state carries exactly the fields of a pfsync v5 state record, so the journal and the
 * pfsync code map it 1:1. {@link io.tandem.engine.state.StateIds} explains how ids stay unique
 * across restarts; {@link io.tandem.engine.state.StateCounters} holds the counters described by
 * {@link io.tandem.engine.state.StateCounter}. pf's constants (directions, half states and their
 * names, window scaling, state flags) are declared once, in
 * {@link io.tandem.engine.state.PfConstants}. {@link io.tandem.engine.state.StateView} reads one
 * state wherever it is held (a journal record, a {@link io.tandem.engine.state.StateSnapshotRow}),
 * for the printers.
 *
 * <p>Threading: everything here is written by the PacketAgent's packet thread only; nothing
 * allocates on the packet path; memory is fixed when the table is built.
 */
package io.tandem.engine.state;
