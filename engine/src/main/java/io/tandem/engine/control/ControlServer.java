package io.tandem.engine.control;

import io.tandem.engine.control.ControlCounters.Reason;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateSnapshotRow;
import io.tandem.engine.tools.StateJsonWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Serves the admin socket ({@code set control "PATH"}): one request line per connection, one
 * answer, then the connection closes.
 *
 * <p>Protocol (text, UTF-8): the client sends one line, e.g. {@code states\n}; the server answers
 * lines and a last line {@code end N}, or a line {@code error REASON} (possibly after some answer
 * lines, when the answer failed midway). {@code states} answers one JSON object per live state
 * (written by {@link StateJsonWriter#LIVE}); other requests are added with {@link #register} (the
 * sync agent's {@code sync}) and answer one JSON object, or with {@link #registerLines} and answer
 * many ({@code states dump}). A request added with {@link #registerWithBody} ({@code states load})
 * is followed by a body: lines the client sends until it shuts down its output, which the worker
 * answering the request reads with that answer's stall limit and deadline. Unknown requests get
 * {@code error unknown request '...'}, too long ones {@code error request line longer than N bytes},
 * and when the server is full {@code error busy ...}.
 *
 * <p>Theory of operation. The thread {@code tandem-control} owns a {@link Selector} with the
 * listening socket and every connection that is still sending its request: it accepts, reads
 * without blocking into a buffer of {@link Limits#maxLineBytes} + 1 bytes, and enforces the
 * request deadline ({@link Limits#requestTimeoutMillis} from accept). A complete line is handed to
 * a fixed pool of {@link Limits#workers} threads ({@code tandem-control-N}), which run the handler
 * and write the answer without blocking, through a buffer of {@value #ANSWER_BUFFER} bytes and a
 * selector of their own, so a client that stops reading is dropped after
 * {@link Limits#answerStallMillis} and no answer takes longer than
 * {@link Limits#answerTimeoutMillis}. A request no worker takes within the request timeout is
 * answered {@code error busy}, as is a connection beyond {@link Limits#maxConnections}. So an idle
 * client costs one buffer and never a worker, and a slow one holds at most one worker for a
 * bounded time. The state table is read only through the packet thread's
 * {@link StateSnapshotMailbox} (concurrent {@code states} requests take turns there).
 *
 * <p>Memory bound: {@code maxConnections × (maxLineBytes + 1)} request bytes plus
 * {@code workers × }{@value #ANSWER_BUFFER} answer bytes, whatever clients send or fail to read.
 *
 * <p>Life cycle: {@link #bind} (or {@link #start}, which binds first if needed) refuses a path that
 * holds anything but a stale socket ({@link ControlSocketPath}: never deletes a file, directory or
 * link, and never takes over a live engine's socket), binds, and restricts the file to its owner
 * (mode 0600); the engine binds as root and starts serving after it switched users, so the file
 * stays root's. {@link #start} starts the threads; {@link #close} stops the
 * threads, closes every connection and removes the socket file only if it is still the one this
 * server bound (and the user it runs as may: in a directory only root writes, the file stays, and the
 * next start removes it as stale).
 *
 * <p>Failure policy: each connection is isolated. A handler that throws answers its client
 * {@code error request 'X' failed: ...}; timeouts, over-long lines, refused and vanished clients
 * close that connection only. Every such end is counted by reason ({@link #counters()}) and logged
 * as one line — the first of each reason at once, then at most one line per reason a minute, with
 * the running count. The selector thread catches everything per key, so no client can stop it.
 */
public final class ControlServer implements AutoCloseable {
    /** Bytes a worker buffers of an answer before it writes them to the client. */
    static final int ANSWER_BUFFER = 64 * 1024;
    /** Request bytes read and dropped before closing a refused connection. */
    static final int DRAIN_BYTES = 64 * 1024;
    /** At most one log line per reason in this many nanoseconds, after the first. */
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** How long the packet thread may take to hand over one chunk of the state table. */
    private static final long SNAPSHOT_TIMEOUT_MILLIS = 5_000;

    /**
     * The server's bounds.
     *
     * @param maxLineBytes longest request line, without its newline
     * @param requestTimeoutMillis time from accept to a complete request line, and longest wait for a worker
     * @param answerStallMillis longest time the client may take none of its answer's bytes
     * @param answerTimeoutMillis longest time an answer may take as a whole
     * @param workers requests answered at the same time
     * @param maxConnections connections open at the same time (reading, waiting or being answered)
     */
    public record Limits(int maxLineBytes, long requestTimeoutMillis, long answerStallMillis,
            long answerTimeoutMillis, int workers, int maxConnections) {
        /** 4 KiB lines, 5 s to send a request, 5 s stall, 120 s per answer, 4 workers, 16 connections. */
        public static final Limits DEFAULT = new Limits(4096, 5_000, 5_000, 120_000, 4, 16);

        public Limits {
            if (maxLineBytes < 16 || requestTimeoutMillis <= 0 || answerStallMillis <= 0 || answerTimeoutMillis <= 0
                    || workers < 1 || maxConnections < workers) {
                throw new IllegalArgumentException("bad control server limits: lines >= 16 bytes, timeouts > 0,"
                        + " workers >= 1, connections >= workers");
            }
        }
    }

    /** A request's answer: writes the lines that precede {@code end N} and returns N. */
    @FunctionalInterface
    interface Handler {
        int answer(Answer out) throws IOException, InterruptedException;
    }

    private final Path path;
    private final Limits limits;
    private final Consumer<String> log;
    private final ControlCounters counters = new ControlCounters();
    private final AtomicLong[] lastLogged = new AtomicLong[Reason.values().length];
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final Map<String, java.util.function.Function<String, String>> verbs = new ConcurrentHashMap<>();
    private final Map<String, BodyHandler> bodies = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private ServerSocketChannel server;
    private Selector selector;
    private ThreadPoolExecutor workers;
    private Thread thread;
    private Object fileKey;
    private volatile boolean running;

    /** A server with the {@link Limits#DEFAULT} limits that logs to standard error. */
    public ControlServer(final Path path, final StateSnapshotMailbox snapshots) {
        this(path, snapshots, Limits.DEFAULT, System.err::println);
    }

    /**
     * @param snapshots the packet thread's mailbox behind {@code states}, or null for none
     * @param log receives one-line messages (from the control threads)
     */
    public ControlServer(final Path path, final StateSnapshotMailbox snapshots, final Limits limits,
            final Consumer<String> log) {
        this.path = Objects.requireNonNull(path);
        this.limits = Objects.requireNonNull(limits);
        this.log = Objects.requireNonNull(log);
        for (int i = 0; i < lastLogged.length; i++) {
            lastLogged[i] = new AtomicLong(Long.MIN_VALUE);
        }
        if (snapshots != null) {
            handlers.put("states", out -> states(snapshots, out));
        }
    }

    public Path path() {
        return path;
    }

    public Limits limits() {
        return limits;
    }

    /** What happened to the connections so far, by reason (for the metrics endpoint). */
    public ControlCounters counters() {
        return counters;
    }

    /** Adds a request whose answer is one JSON object, built by {@code answer} on a control worker thread. */
    public void register(final String request, final Supplier<String> answer) {
        handle(request, out -> {
            out.line(answer.get());
            return 1;
        });
    }

    /**
     * Adds a request that takes words after its first: {@code "kill host 10.0.0.1"} calls {@code answer}
     * with {@code "host 10.0.0.1"} on a control worker thread; it answers one JSON object.
     */
    public void registerWithArguments(final String verb, final java.util.function.Function<String, String> answer) {
        verbs.put(verb, answer);
    }

    /** Where a many-line answer goes, one line at a time. */
    @FunctionalInterface
    public interface LineSink {
        void line(String text) throws IOException;
    }

    /** Writes a many-line answer; returns the number of lines written. */
    @FunctionalInterface
    public interface Lines {
        int write(LineSink out) throws IOException, InterruptedException;
    }

    /**
     * Adds a request whose answer is any number of lines (each a JSON object), written by {@code answer}
     * on a control worker thread as they come; an exception ends the answer with an {@code error} line.
     */
    public void registerLines(final String request, final Lines answer) {
        handle(request, out -> answer.write(out::line));
    }

    /**
     * The lines a client sends after its request line, up to the end of its output (it half-closes the
     * connection): read by the worker answering the request, never more than one line in memory.
     */
    public interface Body {
        /** Returned (compare with {@code ==}) for a line longer than {@link #MAX_BODY_LINE} bytes, which is skipped. */
        String LINE_TOO_LONG = new String("(line too long)");

        /** The next line (UTF-8, without its newline), {@link #LINE_TOO_LONG}, or null at the end. */
        String next() throws IOException;
    }

    /** Answers a request that carries a {@link Body}; returns the answer's one JSON line. */
    @FunctionalInterface
    public interface BodyHandler {
        String answer(String words, Body body) throws IOException, InterruptedException;
    }

    /** Longest line of a request's body, without its newline. */
    public static final int MAX_BODY_LINE = 64 * 1024;

    /**
     * Adds a request followed by a body ({@code "states load"}): the words after it and the body are
     * handed to {@code answer} on a control worker thread, which reads the body with the answer's
     * stall limit and deadline.
     */
    public void registerWithBody(final String request, final BodyHandler answer) {
        bodies.put(request, answer);
    }

    /** Adds a request answered by {@code handler} on a control worker thread. */
    void handle(final String request, final Handler handler) {
        handlers.put(request, handler);
    }

    /**
     * Binds the socket and starts serving ({@link #bind} first when it is not bound yet).
     *
     * @throws IllegalStateException the path holds something other than a stale socket, or binding fails;
     *     the message names the path
     */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("control server on " + path + " already started");
        }
        if (server == null) {
            bind();
        }
        final AtomicInteger n = new AtomicInteger();
        workers = new ThreadPoolExecutor(limits.workers(), limits.workers(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(limits.maxConnections()), r -> {
                    final Thread t = new Thread(r, "tandem-control-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        running = true;
        thread = new Thread(this::selectLoop, "tandem-control");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Creates the socket file (mode 0600, in a directory created if missing) and listens, without serving yet:
     * the engine binds while it may still create files where only root can, then serves once it runs as its
     * user ({@link #start}). Connections wait in the backlog meanwhile.
     *
     * @throws IllegalStateException the path holds something other than a stale socket, or binding fails;
     *     the message names the path
     */
    public synchronized void bind() {
        if (server != null) {
            throw new IllegalStateException("control server on " + path + " already bound");
        }
        ControlSocketPath.clear(path);
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (final IOException e) {
            final boolean bound = fileKey != null;
            closeQuietly(server);
            if (bound) {
                removeOwnSocketFile();
            }
            server = null;
            throw new IllegalStateException("cannot create control socket " + path + ": " + e.getMessage()
                    + " — set another path with `set control \"PATH\"`, or `set control none`", e);
        }
    }

    /** Adds {@code states}: the live states, read through the packet thread's {@code snapshots} mailbox. */
    public void serveStates(final StateSnapshotMailbox snapshots) {
        handlers.put("states", out -> states(snapshots, out));
    }

    /**
     * Adds {@code states} over several queue threads' tables ({@code set queue FIRST:LAST}): each table
     * read through its own mailbox in turn; a flow lives in one table only, so nothing is listed twice.
     */
    public void serveStates(final java.util.List<StateSnapshotMailbox> tables) {
        final java.util.List<StateSnapshotMailbox> all = java.util.List.copyOf(tables);
        handlers.put("states", out -> {
            int n = 0;
            for (final StateSnapshotMailbox m : all) {
                n += states(m, out);
            }
            return n;
        });
    }

    // ---- the selector thread: accept, read requests, enforce deadlines ----

    /** A connection still sending its request; owned by the selector thread. */
    private static final class Reading {
        final SocketChannel ch;
        final ByteBuffer buf;
        final long deadline;

        Reading(final SocketChannel ch, final int capacity, final long deadline) {
            this.ch = ch;
            this.buf = ByteBuffer.allocate(capacity);
            this.deadline = deadline;
        }
    }

    private void selectLoop() {
        try {
            while (running) {
                final long wait = expire(System.nanoTime());
                try {
                    selector.select(wait);
                } catch (final IOException e) {
                    logReasonless("tandem: control socket: select failed: " + e.getMessage());
                    sleepQuietly(100);
                    continue;
                }
                for (final SelectionKey key : selector.selectedKeys()) {
                    try {
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isAcceptable()) {
                            acceptAll();
                        } else if (key.isReadable()) {
                            read(key);
                        }
                    } catch (final IOException | RuntimeException e) {
                        if (key.attachment() instanceof Reading) {
                            drop(key, Reason.CLIENT_GONE, "reading a request failed: " + describe(e), null);
                        } else if (running) {
                            logReasonless("tandem: control socket: accept failed: " + describe(e));
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (final ClosedSelectorException e) {
            // closed under us at shutdown
        } finally {
            shutdownSelector();
        }
    }

    /** Drops what is past its deadline; returns how long select may wait (0 = no deadline pending). */
    private long expire(final long now) {
        long next = Long.MAX_VALUE;
        for (final SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Reading r) {
                if (now - r.deadline >= 0) {
                    final String what = "no complete request line within " + limits.requestTimeoutMillis() + " ms";
                    drop(key, Reason.TIMEOUT_REQUEST, what, "error timeout: " + what);
                } else {
                    next = Math.min(next, r.deadline);
                }
            }
        }
        for (final Runnable queued : workers.getQueue()) {
            if (queued instanceof Task t) {
                if (now - t.queueDeadline >= 0) {
                    if (workers.remove(t)) {
                        busy(t.ch, "no worker free within " + limits.requestTimeoutMillis() + " ms");
                    }
                } else {
                    next = Math.min(next, t.queueDeadline);
                }
            }
        }
        if (next == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
    }

    private void acceptAll() throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            counters.onAccepted();
            if (open.get() >= limits.maxConnections()) {
                busyUncounted(ch, limits.maxConnections() + " connections open");
                continue;
            }
            open.incrementAndGet();
            try {
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, new Reading(ch, limits.maxLineBytes() + 1,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.requestTimeoutMillis())));
            } catch (final IOException | RuntimeException e) {
                closeQuietly(ch);
                open.decrementAndGet();
                record(Reason.CLIENT_GONE, "registering a connection failed: " + describe(e));
            }
        }
    }

    private void read(final SelectionKey key) throws IOException {
        final Reading r = (Reading) key.attachment();
        final int from = r.buf.position();
        final int n = r.ch.read(r.buf);
        final byte[] a = r.buf.array();
        int end = -1;
        for (int i = from; i < r.buf.position(); i++) {
            if (a[i] == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0 && n < 0) {
            if (r.buf.position() == 0) {
                drop(key, null, null, null); // connected and went away: a liveness probe, nothing to answer
                return;
            }
            end = r.buf.position(); // the last line lacks its newline; take it, as readLine does
        }
        if (end < 0) {
            if (!r.buf.hasRemaining()) {
                drop(key, Reason.LINE_TOO_LONG, "a request line longer than " + limits.maxLineBytes() + " bytes",
                        "error request line longer than " + limits.maxLineBytes() + " bytes");
            }
            return;
        }
        int length = end;
        if (length > 0 && a[length - 1] == '\r') {
            length--;
        }
        final String request = new String(a, 0, length, StandardCharsets.UTF_8);
        final byte[] after = java.util.Arrays.copyOfRange(a, Math.min(end + 1, r.buf.position()), r.buf.position());
        key.cancel(); // from now on a worker owns the channel
        final Task t = new Task(r.ch, request, after,
                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limits.requestTimeoutMillis()));
        try {
            workers.execute(t);
        } catch (final RejectedExecutionException e) {
            busy(r.ch, "the request queue is full");
        }
    }

    /**
     * Closes a reading connection, first answering {@code line} unless null; counts and logs
     * {@code reason} unless null.
     */
    private void drop(final SelectionKey key, final Reason reason, final String what, final String line) {
        key.cancel();
        open.decrementAndGet();
        if (reason != null) {
            record(reason, what);
        }
        if (line != null) {
            refuse(((Reading) key.attachment()).ch, line);
        }
        closeQuietly(((Reading) key.attachment()).ch);
    }

    /** Answers {@code error busy} to a connection counted in {@link #open} and closes it. */
    private void busy(final SocketChannel ch, final String why) {
        open.decrementAndGet();
        busyUncounted(ch, why);
    }

    private void busyUncounted(final SocketChannel ch, final String why) {
        record(Reason.REFUSED_BUSY, "refused a client: " + why);
        refuse(ch, "error busy: " + why + "; try again");
        closeQuietly(ch);
    }

    /**
     * Best effort before a close: one short line without blocking (it fits the socket buffer), the
     * end of output, and the request bytes that already arrived, read and dropped (at most
     * {@value #DRAIN_BYTES}), because Linux resets instead of ending a connection closed with
     * unread input, and the client might then miss the line.
     */
    private static void refuse(final SocketChannel ch, final String line) {
        try {
            ch.configureBlocking(false);
            ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            final ByteBuffer scratch = ByteBuffer.allocate(4096);
            int drained = 0;
            int n;
            while (drained < DRAIN_BYTES && (n = ch.read(scratch)) > 0) {
                drained += n;
                scratch.clear();
            }
        } catch (final IOException | RuntimeException e) {
            // the client is gone or the channel is registered elsewhere; closing is all that is left
        }
    }

    private void shutdownSelector() {
        try {
            for (final SelectionKey key : selector.keys()) {
                if (key.isValid()) { // a cancelled key's channel belongs to a worker now
                    closeQuietly(key.channel());
                    if (key.attachment() instanceof Reading) {
                        open.decrementAndGet();
                    }
                }
            }
            selector.close();
        } catch (final IOException | ClosedSelectorException e) {
            // closing anyway
        }
    }

    // ---- the workers: run a handler, write its answer ----

    /** One complete request, queued for or run by a worker. */
    private final class Task implements Runnable {
        final SocketChannel ch;
        final String request;
        /** Bytes the client sent after its request line (the start of a body). */
        final byte[] after;
        final long queueDeadline;

        Task(final SocketChannel ch, final String request, final byte[] after, final long queueDeadline) {
            this.ch = ch;
            this.request = request;
            this.after = after;
            this.queueDeadline = queueDeadline;
        }

        @Override
        public void run() {
            try (Selector writable = Selector.open()) {
                final long now = System.nanoTime();
                final long deadline = now + TimeUnit.MILLISECONDS.toNanos(limits.answerTimeoutMillis());
                final long stall = TimeUnit.MILLISECONDS.toNanos(limits.answerStallMillis());
                answer(request, new Answer(ch, writable, deadline, stall), () -> new ChannelBody(ch, after, deadline, stall));
            } catch (final IOException e) {
                record(Reason.CLIENT_GONE, "cannot answer '" + printable(request) + "': " + describe(e));
            } finally {
                open.decrementAndGet();
                closeQuietly(ch);
                try {
                    selector.wakeup(); // the selector thread deregisters the channel, which really closes it
                } catch (final ClosedSelectorException e) {
                    // shut down
                }
            }
        }
    }

    private void answer(final String request, final Answer out, final Supplier<ChannelBody> body) throws IOException {
        Handler h = handlers.get(request);
        for (final Map.Entry<String, BodyHandler> e : bodies.entrySet()) {
            if (h == null && (request.equals(e.getKey()) || request.startsWith(e.getKey() + " "))) {
                final String words = request.substring(e.getKey().length()).trim();
                final BodyHandler bh = e.getValue();
                h = o -> {
                    try (ChannelBody b = body.get()) {
                        o.line(bh.answer(words, b));
                    }
                    return 1;
                };
            }
        }
        final int space = request.indexOf(' ');
        if (h == null && space > 0 && verbs.containsKey(request.substring(0, space))) {
            final java.util.function.Function<String, String> f = verbs.get(request.substring(0, space));
            final String words = request.substring(space + 1);
            h = o -> {
                o.line(f.apply(words));
                return 1;
            };
        }
        if (h == null) {
            record(Reason.UNKNOWN_REQUEST, "unknown request '" + printable(request) + "'");
            out.line("error unknown request '" + printable(request) + "'; known: "
                    + String.join(", ", known()));
            out.flush();
            counters.onAnswered();
            return;
        }
        final int n;
        try {
            n = h.answer(out);
            out.line("end " + n);
            out.flush();
            counters.onAnswered();
        } catch (final AnswerTimeout e) {
            record(Reason.TIMEOUT_ANSWER, "answer to '" + request + "' abandoned: " + e.getMessage());
        } catch (final IOException e) {
            record(Reason.CLIENT_GONE, "the client of '" + request + "' went away: " + describe(e));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt(); // shutting down
        } catch (final RuntimeException | Error e) {
            if (e instanceof VirtualMachineError) {
                throw (VirtualMachineError) e;
            }
            record(Reason.HANDLER_ERROR, "request '" + request + "' failed: " + describe(e));
            try {
                out.line("error request '" + request + "' failed: " + describe(e));
                out.flush();
            } catch (final IOException gone) {
                // the client went away too; the failure is logged
            }
        }
    }

    private java.util.Set<String> known() {
        final java.util.Set<String> k = new TreeSet<>(handlers.keySet());
        for (final String b : bodies.keySet()) {
            k.add(b + " ... (with a body)");
        }
        for (final String v : verbs.keySet()) {
            k.add(v + " ...");
        }
        return k;
    }

    private static int states(final StateSnapshotMailbox snapshots, final Answer out)
            throws IOException, InterruptedException {
        final StateSnapshotRow row = new StateSnapshotRow();
        try {
            return snapshots.read((rows, offset, now) -> {
                try {
                    out.line(StateJsonWriter.LIVE.object(row.wrap(rows, offset), now));
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, SNAPSHOT_TIMEOUT_MILLIS);
        } catch (final UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * The answer being written to one client; owned by one worker. Lines are buffered and written
     * without blocking; while the socket is full the worker waits on its own selector, up to the
     * stall limit and the answer's deadline, then gives up with {@link AnswerTimeout}.
     */
    static final class Answer {
        private final SocketChannel ch;
        private final Selector writable;
        private final long deadline;
        private final long stallNanos;
        private final ByteBuffer buf = ByteBuffer.allocate(ANSWER_BUFFER);
        private SelectionKey key;

        Answer(final SocketChannel ch, final Selector writable, final long deadline, final long stallNanos) {
            this.ch = ch;
            this.writable = writable;
            this.deadline = deadline;
            this.stallNanos = stallNanos;
        }

        /** Adds one line (a newline is appended). */
        void line(final String text) throws IOException {
            final byte[] b = (text + "\n").getBytes(StandardCharsets.UTF_8);
            int off = 0;
            while (off < b.length) {
                if (!buf.hasRemaining()) {
                    flush();
                }
                final int n = Math.min(buf.remaining(), b.length - off);
                buf.put(b, off, n);
                off += n;
            }
        }

        /** Writes everything buffered. */
        void flush() throws IOException {
            buf.flip();
            long stallDeadline = System.nanoTime() + stallNanos;
            while (buf.hasRemaining()) {
                if (ch.write(buf) > 0) {
                    stallDeadline = System.nanoTime() + stallNanos;
                    continue;
                }
                final long now = System.nanoTime();
                final long until = Math.min(stallDeadline, deadline);
                if (now - until >= 0) {
                    throw new AnswerTimeout(until == deadline ? "the answer took longer than its limit"
                            : "the client took no bytes for " + TimeUnit.NANOSECONDS.toMillis(stallNanos) + " ms");
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new IOException("the control server is closing");
                }
                if (key == null) {
                    key = ch.register(writable, SelectionKey.OP_WRITE);
                }
                writable.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - now) + 1));
                writable.selectedKeys().clear();
            }
            buf.clear();
        }
    }

    /**
     * A request's body read from its connection by the worker that answers it: the bytes that came with
     * the request line first, then the channel, without blocking — while nothing arrives the worker
     * waits on a selector of its own, up to the stall limit and the answer's deadline, then gives up
     * with {@link AnswerTimeout}. Memory bound: a 64 KiB read buffer and one line of at most
     * {@link #MAX_BODY_LINE} bytes; a longer line is read to its end and dropped.
     */
    static final class ChannelBody implements Body, AutoCloseable {
        private final SocketChannel ch;
        private final long deadline;
        private final long stallNanos;
        private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(1024);
        private Selector readable;
        private boolean tooLong;
        private boolean ended;

        ChannelBody(final SocketChannel ch, final byte[] first, final long deadline, final long stallNanos) {
            this.ch = ch;
            this.deadline = deadline;
            this.stallNanos = stallNanos;
            in.put(first).flip();
        }

        @Override
        public String next() throws IOException {
            while (true) {
                while (in.hasRemaining()) {
                    final byte b = in.get();
                    if (b == '\n') {
                        return take();
                    }
                    if (line.size() < MAX_BODY_LINE) {
                        line.write(b);
                    } else {
                        tooLong = true;
                    }
                }
                if (ended) {
                    return line.size() > 0 || tooLong ? take() : null;
                }
                fill();
            }
        }

        private String take() {
            final boolean skipped = tooLong;
            final String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            tooLong = false;
            if (skipped) {
                return LINE_TOO_LONG;
            }
            return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }

        private void fill() throws IOException {
            in.clear();
            long stallDeadline = System.nanoTime() + stallNanos;
            while (true) {
                final int n = ch.read(in);
                if (n < 0) {
                    ended = true;
                    break;
                }
                if (n > 0) {
                    break;
                }
                final long now = System.nanoTime();
                final long until = Math.min(stallDeadline, deadline);
                if (now - until >= 0) {
                    throw new AnswerTimeout(until == deadline ? "the request's body took longer than the answer's limit"
                            : "the client sent none of its request's body for "
                                    + TimeUnit.NANOSECONDS.toMillis(stallNanos) + " ms");
                }
                if (readable == null) {
                    readable = Selector.open();
                    ch.register(readable, SelectionKey.OP_READ);
                }
                readable.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - now) + 1));
                readable.selectedKeys().clear();
            }
            in.flip();
        }

        @Override
        public void close() throws IOException {
            if (readable != null) {
                readable.close(); // deregisters the channel, so the answer's selector may take it
                ch.configureBlocking(false);
            }
        }
    }

    /** The client did not take its answer in time. */
    static final class AnswerTimeout extends IOException {
        private static final long serialVersionUID = 1L;

        AnswerTimeout(final String message) {
            super(message);
        }
    }

    // ---- counting, logging, shutdown ----

    private void record(final Reason reason, final String what) {
        final long count = counters.record(reason);
        final AtomicLong last = lastLogged[reason.ordinal()];
        final long now = System.nanoTime();
        final long before = last.get();
        if ((before == Long.MIN_VALUE || now - before >= LOG_INTERVAL_NANOS) && last.compareAndSet(before, now)) {
            log.accept("tandem: control socket: " + what + " [" + reason.metricName() + ", " + count
                    + (count == 1 ? " so far; repeats are logged at most once a minute]" : " so far]"));
        }
    }

    private void logReasonless(final String line) {
        log.accept(line);
    }

    private static String describe(final Throwable e) {
        final String m = e.getMessage();
        final String text = e instanceof IllegalStateException && m != null ? m
                : e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return printable(text);
    }

    /** {@code s} on one line of at most 200 characters, control characters replaced. */
    static String printable(final String s) {
        final StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            final char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (s.length() > 200) {
            b.append("...");
        }
        return b.toString();
    }

    private static void closeQuietly(final java.nio.channels.Channel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (final IOException e) {
                // nothing left to do
            }
        }
    }

    private static void sleepQuietly(final long millis) {
        try {
            Thread.sleep(millis);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Connections open now (reading, queued or being answered); for tests. */
    int openConnections() {
        return open.get();
    }

    /** Removes the socket file only if it is still the socket this server bound. */
    private void removeOwnSocketFile() {
        try {
            final BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (fileKey != null && fileKey.equals(a.fileKey()) && ControlSocketPath.isSocket(path)) {
                Files.delete(path);
            }
        } catch (final IOException e) {
            // gone already, or not ours to remove
        }
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        running = false;
        selector.wakeup();
        if (workers == null) { // bound, never started
            try {
                selector.close();
            } catch (final IOException e) {
                // nothing to release then
            }
            closeQuietly(server);
            removeOwnSocketFile();
            server = null;
            return;
        }
        if (thread != null) {
            try {
                thread.join(2_000);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (final Runnable r : workers.shutdownNow()) {
            if (r instanceof Task t) {
                closeQuietly(t.ch);
                open.decrementAndGet();
            }
        }
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(server);
        removeOwnSocketFile();
        server = null;
    }
}
