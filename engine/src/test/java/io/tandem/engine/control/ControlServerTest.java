package io.tandem.engine.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.control.ControlCounters.Reason;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin socket on a real Unix socket in a temporary directory: clients are isolated from each
 * other (idle, slow, over-long, failing), every bad end is answered or closed and counted, and the
 * server never destroys what it finds at its path. Behaviour only: where a test needs a timeout to
 * fire it uses a short one and waits for the effect, never for a measured duration; where it must
 * show that something is not caused by a timeout, the timeouts are far longer than the test.
 */
@Timeout(60)
class ControlServerTest {
    /** Long enough that no timeout fires during a test that does not want one. */
    private static final long NEVER = 600_000;

    @TempDir
    Path dir;

    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (final AutoCloseable c : toClose) {
            c.close();
        }
    }

    private Path sock() {
        return dir.resolve("tandem.sock");
    }

    private ControlServer server(final ControlServer.Limits limits) {
        final ControlServer s = new ControlServer(sock(), null, limits, log::add);
        s.register("sync", () -> "{\"in_sync\":true}");
        toClose.add(s);
        return s;
    }

    private ControlServer started(final ControlServer.Limits limits) {
        final ControlServer s = server(limits);
        s.start();
        return s;
    }

    private static ControlServer.Limits limits(final int maxLine, final long request, final long stall, final int workers,
            final int connections) {
        return new ControlServer.Limits(maxLine, request, stall, NEVER, workers, connections);
    }

    private SocketChannel connect() throws IOException {
        final SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock()));
        toClose.add(ch);
        return ch;
    }

    /** Sends {@code request} and reads the whole answer, up to the server's close. */
    private String ask(final String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock()))) {
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            return readToEnd(ch);
        }
    }

    private static String readToEnd(final SocketChannel ch) throws IOException {
        return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The first line of the answer (the connection may be reset after it: the client kept sending). */
    private static String firstLine(final SocketChannel ch) throws IOException {
        final java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        final ByteBuffer one = ByteBuffer.allocate(1);
        while (ch.read(one.clear()) > 0 && one.get(0) != '\n') {
            b.write(one.get(0));
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 2_000 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    @Test
    void answersRegisteredRequestsAndNamesTheKnownOnesForAnUnknownOne() throws Exception {
        final ControlServer s = started(ControlServer.Limits.DEFAULT);
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\r\n"));
        assertEquals("error unknown request 'stats'; known: sync\n", ask("stats\n"));
        assertEquals(1, s.counters().get(Reason.UNKNOWN_REQUEST));
        assertEquals(3, s.counters().answered());
    }

    /**
     * A request registered with a body gets the lines the client sends after the request line, up to
     * the end of the client's output — the bytes that came with the request line first; a line longer
     * than MAX_BODY_LINE comes as LINE_TOO_LONG and the lines after it are read on.
     */
    @Test
    void aRequestWithABodyReadsTheClientsLinesToTheEndOfItsOutput() throws Exception {
        final ControlServer s = server(ControlServer.Limits.DEFAULT);
        s.registerWithBody("states load", (words, body) -> {
            final List<String> got = new ArrayList<>();
            String line;
            while ((line = body.next()) != null) {
                got.add(line == ControlServer.Body.LINE_TOO_LONG ? "TOO_LONG" : line);
            }
            return "{\"words\":\"" + words + "\",\"lines\":\"" + String.join("|", got) + "\"}";
        });
        s.start();
        toClose.add(s);
        try (SocketChannel ch = connect()) {
            ch.write(ByteBuffer.wrap(("states load f.jsonl\na\nb\r\n" + "x".repeat(ControlServer.MAX_BODY_LINE + 1)
                    + "\n\nlast").getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            assertEquals("{\"words\":\"f.jsonl\",\"lines\":\"a|b|TOO_LONG||last\"}\nend 1\n", readToEnd(ch));
        }
    }

    @Test
    void aLastLineWithoutNewlineIsTakenAtTheClientsEndOfInput() throws Exception {
        started(ControlServer.Limits.DEFAULT);
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock()))) {
            ch.write(ByteBuffer.wrap("sync".getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            assertEquals("{\"in_sync\":true}\nend 1\n", readToEnd(ch));
        }
    }

    @Test
    void anIdleClientDoesNotKeepAnotherWaiting() throws Exception {
        final ControlServer s = started(limits(4096, NEVER, NEVER, 1, 4));
        final SocketChannel idle = connect();
        final SocketChannel partial = connect();
        partial.write(ByteBuffer.wrap("syn".getBytes(StandardCharsets.UTF_8)));
        await("both idle clients are open", () -> s.openConnections() == 2);
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
        assertEquals(2, s.openConnections(), "the idle clients are still waited for");
        partial.write(ByteBuffer.wrap("c\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("{\"in_sync\":true}\nend 1\n", readToEnd(partial));
        assertTrue(idle.isOpen());
    }

    @Test
    void aClientThatDoesNotReadItsAnswerHoldsOneWorkerOnlyAndIsDroppedWhenItStalls() throws Exception {
        final ControlServer s = server(limits(4096, NEVER, 200, 2, 4));
        final String line = "{\"x\":\"" + "y".repeat(1000) + "\"}";
        s.handle("big", out -> {
            for (int i = 0; i < 20_000; i++) { // 20 MB, far more than socket buffers hold
                out.line(line);
            }
            return 20_000;
        });
        s.start();
        final SocketChannel stuck = connect();
        stuck.write(ByteBuffer.wrap("big\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
        await("the stalled answer is abandoned", () -> s.counters().get(Reason.TIMEOUT_ANSWER) == 1);
        await("its connection is closed", () -> s.openConnections() == 0);
        assertTrue(log.stream().anyMatch(l -> l.contains("answer to 'big' abandoned") && l.contains("timeout_answer")),
                log.toString());
    }

    @Test
    void anOverlongLineIsAnsweredWithAnErrorAndNotReadOnward() throws Exception {
        final ControlServer s = started(limits(64, NEVER, NEVER, 1, 4));
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock()))) {
            final CompletableFuture<IOException> writer = CompletableFuture.supplyAsync(() -> {
                final ByteBuffer mib = ByteBuffer.wrap(new byte[1 << 20]);
                try {
                    for (int i = 0; i < 64; i++) { // 64 MiB without a newline
                        mib.clear();
                        while (mib.hasRemaining()) {
                            ch.write(mib);
                        }
                    }
                    return null;
                } catch (final IOException e) {
                    return e;
                }
            });
            assertEquals("error request line longer than 64 bytes", firstLine(ch));
            assertTrue(writer.get() != null, "the server closed the connection instead of reading 64 MiB");
        }
        assertEquals(1, s.counters().get(Reason.LINE_TOO_LONG));
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
        final String exactly64 = "x".repeat(64);
        assertEquals("error unknown request '" + exactly64 + "'; known: sync\n", ask(exactly64 + "\n"));
    }

    @Test
    void aHandlerThatThrowsAnswersThatClientWithAnErrorAndTheServerGoesOn() throws Exception {
        final ControlServer s = server(limits(4096, NEVER, NEVER, 1, 4));
        s.register("boom", () -> {
            throw new IllegalArgumentException("no status\nyet");
        });
        s.handle("half", out -> {
            out.line("{\"a\":1}");
            throw new NullPointerException("field b");
        });
        s.start();
        assertEquals("error request 'boom' failed: IllegalArgumentException: no status?yet\n", ask("boom\n"));
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
        assertEquals("error request 'boom' failed: IllegalArgumentException: no status?yet\n", ask("boom\n"));
        assertEquals("{\"a\":1}\nerror request 'half' failed: NullPointerException: field b\n", ask("half\n"));
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
        assertEquals(3, s.counters().get(Reason.HANDLER_ERROR));
        assertEquals(1, log.stream().filter(l -> l.contains("handler_error")).count(),
                "logged once, then counted: " + log);
        assertTrue(log.get(0).contains("request 'boom' failed: IllegalArgumentException"), log.toString());
    }

    @Test
    void anIdleClientIsClosedWithAnErrorWhenTheRequestTimeoutPasses() throws Exception {
        final ControlServer s = started(limits(4096, 100, NEVER, 1, 4));
        final SocketChannel idle = connect();
        assertEquals("error timeout: no complete request line within 100 ms\n", readToEnd(idle));
        assertEquals(1, s.counters().get(Reason.TIMEOUT_REQUEST));
        final SocketChannel partial = connect();
        partial.write(ByteBuffer.wrap("syn".getBytes(StandardCharsets.UTF_8)));
        assertEquals("error timeout: no complete request line within 100 ms\n", readToEnd(partial));
        assertEquals(2, s.counters().get(Reason.TIMEOUT_REQUEST));
        await("no connection left open", () -> s.openConnections() == 0);
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
    }

    @Test
    void connectionsBeyondTheCapAreToldTheServerIsBusy() throws Exception {
        final ControlServer s = started(limits(4096, NEVER, NEVER, 1, 2));
        connect();
        connect();
        await("two connections open", () -> s.openConnections() == 2);
        assertEquals("error busy: 2 connections open; try again\n", readToEnd(connect()));
        assertEquals(1, s.counters().get(Reason.REFUSED_BUSY));
    }

    @Test
    void aRequestNoWorkerTakesInTimeIsToldTheServerIsBusy() throws Exception {
        final ControlServer s = server(limits(4096, 200, NEVER, 1, 4));
        final CompletableFuture<Void> release = new CompletableFuture<>();
        final CompletableFuture<Void> holding = new CompletableFuture<>();
        s.handle("hold", out -> {
            holding.complete(null);
            release.join();
            return 0;
        });
        s.start();
        final SocketChannel holder = connect();
        holder.write(ByteBuffer.wrap("hold\n".getBytes(StandardCharsets.UTF_8)));
        holding.join(); // the only worker is taken
        assertEquals("error busy: no worker free within 200 ms; try again\n", ask("sync\n"));
        release.complete(null);
        assertEquals("end 0\n", readToEnd(holder));
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
    }

    @Test
    void aRegularFileAtThePathIsNeitherDeletedNorOverwrittenAndTheStartFailsNamingIt() throws Exception {
        Files.writeString(sock(), "precious\n");
        final ControlServer s = server(ControlServer.Limits.DEFAULT);
        final IllegalStateException e = assertThrows(IllegalStateException.class, s::start);
        assertTrue(e.getMessage().contains(sock().toString()) && e.getMessage().contains("regular file"),
                e.getMessage());
        assertEquals("precious\n", Files.readString(sock()));
        s.close();
        assertEquals("precious\n", Files.readString(sock()), "close does not remove what start did not create");
    }

    @Test
    void aDirectoryOrASymbolicLinkAtThePathIsRefusedAndLeftAlone() throws Exception {
        Files.createDirectory(sock());
        IllegalStateException e = assertThrows(IllegalStateException.class, server(ControlServer.Limits.DEFAULT)::start);
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        assertTrue(Files.isDirectory(sock()));
        Files.delete(sock());

        final Path target = dir.resolve("target");
        Files.writeString(target, "keep");
        Files.createSymbolicLink(sock(), target);
        e = assertThrows(IllegalStateException.class, server(ControlServer.Limits.DEFAULT)::start);
        assertTrue(e.getMessage().contains(sock().toString()) && e.getMessage().contains("symbolic link"),
                e.getMessage());
        assertTrue(Files.isSymbolicLink(sock()));
        assertEquals("keep", Files.readString(target));
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(sock())); // an engine that died without removing its socket
        }
        assertTrue(ControlSocketPath.isSocket(sock()));
        started(ControlServer.Limits.DEFAULT);
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
    }

    @Test
    void aLiveSocketIsRefusedAndKeepsServing() throws Exception {
        final ControlServer first = started(ControlServer.Limits.DEFAULT);
        final IllegalStateException e = assertThrows(IllegalStateException.class, server(ControlServer.Limits.DEFAULT)::start);
        assertTrue(e.getMessage().contains(sock().toString()) && e.getMessage().contains("in use"), e.getMessage());
        assertEquals("{\"in_sync\":true}\nend 1\n", ask("sync\n"));
        assertEquals(1, first.counters().answered());
    }

    @Test
    void theSocketIsOwnerOnlyAndCloseRemovesItOnlyWhileItIsStillOurs() throws Exception {
        final ControlServer s = started(ControlServer.Limits.DEFAULT);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock())));
        s.close();
        assertFalse(Files.exists(sock()));

        final ControlServer t = started(ControlServer.Limits.DEFAULT);
        Files.delete(sock());
        Files.writeString(sock(), "someone else's");
        t.close();
        assertEquals("someone else's", Files.readString(sock()));
    }

    @Test
    void closeEndsOpenConnections() throws Exception {
        final ControlServer s = started(limits(4096, NEVER, NEVER, 1, 4));
        final SocketChannel idle = connect();
        await("connected", () -> s.openConnections() == 1);
        s.close();
        assertEquals("", readToEnd(idle));
        assertEquals(0, s.openConnections());
    }
}
