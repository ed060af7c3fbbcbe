/**
 * The journal tools behind {@code tandem journal}: reading a journal directory offline (while an
 * engine writes it, or after), printing its records like {@code conntrack -E}, rebuilding the state
 * table as it was at any time like {@code pfctl -ss}, statistics, and export/import of the state
 * table as JSON lines (the NetBSD pf state dump/restore idea). The state printers live here too and
 * serve {@code tandem states} as well: {@link io.tandem.engine.tools.StateJsonWriter} writes every
 * state's JSON (the admin socket's included), {@link io.tandem.engine.tools.PfctlStateText} every
 * state's {@code pfctl -ss} text.
 *
 * <p>Everything here runs on the command's own thread, off the packet path: it may allocate, format
 * strings and use collections. Journals are opened read-only (except by {@link
 * io.tandem.engine.tools.StateImport}, which appends one snapshot epoch while holding the engine
 * lock). Records that fail validation are skipped and counted, never fatal; the count is reported at
 * the end ({@link io.tandem.engine.tools.SkipReport}).
 */
package io.tandem.engine.tools;
