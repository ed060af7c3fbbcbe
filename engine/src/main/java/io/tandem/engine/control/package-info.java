/**
 * The local admin channel: a Unix-domain socket ({@code set control}) served by its own thread,
 * through which {@code tandem states} lists the live state table. The control thread never touches
 * the packet thread's structures; it reads them through
 * {@link io.tandem.engine.state.StateSnapshotMailbox} and writes each state with the JSON writer
 * that {@code tandem journal} uses too ({@link io.tandem.engine.tools.StateJsonWriter}).
 */
package io.tandem.engine.control;
