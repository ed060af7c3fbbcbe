/**
 * The filter ruleset: a pf.conf subset ({@code pass}/{@code block}, {@code in}/{@code out},
 * {@code quick}, {@code on}, families, protocols, address and port specifications, TCP flags,
 * {@code keep state}/{@code no state}) parsed by {@link io.tandem.engine.rules.RuleParser} into
 * immutable {@link io.tandem.engine.rules.Rule}s and compiled into a
 * {@link io.tandem.engine.rules.Ruleset} of primitive arrays that the PacketAgent evaluates with
 * pf's semantics (last match wins, {@code quick} stops, no match means pass) without allocating.
 */
package io.tandem.engine.rules;
