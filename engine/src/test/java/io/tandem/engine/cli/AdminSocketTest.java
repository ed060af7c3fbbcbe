package io.tandem.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client side of the admin socket against a fake engine that answers a canned text: a good
 * answer is handed on; an error line, a malformed line, a wrong {@code end N} or an answer cut
 * short is one clear message on stderr and exit status 1, never an exception.
 */
@Timeout(30)
class AdminSocketTest {
    @TempDir
    Path dir;

    private int engines;
    private final StringWriter errText = new StringWriter();
    private final PrintWriter err = new PrintWriter(errText, true);

    /** Serves one connection: reads the request line, writes {@code answer}, closes. */
    private Path engineAnswering(final String answer) throws Exception {
        final Path path = dir.resolve("tandem" + ++engines + ".sock");
        final ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        CompletableFuture.runAsync(() -> {
            try (server; SocketChannel ch = server.accept()) {
                final ByteBuffer in = ByteBuffer.allocate(256);
                while (ch.read(in) > 0 && in.get(in.position() - 1) != '\n') {
                    // until the request line is in
                }
                ch.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
            } catch (final Exception e) {
                // the test sees what the client made of it
            }
        });
        return path;
    }

    private List<String> ask(final String answer, final AdminSocket admin) throws Exception {
        return admin.request(engineAnswering(answer), "states", err);
    }

    @Test
    void aWellFormedAnswerIsHandedOn() throws Exception {
        final AdminSocket admin = new AdminSocket();
        assertEquals(List.of("{\"a\":1}", "{\"b\":[2]}"), ask("{\"a\":1}\n{\"b\":[2]}\nend 2\n", admin));
        assertEquals("", errText.toString());
        assertEquals(List.of(), new AdminSocket().request(engineAnswering("end 0\n"), "states", err));
    }

    @Test
    void anErrorLineFails() throws Exception {
        final AdminSocket admin = new AdminSocket();
        assertNull(ask("{\"a\":1}\nerror request 'states' failed: boom\n", admin));
        assertEquals(TandemMain.EXIT_FAILURE, admin.exitCode());
        assertEquals("tandem: the engine answered: request 'states' failed: boom\n", errText.toString());
    }

    @Test
    void aLineThatIsNotAJsonObjectIsAMalformedAnswer() throws Exception {
        final AdminSocket admin = new AdminSocket();
        assertNull(ask("{\"a\":1}\n{\"a\":\nend 2\n", admin));
        assertEquals(TandemMain.EXIT_FAILURE, admin.exitCode());
        assertTrue(errText.toString().startsWith("tandem: malformed answer from the engine at " + dir.resolve("tandem1.sock")
                + ", line 2: not a JSON object"), errText.toString());
    }

    @Test
    void aWrongOrMalformedEndIsAMalformedAnswer() throws Exception {
        AdminSocket admin = new AdminSocket();
        assertNull(ask("{\"a\":1}\nend 2\n", admin));
        assertEquals(TandemMain.EXIT_FAILURE, admin.exitCode());
        assertTrue(errText.toString().contains("'end 2' after 1 lines"), errText.toString());
        admin = new AdminSocket();
        assertNull(admin.request(engineAnswering("end two\n"), "states", err));
        assertEquals(TandemMain.EXIT_FAILURE, admin.exitCode());
        assertTrue(errText.toString().contains("'end two' is not 'end N'"), errText.toString());
    }

    @Test
    void anAnswerCutShortFails() throws Exception {
        final AdminSocket admin = new AdminSocket();
        assertNull(ask("{\"a\":1}\n", admin));
        assertEquals(TandemMain.EXIT_FAILURE, admin.exitCode());
        assertTrue(errText.toString().contains("closed " + dir.resolve("tandem1.sock") + " before the end of its answer"),
                errText.toString());
    }

    @Test
    void tandemStatesAndSyncExitOneWithOneLineOnAMalformedAnswer() throws Exception {
        for (final String command : List.of("states", "sync")) {
            final Path path = engineAnswering("garbage\nend 1\n");
            final StringWriter e = new StringWriter();
            final picocli.CommandLine cl = new picocli.CommandLine(new TandemMain());
            cl.setErr(new PrintWriter(e, true));
            cl.setOut(new PrintWriter(new StringWriter(), true));
            cl.setExitCodeExceptionMapper(x -> TandemMain.EXIT_FAILURE);
            assertEquals(TandemMain.EXIT_FAILURE, cl.execute(command, "--socket", path.toString()));
            assertTrue(e.toString().startsWith("tandem: malformed answer from the engine"), e.toString());
            assertFalse(e.toString().contains("Exception"), e.toString());
            assertEquals(1, e.toString().lines().count(), e.toString());
        }
    }

    @Test
    void aJsonObjectWithoutTheFieldsAStateOrStatusHasIsOneLineAndStatusOne() throws Exception {
        for (final String command : List.of("states", "sync", "reload")) {
            final Path path = engineAnswering("{\"x\":1}\nend 1\n");
            final StringWriter e = new StringWriter();
            final picocli.CommandLine cl = new picocli.CommandLine(new TandemMain());
            cl.setErr(new PrintWriter(e, true));
            cl.setOut(new PrintWriter(new StringWriter(), true));
            assertEquals(TandemMain.EXIT_FAILURE, cl.execute(command, "--socket", path.toString()), command);
            assertTrue(e.toString().startsWith("tandem: malformed") || e.toString().contains("not understood"),
                    command + ": " + e);
            assertFalse(e.toString().contains("\tat "), e.toString());
            assertEquals(1, e.toString().lines().count(), command + ": " + e);
        }
    }

    private int run(final StringWriter e, final String... args) {
        final picocli.CommandLine cl = new picocli.CommandLine(new TandemMain());
        cl.setErr(new PrintWriter(e, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        return cl.execute(args);
    }

    /**
     * tandem states dump FILE: the answer's lines go to FILE, created 0600 and only once the answer
     * ended well (a temporary file renamed); an existing FILE is refused (exit 2) unless --force; a
     * failed dump leaves no file.
     */
    @Test
    void statesDumpWritesTheFileWholeWithMode0600OrNotAtAll() throws Exception {
        final Path file = dir.resolve("states.jsonl");
        final StringWriter e = new StringWriter();
        assertEquals(TandemMain.EXIT_OK, run(e, "states", "dump", "--socket",
                engineAnswering("{\"id\":\"1\"}\n{\"id\":\"2\"}\nend 2\n").toString(), file.toString()));
        assertEquals(List.of("{\"id\":\"1\"}", "{\"id\":\"2\"}"), java.nio.file.Files.readAllLines(file));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(file)));
        assertEquals(TandemMain.EXIT_USAGE, run(e, "states", "dump", "--socket",
                engineAnswering("end 0\n").toString(), file.toString()));
        assertTrue(e.toString().contains("exists; use --force"), e.toString());
        assertEquals(TandemMain.EXIT_OK, run(e, "states", "dump", "--force", "--socket",
                engineAnswering("end 0\n").toString(), file.toString()));
        assertEquals(List.of(), java.nio.file.Files.readAllLines(file));
        final Path failed = dir.resolve("failed.jsonl");
        assertEquals(TandemMain.EXIT_FAILURE, run(e, "states", "dump", "--socket",
                engineAnswering("{\"id\":\"1\"}\nerror request 'states dump' failed: try again\n").toString(),
                failed.toString()));
        assertFalse(java.nio.file.Files.exists(failed));
        try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary file left");
        }
    }
}
