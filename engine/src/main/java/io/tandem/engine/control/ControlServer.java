package io.tandem.engine.control;

import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateSnapshotRow;
import io.tandem.engine.tools.StateJsonWriter;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Serves the admin socket ({@code set control "PATH"}): one request line per connection, one
 * answer, then the connection closes.
 *
 * <p>Protocol (text, UTF-8): the client sends {@code states\n}; the server answers with one JSON
 * object per live state, one per line (written by {@link StateJsonWriter#LIVE}), and a last line
 * {@code end N} with the count. Other requests are added with {@link #register} (the sync agent's
 * {@code sync}); each answers lines of JSON and {@code end N}. Unknown requests get
 * {@code error unknown request '...'}.
 *
 * <p>Theory of operation. Owned by the thread {@code tandem-control}, which accepts connections
 * one at a time (an admin tool, not a data path). It reads the state table only through the packet
 * thread's {@link StateSnapshotMailbox}. Life cycle: {@link #start} refuses to take over a socket
 * another live process answers on, removes a stale one, binds, and restricts the file to root
 * (mode 0600); {@link #close} stops the thread and removes the file. Failure policy: a client error
 * closes that connection only.
 */
public final class ControlServer implements AutoCloseable {
    private final Path path;
    private final StateSnapshotMailbox snapshots;
    private final java.util.Map<String, java.util.function.Supplier<String>> requests =
            new java.util.concurrent.ConcurrentHashMap<>();
    private ServerSocketChannel server;
    private Thread thread;
    private volatile boolean running;

    public ControlServer(final Path path, final StateSnapshotMailbox snapshots) {
        this.path = path;
        this.snapshots = snapshots;
    }

    public Path path() {
        return path;
    }

    /** Adds a request whose answer is one JSON object, built by {@code answer} on the control thread. */
    public void register(final String request, final java.util.function.Supplier<String> answer) {
        requests.put(request, answer);
    }

    /** Binds the socket and starts serving; a clear exception when the path is in use or unusable. */
    public void start() {
        try {
            if (Files.exists(path)) {
                if (answers(path)) {
                    throw new IllegalStateException("control socket " + path + " is in use by another running tandem;"
                            + " give this instance its own path with `set control \"/run/tandem/NAME.sock\"`");
                }
                Files.delete(path);
            }
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (final IOException e) {
            throw new IllegalStateException("cannot create control socket " + path + ": " + e.getMessage()
                    + " — set another path with `set control \"PATH\"`, or `set control none`", e);
        }
        running = true;
        thread = new Thread(this::serve, "tandem-control");
        thread.setDaemon(true);
        thread.start();
    }

    private void serve() {
        while (running) {
            try (SocketChannel client = server.accept()) {
                handle(client);
            } catch (final IOException e) {
                if (!running) {
                    return;
                }
            }
        }
    }

    private void handle(final SocketChannel client) throws IOException {
        final BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client),
                StandardCharsets.UTF_8));
        final Writer out = new OutputStreamWriter(Channels.newOutputStream(client), StandardCharsets.UTF_8);
        final String request = in.readLine();
        if ("states".equals(request)) {
            try {
                final StateSnapshotRow row = new StateSnapshotRow();
                final int n = snapshots.read((rows, offset, now) -> {
                    try {
                        out.write(StateJsonWriter.LIVE.object(row.wrap(rows, offset), now));
                        out.write('\n');
                    } catch (final IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, 5_000);
                out.write("end " + n + "\n");
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                out.write("error interrupted\n");
            } catch (final IllegalStateException e) {
                out.write("error " + e.getMessage() + "\n");
            } catch (final java.io.UncheckedIOException e) {
                return; // the client went away
            }
        } else if (request != null && requests.containsKey(request)) {
            out.write(requests.get(request).get());
            out.write("\nend 1\n");
        } else {
            out.write("error unknown request '" + request + "'; known: states"
                    + (requests.isEmpty() ? "" : ", " + String.join(", ", new java.util.TreeSet<>(requests.keySet())))
                    + "\n");
        }
        out.flush();
    }

    /** True when something accepts connections on the socket file. */
    static boolean answers(final Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (final IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            if (server != null) {
                server.close();
            }
            Files.deleteIfExists(path);
        } catch (final IOException e) {
            // best effort at shutdown
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
