/**
 * The pfsync v5 wire codec, byte-compatible with FreeBSD 10-15 (spec section W; docs/pfsync-wire.md).
 *
 * <p>Theory of operation. One flyweight per C struct ({@code PfsyncHeaderFlyweight} …
 * {@code PfsyncState1500Flyweight}) with offsets as derived constants, all big-endian.
 * {@link io.tandem.engine.sync.wire.PfsyncFrameEncoder} builds frames into one preallocated buffer
 * in the fixed section order of A.6, bounded by the MTU, ending in EOF {@code 0c 00 00 01}.
 * {@link io.tandem.engine.sync.wire.PfsyncFrameDecoder} checks a received frame (length, version,
 * section walk up to EOF) before handing any record to a
 * {@link io.tandem.engine.sync.wire.PfsyncRecordHandler}, skipping and counting invalid records in
 * {@link io.tandem.engine.sync.wire.PfsyncStats}, which mirrors FreeBSD's {@code pfsyncstats}.
 *
 * <p>Ownership: encoder and decoder belong to the sync agent's thread; neither allocates after
 * construction nor throws on received bytes. Semantics (merge, deferral, bulk, interface mapping)
 * belong to the agent, not to this package.
 */
package io.tandem.engine.sync.wire;
