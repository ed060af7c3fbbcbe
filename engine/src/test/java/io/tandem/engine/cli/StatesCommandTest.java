package io.tandem.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.tools.JsonReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem states} prints a state as FreeBSD's {@code pfctl -ss -v} would print the same
 * connection ({@code pf_print_state.c}, {@code print_state}): pf's {@code addr[1]} then
 * {@code addr[0]}, which by the key-slot table (docs/pfsync-wire.md) is {@code server <- client}
 * for a state created entering and {@code client -> server} for one created leaving, with the peer
 * states and TCP windows in the same left-to-right order. The expected lines are written by hand.
 */
class StatesCommandTest {
    private static Map<String, Object> state(final String af, final int proto, final String direction,
            final String src, final int sport, final String dst, final int dport, final int srcState, final int dstState) {
        return JsonReader.object("{\"creatorid\":\"0a0b0c0d\",\"id\":\"000000000000002a\",\"af\":\"" + af
                + "\",\"proto\":" + proto + ",\"src\":\"" + src + "\",\"sport\":" + sport + ",\"dst\":\"" + dst
                + "\",\"dport\":" + dport + ",\"ifindex\":0,\"rule\":3,\"direction\":\"" + direction
                + "\",\"age\":65,\"expire\":86000,\"timeout\":\"tcp.established\",\"packets\":[7,5],\"bytes\":[900,4000],"
                + "\"src_peer\":{\"seqlo\":1000,\"seqhi\":2000,\"max_win\":502,\"mss\":1460,\"state\":" + srcState
                + ",\"wscale\":135},\"dst_peer\":{\"seqlo\":7000,\"seqhi\":9000,\"max_win\":509,\"mss\":1460,\"state\":"
                + dstState + ",\"wscale\":135}}");
    }

    @Test
    void tcpCreatedEnteringPrintsServerFromClientWithTheServersHalfFirst() {
        final String text = StatesCommand.format(state("inet", 6, "in", "10.1.0.10", 40000, "198.51.100.20", 80, 2, 0));
        assertEquals("all tcp 198.51.100.20:80 <- 10.1.0.10:40000       CLOSED:SYN_SENT\n"
                + "   [7000 + 2000] wscale 7  [1000 + 1000] wscale 7\n"
                + "   age 00:01:05, expires in 23:53:20, 7:5 pkts, 900:4000 bytes, rule 3, timeout tcp.established\n"
                + "   id: 000000000000002a creatorid: 0a0b0c0d\n", text);
    }

    @Test
    void tcpCreatedLeavingPrintsClientToServer() {
        final String text = StatesCommand.format(state("inet", 6, "out", "10.1.0.10", 40000, "198.51.100.20", 80, 4, 3));
        assertEquals("all tcp 10.1.0.10:40000 -> 198.51.100.20:80       ESTABLISHED:SYN_RCVD\n"
                + "   [1000 + 1000] wscale 7  [7000 + 2000] wscale 7\n", text.substring(0, text.indexOf("   age")));
    }

    @Test
    void udpIcmpAndIpv6FollowPrintHost() {
        assertEquals("all udp 198.51.100.20:53 <- 10.1.0.10:5353       NO_TRAFFIC:SINGLE\n",
                firstLine(state("inet", 17, "in", "10.1.0.10", 5353, "198.51.100.20", 53, 1, 0)));
        assertEquals("all icmp 10.1.0.10:4660 -> 198.51.100.20:4660       0:0\n",
                firstLine(state("inet", 1, "out", "10.1.0.10", 4660, "198.51.100.20", 4660, 0, 0)));
        assertEquals("all tcp 2001:db8:2::20[443] <- 2001:db8:1::10[40000]       CLOSED:SYN_SENT\n",
                firstLine(state("inet6", 6, "in", "2001:db8:1::10", 40000, "2001:db8:2::20", 443, 2, 0)));
        assertEquals("all ipv6-icmp 2001:db8:1::10[7] -> 2001:db8:2::20[7]       0:0\n",
                firstLine(state("inet6", 58, "out", "2001:db8:1::10", 7, "2001:db8:2::20", 7, 0, 0)));
        assertEquals("all 47 10.1.0.10 -> 198.51.100.20       SINGLE:NO_TRAFFIC\n",
                firstLine(state("inet", 47, "out", "10.1.0.10", 0, "198.51.100.20", 0, 1, 0)));
    }

    private static String firstLine(final Map<String, Object> s) {
        final String text = StatesCommand.format(s);
        return text.substring(0, text.indexOf('\n') + 1);
    }
}
