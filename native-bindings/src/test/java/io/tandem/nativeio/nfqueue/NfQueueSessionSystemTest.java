package io.tandem.nativeio.nfqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.tandem.nativeio.libc.LinuxConstants;
import io.tandem.nativeio.libc.NativeException;
import io.tandem.nativeio.libc.NetNamespace;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real kernel, no traffic: binds queue 258 inside a fresh network namespace {@value #NETNS} created for this test,
 * from a thread that moved itself there with {@link NetNamespace#enterForCurrentThread(String)}. Needs root and
 * iproute2. Removes only the namespace it created.
 */
@Tag("system")
class NfQueueSessionSystemTest {
    private static final String NETNS = "tdm-nb-test";
    private static final int QUEUE = 258;
    private static boolean created;
    private static ExecutorService nsThread;

    @BeforeAll
    static void createNamespace() throws Exception {
        assertFalse(Files.exists(Path.of("/run/netns/" + NETNS)), "namespace " + NETNS + " already exists; "
            + "remove it with `ip netns del " + NETNS + "` if it is a leftover of this test");
        run("ip", "netns", "add", NETNS);
        created = true;
        nsThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "tdm-nb-netns"));
        nsThread.submit(() -> NetNamespace.enterForCurrentThread(NETNS)).get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void deleteNamespace() throws Exception {
        if (nsThread != null) {
            nsThread.shutdownNow();
            nsThread.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (created) {
            run("ip", "netns", "del", NETNS);
        }
    }

    private static void run(final String... command) throws IOException, InterruptedException {
        final Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }

    private static <T> T inNamespace(final java.util.concurrent.Callable<T> task) throws Exception {
        final Future<T> future = nsThread.submit(task);
        return future.get(30, TimeUnit.SECONDS);
    }

    @Test
    void bindQueue258ReportOwnerOnConflictAndUnbindOnClose() throws Exception {
        inNamespace(() -> {
            // The thread is in the test namespace: /proc/thread-self/net follows it, /proc/net (the process) not.
            final String threadNetns = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
            final String processNetns = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
            assertFalse(threadNetns.equals(processNetns), "thread did not move: " + threadNetns);

            final NfQueueSession session = NfQueueSession.open(NfQueueOptions.forQueue(QUEUE));
            try {
                assertTrue(session.fd() >= 0);
                assertTrue(session.failOpenEnabled());
                assertTrue(session.gsoEnabled());
                assertEquals(NfqConstants.NFQA_CFG_F_FAIL_OPEN | NfqConstants.NFQA_CFG_F_GSO,
                    session.effectiveFlags());
                assertTrue(session.effectiveReceiveBuffer() >= NfQueueOptions.DEFAULT_RECEIVE_BUFFER_BYTES,
                    "rcvbuf " + session.effectiveReceiveBuffer());
                assertEquals(64, session.batch().vlen());
                assertEquals(256 + 8192, session.batch().slotSize());

                final long portId = Integer.toUnsignedLong(session.portId());
                final NfQueueProcStats threadView = NfQueueProcStats.read(NfQueueProcStats.THREAD_PATH);
                final NfQueueProcStats.Row row = threadView.find(QUEUE).orElseThrow(
                    () -> new AssertionError("queue 258 missing from " + threadView.rows()));
                assertEquals(portId, row.portId());
                assertEquals(256, row.copyRange());
                assertEquals(NfqConstants.NFQNL_COPY_PACKET, row.copyMode());
                assertFalse(threadView.find(513).isPresent(), "res_id byte order swapped");
                assertEquals(row, NfQueueProcStats.read().find(QUEUE).orElseThrow());
                // /proc/net is the process's namespace, where our socket does not live.
                assertFalse(NfQueueProcStats.read(NfQueueProcStats.PROCESS_PATH).rows().stream()
                    .anyMatch(r -> r.queue() == QUEUE && r.portId() == portId), "/proc/net followed the thread");

                // no traffic: nothing to receive
                assertEquals(0, session.socket().poll(0));
                assertEquals(-LinuxConstants.EAGAIN, session.batch().receive(session.fd(), false));

                final NativeException conflict = assertThrows(NativeException.class,
                    () -> NfQueueSession.open(NfQueueOptions.forQueue(QUEUE)));
                assertEquals(LinuxConstants.EPERM, conflict.errno());
                assertTrue(conflict.getMessage().contains(
                    "queue 258 is already bound by netlink port id " + portId + " (see /proc/net/netfilter/"
                        + "nfnetlink_queue) — is another tandem or NFQUEUE consumer running?"), conflict.getMessage());
            } finally {
                session.close();
                session.close();
            }
            assertFalse(session.isOpen());
            assertFalse(NfQueueProcStats.read().find(QUEUE).isPresent(), "close() left the queue bound");
            return null;
        });
    }

    @Test
    void optionalFlagsAreDroppedOnEopnotsupp() throws Exception {
        inNamespace(() -> {
            // CONNTRACK needs nf_conntrack_netlink, absent here (spec §14): expect a silent retry without it.
            try (NfQueueSession session = NfQueueSession.open(NfQueueOptions.forQueue(QUEUE + 1).conntrack(true))) {
                assertTrue(session.failOpenEnabled());
                assertTrue(session.gsoEnabled());
                assertTrue(NfQueueProcStats.read().find(QUEUE + 1).isPresent());
            }
            assertFalse(NfQueueProcStats.read().find(QUEUE + 1).isPresent());
            return null;
        });
    }
}
