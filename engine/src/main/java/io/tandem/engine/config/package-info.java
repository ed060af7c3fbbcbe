/**
 * Configuration: a pf.conf-style file (macros, {@code set} options, filter rules) read by
 * {@link io.tandem.engine.config.ConfigParser} into an immutable
 * {@link io.tandem.engine.config.TandemConfig}. The options are one table,
 * {@link io.tandem.engine.config.ConfigOption}, which also drives error messages, the reference in
 * {@code docs/configuration.md} and the command-line help. Errors are
 * {@link io.tandem.engine.config.ConfigException}s reading {@code FILE:LINE:COLUMN: message}.
 */
package io.tandem.engine.config;
