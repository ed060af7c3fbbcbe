package io.tandem.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed inputs and the exact {@code FILE:LINE:COLUMN: message} they produce. */
class ConfigErrorTest {

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("frobnicate all",
                        "bad.conf:1:1: unknown keyword 'frobnicate'; expected 'set', 'pass', 'block' or a macro definition"
                                + " (name = \"value\")"),
                Arguments.of("pass\npass in frob",
                        "bad.conf:2:9: unexpected 'frob'"),
                Arguments.of("pass from 10.0.0.256",
                        "bad.conf:1:11: invalid IPv4 address '10.0.0.256'"),
                Arguments.of("pass from 2001:db8:::1",
                        "bad.conf:1:11: invalid IPv6 address '2001:db8:::1'"),
                Arguments.of("pass from 10.0.0.0/33",
                        "bad.conf:1:20: prefix length 33 out of range for inet"),
                Arguments.of("pass to ::/129",
                        "bad.conf:1:12: prefix length 129 out of range for inet6"),
                Arguments.of("pass from www.example.com",
                        "bad.conf:1:11: host names are not resolved; use an address or a macro (got 'www.example.com')"),
                Arguments.of("pass from any port 22",
                        "bad.conf:1:15: port only applies to tcp/udp; add 'proto tcp' or 'proto udp'"),
                Arguments.of("pass proto icmp to any port 7",
                        "bad.conf:1:24: port only applies to tcp/udp; add 'proto tcp' or 'proto udp'"),
                Arguments.of("pass proto tcp to any port x",
                        "bad.conf:1:28: expected a port number, got 'x'"),
                Arguments.of("pass proto tcp to any port 65536",
                        "bad.conf:1:28: port 65536 out of range 0..65535"),
                Arguments.of("pass proto tcp to any port 2000:1000",
                        "bad.conf:1:28: invalid port range 2000:1000: the first port must not exceed the second"),
                Arguments.of("pass proto udp all flags S/SA",
                        "bad.conf:1:20: flags only apply to tcp"),
                Arguments.of("pass proto tcp all flags SA/S",
                        "bad.conf:1:29: flags always false: SA is not within the mask S"),
                Arguments.of("pass proto tcp all flags S/SA flags any",
                        "bad.conf:1:31: duplicate 'flags'"),
                Arguments.of("pass proto tcp all flags Q/SA",
                        "bad.conf:1:26: unknown TCP flag 'Q' in 'Q'; flags are letters of FSRPAUEW"),
                Arguments.of("ext = \"10.0.0.1\"\n\npass in from $ex to any",
                        "bad.conf:3:14: macro 'ex' not defined"),
                Arguments.of("net = \"10.0.0.0/40\"\npass in   from $net",
                        "bad.conf:2:16: prefix length 40 out of range for inet"),
                Arguments.of("a = \"$b\"\nb = \"$a\"\npass from $a",
                        "bad.conf:3:11: macro 'a' expands recursively: $a -> $b -> $a"),
                Arguments.of("pass from { 10.0.0.1, 10.0.0.2",
                        "bad.conf:1:11: unterminated list: '{' without '}'"),
                Arguments.of("pass proto { tcp udp",
                        "bad.conf:1:12: unterminated list: '{' without '}'"),
                Arguments.of("set queue 70000",
                        "bad.conf:1:11: queue 70000 out of range 0..65535"),
                Arguments.of("set queue 1\nset user Tandem",
                        "bad.conf:2:10: expected a user name (lower-case letters, digits, '_' and '-', at most 32"
                                + " characters) or none for user, got 'Tandem'"),
                Arguments.of("set user 998",
                        "bad.conf:1:10: expected a user name (lower-case letters, digits, '_' and '-', at most 32"
                                + " characters) or none for user, got '998'"),
                Arguments.of("set user \"" + "x".repeat(33) + "\"",
                        "bad.conf:1:10: expected a user name (lower-case letters, digits, '_' and '-', at most 32"
                                + " characters) or none for user, got \"" + "x".repeat(33) + "\""),
                Arguments.of("set copy-range 10",
                        "bad.conf:1:16: copy-range 10 out of range 64..65531"),
                Arguments.of("set fail-open maybe",
                        "bad.conf:1:15: expected yes or no for fail-open, got 'maybe'"),
                Arguments.of("set verdict many",
                        "bad.conf:1:13: expected batch or single for verdict, got 'many'"),
                Arguments.of("set rcvbuf 8x",
                        "bad.conf:1:12: expected a size (N, Nk, Nm or Ng) for rcvbuf, got '8x'"),
                Arguments.of("set metrics \"localhost:9108\"",
                        "bad.conf:1:13: metrics must be \"HOST:PORT\" with a literal IP address, got 'localhost:9108'"),
                Arguments.of("set foo 1",
                        "bad.conf:1:5: unknown option 'foo'; known options: queue, cpu, metrics, copy-range,"
                                + " queue-maxlen, fail-open, gso, rcvbuf, batch, verdict, busy-poll, warmup, malformed, skip, hostid, state-policy, user, control, journal, sync, limit, timeout"),
                Arguments.of("set timeout tcp.bogus 5",
                        "bad.conf:1:13: unknown timeout 'tcp.bogus'; known timeouts: tcp.first, tcp.opening,"
                                + " tcp.established, tcp.closing, tcp.finwait, tcp.closed, udp.first, udp.single,"
                                + " udp.multiple, icmp.first, icmp.error, other.first, other.single, other.multiple,"
                                + " frag, interval, adaptive.start, adaptive.end"),
                Arguments.of("set timeout { tcp.first 5, udp.first",
                        "bad.conf:1:37: expected a number for timeout udp.first, got end of line"),
                Arguments.of("set hostid 0x0a0b0g0d",
                        "bad.conf:1:12: expected a number (decimal, or 0x and hex digits) for hostid, got '0x0a0b0g0d'"),
                Arguments.of("set hostid 0x100000000",
                        "bad.conf:1:12: hostid 0x100000000 out of range 0..4294967295"),
                Arguments.of("set hostid 0x",
                        "bad.conf:1:12: expected a number (decimal, or 0x and hex digits) for hostid, got '0x'"),
                Arguments.of("set timeout tcp.first 0x10",
                        "bad.conf:1:23: expected a number for timeout tcp.first, got '0x10'"),
                Arguments.of("set sync peer \"fw-b.example\"",
                        "bad.conf:1:15: sync peer must be a literal IPv4 or IPv6 address, got \"fw-b.example\""),
                Arguments.of("set sync peer \"2001:db8::g\"",
                        "bad.conf:1:15: sync peer must be a literal IPv4 or IPv6 address, got \"2001:db8::g\""),
                Arguments.of("set limit states 0x100",
                        "bad.conf:1:18: expected a number for limit states, got '0x100'"),
                Arguments.of("set limit states 0",
                        "bad.conf:1:18: limit states 0 out of range 1..2147483647"),
                Arguments.of("set queue 1\nset queue 2",
                        "bad.conf:2:5: option 'queue' already set at line 1"),
                Arguments.of("set queue 1 2",
                        "bad.conf:1:13: unexpected '2'; expected end of line"),
                Arguments.of("set timeout { adaptive.start 500 adaptive.end 400 }",
                        "bad.conf:1:34: timeout adaptive.start (500) must be below adaptive.end (400);"
                                + " set both to 0 to disable adaptive timeouts"),
                Arguments.of("block keep state",
                        "bad.conf:1:7: keep state on block rules doesn't make sense"),
                Arguments.of("block return all",
                        "bad.conf:1:7: 'block return' is not supported; Tandem only drops (block drop)"),
                Arguments.of("nat on eth0 from any to any -> 1.2.3.4",
                        "bad.conf:1:1: 'nat' is not supported by Tandem (see docs/configuration.md)"),
                Arguments.of("pass from <trusted>",
                        "bad.conf:1:11: tables are not supported; use a list in braces or a macro"),
                Arguments.of("pass inet6 from 10.0.0.1",
                        "bad.conf:1:17: address family mismatch: source is inet but the rule is inet6"),
                Arguments.of("pass from 10.0.0.1 to ::1",
                        "bad.conf:1:23: address family mismatch: source is inet, destination is inet6"),
                Arguments.of("pass proto bogus",
                        "bad.conf:1:12: unknown protocol 'bogus'"),
                Arguments.of("pass in on",
                        "bad.conf:1:11: expected an interface name, got end of line"),
                Arguments.of("pass from",
                        "bad.conf:1:10: expected an address or 'port', got end of line"),
                Arguments.of("pass all keep state (max 0)",
                        "bad.conf:1:26: expected a state limit 1..2147483647, got '0'"),
                Arguments.of("pass all (max 5)",
                        "bad.conf:1:10: state options '(...)' must follow 'keep state'"),
                Arguments.of("pass from \"10.0.0.1",
                        "bad.conf:1:11: unterminated string"),
                Arguments.of("pass from 10.0.0.1 \\ all",
                        "bad.conf:1:20: unexpected '\\'; a backslash is only allowed at the end of a line"),
                Arguments.of("pass ; all",
                        "bad.conf:1:6: unexpected character ';'"),
                Arguments.of("1abc = \"x\"",
                        "bad.conf:1:1: invalid macro name '1abc'; it must not start with a digit"),
                Arguments.of("pass label \"a\" label \"b\"",
                        "bad.conf:1:16: duplicate 'label'"),
                Arguments.of("pass label",
                        "bad.conf:1:11: expected a label in double quotes after 'label', got end of line"),
                Arguments.of("pass label \"\"",
                        "bad.conf:1:12: empty label"),
                Arguments.of("pass label \"web on $if\"",
                        "bad.conf:1:12: label macros ($if, $srcaddr, $nr, ...) are not supported"),
                Arguments.of("pass label \"" + "x".repeat(64) + "\"",
                        "bad.conf:1:12: label longer than 63 characters"),
                Arguments.of("x =",
                        "bad.conf:1:4: expected a macro value, got end of line"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("errors")
    void error(final String input, final String message) {
        final ConfigException e = assertThrows(ConfigException.class, () -> ConfigParser.parse("bad.conf", input));
        assertEquals(message, e.getMessage());
    }
}
