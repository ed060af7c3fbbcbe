package io.tandem.engine.cli;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.tools.JsonReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
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
 * of -f CONFIG, or the default: {@link AdminSocketOptions}), sends one request line and collects the answer lines up to
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
        return stream(path, request, null, lines::add, err) ? lines : null;
    }

    /**
     * Sends {@code request} followed by the body {@code body} (every byte of it, then the end of this
     * side's output, so the engine sees where it ends); the answer's lines, or null (message printed).
     */
    List<String> request(final Path path, final String request, final InputStream body, final PrintWriter err) {
        final List<String> lines = new ArrayList<>();
        return stream(path, request, body, lines::add, err) ? lines : null;
    }

    /** Receives the lines of an answer, each checked to be one JSON object, as they arrive. */
    @FunctionalInterface
    interface LineConsumer {
        void accept(String line) throws IOException;
    }

    /** Thrown through {@link #stream} when the consumer fails (e.g. the disk is full). */
    static final class ConsumerFailed extends IOException {
        private static final long serialVersionUID = 1L;

        ConsumerFailed(final IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Sends {@code request} (and {@code body}, unless null) and hands each answer line to
     * {@code consumer} as it arrives, without keeping it; true when the answer ended with a matching
     * {@code end N}, false (message printed, {@link #exitCode()} set) otherwise — the consumer may
     * then have seen part of an answer.
     */
    boolean stream(final Path path, final String request, final InputStream body, final LineConsumer consumer,
            final PrintWriter err) {
        int count = 0;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            ch.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            if (body != null) {
                try {
                    final java.io.OutputStream out = Channels.newOutputStream(ch);
                    body.transferTo(out);
                    out.flush();
                } catch (final IOException e) {
                    // the engine stopped reading (it answered early, e.g. an error): its answer says why
                }
                ch.shutdownOutput();
            }
            final BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("error ")) {
                    err.println("tandem: the engine answered: " + line.substring(6));
                    exitCode = TandemMain.EXIT_FAILURE;
                    return false;
                }
                final String malformed = line.startsWith("end ") ? badEnd(line, count) : notAnObject(line);
                if (malformed != null) {
                    err.println("tandem: malformed answer from the engine at " + path + ", line " + (count + 1)
                            + ": " + malformed);
                    exitCode = TandemMain.EXIT_FAILURE;
                    return false;
                }
                if (line.startsWith("end ")) {
                    return true;
                }
                try {
                    consumer.accept(line);
                } catch (final IOException e) {
                    throw new ConsumerFailed(e);
                }
                count++;
            }
            err.println("tandem: the engine closed " + path + " before the end of its answer");
        } catch (final ConsumerFailed e) {
            err.println("tandem: " + e.getMessage());
        } catch (final IOException e) {
            err.println("tandem: cannot reach the engine at " + path + ": " + e.getMessage()
                    + " — is `tandem run` running, and is this its `set control` path?");
        }
        exitCode = TandemMain.EXIT_FAILURE;
        return false;
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
