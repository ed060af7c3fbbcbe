package io.tandem.engine.agent;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentTerminationException;

/**
 * The engine's failure policy for its agents: the first agent that fails takes the engine down.
 *
 * <p>Theory of operation. Each agent's runner reports errors to the handler {@link #handlerFor}
 * gives it. An error there means the agent's thread is ending (its duty cycle threw, see
 * {@link AgentThreads}): a firewall without its packet, journal or sync thread must not stay up
 * looking healthy, so the first such failure is logged as one line naming the thread and the cause
 * (followed by the stack trace), {@link #failed()} becomes true and {@link #await} returns; the
 * engine then stops its other agents and exits with status 1. Later failures (agents ending because
 * the engine stops) are counted, not logged. A termination without a cause is an agent's ordinary
 * end ({@link AgentThreads#STOP}) and is not a failure. The policy also holds the agents'
 * {@link AgentHeartbeats}, the proof of life a hung agent (which reports nothing) fails to give.
 * Thread-safe: any agent thread may report.
 */
public final class AgentFailure {
    private final PrintStream log;
    private final Runnable onFirstFailure;
    private final AtomicReference<String> first = new AtomicReference<>();
    private final CountDownLatch failed = new CountDownLatch(1);
    private volatile Throwable cause;
    private final AtomicLong later = new AtomicLong();
    private final AgentHeartbeats heartbeats = new AgentHeartbeats();

    /** A policy that logs to {@code log} and does nothing more (tests, tools). */
    public AgentFailure(final PrintStream log) {
        this(log, () -> { });
    }

    /** A policy that logs to {@code log} and then runs {@code onFirstFailure} (the engine's stop) once. */
    public AgentFailure(final PrintStream log, final Runnable onFirstFailure) {
        this.log = log;
        this.onFirstFailure = onFirstFailure;
    }

    /** The error handler for the agent named {@code role} (its thread's name). */
    public ErrorHandler handlerFor(final String role) {
        return t -> report(role, t);
    }

    /** Records a failure of the agent {@code role}; the first is logged and ends {@link #await}. */
    public void report(final String role, final Throwable t) {
        if (t instanceof AgentTerminationException && t.getCause() == null) {
            return; // an ordinary stop
        }
        final Throwable why = t instanceof AgentTerminationException ? t.getCause() : t;
        if (!first.compareAndSet(null, role)) {
            later.incrementAndGet();
            return;
        }
        cause = why;
        synchronized (log) {
            log.println("tandem: fatal: the " + role + " thread failed: " + why + "; stopping the engine");
            why.printStackTrace(log);
            log.flush();
        }
        failed.countDown();
        onFirstFailure.run();
    }

    /** True once an agent failed. */
    public boolean failed() {
        return first.get() != null;
    }

    /** The thread that failed first, or null. */
    public String role() {
        return first.get();
    }

    /** The first failure's cause, or null. */
    public Throwable cause() {
        return cause;
    }

    /** Failures reported after the first. */
    public long laterFailures() {
        return later.get();
    }

    /** The duty-cycle counters of the agents started under this policy (the systemd watchdog reads them). */
    public AgentHeartbeats heartbeats() {
        return heartbeats;
    }

    /** Waits at most {@code timeout} for a failure; true if one happened. */
    public boolean await(final long timeout, final TimeUnit unit) throws InterruptedException {
        return failed.await(timeout, unit);
    }
}
