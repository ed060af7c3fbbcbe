package io.tandem.engine.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.config.ConfigException;
import io.tandem.engine.config.ConfigParser;
import io.tandem.engine.config.TandemConfig;
import io.tandem.engine.packet.FilterReload;
import io.tandem.engine.packet.PacketThreadMailbox;
import io.tandem.engine.state.StateTimeouts;
import io.tandem.engine.tools.JsonReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Live reload: what may change at run time, what a refused reload leaves in place, and the hand-off
 * to the packet thread (played here by a thread that takes from the mailbox).
 */
class ConfigReloadTest {
    private static TandemConfig parse(final String text) {
        try {
            return ConfigParser.parse("tandem.conf", text);
        } catch (final ConfigException e) {
            throw new AssertionError(e);
        }
    }

    /** A stand-in packet thread: applies whatever it takes, recording it. */
    private static Thread packetThread(final PacketThreadMailbox<FilterReload> mailbox, final AtomicReference<FilterReload> taken) {
        final Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                final PacketThreadMailbox.Request<FilterReload> r = mailbox.take();
                if (r != null) {
                    taken.set(r.payload());
                    r.applied(r.payload().ruleset().size() + " rules");
                }
                Thread.onSpinWait();
            }
        }, "test-packet-thread");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void onlyTimeoutsMalformedAndRulesMayChangeWithoutARestart() {
        final TandemConfig base = parse("set queue 3\nblock all\n");
        assertEquals(List.of(), ConfigReload.restartOnlyChanges(base,
                parse("set queue 3\nset timeout tcp.established 60\nset malformed pass\npass all\n")));
        assertEquals(List.of("queue", "limit states"), ConfigReload.restartOnlyChanges(base,
                parse("set queue 4\nset limit states 5\nblock all\n")));
        assertEquals(List.of("user"), ConfigReload.restartOnlyChanges(base,
                parse("set queue 3\nset user none\nblock all\n")), "set user only changes with a restart");
        assertEquals(List.of(), ConfigReload.restartOnlyChanges(base, parse("set queue 3\nset user tandem\nblock all\n")),
                "the default written out is no change");
        assertEquals(List.of(), ConfigReload.restartOnlyChanges(base, parse("set queue 3\nset warmup 0\nblock all\n")),
                "set warmup acts only at start: a reload accepts it for the next start");
    }

    @Test
    void aGoodConfigurationIsAppliedOnThePacketThreadAndBecomesTheRunningOne() throws Exception {
        final PacketThreadMailbox<FilterReload> mailbox = new PacketThreadMailbox<FilterReload>();
        final AtomicReference<FilterReload> taken = new AtomicReference<>();
        final Thread t = packetThread(mailbox, taken);
        final ByteArrayOutputStream log = new ByteArrayOutputStream();
        final AtomicReference<String> file = new AtomicReference<>(
                "set malformed pass\nblock all\npass proto tcp to port 22\n");
        final ConfigReload reload = new ConfigReload(parse("block all\n"),
                () -> ConfigParser.parse("tandem.conf", file.get()), name -> 0, mailbox,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            final ConfigReload.Outcome ok = reload.reload();
            assertTrue(ok.ok(), ok.message());
            assertEquals("reloaded tandem.conf: 2 rules", ok.message());
            assertEquals(2, taken.get().ruleset().size());
            assertTrue(taken.get().acceptMalformed());
            assertEquals(1, reload.succeeded());
            assertEquals(TandemConfig.MalformedPolicy.PASS, reload.running().malformedPolicy());
            final Map<String, Object> json = JsonReader.object(ok.json());
            assertEquals(Boolean.TRUE, json.get("ok"));
            assertEquals(ok.message(), json.get("message"));
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("tandem: reloaded tandem.conf: 2 rules"));

            // A file that now changes a restart-only option is refused as a whole; nothing reaches the packet thread.
            taken.set(null);
            file.set("set queue 9\npass all\n");
            final ConfigReload.Outcome refused = reload.reload();
            assertFalse(refused.ok());
            assertTrue(refused.message().startsWith("reload failed: changed option queue can only change with a restart"),
                    refused.message());
            assertNull(taken.get());
            assertEquals(1, reload.failed());
            assertEquals(TandemConfig.MalformedPolicy.PASS, reload.running().malformedPolicy(), "still the last good one");

            // A file that does not parse: the error with its place, and the running configuration stays.
            file.set("pass proto tcp to port\n");
            final ConfigReload.Outcome bad = reload.reload();
            assertFalse(bad.ok());
            assertTrue(bad.message().contains("tandem.conf:1:"), bad.message());
            assertTrue(bad.message().endsWith("still running the configuration loaded from tandem.conf"), bad.message());
            assertEquals(2, reload.failed());
            assertNull(taken.get());
        } finally {
            t.interrupt();
        }
    }

    @Test
    void aSourceThatFailsIsRefusedNotThrown() {
        final ConfigReload reload = new ConfigReload(parse("block all\n"), () -> {
            throw new ConfigException("tandem.conf: no such file");
        }, name -> 0, new PacketThreadMailbox<FilterReload>(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        final ConfigReload.Outcome o = reload.reload();
        assertFalse(o.ok());
        assertTrue(o.message().contains("tandem.conf: no such file"), o.message());
        assertEquals(1, reload.failed());
    }

    @Test
    void aReloadThePacketThreadDoesNotTakeIsWithdrawnUnchanged() {
        final PacketThreadMailbox<FilterReload> mailbox = new PacketThreadMailbox<FilterReload>();
        final FilterReload r = new FilterReload(parse("block all\n").compileRuleset(name -> 0),
                StateTimeouts.defaults(100), false);
        final PacketThreadMailbox.ReloadException e = assertThrows(PacketThreadMailbox.ReloadException.class,
                () -> mailbox.apply(r, 50, TimeUnit.MILLISECONDS));
        assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
        assertNull(mailbox.take(), "withdrawn: a packet thread coming later finds nothing");
    }
}
