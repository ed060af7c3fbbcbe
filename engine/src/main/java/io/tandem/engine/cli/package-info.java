/**
 * The {@code tandem} command line: {@code run} (the engine), {@code check} (validate and print a
 * configuration), help and version. Parses options with picocli, turns configuration errors into
 * {@code FILE:LINE:COLUMN: message} with exit status 2 and setup failures into one-line explanations
 * with exit status 1, and owns process life cycle (signals, clean shutdown).
 */
package io.tandem.engine.cli;
