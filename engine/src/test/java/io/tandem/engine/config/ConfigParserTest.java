package io.tandem.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.rules.Rule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips: input text to normalised text, and the normalised text parses to itself. */
class ConfigParserTest {

    static Stream<Arguments> rules() {
        return Stream.of(
                // actions, defaults: pass keeps state with flags S/SA when TCP can match
                Arguments.of("pass", "pass all flags S/SA keep state"),
                Arguments.of("pass all", "pass all flags S/SA keep state"),
                Arguments.of("block", "block all"),
                Arguments.of("block drop all", "block all"),
                Arguments.of("block in all no state", "block in all"),
                Arguments.of("pass out log quick on eth0 all", "pass out log quick on eth0 all flags S/SA keep state"),
                Arguments.of("pass in quick on eth0.100 inet6 all", "pass in quick on eth0.100 inet6 all flags S/SA keep state"),
                Arguments.of("pass inet all no state", "pass inet all no state"),
                // protocols
                Arguments.of("pass proto udp", "pass proto udp all keep state"),
                Arguments.of("pass proto 17 all", "pass proto udp all keep state"),
                Arguments.of("pass proto { udp tcp }", "pass proto { tcp, udp } all flags S/SA keep state"),
                Arguments.of("pass proto {icmp, icmp6,ipv6-icmp}", "pass proto { icmp, icmp6 } all keep state"),
                Arguments.of("block proto 253", "block proto 253 all"),
                Arguments.of("pass proto tcp flags any", "pass proto tcp all flags any keep state"),
                Arguments.of("pass proto tcp no state", "pass proto tcp all no state"),
                Arguments.of("pass proto tcp flags SA/SAFR keep state (max 100)",
                        "pass proto tcp all flags SA/FSRA keep state (max 100)"),
                Arguments.of("pass proto tcp flags /SA", "pass proto tcp all flags /SA keep state"),
                Arguments.of("block proto tcp flags S/SA", "block proto tcp all flags S/SA"),
                // addresses
                Arguments.of("pass from 10.0.0.1 to any", "pass inet from 10.0.0.1 to any flags S/SA keep state"),
                Arguments.of("pass from 10.1.2.3/8", "pass inet from 10.0.0.0/8 to any flags S/SA keep state"),
                Arguments.of("pass to !192.168.0.0/16", "pass inet from any to !192.168.0.0/16 flags S/SA keep state"),
                Arguments.of("pass from any to 10.0.0.1/32", "pass inet from any to 10.0.0.1 flags S/SA keep state"),
                Arguments.of("pass from 0.0.0.0/0", "pass inet from 0.0.0.0/0 to any flags S/SA keep state"),
                Arguments.of("pass from ::1", "pass inet6 from ::1 to any flags S/SA keep state"),
                Arguments.of("pass from 2001:DB8:0:0:0:0:0:1/64",
                        "pass inet6 from 2001:db8::/64 to any flags S/SA keep state"),
                Arguments.of("pass to fe80::/10", "pass inet6 from any to fe80::/10 flags S/SA keep state"),
                Arguments.of("pass to ::ffff:10.1.2.3", "pass inet6 from any to ::ffff:10.1.2.3 flags S/SA keep state"),
                Arguments.of("pass to ::", "pass inet6 from any to :: flags S/SA keep state"),
                Arguments.of("pass from { 10.0.0.1, 10.0.0.2 !10.0.0.3 }",
                        "pass inet from { 10.0.0.1, 10.0.0.2, !10.0.0.3 } to any flags S/SA keep state"),
                Arguments.of("pass from { 10.0.0.1, ::1 } to any",
                        "pass from { 10.0.0.1, ::1 } to any flags S/SA keep state"),
                Arguments.of("pass from { 10.0.0.1, any }", "pass all flags S/SA keep state"),
                Arguments.of("pass from { 10.0.0.0/8 { 172.16.0.0/12 192.168.0.0/16 } }",
                        "pass inet from { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 } to any flags S/SA keep state"),
                // ports
                Arguments.of("pass proto tcp to port 22", "pass proto tcp from any to any port = 22 flags S/SA keep state"),
                Arguments.of("pass proto tcp to port ssh", "pass proto tcp from any to any port = 22 flags S/SA keep state"),
                Arguments.of("pass proto tcp from port = 22", "pass proto tcp from any port = 22 to any flags S/SA keep state"),
                Arguments.of("pass proto udp to any port != 53", "pass proto udp from any to any port != 53 keep state"),
                Arguments.of("pass proto udp to any port < 1024", "pass proto udp from any to any port < 1024 keep state"),
                Arguments.of("pass proto udp to any port <= 1024", "pass proto udp from any to any port <= 1024 keep state"),
                Arguments.of("pass proto udp to any port > 1024", "pass proto udp from any to any port > 1024 keep state"),
                Arguments.of("pass proto udp to any port >= 1024", "pass proto udp from any to any port >= 1024 keep state"),
                Arguments.of("pass proto udp to any port 1024:2048", "pass proto udp from any to any port 1024:2048 keep state"),
                Arguments.of("pass proto udp to any port 1024 : 2048", "pass proto udp from any to any port 1024:2048 keep state"),
                Arguments.of("pass proto udp to any port 1000 >< 2000", "pass proto udp from any to any port 1000 >< 2000 keep state"),
                Arguments.of("pass proto udp to any port 1000 <> 2000", "pass proto udp from any to any port 1000 <> 2000 keep state"),
                Arguments.of("pass proto { tcp udp } to any port { 53 domain, 80, >= 8000, 0:10 }",
                        "pass proto { tcp, udp } from any to any port { 53, 53, 80, >= 8000, 0:10 } flags S/SA keep state"),
                // labels (pfctl -k label)
                Arguments.of("pass proto tcp to port 80 label \"web servers\"",
                        "pass proto tcp from any to any port = 80 flags S/SA keep state label \"web servers\""),
                Arguments.of("pass label web keep state", "pass all flags S/SA keep state label \"web\""),
                Arguments.of("lbl = \"dns\"\npass proto udp label $lbl", "pass proto udp all keep state label \"dns\""),
                Arguments.of("pass in on em0 inet proto tcp from 10.0.0.0/8 port 1024:65535 to 192.168.1.1 port 443",
                        "pass in on em0 inet proto tcp from 10.0.0.0/8 port 1024:65535 to 192.168.1.1 port = 443"
                                + " flags S/SA keep state"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void ruleRoundTrip(final String input, final String expected) throws ConfigException {
        final TandemConfig c = ConfigParser.parse("t.conf", input + "\n");
        assertEquals(expected + "\n", c.toNormalizedText());
        assertEquals(c.toNormalizedText(), ConfigParser.parse("n.conf", c.toNormalizedText()).toNormalizedText());
    }

    static Stream<Arguments> options() {
        return Stream.of(
                Arguments.of("set queue 258", "set queue 258"),
                Arguments.of("set queue 0", ""),
                Arguments.of("set queue 0:1", "set queue 0:1"),
                Arguments.of("set queue 4:7", "set queue 4:7"),
                Arguments.of("set queue 3:3", "set queue 3"),
                Arguments.of("set cpu 3", "set cpu 3"),
                Arguments.of("set cpu none", ""),
                Arguments.of("set metrics none", "set metrics none"),
                Arguments.of("set metrics \"10.0.0.1:9100\"", "set metrics \"10.0.0.1:9100\""),
                Arguments.of("set metrics 127.0.0.1:9108", ""),
                Arguments.of("set metrics \"[::1]:9108\"", "set metrics \"[::1]:9108\""),
                Arguments.of("set copy-range 1500", "set copy-range 1500"),
                Arguments.of("set queue-maxlen 1024", "set queue-maxlen 1024"),
                Arguments.of("set fail-open no", "set fail-open no"),
                Arguments.of("set gso no", "set gso no"),
                Arguments.of("set rcvbuf 16777216", "set rcvbuf 16m"),
                Arguments.of("set rcvbuf 512k", "set rcvbuf 512k"),
                Arguments.of("set rcvbuf 8M", ""),
                Arguments.of("set rcvbuf 100000", "set rcvbuf 100000"),
                Arguments.of("set batch 1", "set batch 1"),
                Arguments.of("set verdict single", "set verdict single"),
                Arguments.of("set malformed pass", "set malformed pass"),
                Arguments.of("set skip on lo", "set skip on lo"),
                Arguments.of("set skip on { lo eth1 }\nset skip on eth2", "set skip on { lo eth1 eth2 }"),
                Arguments.of("set limit states 200000", "set limit states 200000"),
                Arguments.of("set limit { states 1000 }", "set limit states 1000"),
                Arguments.of("set timeout tcp.established 3600", "set timeout tcp.established 3600"),
                Arguments.of("set timeout { tcp.first 10, udp.first 5 interval 2 }",
                        "set timeout tcp.first 10\nset timeout udp.first 5\nset timeout interval 2"),
                Arguments.of("set timeout { adaptive.start 0, adaptive.end 0 }",
                        "set timeout adaptive.start 0\nset timeout adaptive.end 0"),
                Arguments.of("set limit states 200000\nset timeout adaptive.start 120000", "set limit states 200000"),
                Arguments.of("set user none", "set user none"),
                Arguments.of("set user tandem", ""),
                Arguments.of("set user \"nobody\"", "set user nobody"),
                Arguments.of("set user _fw-1", "set user _fw-1"),
                Arguments.of("set queue 7\npass", "set queue 7\npass all flags S/SA keep state"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void optionRoundTrip(final String input, final String expected) throws ConfigException {
        final TandemConfig c = ConfigParser.parse("t.conf", input);
        assertEquals(expected.isEmpty() ? "" : expected + "\n", c.toNormalizedText());
        assertEquals(c, ConfigParser.parse("n.conf", c.toNormalizedText()));
    }

    @Test
    void defaults() {
        final TandemConfig c = TandemConfig.defaults();
        assertEquals(0, c.queue());
        assertEquals(-1, c.cpu());
        assertEquals("127.0.0.1:9108", c.metricsAddress());
        assertEquals(256, c.copyRange());
        assertEquals(8192, c.queueMaxlen());
        assertTrue(c.failOpen());
        assertTrue(c.gso());
        assertEquals(8 << 20, c.rcvbuf());
        assertEquals(64, c.batch());
        assertEquals(TandemConfig.VerdictMode.BATCH, c.verdictMode());
        assertEquals(TandemConfig.MalformedPolicy.DROP, c.malformedPolicy());
        assertEquals(List.of(), c.skipInterfaces());
        assertEquals(100_000, c.limitStates());
        assertEquals("tandem", c.user());
        final long[] pf = {120, 30, 86400, 900, 45, 90, 60, 30, 60, 20, 10, 60, 30, 60, 30, 10, 60000, 120000};
        for (int i = 0; i < pf.length; i++) {
            assertEquals(pf[i], c.timeout(i), ConfigOption.timeoutByIndex(i).optionName());
        }
        assertEquals(18, ConfigOption.TIMEOUT_COUNT);
        assertEquals("", c.toNormalizedText());
        for (final ConfigOption o : ConfigOption.values()) {
            assertFalse(c.isSet(o));
        }
    }

    @Test
    void typedGetters() throws ConfigException {
        final TandemConfig c = ConfigParser.parse("t.conf", String.join("\n",
                "set queue 3", "set cpu 2", "set metrics none", "set fail-open no", "set verdict single",
                "set malformed pass", "set skip on { lo, eth9 }", "set limit states 1000", "set rcvbuf 1m"));
        assertEquals(3, c.queue());
        assertEquals(2, c.cpu());
        assertNull(c.metricsAddress());
        assertFalse(c.failOpen());
        assertEquals(TandemConfig.VerdictMode.SINGLE, c.verdictMode());
        assertEquals(TandemConfig.MalformedPolicy.PASS, c.malformedPolicy());
        assertEquals(List.of("lo", "eth9"), c.skipInterfaces());
        assertEquals(1 << 20, c.rcvbuf());
        assertNull(ConfigParser.parse("t.conf", "set user none").user());
        assertEquals("nobody", ConfigParser.parse("t.conf", "set user nobody").user());
        assertEquals(600, c.adaptiveStart(), "adaptive.start follows limit states (60%)");
        assertEquals(1200, c.adaptiveEnd(), "adaptive.end follows limit states (120%)");
        assertEquals(120, c.timeout(ConfigOption.TIMEOUT_TCP_FIRST));
    }

    @Test
    void macrosCommentsAndContinuations() throws ConfigException {
        final String text = String.join("\n",
                "# a comment",
                "ext_if = \"eth0\"   # trailing comment",
                "web = \"{ 10.0.0.1 10.0.0.2 }\"",
                "ports = \"{ 80 443 }\"",
                "all_web = \"{\" $web 10.0.0.3 \"}\"",
                "nested = \"$ext_if\"",
                "set queue \\",
                "  5",
                "block in on $ext_if all",
                "pass in on $nested proto tcp \\",
                "    to $all_web port $ports",
                "");
        final TandemConfig c = ConfigParser.parse("m.conf", text);
        assertEquals(String.join("\n",
                "set queue 5",
                "block in on eth0 all",
                "pass in on eth0 inet proto tcp from any to { 10.0.0.1, 10.0.0.2, 10.0.0.3 } port { 80, 443 }"
                        + " flags S/SA keep state",
                ""), c.toNormalizedText());
        final Rule r = c.rules().get(1);
        assertEquals(1, r.number());
        assertEquals(10, r.line());
        assertEquals("m.conf", r.source());
    }

    @Test
    void macroRedefinitionTakesLatestValue() throws ConfigException {
        final TandemConfig c = ConfigParser.parse("m.conf", "a = \"10.0.0.1\"\nb = \"$a\"\na = \"10.0.0.2\"\npass from $b\n");
        assertEquals("pass inet from 10.0.0.2 to any flags S/SA keep state\n", c.toNormalizedText());
    }

    @Test
    void crlfLineEndings() throws ConfigException {
        final TandemConfig c = ConfigParser.parse("w.conf", "set queue 1\r\npass \\\r\n all\r\n");
        assertEquals("set queue 1\npass all flags S/SA keep state\n", c.toNormalizedText());
    }

    @Test
    void queueRangesGiveTheFirstQueueAndTheCountAndRefuseWhatCannotBeBound() throws ConfigException {
        final TandemConfig c = ConfigParser.parse("q.conf", "set queue 4:7\n");
        assertEquals(4, c.queue());
        assertEquals(4, c.queueCount());
        assertEquals(1, ConfigParser.parse("q.conf", "set queue 9\n").queueCount());
        for (final String bad : new String[] {"set queue 2:1", "set queue 0:64", "set queue 1:x", "set queue :3",
                "set queue 0:65536"}) {
            final ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("q.conf", bad + "\n"),
                    bad);
            assertTrue(e.getMessage().contains("queue"), bad + ": " + e.getMessage());
        }
    }

    @Test
    void hostidIsReadAsPfReadsItsNumberHexIncluded() throws ConfigException {
        // pf: `SET HOSTID number`, number = NUMBER (decimal) | STRING read by strtoul(s, &ep, 0).
        assertEquals(0x0a0b0c0dL, ConfigParser.parse("t.conf", "set hostid 0x0a0b0c0d\npass\n").hostId());
        assertEquals(0xFFFFFFFFL, ConfigParser.parse("t.conf", "set hostid 0XFFFFFFFF\npass\n").hostId());
        assertEquals(168496141L, ConfigParser.parse("t.conf", "set hostid 168496141\npass\n").hostId());
        assertEquals(10L, ConfigParser.parse("t.conf", "set hostid 010\npass\n").hostId(),
                "digits only are a decimal NUMBER in pf's lexer, not octal");
    }

    @Test
    void syncPeerIsALiteralIpv4OrIpv6Address() throws ConfigException {
        assertEquals("224.0.0.240", ConfigParser.parse("t.conf", "pass\n").syncPeer());
        assertEquals("198.18.3.2", ConfigParser.parse("t.conf", "set sync peer \"198.18.3.2\"\npass\n").syncPeer());
        assertEquals("ff12::f0", ConfigParser.parse("t.conf", "set sync peer \"FF12:0::F0\"\npass\n").syncPeer(),
                "IPv6 in its canonical form");
        assertEquals("2001:db8:3::2", ConfigParser.parse("t.conf", "set sync peer 2001:db8:3:0::2\npass\n").syncPeer());
    }

    @Test
    void overrides() throws ConfigException {
        final TandemConfig base = ConfigParser.parse("t.conf", "set queue 1\nset skip on lo\npass\n");
        final TandemConfig o = base.withOverride("queue 258").withOverride("set verdict single")
                .withOverride("timeout { tcp.first 5 }").withOverride("skip on eth1");
        assertEquals(258, o.queue());
        assertEquals(1, base.queue(), "the original is unchanged");
        assertEquals(TandemConfig.VerdictMode.SINGLE, o.verdictMode());
        assertEquals(5, o.timeout(0));
        assertEquals(List.of("eth1"), o.skipInterfaces());
        assertEquals(1, o.rules().size());
        final ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> base.withOverride("queue x"));
        assertEquals("<command line>:1:7: expected a number for queue, got 'x'", e.getMessage());
        final ConfigException e2 = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> base.withOverride("foo 1"));
        assertTrue(e2.getMessage().startsWith("<command line>:1:1: unknown option 'foo'; known options: queue, cpu,"),
                e2.getMessage());
    }

    @Test
    void overrideOfLimitMovesDerivedAdaptiveTimeouts() throws ConfigException {
        final TandemConfig o = TandemConfig.defaults().withOverride("limit states 10");
        assertEquals(6, o.adaptiveStart());
        assertEquals(12, o.adaptiveEnd());
    }

    @Test
    void optionTableDrivesHelp() {
        final String help = ConfigOption.helpText();
        for (final ConfigOption o : ConfigOption.values()) {
            assertTrue(help.contains(o.optionName()), o.optionName());
        }
        // Every default, written back as text, parses to itself.
        for (final ConfigOption o : ConfigOption.values()) {
            if (o.kind() == ConfigOption.Kind.IFLIST) {
                continue;
            }
            try {
                final TandemConfig c = ConfigParser.parse("d.conf", "set " + o.optionName() + " " + o.defaultString());
                assertEquals(o.defaultValue(), c.value(o), o.optionName());
            } catch (final ConfigException e) {
                throw new AssertionError(e.getMessage(), e);
            }
        }
    }
}
