package io.tandem.engine.rules;

import static io.tandem.engine.rules.Packets.ruleset;
import static io.tandem.engine.rules.Packets.tcp4;
import static io.tandem.engine.rules.Packets.udp4;
import static io.tandem.engine.rules.Packets.v4;
import static io.tandem.engine.rules.Packets.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** pf semantics of the compiled ruleset over hand-filled packets. */
class RulesetTest {
    private static final int IN = Ruleset.DIR_IN;
    private static final int OUT = Ruleset.DIR_OUT;

    @Test
    void emptyRulesetPassesByDefault() {
        final Ruleset rs = ruleset("");
        assertEquals(0, rs.size());
        assertEquals(-1, rs.evaluate(tcp4("10.0.0.1", 1000, "10.0.0.2", 80), IN, 2));
        assertTrue(rs.isPass(-1));
        assertFalse(rs.keepState(-1));
        assertEquals("pass all no state", rs.ruleText(-1));
    }

    @Test
    void lastMatchWins() {
        final Ruleset rs = ruleset("block all\npass proto udp all\nblock proto udp to 10.0.0.9\n");
        assertEquals(1, rs.evaluate(udp4("10.0.0.1", 1, "10.0.0.2", 53), IN, 2));
        assertTrue(rs.isPass(1));
        assertTrue(rs.keepState(1));
        assertEquals(2, rs.evaluate(udp4("10.0.0.1", 1, "10.0.0.9", 53), IN, 2));
        assertFalse(rs.isPass(2));
        assertFalse(rs.keepState(2));
        assertEquals(0, rs.evaluate(v4(47, "10.0.0.1", 0, "10.0.0.2", 0), IN, 2));
    }

    @Test
    void quickStopsEvaluation() {
        final Ruleset rs = ruleset("block quick proto udp to 10.0.0.9\npass proto udp all\n");
        assertEquals(0, rs.evaluate(udp4("10.0.0.1", 1, "10.0.0.9", 53), IN, 2));
        assertEquals(1, rs.evaluate(udp4("10.0.0.1", 1, "10.0.0.8", 53), IN, 2));
        final Ruleset rs2 = ruleset("pass quick all no state\nblock all\n");
        assertEquals(0, rs2.evaluate(udp4("10.0.0.1", 1, "10.0.0.8", 53), IN, 2));
    }

    @Test
    void defaultPassWhenNothingMatches() {
        final Ruleset rs = ruleset("block proto tcp all\n");
        assertEquals(-1, rs.evaluate(udp4("10.0.0.1", 1, "10.0.0.9", 53), IN, 2));
        assertTrue(rs.isPass(-1));
    }

    @Test
    void directions() {
        final Ruleset rs = ruleset("block in all\nblock out proto udp all\n");
        final DecodedPacket u = udp4("10.0.0.1", 1, "10.0.0.9", 53);
        assertEquals(0, rs.evaluate(u, IN, 2));
        assertEquals(1, rs.evaluate(u, OUT, 2));
        assertEquals(-1, rs.evaluate(tcp4("10.0.0.1", 1, "10.0.0.9", 53), OUT, 2));
        final Ruleset both = ruleset("block all no state\n");
        assertEquals(0, both.evaluate(u, IN, 2));
        assertEquals(0, both.evaluate(u, OUT, 2));
    }

    @Test
    void interfaces() {
        final Ruleset rs = ruleset("block on eth0 all\nblock in on eth9 all\n");
        assertEquals(List.of("rule 1 (test.conf:2): interface 'eth9' not found; the rule never matches"), rs.warnings());
        final DecodedPacket u = udp4("10.0.0.1", 1, "10.0.0.9", 53);
        assertEquals(0, rs.evaluate(u, IN, 2));
        assertEquals(0, rs.evaluate(u, OUT, 2));
        assertEquals(-1, rs.evaluate(u, IN, 3));
        assertEquals(-1, rs.evaluate(u, IN, 0));
        assertEquals(-1, rs.evaluate(u, IN, -1));
    }

    @Test
    void families() {
        final Ruleset rs = ruleset("block inet all\nblock inet6 proto udp all\n");
        assertEquals(0, rs.evaluate(udp4("10.0.0.1", 1, "10.0.0.9", 53), IN, 2));
        assertEquals(1, rs.evaluate(v6(17, "::1", 1, "::2", 53), IN, 2));
        assertEquals(-1, rs.evaluate(v6(6, "::1", 1, "::2", 53), IN, 2));
    }

    @Test
    void familyImpliedByLiterals() {
        // "any" would match an IPv6 packet whose low bits equal 10.0.0.1; the inet literal must not.
        final Ruleset rs = ruleset("block to 10.0.0.1\nblock to !10.0.0.2\nblock to ::a00:1\n");
        final DecodedPacket v6 = v6(17, "::1", 1, "::10.0.0.1", 53);
        assertEquals(2, rs.evaluate(v6, IN, 2), "only the inet6 rule matches an IPv6 packet");
        assertEquals("block inet from any to 10.0.0.1", rs.ruleText(0));
        assertEquals(1, rs.evaluate(udp4("1.1.1.1", 1, "10.0.0.1", 53), IN, 2), "rules 0 and 1 match, last wins");
        assertEquals(1, rs.evaluate(udp4("1.1.1.1", 1, "10.0.0.3", 53), IN, 2));
        assertEquals(-1, rs.evaluate(udp4("1.1.1.1", 1, "10.0.0.2", 53), IN, 2));
    }

    @Test
    void negationAndLists() {
        final Ruleset rs = ruleset("block from !10.0.0.0/8\npass from { 192.168.1.1, 172.16.0.0/12 } no state\n");
        assertEquals(0, rs.evaluate(udp4("11.0.0.1", 1, "10.0.0.1", 53), IN, 2));
        assertEquals(-1, rs.evaluate(udp4("10.200.0.1", 1, "10.0.0.1", 53), IN, 2));
        assertEquals(1, rs.evaluate(udp4("192.168.1.1", 1, "10.0.0.1", 53), IN, 2));
        assertEquals(1, rs.evaluate(udp4("172.31.255.255", 1, "10.0.0.1", 53), IN, 2));
        assertEquals(0, rs.evaluate(udp4("172.32.0.0", 1, "10.0.0.1", 53), IN, 2));
        // pf's list of negations: each item is its own expansion, so together they match everything.
        final Ruleset neg = ruleset("block from { !10.0.0.1, !10.0.0.2 }\n");
        assertEquals(0, neg.evaluate(udp4("10.0.0.1", 1, "1.1.1.1", 53), IN, 2));
        assertEquals(0, neg.evaluate(udp4("10.0.0.2", 1, "1.1.1.1", 53), IN, 2));
        // Mixed-family list: each item matches only its own family.
        final Ruleset mixed = ruleset("block to { 10.0.0.1, 2001:db8::/32 }\n");
        assertEquals(0, mixed.evaluate(udp4("1.1.1.1", 1, "10.0.0.1", 53), IN, 2));
        assertEquals(0, mixed.evaluate(v6(17, "::1", 1, "2001:db8:ffff::1", 53), IN, 2));
        assertEquals(-1, mixed.evaluate(v6(17, "::1", 1, "2001:db9::1", 53), IN, 2));
        assertEquals(-1, mixed.evaluate(udp4("1.1.1.1", 1, "10.0.0.2", 53), IN, 2));
    }

    @Test
    void protocols() {
        final Ruleset rs = ruleset("block proto { icmp 58 253 }\n");
        assertEquals(0, rs.evaluate(v4(1, "1.1.1.1", 7, "2.2.2.2", 7), IN, 2));
        assertEquals(0, rs.evaluate(v6(58, "::1", 7, "::2", 7), IN, 2));
        assertEquals(0, rs.evaluate(v4(253, "1.1.1.1", 0, "2.2.2.2", 0), IN, 2));
        assertEquals(-1, rs.evaluate(v4(254, "1.1.1.1", 0, "2.2.2.2", 0), IN, 2));
        assertEquals(-1, rs.evaluate(v4(0, "1.1.1.1", 0, "2.2.2.2", 0), IN, 2));
        assertEquals(-1, rs.evaluate(udp4("1.1.1.1", 0, "2.2.2.2", 0), IN, 2));
        final Ruleset high = ruleset("block proto { 0 63 64 127 128 255 }\n");
        for (final int p : new int[] {0, 63, 64, 127, 128, 255}) {
            assertEquals(0, high.evaluate(v4(p, "1.1.1.1", 0, "2.2.2.2", 0), IN, 2), "proto " + p);
        }
        for (final int p : new int[] {1, 62, 65, 126, 129, 254}) {
            assertEquals(-1, high.evaluate(v4(p, "1.1.1.1", 0, "2.2.2.2", 0), IN, 2), "proto " + p);
        }
    }

    @ParameterizedTest(name = "port {0} vs {1}")
    @CsvSource({
        "'= 80', 80, true", "'= 80', 81, false", "'= 0', 0, true", "'= 65535', 65535, true", "'= 65535', 0, false",
        "'!= 80', 80, false", "'!= 80', 81, true", "'!= 0', 0, false", "'!= 0', 65535, true",
        "'< 1024', 1023, true", "'< 1024', 1024, false", "'< 0', 0, false", "'< 65535', 65535, false",
        "'<= 1024', 1024, true", "'<= 1024', 1025, false", "'<= 0', 0, true", "'<= 65535', 65535, true",
        "'> 1024', 1025, true", "'> 1024', 1024, false", "'> 65535', 65535, false", "'> 0', 0, false",
        "'> 0', 1, true",
        "'>= 1024', 1024, true", "'>= 1024', 1023, false", "'>= 0', 0, true", "'>= 65535', 65535, true",
        "'1000:2000', 999, false", "'1000:2000', 1000, true", "'1000:2000', 2000, true", "'1000:2000', 2001, false",
        "'0:0', 0, true", "'0:65535', 0, true", "'0:65535', 65535, true", "'65535:65535', 65534, false",
        "'1000 >< 2000', 1000, false", "'1000 >< 2000', 1001, true", "'1000 >< 2000', 1999, true",
        "'1000 >< 2000', 2000, false",
        "'1000 <> 2000', 999, true", "'1000 <> 2000', 1000, false", "'1000 <> 2000', 2000, false",
        "'1000 <> 2000', 2001, true", "'0 <> 65535', 0, false", "'0 <> 65535', 65535, false",
        "'{ 22 80 443 }', 80, true", "'{ 22 80 443 }', 81, false", "'{ < 10, > 60000 }', 5, true",
        "'{ < 10, > 60000 }', 60001, true", "'{ < 10, > 60000 }', 100, false", "'{ ssh, https }', 443, true",
    })
    void portOperators(final String spec, final int port, final boolean match) {
        final Ruleset dst = ruleset("block proto { tcp udp } to any port " + spec + "\n");
        assertEquals(match ? 0 : -1, dst.evaluate(udp4("1.1.1.1", 7, "2.2.2.2", port), IN, 2), "dst " + spec);
        final Ruleset src = ruleset("block proto { tcp udp } from any port " + spec + "\n");
        assertEquals(match ? 0 : -1, src.evaluate(udp4("1.1.1.1", port, "2.2.2.2", 7), IN, 2), "src " + spec);
    }

    @Test
    void laterFragmentsDoNotMatchPortOrFlagRules() {
        final Ruleset rs = ruleset("block proto udp to any port 53\n");
        final DecodedPacket frag = udp4("1.1.1.1", 0, "2.2.2.2", 0);
        frag.l4Offset = -1;
        frag.fragment = true;
        frag.dstPort = 53;
        assertEquals(-1, rs.evaluate(frag, IN, 2));
        final Ruleset flags = ruleset("block proto tcp flags S/SA\nblock proto udp all\n");
        final DecodedPacket tfrag = tcp4("1.1.1.1", 0, "2.2.2.2", 0);
        tfrag.l4Offset = -1;
        assertEquals(-1, flags.evaluate(tfrag, IN, 2));
        frag.dstPort = 0;
        assertEquals(1, flags.evaluate(frag, IN, 2));
    }

    @Test
    void flagsSynVersusSynAck() {
        final Ruleset rs = ruleset("block all\npass proto tcp to any port 22\n");
        assertEquals("pass proto tcp from any to any port = 22 flags S/SA keep state", rs.ruleText(1));
        final DecodedPacket syn = tcp4("1.1.1.1", 40000, "2.2.2.2", 22);
        syn.tcpFlags = DecodedPacket.TH_SYN;
        assertEquals(1, rs.evaluate(syn, IN, 2));
        syn.tcpFlags = DecodedPacket.TH_SYN | DecodedPacket.TH_ACK;
        assertEquals(0, rs.evaluate(syn, IN, 2));
        syn.tcpFlags = DecodedPacket.TH_ACK;
        assertEquals(0, rs.evaluate(syn, IN, 2));
        syn.tcpFlags = DecodedPacket.TH_SYN | DecodedPacket.TH_ECE | DecodedPacket.TH_CWR;
        assertEquals(1, rs.evaluate(syn, IN, 2), "ECN setup SYN matches S/SA");
        final Ruleset any = ruleset("block all\npass proto tcp flags any\n");
        syn.tcpFlags = DecodedPacket.TH_ACK;
        assertEquals(1, any.evaluate(syn, IN, 2));
        // flags of "pass all" only apply to TCP packets
        final Ruleset all = ruleset("block all\npass all\n");
        assertEquals(1, all.evaluate(udp4("1.1.1.1", 1, "2.2.2.2", 2), IN, 2));
        assertEquals(0, all.evaluate(syn, IN, 2), "mid-stream ACK does not match pass all (flags S/SA)");
    }

    @ParameterizedTest(name = "/{0}")
    @CsvSource({"0", "1", "63", "64", "65", "127", "128"})
    void ipv6PrefixesAcrossTheWordBoundary(final int len) {
        final String net = "8000:0000:0000:0001:8000:0000:0000:0001";
        final Ruleset rs = ruleset("block to " + net + "/" + len + "\n");
        final long[] base = Addresses.parseInet6(net);
        final DecodedPacket p = v6(17, "::1", 1, net, 53);
        assertEquals(0, rs.evaluate(p, IN, 2), "the network address itself");
        // Flip each bit in turn: inside the prefix it must miss, after it it must still match.
        for (int bit = 0; bit < 128; bit++) {
            p.dstHi = bit < 64 ? base[0] ^ (1L << (63 - bit)) : base[0];
            p.dstLo = bit < 64 ? base[1] : base[1] ^ (1L << (127 - bit));
            assertEquals(bit < len ? -1 : 0, rs.evaluate(p, IN, 2), "/" + len + " bit " + bit);
        }
        assertEquals(-1, rs.evaluate(udp4("1.1.1.1", 1, "2.2.2.2", 2), IN, 2), "never an IPv4 packet");
    }

    @ParameterizedTest(name = "/{0}")
    @CsvSource({"0", "1", "8", "31", "32"})
    void ipv4Prefixes(final int len) {
        final Ruleset rs = ruleset("block to 128.0.0.1/" + len + "\n");
        final DecodedPacket p = udp4("1.1.1.1", 1, "128.0.0.1", 2);
        assertEquals(0, rs.evaluate(p, IN, 2));
        for (int bit = 0; bit < 32; bit++) {
            p.dstLo = 0x8000_0001L ^ (1L << (31 - bit));
            assertEquals(bit < len ? -1 : 0, rs.evaluate(p, IN, 2), "/" + len + " bit " + bit);
        }
    }

    @Test
    void countersAndAccessors() {
        final Ruleset rs = ruleset("pass proto tcp all keep state (max 10)\nblock in log proto udp all\n");
        assertEquals(2, rs.size());
        assertEquals(10, rs.maxStates(0));
        assertEquals(0, rs.maxStates(1));
        assertTrue(rs.log(1));
        final DecodedPacket u = udp4("1.1.1.1", 1, "2.2.2.2", 2);
        final int r = rs.evaluate(u, IN, 2);
        assertEquals(1, r);
        rs.recordHit(r, 100);
        rs.recordHit(r, 50);
        rs.recordHit(-1, 7);
        assertEquals(2, rs.packets(1));
        assertEquals(150, rs.bytes(1));
        assertEquals(1, rs.packets(-1));
        assertEquals(7, rs.bytes(-1));
        assertEquals(1, rs.evaluations(0));
        assertEquals(1, rs.evaluations(1));
        assertEquals("pass proto tcp all flags S/SA keep state (max 10)\nblock in log proto udp all\n", rs.toText());
        assertEquals(1, rs.rule(1).number());
    }

    @Test
    void forwardedPacketIsEvaluatedInAndOut() {
        // As pf: a forwarded packet passes only if it passes in on its input and out on its output interface.
        final Ruleset rs = ruleset("block out on eth1 proto udp to any port 53\n");
        final DecodedPacket u = udp4("10.0.0.1", 1000, "8.8.8.8", 53);
        final boolean passes = rs.isPass(rs.evaluate(u, IN, 2)) && rs.isPass(rs.evaluate(u, OUT, 3));
        assertFalse(passes);
    }
}
