package io.tandem.engine.agent;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.IdleStrategy;

/**
 * Starts an agent on its own thread under the engine's failure policy.
 *
 * <p>Theory of operation. The agent runs in an Agrona {@link AgentRunner} on a thread named by its
 * {@link Agent#roleName()}. Agrona's runner reports an exception from {@code doWork} and carries on
 * with the next duty cycle; Tandem's agents instead end on the first one (a bug or a broken resource
 * that the next cycle would meet again), so each agent is wrapped: an exception from its duty cycle
 * becomes an {@link AgentTerminationException} carrying it, the runner ends the loop, calls
 * {@code onClose} (which flushes and releases what it can) and reports it to the
 * {@link AgentFailure}, which takes the engine down. An agent ends itself cleanly by throwing
 * {@link #STOP}. A {@link Throwable} that escapes the runner altogether reaches the failure policy
 * through the thread's uncaught-exception handler. Every completed duty cycle advances the agent's
 * {@link AgentHeartbeats.Beat}, which the systemd watchdog reads to tell an idle agent from a hung one.
 */
public final class AgentThreads {
    /** Thrown by an agent's duty cycle to end its runner without a failure (it was asked to stop). */
    public static final AgentTerminationException STOP = new AgentTerminationException();

    private AgentThreads() {
    }

    /**
     * Starts {@code agent} on a new thread named after its role.
     *
     * @param daemon whether the thread may be left running at exit (the packet thread is not: it must
     *               flush its verdicts and unbind the queue)
     * @return the agent's thread (started); the agent stops itself by throwing {@link #STOP} from its
     *         duty cycle, after which the runner calls its {@code onClose} and the thread ends
     */
    public static Thread start(final Agent agent, final IdleStrategy idle, final AgentFailure failure,
            final boolean daemon) {
        final AgentRunner runner = new AgentRunner(idle, failure.handlerFor(agent.roleName()), null,
                new EndOnError(agent, failure.heartbeats().register(agent.roleName())));
        return AgentRunner.startOnThread(runner, r -> {
            final Thread t = new Thread(r, agent.roleName());
            t.setDaemon(daemon);
            t.setUncaughtExceptionHandler((thread, e) -> failure.report(thread.getName(), e));
            return t;
        });
    }

    /** An agent whose duty cycle ends its runner on the first exception, carrying it. */
    private static final class EndOnError implements Agent {
        private final Agent agent;
        private final AgentHeartbeats.Beat beat;

        EndOnError(final Agent agent, final AgentHeartbeats.Beat beat) {
            this.agent = agent;
            this.beat = beat;
        }

        @Override
        public void onStart() {
            agent.onStart();
        }

        @Override
        public int doWork() {
            try {
                final int work = agent.doWork();
                beat.cycle();
                return work;
            } catch (final AgentTerminationException e) {
                throw e;
            } catch (final Throwable t) {
                throw new AgentTerminationException(t);
            }
        }

        @Override
        public void onClose() {
            beat.end();
            agent.onClose();
        }

        @Override
        public String roleName() {
            return agent.roleName();
        }
    }
}
