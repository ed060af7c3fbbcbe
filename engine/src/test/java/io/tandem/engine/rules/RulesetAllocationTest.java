package io.tandem.engine.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.decode.DecodedPacket;
import io.tandem.engine.testing.AllocationMeter;
import org.junit.jupiter.api.Test;

/** The packet path must not allocate: evaluate a 20-rule ruleset a million times and count bytes. */
class RulesetAllocationTest {
    private static final String RULES = String.join("\n",
            "block all",
            "pass in on eth0 proto tcp from 10.0.0.0/8 to any port { 22, 80, 443 }",
            "pass out on eth1 inet proto udp to any port 53",
            "block in quick from { !192.168.0.0/16, 172.16.0.0/12 } to 203.0.113.5",
            "pass proto tcp from any port 1024:65535 to 10.1.0.0/16 port >= 8000",
            "pass inet6 proto tcp from 2001:db8::/32 to 2001:db8:1::/48 port 443",
            "block inet6 from fe80::/10",
            "pass proto icmp all",
            "pass proto icmp6 all keep state (max 100)",
            "block proto udp to any port 1000 >< 2000",
            "block proto udp to any port 1000 <> 60000",
            "pass in log proto { tcp udp } from 10.2.3.4 to 10.5.6.7 port != 25",
            "pass out proto tcp to any port < 1024 flags S/SAFR",
            "block proto gre all",
            "pass on eth9 all",
            "pass from ::1 to ::1 no state",
            "pass proto tcp to { 10.9.0.0/16, 10.8.0.0/16 } port { 22 2222 } flags any",
            "block in proto tcp from any to any port 23",
            "pass inet proto udp from 10.0.0.0/8 port 68 to any port 67",
            "pass out all",
            "");

    @Test
    void evaluateAllocatesNothing() {
        final Ruleset rs = Packets.ruleset(RULES);
        assertEquals(20, rs.size());
        final DecodedPacket[] packets = {
            Packets.tcp4("10.1.2.3", 40000, "10.1.9.9", 8080),
            Packets.udp4("192.168.1.1", 5353, "8.8.8.8", 53),
            Packets.v6(6, "2001:db8::1", 50000, "2001:db8:1::5", 443),
            Packets.v6(58, "fe80::1", 1, "ff02::1", 1),
            Packets.v4(1, "1.1.1.1", 7, "2.2.2.2", 7),
            Packets.udp4("10.2.3.4", 1500, "10.5.6.7", 1500),
        };
        long sink = 0;
        for (int i = 0; i < 200_000; i++) {
            sink += run(rs, packets, i);
        }
        final long[] sinks = {sink};
        final AllocationMeter meter = new AllocationMeter();
        final long allocated = meter.measure(3, () -> {
            for (int i = 0; i < 1_000_000; i++) {
                sinks[0] += run(rs, packets, i);
            }
        });
        assertEquals(0, allocated, "bytes allocated by 1,000,000 evaluate calls; " + meter.rounds());
        assertTrue(sinks[0] != 0);
    }

    private static int run(final Ruleset rs, final DecodedPacket[] packets, final int i) {
        final DecodedPacket p = packets[i % packets.length];
        final int dir = (i & 1) == 0 ? Ruleset.DIR_IN : Ruleset.DIR_OUT;
        final int rule = rs.evaluate(p, dir, (i & 2) == 0 ? 2 : 3);
        rs.recordHit(rule, 60);
        return rule + 2;
    }
}
