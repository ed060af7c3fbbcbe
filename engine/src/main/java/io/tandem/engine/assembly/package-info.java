/**
 * The engine put together: {@link io.tandem.engine.assembly.TandemEngine} builds every part from the
 * configuration — journal, packet agent (queue session, state table, filter, deferral), sync agent,
 * metrics and control servers — starts them in order, stops them in reverse, and turns an agent's
 * failure into the engine's exit status. {@code tandem run} only parses the command line and calls it;
 * tests and benchmarks can build the same engine.
 */
package io.tandem.engine.assembly;
