package io.tandem.engine.cli;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.tools.JsonReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side of the engine's admin socket, shared by the commands that ask a running engine
 * ({@code tandem states}, {@code tandem sync}): finds the socket (--socket, the {@code set control}
 * of -f FILE, or the default), sends one request line and collects the answer lines up to
 * {@code end N}. Errors are printed as one line each; null means "failed, exit code set". An
 * answer is checked before it is handed on: every line a JSON object, and {@code end N} counting
 * them; an {@code error} line or a malformed answer is a failure (exit 1), never an exception.
 */
final class AdminSocket {
    static final Path DEFAULT = Path.of("/run/tandem/tandem.sock");

    private int exitCode = TandemMain.EXIT_OK;

    /** The exit code after a failed {@link #path} or {@link #request}. */
    int exitCode() {
        return exitCode;
    }

    /** The socket to use, or null (message printed) when -f names a config that cannot be used. */
    Path path(final Path socket, final Path file, final PrintWriter err) {
        if (socket != null) {
            return socket;
        }
        if (file == null) {
            return DEFAULT;
        }
        try {
            final String control = ConfigParser.parse(file).controlSocket();
            if (control == null) {
                err.println("tandem: " + file + " disables the admin socket (set control none)");
                exitCode = TandemMain.EXIT_USAGE;
                return null;
            }
            return Path.of(control);
        } catch (final ConfigException e) {
            err.println("tandem: " + e.getMessage());
            exitCode = TandemMain.EXIT_USAGE;
            return null;
        }
    }

    /** Sends {@code request}; the answer's lines before {@code end N}, or null (message printed). */
    List<String> request(final Path path, final String request, final PrintWriter err) {
        final List<String> lines = new ArrayList<>();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            ch.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            final BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("error ")) {
                    err.println("tandem: the engine answered: " + line.substring(6));
                    exitCode = TandemMain.EXIT_FAILURE;
                    return null;
                }
                final String malformed = line.startsWith("end ") ? badEnd(line, lines.size()) : notAnObject(line);
                if (malformed != null) {
                    err.println("tandem: malformed answer from the engine at " + path + ", line " + (lines.size() + 1)
                            + ": " + malformed);
                    exitCode = TandemMain.EXIT_FAILURE;
                    return null;
                }
                if (line.startsWith("end ")) {
                    return lines;
                }
                lines.add(line);
            }
            err.println("tandem: the engine closed " + path + " before the end of its answer");
        } catch (final IOException e) {
            err.println("tandem: cannot reach the engine at " + path + ": " + e.getMessage()
                    + " — is `tandem run` running, and is this its `set control` path?");
        }
        exitCode = TandemMain.EXIT_FAILURE;
        return null;
    }

    /** Why {@code end N} does not close an answer of {@code count} lines, or null when it does. */
    private static String badEnd(final String line, final int count) {
        try {
            final long n = Long.parseLong(line.substring(4).trim());
            return n == count ? null : "'" + line + "' after " + count + " lines";
        } catch (final NumberFormatException e) {
            return "'" + shorten(line) + "' is not 'end N'";
        }
    }

    /** Why an answer line is not one JSON object, or null when it is. */
    private static String notAnObject(final String line) {
        try {
            JsonReader.object(line);
            return null;
        } catch (final RuntimeException e) {
            return "not a JSON object (" + e.getMessage() + "): " + shorten(line);
        }
    }

    private static String shorten(final String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
