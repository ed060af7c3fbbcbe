package io.tandem.engine.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.junit.jupiter.api.Test;

/** Every agent started under a failure policy has a heartbeat that tells idle from hung or ended. */
class AgentHeartbeatsTest {
    private final AgentFailure failure =
            new AgentFailure(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

    /** Idles (returns 0) every cycle; blocks inside its cycle while {@code hang} is set; ends on {@code stop}. */
    private static final class Idler implements Agent {
        volatile boolean stop;
        volatile CountDownLatch hang;

        @Override
        public int doWork() throws InterruptedException {
            if (stop) {
                throw AgentThreads.STOP;
            }
            final CountDownLatch h = hang;
            if (h != null) {
                h.await();
            }
            return 0;
        }

        @Override
        public String roleName() {
            return "tandem-test-idler";
        }
    }

    @Test
    void anIdleAgentIsAliveAHungOrEndedOneIsStalled() throws Exception {
        final Idler agent = new Idler();
        final Thread thread = AgentThreads.start(agent, new SleepingIdleStrategy(1_000_000), failure, true);
        final AgentHeartbeats heartbeats = failure.heartbeats();
        assertEquals(1, heartbeats.beats().size());
        assertEquals("tandem-test-idler", heartbeats.beats().get(0).role());
        final AgentHeartbeats.Watch watch = heartbeats.watch();

        Thread.sleep(50);
        assertEquals(List.of(), watch.stalled(), "idle cycles are proof of life");
        assertTrue(heartbeats.beats().get(0).cycles() > 0);

        final CountDownLatch hang = new CountDownLatch(1);
        agent.hang = hang;
        Thread.sleep(50); // the cycle in progress ends, the next one hangs
        watch.stalled();
        Thread.sleep(50);
        assertEquals(List.of("tandem-test-idler"), watch.stalled(), "no cycle completed while hung");

        agent.hang = null;
        hang.countDown();
        Thread.sleep(50);
        assertEquals(List.of(), watch.stalled(), "alive again");

        agent.stop = true;
        thread.join(2000);
        assertTrue(heartbeats.beats().get(0).ended());
        assertEquals(List.of("tandem-test-idler"), watch.stalled(), "an ended agent is never alive");
        assertFalse(failure.failed(), "a stop is not a failure");
        assertFalse(failure.await(1, TimeUnit.MILLISECONDS));
    }
}
