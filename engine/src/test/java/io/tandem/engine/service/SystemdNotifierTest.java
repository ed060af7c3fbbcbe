package io.tandem.engine.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.agent.AgentFailure;
import io.tandem.engine.agent.AgentThreads;
import io.tandem.nativeio.libc.UnixDatagramSocket;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sd_notify against a real Unix datagram socket standing in for systemd's. */
class SystemdNotifierTest {
    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
    private final UnixDatagramSocket systemd = UnixDatagramSocket.open();

    @AfterEach
    void closeSystemd() {
        systemd.close();
    }

    /** Cycles every millisecond; blocks in its cycle while {@code hang} is set. */
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
            return "tandem-queue-7";
        }
    }

    @Test
    void withoutNotifySocketNothingIsSent() {
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of(), 1, log)) {
            assertFalse(n.enabled());
            assertFalse(n.send("READY=1"));
            n.ready("filtering");
            n.startWatchdog(new AgentFailure(log).heartbeats(), () -> false);
            n.stopping();
        }
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void readyAndStoppingReachAPathSocket() {
        final String path = temp.resolve("notify").toString();
        systemd.bind(path);
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path), 1, log)) {
            assertTrue(n.enabled());
            assertEquals(0, n.watchdogMicros());
            n.ready("filtering queue 0");
            assertEquals("READY=1\nSTATUS=filtering queue 0", receive(2000));
            n.stopping();
            assertEquals("STOPPING=1", receive(2000));
        }
    }

    @Test
    void readyReachesAnAbstractSocket() {
        final String name = "@tandem-notify-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        systemd.bind(name);
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name), 1, log)) {
            n.ready("filtering queue 3");
            assertEquals("READY=1\nSTATUS=filtering queue 3", receive(2000));
        }
    }

    @Test
    void aSocketNobodyReadsIsOneWarningNotAFailure() {
        final String path = temp.resolve("gone").toString();
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path), 1, log)) {
            assertFalse(n.send("READY=1"));
            assertFalse(n.send("WATCHDOG=1"));
        }
        final String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("could not notify systemd at " + path + ": ENOENT (READY=1)"), text);
        assertEquals(1, text.lines().count(), text);
    }

    @Test
    void aNonUnixAddressDisablesTheNotifier() {
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "vsock:2:1234"), 1, log)) {
            assertFalse(n.enabled());
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("not notifying systemd"));
    }

    @Test
    void theWatchdogIntervalIsForThisProcessOnly() {
        assertEquals(20_000_000, SystemdNotifier.watchdogMicrosOf(Map.of("WATCHDOG_USEC", "20000000"), 42));
        assertEquals(20_000_000, SystemdNotifier.watchdogMicrosOf(
                Map.of("WATCHDOG_USEC", "20000000", "WATCHDOG_PID", "42"), 42));
        assertEquals(0, SystemdNotifier.watchdogMicrosOf(Map.of("WATCHDOG_USEC", "20000000", "WATCHDOG_PID", "43"), 42));
        assertEquals(0, SystemdNotifier.watchdogMicrosOf(Map.of("WATCHDOG_USEC", "soon"), 42));
        assertEquals(0, SystemdNotifier.watchdogMicrosOf(Map.of("WATCHDOG_USEC", "0"), 42));
        assertEquals(0, SystemdNotifier.watchdogMicrosOf(Map.of(), 42));
    }

    @Test
    void theWatchdogPingsOnlyWhileEveryAgentCycles() throws Exception {
        final String path = temp.resolve("notify").toString();
        systemd.bind(path);
        final AgentFailure failure = new AgentFailure(log);
        final Idler agent = new Idler();
        final Thread thread = AgentThreads.start(agent, new SleepingIdleStrategy(1_000_000), failure, true);
        final AtomicBoolean failing = new AtomicBoolean();
        // WATCHDOG_USEC = 100 ms: a look (and a ping) every 50 ms
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(
                Map.of("NOTIFY_SOCKET", path, "WATCHDOG_USEC", "100000"), 1, log)) {
            n.ready("filtering queue 7");
            assertEquals("READY=1\nSTATUS=filtering queue 7", receive(2000));
            n.startWatchdog(failure.heartbeats(), failing::get);
            assertEquals("WATCHDOG=1", receive(2000));
            assertEquals("WATCHDOG=1", receive(2000));

            final CountDownLatch hang = new CountDownLatch(1);
            agent.hang = hang; // the packet thread hangs inside a duty cycle
            awaitLog("tandem: watchdog: tandem-queue-7 completed no duty cycle in 50 ms; not notifying systemd");
            drain(); // pings sent before the watchdog noticed
            assertEquals(null, receive(300), "no ping while the thread is stuck");

            agent.hang = null;
            hang.countDown();
            assertEquals("WATCHDOG=1", receive(2000), "pings resume when it cycles again");
            awaitLog("every thread is cycling again");

            failing.set(true); // an agent failed: the engine is going down, no more pings
            awaitLog("tandem: watchdog: the engine is failing; not notifying systemd");
            drain();
            assertEquals(null, receive(200));
            failing.set(false);
            assertEquals("WATCHDOG=1", receive(2000));

            n.stopping();
            drain("STOPPING=1");
            assertEquals(null, receive(200), "no ping after STOPPING=1");
        } finally {
            agent.stop = true;
            thread.join(2000);
        }
    }

    /** Waits up to 5 s for {@code text} in the log. */
    private void awaitLog(final String text) throws InterruptedException {
        for (int i = 0; i < 500 && !out.toString(StandardCharsets.UTF_8).contains(text); i++) {
            Thread.sleep(10);
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains(text), out.toString(StandardCharsets.UTF_8));
    }

    /** Reads what is queued; with {@code last}, asserts the last datagram was it. */
    private void drain(final String... last) {
        String s;
        String previous = null;
        while ((s = receive(0)) != null) {
            previous = s;
        }
        if (last.length > 0) {
            assertEquals(last[0], previous);
        }
    }

    private String receive(final int timeoutMillis) {
        final byte[] buffer = new byte[UnixDatagramSocket.MAX_DATAGRAM];
        final int n = systemd.receive(buffer, timeoutMillis);
        return n < 0 ? null : new String(buffer, 0, n, StandardCharsets.UTF_8);
    }
}
