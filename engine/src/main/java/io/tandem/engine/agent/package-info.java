/**
 * The engine's threads: every long-running thread (packet, journal, sync) is an Agrona
 * {@link org.agrona.concurrent.Agent} run by an {@link org.agrona.concurrent.AgentRunner} on its own
 * named thread ({@link io.tandem.engine.agent.AgentThreads}), and one failure policy covers them all
 * ({@link io.tandem.engine.agent.AgentFailure}): an agent whose duty cycle throws ends, and the engine
 * goes down with one log line and exit status 1 instead of running on without that thread.
 */
package io.tandem.engine.agent;
