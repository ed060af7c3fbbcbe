/**
 * Connection state: pf's states kept in a fixed-capacity table of packed per-slot records owned by
 * one PacketAgent.
 *
 * <p>{@link io.tandem.engine.state.StateTable} is the table's entry point; as NPF splits its
 * connection tracking, the work is done by package-private parts: {@code StateStore} (the fields by
 * slot: a 128-byte record of the hot ones, arrays of the cold ones; the free stack), {@code StateIndex} (one entry per state, found from both directions, in an
 * open-addressing hash, symmetric and under secret keys (UMAC's NH), and pfsync identities), {@code TcpTracker} (pf's {@code pf_tcp_track_full()}
 * and SINGLE/MULTIPLE states for UDP/ICMP/other, with split-path bounds), {@code StateExpiry}
 * (pf's timeout classes, {@link io.tandem.engine.state.StateTimeouts}, in a bounded incremental
 * sweep) and {@code PeerViewMerge} (a pfsync peer's view merged field by field). pfsync's policy —
 * when changes are reported, split-path detection, corrections — is in
 * {@code io.tandem.engine.sync.SyncPolicy}, which the table calls through
 * {@link io.tandem.engine.state.StateSyncHooks}. Each state carries exactly the fields of a pfsync v5 state record, so the journal and the
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
