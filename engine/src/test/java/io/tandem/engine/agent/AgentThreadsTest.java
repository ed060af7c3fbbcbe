package io.tandem.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.junit.jupiter.api.Test;

/** The engine's failure policy for its threads: a failed duty cycle ends the agent and stops the engine once. */
class AgentThreadsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);

    /** An agent that works {@code cycles} times, then does what {@code end} says. */
    private static class Scripted implements Agent {
        final AtomicInteger cycles = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);
        final int failAt;
        final RuntimeException end;
        volatile String closedOn;

        Scripted(final int failAt, final RuntimeException end) {
            this.failAt = failAt;
            this.end = end;
        }

        @Override
        public int doWork() {
            if (cycles.incrementAndGet() == failAt) {
                throw end;
            }
            return 1;
        }

        @Override
        public void onClose() {
            closedOn = Thread.currentThread().getName();
            closed.countDown();
        }

        @Override
        public String roleName() {
            return "tandem-test";
        }
    }

    @Test
    void aDutyCycleThatThrowsEndsTheAgentAndStopsTheEngineOnceWithOneLine() throws Exception {
        final CountDownLatch engineStop = new CountDownLatch(1);
        final AtomicInteger stops = new AtomicInteger();
        final AgentFailure failure = new AgentFailure(log, () -> {
            stops.incrementAndGet();
            engineStop.countDown();
        });
        final Scripted agent = new Scripted(1000, new IllegalStateException("ring index out of range"));
        final Thread t = AgentThreads.start(agent, NoOpIdleStrategy.INSTANCE, failure, true);
        assertEquals("tandem-test", t.getName());
        assertTrue(engineStop.await(10, TimeUnit.SECONDS), "the engine is told to stop");
        assertTrue(agent.closed.await(10, TimeUnit.SECONDS), "onClose ran");
        t.join(10_000);
        assertFalse(t.isAlive(), "the agent's thread ended");
        assertEquals(1000, agent.cycles.get(), "no duty cycle after the failure");
        assertEquals("tandem-test", agent.closedOn, "onClose on the agent's own thread");
        assertTrue(failure.failed());
        assertEquals("tandem-test", failure.role());
        assertTrue(failure.cause() instanceof IllegalStateException);
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("tandem: fatal: the tandem-test thread failed: java.lang.IllegalStateException:"
                + " ring index out of range; stopping the engine\n"), text);
        assertEquals(1, stops.get());
    }

    @Test
    void anErrorEndsTheAgentToo() throws Exception {
        final AgentFailure failure = new AgentFailure(log);
        final Scripted agent = new Scripted(3, null) {
            @Override
            public int doWork() {
                if (cycles.incrementAndGet() == 3) {
                    throw new StackOverflowError("deep");
                }
                return 0;
            }
        };
        AgentThreads.start(agent, new SleepingIdleStrategy(100_000), failure, true);
        assertTrue(failure.await(10, TimeUnit.SECONDS));
        assertTrue(failure.cause() instanceof StackOverflowError);
        assertTrue(agent.closed.await(10, TimeUnit.SECONDS));
    }

    @Test
    void stopEndsTheAgentWithoutAFailure() throws Exception {
        final AgentFailure failure = new AgentFailure(log);
        final Scripted agent = new Scripted(5, AgentThreads.STOP);
        final Thread t = AgentThreads.start(agent, NoOpIdleStrategy.INSTANCE, failure, true);
        assertTrue(agent.closed.await(10, TimeUnit.SECONDS));
        t.join(10_000);
        assertFalse(failure.failed());
        assertNull(failure.role());
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void onlyTheFirstFailureIsLoggedLaterOnesAreCounted() throws Exception {
        final AtomicInteger stops = new AtomicInteger();
        final AgentFailure failure = new AgentFailure(log, stops::incrementAndGet);
        final Scripted a = new Scripted(2, new IllegalArgumentException("first"));
        AgentThreads.start(a, NoOpIdleStrategy.INSTANCE, failure, true);
        assertTrue(failure.await(10, TimeUnit.SECONDS));
        final Scripted b = new Scripted(2, new IllegalArgumentException("second"));
        AgentThreads.start(b, NoOpIdleStrategy.INSTANCE, failure, true);
        assertTrue(b.closed.await(10, TimeUnit.SECONDS));
        Thread.sleep(50);
        assertEquals(1, failure.laterFailures());
        assertEquals(1, stops.get());
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("first") && !text.contains("second"), text);
    }
}
