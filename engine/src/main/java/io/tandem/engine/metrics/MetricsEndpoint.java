package io.tandem.engine.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The HTTP side of the metrics endpoint: {@code GET /metrics} (and {@code HEAD}) answers the
 * Prometheus text format; any other path is 404, any other method on {@code /metrics} 405 with
 * {@code Allow: GET, HEAD}.
 *
 * <p><b>Threads.</b> The JDK's HTTP server: one dispatcher thread accepts connections and waits for
 * their requests without holding a worker; {@link #WORKERS} worker threads ({@code tandem-metrics-N},
 * daemons) read each request and write its answer, with at most {@link #QUEUED} requests waiting for
 * a worker. A request that finds the queue full is not served (the connection is closed; Prometheus
 * counts a failed scrape and retries at the next interval). <b>Timeouts</b> (the JDK server's own,
 * set before it is first used): a request must arrive within {@link #REQUEST_SECONDS} s and its
 * answer be taken within {@link #RESPONSE_SECONDS} s, an idle keep-alive connection is closed after
 * {@link #IDLE_SECONDS} s, and at most {@link #MAX_IDLE_CONNECTIONS} idle connections are kept. So idle
 * connections hold no worker, and a client that sends part of a request holds one for at most
 * {@link #REQUEST_SECONDS} s (under Prometheus' default 10 s scrape timeout). <b>Connections:</b> at most
 * {@link #MAX_CONNECTIONS} are open at once, idle, reading or being answered ({@code
 * jdk.httpserver.maxConnections}); the dispatcher closes a connection beyond that as soon as it accepts it,
 * before reading a byte, so a flood of connections costs neither memory nor a worker and a scrape gets
 * through as long as fewer are held. The JDK server offers no hook there, so those refusals are not counted:
 * the client only sees its connection closed. <b>Memory:</b> the
 * scrape text per request and {@link #MAX_CONNECTIONS} connections' buffers. <b>Failure policy:</b> an exception while answering closes that connection only, and
 * is counted ({@link #errors}).
 */
final class MetricsEndpoint implements AutoCloseable {
    static final int WORKERS = 4;
    static final int QUEUED = 32;
    static final int REQUEST_SECONDS = 5;
    static final int RESPONSE_SECONDS = 10;
    static final int IDLE_SECONDS = 30;
    static final int MAX_IDLE_CONNECTIONS = 32;
    static final int MAX_CONNECTIONS = 64;

    static {
        // Read once by the JDK server's configuration class; the engine runs one endpoint per process.
        System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
        System.setProperty("sun.net.httpserver.maxRspTime", Integer.toString(RESPONSE_SECONDS));
        System.setProperty("sun.net.httpserver.idleInterval", Integer.toString(IDLE_SECONDS));
        System.setProperty("sun.net.httpserver.maxIdleConnections", Integer.toString(MAX_IDLE_CONNECTIONS));
        System.setProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    }

    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final Supplier<String> scrape;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong notFound = new AtomicLong();
    private final AtomicLong badMethod = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    MetricsEndpoint(final InetSocketAddress address, final Supplier<String> scrape) throws IOException {
        this(bind(address), scrape);
    }

    /** Binds {@code address} (a port below 1024 needs root) without serving yet. */
    static HttpServer bind(final InetSocketAddress address) throws IOException {
        return HttpServer.create(address, 64);
    }

    /** Serves on {@code bound}, a server from {@link #bind}. */
    MetricsEndpoint(final HttpServer bound, final Supplier<String> scrape) {
        this.scrape = scrape;
        final AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED),
                r -> {
                    final Thread t = new Thread(r, "tandem-metrics-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (r, pool) -> {
                    rejected.incrementAndGet();
                    throw new RejectedExecutionException("metrics endpoint busy");
                });
        this.server = bound;
        server.createContext("/", this::handle);
        server.setExecutor(workers);
        server.start();
    }

    private void handle(final HttpExchange exchange) throws IOException {
        try (exchange) {
            final String path = exchange.getRequestURI().getPath();
            if (!"/metrics".equals(path)) {
                notFound.incrementAndGet();
                answer(exchange, 404, "not found: the metrics are at /metrics\n", false);
                return;
            }
            final String method = exchange.getRequestMethod();
            final boolean head = "HEAD".equals(method);
            if (!"GET".equals(method) && !head) {
                badMethod.incrementAndGet();
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                answer(exchange, 405, "method not allowed: GET or HEAD\n", false);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            answer(exchange, 200, scrape.get(), head);
            served.incrementAndGet();
        } catch (final IOException | RuntimeException e) {
            errors.incrementAndGet();
            throw e;
        }
    }

    private static void answer(final HttpExchange exchange, final int status, final String body, final boolean head)
            throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (head) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(bytes.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    long served() {
        return served.get();
    }

    long notFound() {
        return notFound.get();
    }

    long badMethod() {
        return badMethod.get();
    }

    long errors() {
        return errors.get();
    }

    long rejected() {
        return rejected.get();
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }
}
