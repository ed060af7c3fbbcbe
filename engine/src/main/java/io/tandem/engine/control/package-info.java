/**
 * The local admin channel: a Unix-domain socket ({@code set control}) served by its own threads
 * ({@link io.tandem.engine.control.ControlServer}: one selector thread, a few workers, bounded
 * lines, connections and time), through which {@code tandem states} lists the live state table and
 * {@code tandem sync} shows the pfsync status. {@link io.tandem.engine.control.ControlSocketPath}
 * decides what may be replaced at the path (only a stale socket). The control threads never touch
 * the packet thread's structures; it reads them through
 * {@link io.tandem.engine.state.StateSnapshotMailbox} and writes each state with the JSON writer
 * that {@code tandem journal} uses too ({@link io.tandem.engine.tools.StateJsonWriter}).
 */
package io.tandem.engine.control;
