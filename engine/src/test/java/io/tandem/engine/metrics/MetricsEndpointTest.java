package io.tandem.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metrics endpoint over real loopback HTTP: paths, methods, and clients that cannot starve a scrape. */
class MetricsEndpointTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> send(final int port, final String method, final String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void onlyGetAndHeadOfMetricsAreAnswered() throws Exception {
        try (MetricsEndpoint e = new MetricsEndpoint(new InetSocketAddress("127.0.0.1", 0), () -> "tandem_x 1\n")) {
            final HttpResponse<String> ok = send(e.port(), "GET", "/metrics");
            assertEquals(200, ok.statusCode());
            assertEquals("tandem_x 1\n", ok.body());
            assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            final HttpResponse<String> head = send(e.port(), "HEAD", "/metrics");
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
            assertEquals(404, send(e.port(), "GET", "/").statusCode());
            assertEquals(404, send(e.port(), "GET", "/metrics/x").statusCode());
            final HttpResponse<String> post = send(e.port(), "POST", "/metrics");
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
            assertEquals(200, send(e.port(), "GET", "/metrics?x=1").statusCode(), "a query string is fine");
            assertEquals(3, e.served());
            assertEquals(2, e.notFound());
            assertEquals(1, e.badMethod());
        }
    }

    @Test
    void idleAndHalfSentClientsDoNotStarveAScrape() throws Exception {
        try (MetricsEndpoint e = new MetricsEndpoint(new InetSocketAddress("127.0.0.1", 0), () -> "tandem_x 1\n")) {
            final List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) { // connected, nothing sent
                    held.add(new Socket("127.0.0.1", e.port()));
                }
                for (int i = 0; i < 2 * MetricsEndpoint.WORKERS; i++) { // part of a request line, then silence
                    final Socket s = new Socket("127.0.0.1", e.port());
                    s.getOutputStream().write("GET /met".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    held.add(s);
                }
                final HttpResponse<String> ok = send(e.port(), "GET", "/metrics");
                assertEquals(200, ok.statusCode(), "served despite 20 idle and 8 half-sent clients");
                // The half-sent ones are given up on after the request timeout: their connections are closed.
                final Socket slow = held.get(held.size() - 1);
                slow.setSoTimeout((MetricsEndpoint.REQUEST_SECONDS + 10) * 1000);
                final InputStream in = slow.getInputStream();
                final long start = System.nanoTime();
                try {
                    while (in.read() >= 0) {
                        // drain whatever the server sends before it closes
                    }
                } catch (final java.net.SocketException reset) {
                    // closed by a reset: given up on, as wanted
                }
                assertTrue(System.nanoTime() - start < (MetricsEndpoint.REQUEST_SECONDS + 10) * 1_000_000_000L);
            } finally {
                for (final Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    void connectionsBeyondTheCapAreClosedAtOnceAndAScrapeGetsThroughBelowIt() throws Exception {
        try (MetricsEndpoint e = new MetricsEndpoint(new InetSocketAddress("127.0.0.1", 0), () -> "tandem_x 1\n")) {
            final List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < MetricsEndpoint.MAX_CONNECTIONS - 1; i++) { // connected, nothing sent
                    held.add(new Socket("127.0.0.1", e.port()));
                }
                Thread.sleep(300); // the dispatcher has accepted them all
                assertEquals(200, send(e.port(), "GET", "/metrics").statusCode(),
                        "served with " + held.size() + " idle connections held, one under the cap");
                for (int i = 0; i < 2; i++) { // the cap is reached; more are closed unread
                    held.add(new Socket("127.0.0.1", e.port()));
                }
                Thread.sleep(300);
                final Socket extra = new Socket("127.0.0.1", e.port());
                held.add(extra);
                extra.setSoTimeout(5_000);
                final long start = System.nanoTime();
                int read;
                try {
                    read = extra.getInputStream().read();
                } catch (final java.net.SocketException reset) {
                    read = -1;
                }
                assertEquals(-1, read, "a connection beyond the cap is closed");
                assertTrue(System.nanoTime() - start < 3_000_000_000L, "at once, not after a timeout");
            } finally {
                for (final Socket s : held) {
                    s.close();
                }
            }
            Thread.sleep(300); // the closed connections are released
            assertEquals(200, send(e.port(), "GET", "/metrics").statusCode(), "and scrapes get through again");
        }
    }

    @Test
    void aRequestWithGarbageIsAnsweredAndTheNextOneWorks() throws Exception {
        try (MetricsEndpoint e = new MetricsEndpoint(new InetSocketAddress("127.0.0.1", 0), () -> "tandem_x 1\n");
                Socket s = new Socket("127.0.0.1", e.port())) {
            final OutputStream out = s.getOutputStream();
            out.write("\u0001\u0002 garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.setSoTimeout(10_000);
            s.getInputStream().readAllBytes(); // the server answers an error or closes; either way it goes on
            assertEquals(200, send(e.port(), "GET", "/metrics").statusCode());
        }
    }
}
